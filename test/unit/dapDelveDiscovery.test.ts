// Delve discovery rules that need no Delve to run: Go ranges, range keys, candidate order, pick.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findDelveCandidates, pickDelve, type DelveInfo } from '../../src/delve/dlvDiscovery.js';
import { DelveNotFoundError } from '../../src/delve/errors.js';
import { delveSupportedGoRange, goMinor, parseGoRangeKey } from '../../src/delve/goRange.js';
import { cacheDir } from '../../src/core/cacheDir.js';

describe('delveSupportedGoRange', () => {
  it('knows the provisioned Delves', () => {
    assert.deepEqual(delveSupportedGoRange('1.20.2'), { min: 18, max: 20 });
    assert.deepEqual(delveSupportedGoRange('1.24.0'), { min: 21, max: 24 });
    assert.deepEqual(delveSupportedGoRange('v1.27.1'), { min: 25, max: 27 });
  });
  it('derives unknown versions: Delve 1.N supports Go 1.(N-2) to 1.N', () => {
    assert.deepEqual(delveSupportedGoRange('1.28.0'), { min: 26, max: 28 });
    assert.deepEqual(delveSupportedGoRange('1.31.4'), { min: 29, max: 31 });
    assert.equal(delveSupportedGoRange('devel'), undefined);
  });
  it('the rule agrees with the known table at each minor release', () => {
    for (const v of ['1.20.0', '1.22.0', '1.23.0', '1.24.0', '1.26.0', '1.27.0']) {
      const n = Number(v.split('.')[1]);
      assert.equal(delveSupportedGoRange(v)!.max, n, v);
    }
  });
});

describe('Go versions and range keys', () => {
  it('reads the minor release', () => {
    assert.equal(goMinor('go1.22.12'), 22);
    assert.equal(goMinor('1.27'), 27);
    assert.equal(goMinor('go1.24rc1'), 24);
    assert.equal(goMinor('devel'), undefined);
  });
  it('parses setting keys', () => {
    assert.deepEqual(parseGoRangeKey('1.21-1.24'), { min: 21, max: 24 });
    assert.deepEqual(parseGoRangeKey('go1.22'), { min: 22, max: 22 });
    assert.deepEqual(parseGoRangeKey('<=1.20'), { min: 0, max: 20 });
    assert.equal(parseGoRangeKey('>=1.25')!.min, 25);
    assert.equal(parseGoRangeKey('1.25+')!.min, 25);
    assert.equal(parseGoRangeKey('latest'), undefined);
  });
});

const info = (path: string, version: string, extra: Partial<DelveInfo> = {}): DelveInfo => ({
  path,
  source: 'PATH',
  version,
  goRange: delveSupportedGoRange(version)!,
  ...extra,
});

describe('pickDelve', () => {
  const all = [info('/a/dlv120', '1.20.2'), info('/b/dlv124', '1.24.0'), info('/c/dlv127', '1.27.1')];
  it('picks the Delve whose range covers the Go version', () => {
    assert.equal(pickDelve('go1.19.8', all).path, '/a/dlv120');
    assert.equal(pickDelve('go1.22.12', all).path, '/b/dlv124');
    const p = pickDelve('go1.26.11', all);
    assert.equal(p.path, '/c/dlv127');
    assert.equal(p.inRange, true);
  });
  it('prefers a per-range setting entry whose key covers the version', () => {
    const set = info('/s/dlv', '1.24.0', { source: 'setting', declaredRange: { min: 22, max: 22 } });
    assert.equal(pickDelve('go1.22.1', [all[1]!, set]).path, '/s/dlv');
  });
  it('falls back to the nearest out-of-range Delve and says so', () => {
    const newer = pickDelve('go1.29.0', all);
    assert.equal(newer.path, '/c/dlv127');
    assert.equal(newer.inRange, false);
    assert.match(newer.reason, /--check-go-version=false/);
    const older = pickDelve('go1.22.12', [all[0]!, all[2]!]);
    assert.equal(older.inRange, false);
    assert.equal(older.path, '/a/dlv120');
    assert.equal(pickDelve('go1.16', [all[2]!, all[1]!]).path, '/b/dlv124');
  });
  it('throws DelveNotFoundError with the install command when there is none', () => {
    assert.throws(
      () => pickDelve('go1.22', [], ['/usr/bin/dlv']),
      (e: unknown) => {
        assert.ok(e instanceof DelveNotFoundError);
        assert.match(e.message, /go install github\.com\/go-delve\/delve\/cmd\/dlv@latest/);
        assert.match(e.message, /\/usr\/bin\/dlv/);
        return true;
      },
    );
  });
});

describe('findDelveCandidates', () => {
  const root = mkdtempSync(join(tmpdir(), 'gci-dlvdisc-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const exe = (p: string): string => {
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, '#!/bin/sh\n');
    chmodSync(p, 0o755);
    return p;
  };
  it('searches setting, alternateTools, PATH, GOPATH/bin, ~/go/bin, dev cache (when named), in order, without duplicates', () => {
    const setting = exe(join(root, 'setting', 'dlv'));
    const ranged = exe(join(root, 'ranged', 'dlv'));
    const alt = exe(join(root, 'alt', 'dlv-alt'));
    const onPath = exe(join(root, 'pathdir', 'dlv'));
    const gopath = exe(join(root, 'gopath', 'bin', 'dlv'));
    const home = exe(join(root, 'home', 'go', 'bin', 'dlv'));
    const dev = exe(join(root, 'cache', 'go-core-inspector', 'delve', '1.24.0', 'root', 'usr', 'bin', 'dlv'));
    writeFileSync(join(root, 'pathdir', 'notexec'), '');
    const env = {
      PATH: `${join(root, 'nothing')}:${join(root, 'pathdir')}:${join(root, 'setting')}`,
      GOPATH: join(root, 'gopath'),
      XDG_CACHE_HOME: join(root, 'cache'),
    };
    assert.equal(cacheDir(env, join(root, 'home')), join(root, 'cache', 'go-core-inspector'));
    const named = { ...env, GO_CORE_INSPECTOR_CACHE: join(root, 'cache', 'go-core-inspector') };
    const base = { env: named, homeDir: join(root, 'home'), alternateToolsDlv: alt };
    const c1 = findDelveCandidates({ ...base, dlvPath: setting });
    assert.deepEqual(
      c1.map((c) => [c.path, c.source]),
      [
        [setting, 'setting'],
        [alt, 'alternateTools'],
        [onPath, 'PATH'],
        [gopath, 'GOPATH'],
        [home, 'homeGoBin'],
        [dev, 'devCache'],
      ],
    );
    // The dev cache is not probed at its default location: only GO_CORE_INSPECTOR_CACHE names it.
    const c2 = findDelveCandidates({
      ...base,
      env,
      dlvPath: { '1.21-1.24': ranged, '>=1.25': join(root, 'missing') },
    });
    assert.deepEqual(c2[0], { path: ranged, source: 'setting', declaredRange: { min: 21, max: 24 } });
    assert.equal(c2.length, 5);
    assert.ok(!c2.some((c) => c.source === 'devCache'), 'the dev cache was probed without GO_CORE_INSPECTOR_CACHE');
    assert.equal(findDelveCandidates({ env: { PATH: '' }, homeDir: join(root, 'nohome') }).length, 0);
  });
});
