// DapClient against a scripted in-memory peer: sequence numbers, matching, failures, timeouts,
// cancellation, forward() re-sequencing, and close. (Real Delve: test/integration/delve.test.ts.)
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DapClient } from '../../src/delve/dapClient.js';
import { DapConnection, DapFrameDecoder, encodeDapMessage } from '../../src/delve/dapConnection.js';
import { DapCancelledError, DapClosedError, DapRequestError, DapTimeoutError } from '../../src/delve/errors.js';

/** A peer that records requests and lets the test answer them. */
function pair(): {
  client: DapClient;
  requests: DebugProtocol.Request[];
  reply(m: object): void;
  next(): Promise<DebugProtocol.Request>;
  end(): void;
} {
  const toClient = new PassThrough();
  const fromClient = new PassThrough();
  const conn = new DapConnection(toClient, fromClient);
  const trace: string[] = [];
  const client = new DapClient(conn, { defaultTimeoutMs: 2000, trace: (c, m) => trace.push(`${c} ${m}`) });
  const requests: DebugProtocol.Request[] = [];
  const waiters: ((r: DebugProtocol.Request) => void)[] = [];
  const dec = new DapFrameDecoder();
  fromClient.on('data', (b: Buffer) => {
    for (const m of dec.push(b)) {
      requests.push(m as DebugProtocol.Request);
      waiters.shift()?.(m as DebugProtocol.Request);
    }
  });
  let seen = 0;
  return {
    client,
    requests,
    reply: (m) => toClient.write(encodeDapMessage(m as DebugProtocol.ProtocolMessage)),
    next: () =>
      requests.length > seen
        ? Promise.resolve(requests[seen++]!)
        : new Promise((r) => waiters.push((q) => (seen++, r(q)))),
    end: () => toClient.end(),
  };
}

const ok = (req: DebugProtocol.Request, body: object = {}): DebugProtocol.Response => ({
  seq: 0,
  type: 'response',
  request_seq: req.seq,
  command: req.command,
  success: true,
  body,
});

describe('DapClient', () => {
  it('numbers requests and matches responses that arrive out of order', async () => {
    const p = pair();
    const a = p.client.request('threads', undefined);
    const b = p.client.request('evaluate', { expression: '1+1' });
    const ra = await p.next();
    const rb = await p.next();
    assert.deepEqual([ra.seq, rb.seq], [1, 2]);
    assert.equal(rb.arguments.expression, '1+1');
    p.reply(ok(rb, { result: '2', variablesReference: 0 }));
    p.reply(ok(ra, { threads: [{ id: 1, name: 'g' }] }));
    assert.equal((await b).body.result, '2');
    assert.equal((await a).body.threads[0]!.name, 'g');
    p.client.close();
  });

  it("turns a failure response into DapRequestError with Delve's message", async () => {
    const p = pair();
    const r = p.client.request('launch', { mode: 'core' });
    const q = await p.next();
    p.reply({
      ...ok(q),
      success: false,
      message: 'Failed to launch',
      body: {
        error: { id: 3000, format: 'Failed to launch: could not open {what}', variables: { what: 'debug info' } },
      },
    });
    await assert.rejects(r, (e: unknown) => {
      assert.ok(e instanceof DapRequestError);
      assert.equal(e.command, 'launch');
      assert.equal(e.delveMessage, 'Failed to launch: could not open debug info');
      return true;
    });
    p.client.close();
  });

  it('times out, drops the late response, and keeps working', async () => {
    const p = pair();
    await assert.rejects(p.client.request('threads', undefined, { timeoutMs: 30 }), DapTimeoutError);
    const q = await p.next();
    p.reply(ok(q, { threads: [] })); // late: ignored
    const r2 = p.client.request('threads', undefined);
    p.reply(ok(await p.next(), { threads: [{ id: 5, name: 'x' }] }));
    assert.equal((await r2).body.threads[0]!.id, 5);
    assert.equal(p.client.pendingCount, 0);
    p.client.close();
  });

  it('cancels with an AbortSignal, sending DAP cancel only when supported', async () => {
    const p = pair();
    const ac = new AbortController();
    const r = p.client.request('stackTrace', { threadId: 1 }, { signal: ac.signal });
    await p.next();
    ac.abort();
    await assert.rejects(r, DapCancelledError);
    p.client.supportsCancelRequest = true;
    const ac2 = new AbortController();
    const r2 = p.client.request('stackTrace', { threadId: 1 }, { signal: ac2.signal });
    const q2 = await p.next();
    ac2.abort();
    await assert.rejects(r2, DapCancelledError);
    const cancel = await p.next();
    assert.equal(cancel.command, 'cancel');
    assert.equal(cancel.arguments.requestId, q2.seq);
    await assert.rejects(p.client.request('threads', undefined, { signal: AbortSignal.abort() }), DapCancelledError);
    p.client.close();
  });

  it('forward() re-sequences a foreign request and maps the response back', async () => {
    const p = pair();
    await Promise.all([p.client.request('threads', undefined), p.next().then((q) => p.reply(ok(q, { threads: [] })))]);
    const foreign: DebugProtocol.Request = {
      seq: 41,
      type: 'request',
      command: 'scopes',
      arguments: { frameId: 1000 },
    };
    const f = p.client.forward(foreign);
    const q = await p.next();
    assert.equal(q.seq, 2);
    assert.deepEqual(q.arguments, { frameId: 1000 });
    p.reply({ ...ok(q), success: false, message: 'Unable to find frame' });
    const r = await f;
    assert.equal(r.request_seq, 41);
    assert.equal(r.success, false);
    assert.equal(r.message, 'Unable to find frame');
    const t = await p.client.forward({ ...foreign, seq: 42 }, { timeoutMs: 20 });
    assert.equal(t.request_seq, 42);
    assert.equal(t.success, false);
    assert.match(t.message ?? '', /did not answer/);
    p.client.close();
  });

  it('delivers events by name and waits for one', async () => {
    const p = pair();
    const seen: string[] = [];
    const sub = p.client.onEvent('stopped', (e) => seen.push(e.event));
    const w = p.client.waitForEvent('stopped');
    p.reply({ seq: 0, type: 'event', event: 'output', body: { output: 'x' } });
    p.reply({ seq: 0, type: 'event', event: 'stopped', body: { reason: 'exception', threadId: 3 } });
    assert.equal(((await w) as DebugProtocol.StoppedEvent).body.threadId, 3);
    assert.deepEqual(seen, ['stopped']);
    sub.dispose();
    p.client.close();
  });

  it('rejects pending requests with DapClosedError when the peer goes away', async () => {
    const p = pair();
    const r = p.client.request('threads', undefined);
    const closed = new Promise<string>((res) => p.client.onClosed(res));
    await p.next();
    p.end();
    await assert.rejects(r, DapClosedError);
    assert.match(await closed, /closed/);
    await assert.rejects(p.client.request('threads', undefined), /session has ended/);
  });
});
