// `go-core pc` on real crash fixtures with the real toolchains. The oracle is the traceback the
// runtime printed: the origin frame's pc=, its function, file:line and inlined frames, and the
// signal line's pc= for a fault. Two Go versions keep it quick (the SSA cache makes repeats cheap).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../src/report/cli.js';
import type { PcReport } from '../../src/report/pcCommand.js';
import { crashingGoroutine, originFrame, parseTraceback, type Frame } from '../../src/traceback/parse.js';
import { cacheDir, fixture, goCacheEnv, type Fixture } from '../support/fixtures.js';
import { validate, type Schema } from '../support/jsonSchema.js';

const root = join(__dirname, '..', '..');
const CACHE = cacheDir();
// runCli runs the toolchain with this process's environment.
Object.assign(process.env, goCacheEnv());
process.env.GOFLAGS = '-mod=mod';
// A rebuild runs only in a module below the directory go-core runs in (or --source): the fixtures'
// sources are below cores/, as a user's module is below the directory they run go-core in.
const CORES = join(CACHE, 'cores');
process.chdir(CORES);
const MINORS = ['1.22', '1.27'];
const scratch = mkdtempSync(join(tmpdir(), 'gci-pc-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

async function runJson(argv: string[]): Promise<PcReport> {
  const r = await run([...argv, '--json']);
  assert.equal(r.code, 0, r.err);
  // stderr holds only what a rebuild runs (printed before it runs), nothing else
  assert.doesNotMatch(r.err, /^go-core: (?!rebuilding with the binary's exact toolchain:$)/m);
  const rep = JSON.parse(r.out) as PcReport;
  if (!rep.rebuild.cached) assert.match(r.err, /^ {2}command: +go build /m, 'an uncached rebuild is announced');
  const errors: string[] = [];
  validate(schema, schema, rep, '$', errors);
  assert.deepEqual(errors, [], 'the JSON follows schemas/pc.schema.json');
  return rep;
}

const schema = JSON.parse(readFileSync(join(root, 'schemas', 'pc.schema.json'), 'utf8')) as Schema;

/** The origin frame of the crashing goroutine and the physical frame (with pc=) that holds it. */
function origin(fx: Fixture): { origin: Frame; physical: Frame; inlined: Frame[] } {
  const g = crashingGoroutine(parseTraceback(fx.traceback));
  assert.ok(g, `${fx.fixture} go${fx.goMinor}: no goroutine in traceback.txt`);
  const o = originFrame(g);
  assert.ok(o, `${fx.fixture} go${fx.goMinor}: no origin frame`);
  const i = g.frames.indexOf(o);
  const j = g.frames.findIndex((f, k) => k >= i && f.pc !== undefined);
  assert.ok(j >= 0, `${fx.fixture} go${fx.goMinor}: no pc= at or below the origin frame (GOTRACEBACK=crash?)`);
  return { origin: o, physical: g.frames[j]!, inlined: g.frames.slice(i, j + 1) };
}

function assertFramesMatch(rep: PcReport, expected: Frame[]): void {
  assert.deepEqual(
    rep.frames.map((f) => `${f.function} ${f.file}:${f.line}${f.inlined ? ' inlined' : ''}`),
    expected.map((f) => `${f.func} ${f.file}:${f.lineNumber}${f.inlined ? ' inlined' : ''}`),
  );
}

function assertPanicCall(rep: PcReport, physical: Frame): void {
  assert.equal(rep.pc, `0x${physical.pc!.toString(16)}`);
  assert.equal(rep.function, physical.func);
  assert.equal(rep.offset, `0x${physical.offset!.toString(16)}`);
  assert.equal(rep.verified, true, rep.reason);
  assert.equal(rep.returnAddress, true);
  assert.equal(rep.lookupPc, `0x${(physical.pc! - 1n).toString(16)}`);
  assert.ok(rep.instruction, 'an instruction');
  assert.match(rep.instruction.text, /^CALL runtime\.panic(Index|Bounds)/);
  assert.equal(BigInt(rep.instruction.pc) + 5n, physical.pc, 'the 5-byte CALL ends at the return address');
  assert.ok(rep.ssaValue, 'an SSA value');
  assert.match(rep.ssaValue.op, /PanicBounds/);
  assert.match(rep.ssaValue.text, new RegExp(`^${rep.ssaValue.id} `));
}

for (const minor of MINORS) {
  describe(`go-core pc, go${minor}`, () => {
    it('index: the origin pc maps to the bounds-check panic call, verified (--json)', async () => {
      const fx = fixture('index', minor);
      const o = origin(fx);
      assert.equal(o.origin.inlined, true, 'main.pick is inlined into main.main');
      const rep = await runJson(['pc', `0x${o.physical.pc!.toString(16)}`, '--binary', fx.prog]);
      assertPanicCall(rep, o.physical);
      assertFramesMatch(rep, o.inlined);
      assert.equal(rep.binary.goVersion, fx.goVersion);
      assert.equal(rep.core, null);
      assert.equal(rep.sourceRoot, fx.srcDir, 'the source root found from the recorded path of main.main');
      assert.ok(
        rep.neighbours.every((v) => v.line === rep.ssaValue!.line && v.id !== rep.ssaValue!.id),
        'neighbours are on the same line',
      );

      // function+offset gives the same pc; the text form names the same things.
      const bySymbol = await runJson([
        'pc',
        `${o.physical.func}+0x${o.physical.offset!.toString(16)}`,
        '--binary',
        fx.prog,
      ]);
      assert.equal(bySymbol.pc, rep.pc);
      const text = await run(['pc', rep.pc, '--binary', fx.prog]);
      assert.equal(text.code, 0, text.err);
      assert.match(text.out, new RegExp(`^function: +${o.physical.func.replace(/\./g, '\\.')}\\+${rep.offset} `, 'm'));
      assert.match(text.out, /^instruction: .*CALL runtime\.panic(Index|Bounds)/m);
      assert.match(text.out, /^ssa value: +v\d+ .*PanicBounds/m);
      assert.match(text.out, /^verified: +yes: /m);
    });

    it('index-pie --core: the load bias comes from the core; the pc is a return address', async () => {
      const fx = fixture('index-pie', minor);
      const o = origin(fx);
      const rep = await runJson(['pc', `0x${o.physical.pc!.toString(16)}`, '--binary', fx.prog, '--core', fx.core]);
      assertPanicCall(rep, o.physical);
      assertFramesMatch(rep, o.inlined);
      assert.equal(rep.binary.pie, true);
      assert.notEqual(rep.binary.loadBias, '0x0');
      assert.match(rep.returnAddressReason, /return address/);
      // Without the core the runtime address is meaningless for a PIE binary: exit 1, one line.
      const noCore = await run(['pc', rep.pc, '--binary', fx.prog]);
      assert.equal(noCore.code, 1);
      assert.match(noCore.err, /^go-core: 0x[0-9a-f]+ is in no Go function of .*--core.*\n$/);
    });

    it('nilptr-goroutine --core: the signal pc is the faulting load itself, verified', async () => {
      const fx = fixture('nilptr-goroutine', minor);
      const tb = parseTraceback(fx.traceback);
      const sigPc = tb.signal?.fields.find((f) => f.key === 'pc')?.value;
      assert.ok(sigPc, 'a [signal ... pc=] line in traceback.txt');
      const o = origin(fx);
      assert.equal(o.physical.pc, BigInt(sigPc), 'the origin frame is the faulting one');
      const rep = await runJson(['pc', sigPc, '--core', fx.core, '--binary', fx.prog]);
      assert.equal(rep.returnAddress, false, rep.returnAddressReason);
      assert.equal(rep.lookupPc, rep.pc);
      assert.equal(rep.function, o.physical.func);
      assertFramesMatch(rep, o.inlined);
      assert.equal(rep.verified, true, rep.reason);
      assert.equal(rep.instruction?.pc, rep.pc, 'the instruction at the faulting pc');
      assert.ok(rep.ssaValue, 'an SSA value');
      assert.match(rep.ssaValue.op, /load|NilCheck/i);
      // Forcing the other rule looks up the instruction before it.
      const forced = await runJson(['pc', sigPc, '--core', fx.core, '--return-address']);
      assert.equal(forced.returnAddress, true);
      assert.equal(forced.returnAddressReason, 'forced by --return-address');
      assert.equal(forced.binary.path, fx.prog, 'the executable found from the core');
    });
  });
}

describe('go-core pc: edited source', () => {
  it('--source with the source edited after the build: shown, but never "verified"', async () => {
    const fx = fixture('index', MINORS[0]!);
    const o = origin(fx);
    const dir = mkdtempSync(join(scratch, 'edited-'));
    cpSync(fx.srcDir, dir, { recursive: true });
    const main = join(dir, 'main.go');
    // One line more above everything: same code, every line number moves.
    writeFileSync(main, readFileSync(main, 'utf8').replace(/^package main\n/m, 'package main\n\n// edited\n'));
    const rep = await runJson(['pc', `0x${o.physical.pc!.toString(16)}`, '--binary', fx.prog, '--source', dir]);
    assert.equal(rep.sourceRoot, dir);
    assert.equal(rep.verified, false, rep.reason);
    assert.equal(rep.rebuild.cached, false, 'an edited source is not served from the cache');
    const text = await run(['pc', rep.pc, '--binary', fx.prog, '--source', dir]);
    assert.match(text.out, /^verified: +NO: /m);
  });
});

describe('go-core pc: bad input', () => {
  const fx = fixture('index', MINORS[0]!);
  const o = origin(fx);
  const sym = `${o.physical.func}+0x${o.physical.offset!.toString(16)}`;
  const cases: [string, () => string[], number, RegExp][] = [
    ['a pc in no function', () => ['pc', '0x10', '--binary', fx.prog], 1, /0x10 is in no Go function of /],
    ['a missing binary', () => ['pc', '0x48099e', '--binary', join(scratch, 'nope')], 1, /nope does not exist/],
    ['a pc that is not a number', () => ['pc', 'zz', '--binary', fx.prog], 1, /"zz" is not a pc/],
    ['an unknown function', () => ['pc', 'main.nothere+0x4', '--binary', fx.prog], 1, /has no function main\.nothere/],
    ['a source without go.mod', () => ['pc', sym, '--binary', fx.prog, '--source', scratch], 1, /no go\.mod/],
    [
      'a core that does not match the binary',
      () => ['pc', '0x48099e', '--binary', fx.prog, '--core', fixture('index', MINORS[1]!).core],
      1,
      /build ID/,
    ],
  ];
  for (const [name, argv, code, re] of cases) {
    it(`${name}: exit ${code}, one line`, async () => {
      const r = await run(argv());
      assert.equal(r.code, code, r.err);
      assert.equal(r.out, '');
      assert.match(r.err, re);
      assert.equal(r.err.split('\n').length, 2, `one line: ${r.err}`);
      assert.match(r.err, /^go-core: /);
    });
  }
  for (const [name, argv] of [
    ['no pc', ['pc', '--binary', fx.prog]],
    ['no binary', ['pc', '0x1']],
    ['an unknown option', ['pc', '0x1', '--binary', fx.prog, '--bogus']],
  ] as const) {
    it(`usage (${name}): exit 2`, async () => {
      const r = await run([...argv]);
      assert.equal(r.code, 2);
      assert.match(r.err, /usage: go-core/);
    });
  }

  it('the real entry point (tsx on src/report/cli.ts): exit codes and stderr', () => {
    const cli = join(root, 'src', 'report', 'cli.ts');
    const ok = spawnSync(process.execPath, ['--import', 'tsx', cli, 'pc', sym, '--binary', fx.prog, '--source', fx.srcDir], {
      cwd: root,
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^verified: +yes/m);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', cli, 'pc', '0x10', '--binary', fx.prog], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  });
});
