// What a workspace may choose by itself (src/vscode/trustPolicy.ts): the core opened on startup
// (user settings only, inside a workspace folder, symbolic links followed) and a launch.json
// dlvPath (trusted workspaces only). Real files and links in a temporary directory.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isInside, launchDlvPath, startupCore } from '../../src/vscode/trustPolicy.js';

let base: string;
let ws: string;
let ws2: string;
let outside: string;

before(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'gci-trust-')));
  ws = join(base, 'ws');
  ws2 = join(base, 'ws2');
  outside = join(base, 'elsewhere');
  for (const d of [ws, ws2, outside]) mkdirSync(d);
  writeFileSync(join(ws, 'core'), 'x');
  writeFileSync(join(ws2, 'core.7'), 'x');
  writeFileSync(join(outside, 'core'), 'x');
  symlinkSync(join(outside, 'core'), join(ws, 'escape'));
  symlinkSync(join(ws, 'core'), join(ws, 'alias'));
});

after(() => rmSync(base, { recursive: true, force: true }));

describe('startupCore', () => {
  it('opens a user-level value relative to a workspace folder', () => {
    const d = startupCore({ values: { globalValue: 'core' }, folders: [ws] });
    assert.equal(d.path, join(ws, 'core'));
    assert.deepEqual(d.warnings, []);
    assert.deepEqual(d.info, []);
  });

  it('looks in every folder, and follows links that stay inside', () => {
    assert.equal(startupCore({ values: { globalValue: 'core.7' }, folders: [ws, ws2] }).path, join(ws2, 'core.7'));
    assert.equal(startupCore({ values: { globalValue: 'alias' }, folders: [ws] }).path, join(ws, 'core'));
  });

  it('ignores a value from the workspace or a folder, and says so', () => {
    const d = startupCore({ values: { workspaceValue: 'core', workspaceFolderValues: ['core'] }, folders: [ws] });
    assert.equal(d.path, undefined);
    assert.equal(d.info.length, 1);
    assert.match(d.info[0]!, /workspace's settings .* was ignored/);
    // A user value still counts when a workspace value is present too.
    const both = startupCore({ values: { globalValue: 'core', workspaceFolderValues: ['../elsewhere/core'] }, folders: [ws] });
    assert.equal(both.path, join(ws, 'core'));
    assert.match(both.info[0]!, /\.\.\/elsewhere\/core/);
  });

  it('opens nothing outside the workspace folders: `..`, absolute paths, links out', () => {
    for (const value of ['../elsewhere/core', join(outside, 'core'), 'escape', '/etc/passwd']) {
      const d = startupCore({ values: { globalValue: value }, folders: [ws] });
      assert.equal(d.path, undefined, value);
      assert.equal(d.warnings.length, 1, value);
      assert.match(d.warnings[0]!, /outside the workspace folders/, value);
    }
  });

  it('accepts an absolute path inside a folder; reports a missing file and no folder', () => {
    assert.equal(startupCore({ values: { globalValue: join(ws, 'core') }, folders: [ws] }).path, join(ws, 'core'));
    assert.match(startupCore({ values: { globalValue: 'nope' }, folders: [ws] }).warnings[0]!, /exists in no workspace folder/);
    assert.match(startupCore({ values: { globalValue: 'core' }, folders: [] }).warnings[0]!, /no folder is open/);
  });

  it('takes the launcher value (development) before the user value, under the same rule', () => {
    const d = startupCore({ values: { globalValue: 'nope' }, devValue: 'core', folders: [ws] });
    assert.equal(d.path, join(ws, 'core'));
    const out = startupCore({ values: {}, devValue: '../elsewhere/core', folders: [ws] });
    assert.equal(out.path, undefined);
    assert.match(out.warnings[0]!, /GCI_OPEN_ON_STARTUP/);
  });
});

describe('isInside', () => {
  it('compares whole path segments', () => {
    assert.ok(isInside('/a/b', '/a/b'));
    assert.ok(isInside('/a/b/c', '/a/b'));
    assert.ok(isInside('/a/b/..c', '/a/b'));
    assert.ok(!isInside('/a/bc', '/a/b'));
    assert.ok(!isInside('/a', '/a/b'));
  });
});

describe('launchDlvPath', () => {
  it('honours dlvPath only in a trusted workspace', () => {
    assert.deepEqual(launchDlvPath({ dlvPath: '/opt/dlv' }, true), { dlvPath: '/opt/dlv' });
    const r = launchDlvPath({ name: 'Open core', dlvPath: './tools/dlv' }, false);
    assert.equal(r.dlvPath, undefined);
    assert.match(r.ignored!, /"Open core" names dlvPath "\.\/tools\/dlv", which was ignored: this workspace is not trusted/);
    assert.deepEqual(launchDlvPath({}, false), {});
    assert.deepEqual(launchDlvPath({ dlvPath: 42 }, true), {});
  });
});
