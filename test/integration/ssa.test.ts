// PC → instruction → SSA value on the real crash fixtures, with the real toolchains. The oracle is
// what the runtime printed (traceback.txt): the frames' pc=, function names and file:line.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CoreFile } from '../../src/core/coreFile.js';
import { ElfFile } from '../../src/core/elf.js';
import { loadBias } from '../../src/core/memory.js';
import { openBinary, type GoBinary } from '../../src/analysis/engine.js';
import type { SsaBinary } from '../../src/ssa/binary.js';
import {
  clearSsaMemoryCache,
  mapPc,
  PcMappingError,
  type MapPcRequest,
  type PcMapping,
} from '../../src/ssa/pcToSsa.js';
import { findToolchain, ToolchainNotFoundError } from '../../src/ssa/toolchain.js';
import { cacheDir, goCacheEnv, listFixtures, provisionedGoVersions, type Fixture } from '../support/fixtures.js';

const CACHE = cacheDir();
const env: NodeJS.ProcessEnv = { ...process.env, ...goCacheEnv() };
const scratch = mkdtempSync(join(tmpdir(), 'gci-ssa-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface TbFrame {
  function: string;
  file: string;
  line: number;
  pc?: bigint;
}

/** Frames of the first goroutine block of a traceback (the crashing one). */
function crashFrames(tb: string): TbFrame[] {
  const lines = tb.split('\n');
  const start = lines.findIndex((l) => /^goroutine \d+ .*\[running\]:/.test(l));
  assert.ok(start >= 0, 'no running goroutine in traceback.txt');
  const out: TbFrame[] = [];
  for (let i = start + 1; i + 1 < lines.length; i += 2) {
    const fn = lines[i]!;
    const pos = lines[i + 1]!;
    if (fn === '' || !pos.startsWith('\t')) break;
    const m = /^\t(.*):(\d+)(?: .*?pc=(0x[0-9a-f]+))?/.exec(pos);
    assert.ok(m, `unexpected traceback line ${pos}`);
    const name = fn.replace(/^created by /, '').replace(/\(.*\)$/, '');
    out.push({ function: name, file: m[1]!, line: Number(m[2]), ...(m[3] ? { pc: BigInt(m[3]) } : {}) });
  }
  return out;
}

function signalPc(tb: string): bigint {
  const m = /\[signal SIG\w+: .* pc=(0x[0-9a-f]+)\]/.exec(tb);
  assert.ok(m, 'no [signal ... pc=] line in traceback.txt');
  return BigInt(m[1]!);
}

/** The SSA view of a fixture's binary, opened once per binary and load bias by the engine. */
const opened = new Map<string, GoBinary>();
after(() => opened.forEach((b) => b.close()));
function ssaOf(f: Fixture, loadBias = 0n): SsaBinary {
  const key = `${f.prog}@${loadBias}`;
  let b = opened.get(key);
  if (!b) opened.set(key, (b = openBinary(f.prog, { loadBias })));
  return b.ssa();
}

function req(f: Fixture, pc: bigint, isReturnAddress: boolean, sourceRoot = f.srcDir): MapPcRequest {
  return {
    pc,
    isReturnAddress,
    sourceRoot,
    allowedRoots: [sourceRoot],
    confirmRebuild: () => true,
    env,
    cacheDir: CACHE,
    noDiskCache: true,
    timeoutMs: 300_000,
  };
}

function editedCopy(f: Fixture, edit: (src: string) => string): string {
  const dir = mkdtempSync(join(scratch, `${f.fixture}-${f.goMinor}-`));
  cpSync(f.srcDir, dir, { recursive: true });
  const main = join(dir, 'main.go');
  const before = readFileSync(main, 'utf8');
  const after = edit(before);
  assert.notEqual(after, before, 'the edit did not change main.go');
  writeFileSync(main, after);
  return dir;
}

function assertInlinedFrames(m: PcMapping, tb: TbFrame[], physicalIdx: number): void {
  // the runtime prints inlined frames (no pc) just above their physical frame
  let k = physicalIdx;
  while (k > 0 && tb[k - 1]!.pc === undefined) k--;
  const expected = tb.slice(k, physicalIdx + 1).map((t) => `${t.function} ${t.line}`);
  assert.deepEqual(
    m.frames.map((fr) => `${fr.function} ${fr.line}`),
    expected,
  );
}

const versions = provisionedGoVersions();
assert.ok(
  ['1.19', '1.22', '1.24', '1.27'].every((v) => versions.includes(v)),
  `provisioned: ${versions.join(' ')}`,
);

for (const f of listFixtures({ fixture: 'index' })) {
  describe(`index go${f.goMinor}`, () => {
    const tb = crashFrames(f.traceback);
    const idx = tb.findIndex((t) => t.function.startsWith('main.') && t.pc !== undefined);
    const origin = tb[idx]!;

    test('the origin frame maps to the bounds-check panic call, verified', async () => {
      const m = await mapPc(ssaOf(f), req(f, origin.pc!, true));
      assert.equal(m.function, origin.function);
      assert.equal(m.goVersion, f.goVersion);
      assertInlinedFrames(m, tb, idx);
      assert.equal(m.verified, true, m.reason);
      assert.match(m.instruction!.text, /^CALL runtime\.panic(Index|Bounds)/);
      assert.ok(
        m.instruction!.offset < m.offset && m.offset - m.instruction!.offset === 5,
        'the CALL ends at the return address',
      );
      assert.match(m.ssaValue!.op, /PanicBounds/);
      assert.equal(m.ssaValue!.line, tb[idx - 1]!.pc === undefined ? tb[idx - 1]!.line : origin.line);
      assert.equal(m.line, m.ssaValue!.line);
      assert.ok(m.neighbours.every((v) => v.line === m.ssaValue!.line && v.id !== m.ssaValue!.id));
    });

    test('source edited after the build: unverified, never verified', async () => {
      const changed = editedCopy(f, (s) => s.replace(/(\ti := len\(os\.Args\) \+ 4\n)/, '$1\tos.Setenv("GCI", "1")\n'));
      const m = await mapPc(ssaOf(f), req(f, origin.pc!, true, changed));
      assert.equal(m.verified, false);
      assert.match(m.reason, /unverified/);
      const moved = editedCopy(f, (s) =>
        s.replace(/\nfunc pick/, '\n// a comment that moves every line below\nfunc pick'),
      );
      const m2 = await mapPc(ssaOf(f), req(f, origin.pc!, true, moved));
      assert.equal(m2.verified, false, m2.reason);
      assert.match(m2.reason, /lines moved|differs/);
    });
  });
}

for (const f of listFixtures({ fixture: 'nilptr-goroutine' })) {
  describe(`nilptr-goroutine go${f.goMinor}`, () => {
    const tb = crashFrames(f.traceback);
    const pc = signalPc(f.traceback);
    const idx = tb.findIndex((t) => t.pc === pc);

    test('the faulting pc maps to the load through the nil pointer, verified', async () => {
      assert.ok(idx >= 0, 'the signal pc is a frame of the crashing goroutine');
      const m = await mapPc(ssaOf(f), req(f, pc, false));
      assert.equal(m.function, tb[idx]!.function);
      assert.equal(m.line, tb[idx]!.line);
      assert.equal(m.verified, true, m.reason);
      assert.equal(m.instruction!.offset, m.offset, 'the faulting instruction starts at the pc itself');
      assert.match(m.ssaValue!.op, /load|NilCheck/i);
      assert.equal(m.ssaValue!.line, tb[idx]!.line);
    });

    test('the caller frame (a return address) maps to its CALL', async () => {
      const caller = tb[idx + 1]!;
      const m = await mapPc(ssaOf(f), req(f, caller.pc!, true));
      assert.equal(m.function, caller.function);
      assert.equal(m.line, caller.line);
      assert.equal(m.verified, true, m.reason);
      assert.match(m.instruction!.text, new RegExp(`^CALL ${tb[idx]!.function.replace(/[.*()]/g, '\\$&')}`));
      assert.match(m.ssaValue!.op, /^CALLstatic/);
    });

    test('source edited after the build: unverified', async () => {
      const changed = editedCopy(f, (s) => s.replace('return a.balance\n', 'return a.balance + 1\n'));
      const m = await mapPc(ssaOf(f), req(f, pc, false, changed));
      assert.equal(m.verified, false);
    });
  });
}

for (const minor of ['1.19', '1.22', '1.24', '1.27']) {
  describe(`index variants go${minor}`, () => {
    for (const variant of ['index-pie', 'index-stripped']) {
      test(`${variant}: origin frame verified (PIE: runtime pc with the core's load bias)`, async () => {
        const f = listFixtures({ fixture: variant, goMinor: minor })[0]!;
        const tb = crashFrames(f.traceback);
        const origin = tb.find((t) => t.function === 'main.main' && t.pc !== undefined)!;
        const core = CoreFile.open(f.core);
        const exe = ElfFile.open(f.prog);
        const bias = loadBias(core, exe);
        core.close();
        exe.close();
        if (variant === 'index-pie') assert.notEqual(bias, 0n);
        const m = await mapPc(ssaOf(f, bias), req(f, origin.pc!, true));
        assert.equal(m.function, 'main.main');
        assert.equal(m.verified, true, m.reason);
        assert.match(m.ssaValue!.op, /PanicBounds/);
        if (variant === 'index-pie') assert.ok(m.rebuild.args.includes('-buildmode=pie'));
      });
    }
  });
}

describe('cache and errors', () => {
  test('results are cached by build ID and function, in memory and on disk', async () => {
    const f = listFixtures({ fixture: 'nilptr-goroutine', goMinor: '1.22' })[0]!;
    const pc = signalPc(f.traceback);
    const dir = mkdtempSync(join(scratch, 'cache-'));
    const r: MapPcRequest = {
      ...req(f, pc, false),
      cacheDir: dir,
      goCache: join(CACHE, 'gocache'),
      noDiskCache: false,
      env: { ...env, PATH: '' },
    };
    clearSsaMemoryCache();
    // no toolchain under this cacheDir and none on PATH: only the settings map can provide it
    await assert.rejects(mapPc(ssaOf(f), r), ToolchainNotFoundError);
    const withRoot = {
      ...r,
      goroots: { [f.goVersion]: join(CACHE, 'toolchains', `go${f.goMinor}`, 'root', 'usr', 'lib', `go-${f.goMinor}`) },
    };
    const first = await mapPc(ssaOf(f), withRoot);
    assert.equal(first.rebuild.cached, false);
    const second = await mapPc(ssaOf(f), withRoot);
    assert.equal(second.rebuild.cached, true);
    clearSsaMemoryCache();
    const third = await mapPc(ssaOf(f), r); // from disk: no toolchain needed
    assert.equal(third.rebuild.cached, true);
    assert.deepEqual({ ...third, rebuild: undefined }, { ...first, rebuild: undefined });
    // untrusted workspace: cached results only, never a rebuild
    assert.equal((await mapPc(ssaOf(f), { ...r, allowRebuild: false })).verified, true);
    const empty = mkdtempSync(join(scratch, 'empty-cache-'));
    clearSsaMemoryCache();
    await assert.rejects(mapPc(ssaOf(f), { ...withRoot, cacheDir: empty, allowRebuild: false }), PcMappingError);
  });

  test('a missing toolchain names the exact version and where it looked', async () => {
    await assert.rejects(
      findToolchain('go1.99.1', { cacheDir: CACHE, env: { PATH: '', HOME: scratch, GO_CORE_INSPECTOR_CACHE: CACHE } }),
      (e: unknown) => {
        assert.ok(e instanceof ToolchainNotFoundError);
        assert.match(e.message, /go1\.99\.1/);
        assert.match(e.message, /sdk\/go1\.99\.1/);
        assert.match(e.message, /toolchains\/go1\.99/);
        return true;
      },
    );
  });

  test('an aborted rebuild stops', async () => {
    const f = listFixtures({ fixture: 'index', goMinor: '1.24' })[0]!;
    const origin = crashFrames(f.traceback).find((t) => t.function === 'main.main')!;
    const ac = new AbortController();
    clearSsaMemoryCache();
    const p = mapPc(ssaOf(f), { ...req(f, origin.pc!, true), signal: ac.signal });
    setTimeout(() => ac.abort(new Error('cancelled by the test')), 50);
    await assert.rejects(p, /cancelled by the test/);
  });
});
