// Opening a stranger's core must never run the stranger's code. Each attack fixture is an ordinary
// crash core whose binary records build info crafted by its builder (scripts/make-cores):
// - attack-cgoflags: CGO_CFLAGS with a gcc `-wrapper` that touches $GCI_ATTACK_MARKER;
// - attack-version: `-X runtime.buildVersion=go/../…/tmp/gci-attack-go`, a "Go version" that names
//   a directory where this test puts a `go` that touches a marker;
// - attack-gcflags: `-gcflags=-N -l -memprofile=/tmp/gci-attack-victim.prof`, a file the compiler
//   would overwrite;
// - a copy of the index fixture whose recorded package path is patched to `example.com/../..`.
// `go-core pc --core` is run on each (the command is the request to rebuild): no marker appears, no
// file changes, and the settings that were refused are named. The expected values come from the
// crafted settings themselves (the fixtures' build commands in scripts/make-cores).
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../src/report/cli.js';
import type { PcReport } from '../../src/report/pcCommand.js';
import { crashingGoroutine, originFrame, parseTraceback } from '../../src/traceback/parse.js';
import { fixture, goCacheEnv, provisionedGoVersions, type Fixture } from '../support/fixtures.js';

Object.assign(process.env, goCacheEnv());
const scratch = mkdtempSync(join(tmpdir(), 'gci-attack-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const MINORS = ['1.19', '1.22', '1.24', '1.27'];
assert.ok(MINORS.every((m) => provisionedGoVersions().includes(m)), 'the default Go set is provisioned');

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const rep0 = (r: { out: string }): PcReport => JSON.parse(r.out) as PcReport;

/** The pc= of the physical frame holding the origin frame, as the runtime printed it. */
function originPc(fx: Fixture): string {
  const g = crashingGoroutine(parseTraceback(fx.traceback))!;
  const o = originFrame(g)!;
  const physical = g.frames.slice(g.frames.indexOf(o)).find((f) => f.pc !== undefined)!;
  return `0x${physical.pc!.toString(16)}`;
}

for (const minor of MINORS) {
  describe(`crafted build info, go${minor}`, () => {
    it('CGO_CFLAGS with a gcc -wrapper: the rebuild uses the user\'s cgo flags, the wrapper never runs', async () => {
      const fx = fixture('attack-cgoflags', minor);
      const marker = join(scratch, `cgo-${minor}`);
      process.env.GCI_ATTACK_MARKER = marker;
      try {
        const r = await run(['pc', originPc(fx), '--core', fx.core, '--binary', fx.prog, '--source', fx.srcDir, '--rebuild', '--json']);
        assert.equal(r.code, 0, r.err);
        assert.equal(existsSync(marker), false, 'the recorded -wrapper ran');
        const rep = JSON.parse(r.out) as PcReport;
        assert.equal(rep.rebuild.cached, false, 'the function was really rebuilt (cgo step included)');
        assert.ok(rep.rebuild.ignoredSettings.some((s) => s.startsWith('CGO_CFLAGS=') && /never taken from the binary/.test(s)), rep.rebuild.ignoredSettings.join(' | '));
        assert.doesNotMatch(JSON.stringify([rep.rebuild.args, rep.rebuild.env]), /wrapper|GCI_ATTACK/);
        assert.equal(rep.verified, true, rep.reason);
        // The command line says what it runs before it runs it.
        assert.match(r.err, /rebuilding with the binary's exact toolchain/);
        assert.match(r.err, /CGO_CFLAGS=.*never taken from the binary/);
        assert.match(r.err, new RegExp(`directory: +${fx.srcDir}`));
      } finally {
        delete process.env.GCI_ATTACK_MARKER;
      }
    });

    it('a Go version that is a path: nothing is looked up or run', async () => {
      const fx = fixture('attack-version', minor);
      // The directory the crafted version points at (from $HOME/sdk/<version>): a `go` that leaves a marker.
      const evil = '/tmp/gci-attack-go';
      const marker = join(scratch, `version-${minor}`);
      mkdirSync(join(evil, 'bin'), { recursive: true });
      writeFileSync(join(evil, 'bin', 'go'), `#!/bin/sh\ntouch '${marker}'\necho 'go version go/../../../../../../../../../../tmp/gci-attack-go linux/amd64'\n`);
      chmodSync(join(evil, 'bin', 'go'), 0o755);
      const home = process.env.HOME;
      process.env.HOME = join(scratch, 'home');
      try {
        const r = await run(['pc', originPc(fx), '--core', fx.core, '--binary', fx.prog, '--source', fx.srcDir]);
        assert.equal(r.code, 1);
        assert.match(r.err, /is not a release version: no rebuild/);
        assert.equal(existsSync(marker), false, 'the go named by the version ran');
        // The report still reads the core.
        const rep = await run(['report', fx.core, '--binary', fx.prog, '--no-delve', '--json']);
        assert.equal(rep.code, 0, rep.err);
        assert.equal((JSON.parse(rep.out) as { go: { version: string } }).go.version, 'go/../../../../../../../../../../tmp/gci-attack-go');
      } finally {
        process.env.HOME = home;
        rmSync(evil, { recursive: true, force: true });
      }
    });

    it('-gcflags with -memprofile=<path>: -N -l are kept, the path flag is refused, the file is untouched', async () => {
      const fx = fixture('attack-gcflags', minor);
      const victim = '/tmp/gci-attack-victim.prof';
      writeFileSync(victim, 'the user\'s file\n');
      const r = await run(['pc', originPc(fx), '--core', fx.core, '--binary', fx.prog, '--source', fx.srcDir, '--rebuild', '--json']);
      assert.equal(r.code, 0, r.err);
      assert.equal(rep0(r).rebuild.cached, false);
      assert.equal(readFileSync(victim, 'utf8'), 'the user\'s file\n', 'the recorded -memprofile path was written');
      const rep = JSON.parse(r.out) as PcReport;
      assert.ok(rep.rebuild.ignoredSettings.some((s) => s.includes('-memprofile=/tmp/gci-attack-victim.prof')), rep.rebuild.ignoredSettings.join(' | '));
      assert.ok(rep.rebuild.args.includes('-gcflags=-N -l'), rep.rebuild.args.join(' '));
      assert.doesNotMatch(rep.rebuild.args.join(' '), /memprofile/);
      assert.equal(rep.verified, true, `-N -l reproduce the code: ${rep.reason}`);
    });

    it('a recorded package path with "..": refused before anything runs', async () => {
      const fx = fixture('index', minor);
      const bytes = readFileSync(fx.prog);
      const from = Buffer.from('path\texample.com/index\n');
      const to = Buffer.from('path\texample.com/../..\n');
      assert.equal(from.length, to.length);
      // Every copy: the buildinfo blob and the runtime's modinfo string.
      let copies = 0;
      for (let at = bytes.indexOf(from); at >= 0; at = bytes.indexOf(from, at + 1), copies++) to.copy(bytes, at);
      assert.ok(copies > 0, 'the buildinfo path line is in the binary');
      const crafted = join(scratch, `dotdot-${minor}`);
      writeFileSync(crafted, bytes);
      const r = await run(['pc', originPc(fx), '--binary', crafted, '--source', fx.srcDir]);
      assert.equal(r.code, 1);
      assert.match(r.err, /recorded package path "example\.com\/\.\.\/\.\." has "\.\."/);
      assert.doesNotMatch(r.err, /rebuilding with/);
    });
  });
}

describe('where a rebuild may run', () => {
  it('without --source, only a module inside the current directory is rebuilt', async () => {
    const fx = fixture('index', '1.22');
    const r = await run(['pc', originPc(fx), '--binary', fx.prog]);
    // The recorded source path exists on this machine, but outside the directory the command runs in.
    assert.equal(r.code, 1);
    assert.match(r.err, /outside the folders a rebuild may run in .*pass --source <module root>/);
  });
});
