// The log line Delve's core session writes once the core is open names the goroutine it stopped on,
// or says that none was running (a deadlock's core: Delve's stopped event carries no thread id).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { stoppedOn } from '../../src/delve/coreSession.js';

const stopped = (threadId: number | undefined): DebugProtocol.StoppedEvent => ({
  seq: 1,
  type: 'event',
  event: 'stopped',
  body: { reason: 'exception', ...(threadId !== undefined ? { threadId } : {}) },
});

test('stoppedOn names the goroutine, or says none was running; never "undefined"', () => {
  assert.equal(stoppedOn(stopped(1)), 'stopped on goroutine 1');
  for (const e of [stopped(undefined), stopped(0), stopped(-1)]) {
    const text = stoppedOn(e);
    assert.doesNotMatch(text, /undefined|-1/);
    assert.match(text, /no goroutine running/);
  }
});
