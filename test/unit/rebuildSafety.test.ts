// The SSA rebuild treats a binary's build info as data written by a stranger: only settings that
// change the generated code pass (src/ssa/buildFlags.ts), the Go version must be a release version
// before it names a directory (src/ssa/toolchain.ts), and the recorded package path cannot leave
// the module (src/ssa/pcToSsa.ts). Checked against the values crafted binaries record.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { rebuildFlags, splitQuotedFields } from '../../src/ssa/buildFlags.js';
import { mainPackageDir, PcMappingError } from '../../src/ssa/pcToSsa.js';
import { describePlan, planRebuild } from '../../src/ssa/rebuild.js';
import { NotAReleaseVersionError, RELEASE_VERSION, toolchainCandidates } from '../../src/ssa/toolchain.js';

const scratch = mkdtempSync(join(tmpdir(), 'gci-rebuild-safety-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const flags = (settings: { key: string; value: string }[]) => rebuildFlags(settings, 'example.com/a', 'example.com/a', '-S');
const all = (f: ReturnType<typeof flags>) => [...f.args, ...Object.entries(f.env).map(([k, v]) => `${k}=${v}`)].join(' ');

test('cgo flags, compilers, -toolexec, -overlay, -pgo and -ldflags are never taken from the binary', () => {
  const wrapper = `-wrapper '/bin/sh,-c,( [ -z "$M" ] || touch "$M" ) && exec "$0" "$@"'`;
  const f = flags([
    { key: 'CGO_ENABLED', value: '1' },
    { key: 'CGO_CFLAGS', value: wrapper },
    { key: 'CGO_CPPFLAGS', value: '-wrapper /bin/sh' },
    { key: 'CGO_CXXFLAGS', value: '-O2' },
    { key: 'CGO_LDFLAGS', value: '-fuse-ld=/tmp/x' },
    { key: 'CC', value: '/tmp/evil-cc' },
    { key: 'CXX', value: '/tmp/evil-cxx' },
    { key: '-toolexec', value: '/tmp/evil' },
    { key: '-overlay', value: '/tmp/overlay.json' },
    { key: '-pgo', value: '/tmp/p.pgo' },
    { key: '-ldflags', value: '-X main.v=1' },
  ]);
  assert.deepEqual(f.env, { CGO_ENABLED: '1' });
  assert.deepEqual(f.args, ['-gcflags=example.com/a=-S']);
  for (const k of ['CGO_CFLAGS', 'CGO_CPPFLAGS', 'CGO_CXXFLAGS', 'CGO_LDFLAGS', 'CC', 'CXX', '-toolexec', '-overlay', '-pgo', '-ldflags']) {
    assert.ok(f.ignored.some((s) => s.startsWith(`${k}=`)), `${k} is listed as not used: ${f.ignored.join(' | ')}`);
  }
  assert.doesNotMatch(all(f), /wrapper|evil|overlay|\/tmp/);
});

test('-gcflags keeps the flags that only change the code and drops any flag that takes a path', () => {
  const f = flags([{ key: '-gcflags', value: 'all=-N -l -memprofile=/tmp/victim' }]);
  assert.deepEqual(f.args, ['-gcflags=all=-N -l', '-gcflags=example.com/a=-N -l -S']);
  assert.ok(f.ignored.some((s) => s.includes('-memprofile=/tmp/victim')), f.ignored.join(' | '));
  for (const bad of [
    'std=-cpuprofile=/home/u/.bashrc',
    '-trace=/tmp/t',
    '-json=0,file:///tmp/j',
    '-importcfg=/tmp/x',
    '-D /tmp',
    '-cpuprofile /tmp/x',
    '-d=ssa/all/dump',
    '-buildid=x -o /tmp/o',
  ]) {
    const g = flags([{ key: '-gcflags', value: bad }]);
    assert.doesNotMatch(all(g), /\/tmp|\/home|dump|buildid/, bad);
    assert.ok(g.ignored.length > 0, `${bad} is listed as not used`);
  }
  const ok = flags([{ key: '-gcflags', value: 'example.com/a/...=-N -l -B -d=checkptr,libfuzzer -spectre=all' }]);
  assert.deepEqual(ok.ignored, []);
  assert.ok(ok.args.includes('-gcflags=example.com/a/...=-N -l -B -d=checkptr,libfuzzer -spectre=all'));
  // a pattern that is not a package pattern
  assert.ok(flags([{ key: '-gcflags', value: '/etc/x=-N' }]).ignored.length > 0);
  // -asmflags: the same rule
  const asm = flags([{ key: '-asmflags', value: 'all=-shared -trimpath=/tmp/x' }]);
  assert.deepEqual(asm.args.slice(0, 1), ['-asmflags=all=-shared']);
  assert.ok(asm.ignored.some((s) => s.includes('-trimpath=/tmp/x')));
});

test('-buildmode only exe and pie; values are checked; unknown settings are listed, not used', () => {
  const f = flags([
    { key: '-buildmode', value: 'c-shared' },
    { key: '-tags', value: 'a b' },
    { key: '-trimpath', value: 'yes' },
    { key: 'GOAMD64', value: 'v3 -x' },
    { key: 'GOARCH', value: '../../x' },
    { key: 'GONEW', value: '1' },
    { key: '-mod', value: 'vendor' },
  ]);
  assert.deepEqual(f.args, ['-gcflags=example.com/a=-S']);
  assert.deepEqual(f.env, {});
  assert.equal(f.ignored.length, 7, f.ignored.join(' | '));
  const g = flags([
    { key: '-buildmode', value: 'pie' },
    { key: '-race', value: 'true' },
    { key: '-tags', value: 'netgo,osusergo' },
    { key: 'GOAMD64', value: 'v3' },
    { key: 'GOEXPERIMENT', value: 'loopvar' },
    { key: 'vcs.revision', value: 'abc' },
    { key: 'DefaultGODEBUG', value: 'panicnil=1' },
  ]);
  assert.deepEqual(g.args, ['-buildmode=pie', '-race', '-tags=netgo,osusergo', '-gcflags=example.com/a=-S']);
  assert.deepEqual(g.env, { GOAMD64: 'v3', GOEXPERIMENT: 'loopvar' });
  assert.deepEqual(g.ignored, []);
});

test('quoted fields split as cmd/go splits them', () => {
  assert.deepEqual(splitQuotedFields(`-a 'b c' "d'e" f`), ['-a', 'b c', "d'e", 'f']);
  assert.equal(splitQuotedFields(`'open`), undefined);
});

test('only a release version names a toolchain directory', () => {
  for (const v of ['go1.22.12', 'go1.21rc2', 'go1.20', 'go1.24beta1']) assert.match(v, RELEASE_VERSION);
  for (const v of ['go/../../../../tmp/x', 'go1.22.12/../../x', 'devel +abc', 'go1.22 ', 'go1.22.1\n']) {
    assert.doesNotMatch(v, RELEASE_VERSION);
    assert.throws(() => toolchainCandidates(v, { env: { PATH: '/usr/bin', HOME: '/home/u' } }), NotAReleaseVersionError);
  }
});

test('the plan says what runs, where and with what: a private cache, no workspace file, no download', () => {
  const plan = planRebuild({
    toolchain: { version: 'go1.22.12', goBinary: '/home/u/sdk/go1.22.12/bin/go', goroot: '/home/u/sdk/go1.22.12', source: 'sdk' },
    packageDir: '/w/m',
    mainImportPath: 'example.com/m',
    functionName: 'main.main',
    functionPackage: 'example.com/m',
    settings: [{ key: 'CGO_CFLAGS', value: '-wrapper x' }],
    goCache: '/c/gocache',
  });
  assert.equal(plan.env.GOWORK, 'off');
  assert.equal(plan.env.GOFLAGS, '');
  assert.equal(plan.env.GOTOOLCHAIN, 'local');
  assert.equal(plan.env.GOENV, 'off');
  assert.equal(plan.env.GOPROXY, 'off');
  assert.equal(plan.env.GOCACHE, '/c/gocache');
  const text = describePlan(plan).join('\n');
  assert.match(text, /\/home\/u\/sdk\/go1\.22\.12\/bin\/go/);
  assert.match(text, /directory: +\/w\/m/);
  assert.match(text, /GOWORK=off/);
  assert.match(text, /CGO_CFLAGS=-wrapper x: cgo flags are never taken from the binary/);
});

test('the recorded package path cannot leave the module, and the module must be in an allowed folder', () => {
  const mod = join(scratch, 'ws', 'mod');
  mkdirSync(join(mod, 'cmd', 'tool'), { recursive: true });
  writeFileSync(join(mod, 'go.mod'), 'module example.com/m\n');
  mkdirSync(join(scratch, 'evil'), { recursive: true });
  symlinkSync(join(scratch, 'evil'), join(mod, 'cmd', 'link'));
  const ws = [join(scratch, 'ws')];
  assert.equal(mainPackageDir(mod, 'example.com/m/cmd/tool', 'example.com/m', ws), join(mod, 'cmd', 'tool'));
  for (const p of ['example.com/m/../../evil', 'example.com/m/./cmd', 'example.com/m//cmd', '/etc']) {
    assert.throws(() => mainPackageDir(mod, p, 'example.com/m', ws), (e: unknown) => e instanceof PcMappingError && /"\.\."/.test(e.message), p);
  }
  assert.throws(() => mainPackageDir(mod, 'example.com/m/cmd/link', 'example.com/m', ws), /outside the module/);
  assert.throws(() => mainPackageDir(mod, 'example.com/m/cmd/tool', 'example.com/m', [join(scratch, 'elsewhere')]), /outside the folders a rebuild may run in/);
});
