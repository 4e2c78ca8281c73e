// Which adapter serves a core's debug session (src/vscode/debug/adapterChoice.ts): the rules in the words
// the log prints. The facts behind them (Delve on a stripped binary shows no lines; Delve before
// 1.26 has no readMemory) are checked on real cores in test/integration/engineAdapter.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adapterSetting, chooseAfterDelveFailed, chooseAfterLookup, chooseBeforeDelve, decisionLine } from '../../src/vscode/debug/adapterChoice.js';

const delve = (inRange: boolean) => ({ found: true as const, version: '1.24.0', path: '/usr/bin/dlv', inRange, rangeText: 'go1.21 – go1.24' });

describe('adapter choice', () => {
  it('reads the setting, auto for anything else', () => {
    assert.equal(adapterSetting('goCore'), 'goCore');
    assert.equal(adapterSetting('delve'), 'delve');
    assert.equal(adapterSetting('lldb'), 'auto');
    assert.equal(adapterSetting(undefined), 'auto');
  });
  it('serves a binary without DWARF ourselves unless Delve is forced', () => {
    assert.equal(chooseBeforeDelve('auto', { hasDwarf: false, path: '/p' })?.adapter, 'goCore');
    assert.match(chooseBeforeDelve('auto', { hasDwarf: false, path: '/p' })!.reason, /no DWARF/);
    assert.equal(chooseBeforeDelve('delve', { hasDwarf: false, path: '/p' }), undefined);
    assert.equal(chooseBeforeDelve('auto', { hasDwarf: true, path: '/p' }), undefined);
    assert.equal(chooseBeforeDelve('goCore', { hasDwarf: true, path: '/p' })?.adapter, 'goCore');
  });
  it('a Go newer than every Delve, or no Delve, is served by our adapter', () => {
    assert.equal(chooseAfterLookup('auto', delve(false), 'go1.27.4').adapter, 'goCore');
    assert.match(chooseAfterLookup('auto', delve(false), 'go1.27.4').reason, /no Delve found supports go1\.27\.4/);
    assert.equal(chooseAfterLookup('delve', delve(false), 'go1.27.4').adapter, 'delve');
    assert.equal(chooseAfterLookup('auto', delve(true), 'go1.24.4').adapter, 'delve');
    assert.equal(chooseAfterLookup('auto', { found: false, error: 'dlv not found' }, 'go1.24.4').adapter, 'goCore');
    assert.equal(chooseAfterDelveFailed('refused').adapter, 'goCore');
  });
  it('the log line names the adapter and the reason', () => {
    assert.equal(
      decisionLine('/c/core', chooseAfterLookup('auto', delve(true), 'go1.24.4')),
      'debug session for /c/core: Delve (through our proxy, which adds readMemory), because Delve 1.24.0 (/usr/bin/dlv) supports go1.24.4',
    );
  });
});
