// The crash fixtures made by scripts/make-cores: right toolchain, real ELF cores and binaries,
// the expected crash, and a source copy equal to the program in the repository.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { crashingGoroutine, originFrame, parseTraceback, type Traceback } from '../../src/traceback/parse.js';
import { goBinary, listFixtures, type Fixture } from '../support/fixtures.js';

const PROGRAMS = join(__dirname, '..', 'fixtures', 'programs');
const DEFAULT_GO = ['1.19', '1.22', '1.24', '1.27'];
const VARIANTS: Record<string, { program: string; variant: string; buildArgs: string[] }> = {
  'index-stripped': { program: 'index', variant: 'stripped', buildArgs: ['-ldflags=-s -w'] },
  'index-pie': { program: 'index', variant: 'pie', buildArgs: ['-buildmode=pie'] },
};

/** What the first line of each program's traceback says, and which crash kind that is. */
const EXPECTED: Record<string, { first: RegExp; kind: 'panic' | 'fatal error'; also?: RegExp }> = {
  index: { first: /^panic: runtime error: index out of range \[5\] with length 3$/, kind: 'panic' },
  'nilptr-goroutine': {
    first: /^panic: runtime error: invalid memory address or nil pointer dereference$/,
    kind: 'panic',
    also: /^\[signal SIGSEGV: segmentation violation code=0x1 addr=0x[0-9a-f]+ pc=0x[0-9a-f]+\]$/m,
  },
  'custom-error': { first: /^panic: quota exceeded for alice: used 12 of 10$/, kind: 'panic' },
  'recovered-repanic': {
    first: /^panic: first \[recovered\]$/,
    kind: 'panic',
    also: /^\tpanic: second, after recovering first$/m,
  },
  'defer-panic': { first: /^panic: original$/, kind: 'panic', also: /^\tpanic: deferred cleanup failed$/m },
  'map-writes': { first: /^fatal error: concurrent map writes$/, kind: 'fatal error' },
  'stack-overflow': {
    first: /^runtime: goroutine stack exceeds 1000000000-byte limit$/,
    kind: 'fatal error',
    also: /^fatal error: stack overflow$/m,
  },
  'many-goroutines': { first: /^panic: giving up with 10000 goroutines blocked$/, kind: 'panic' },
  'nested-panics': { first: /^panic: A$/, kind: 'panic', also: /^\tpanic: B \[recovered\]\n\tpanic: C after B$/m },
  'mutex-deadlock': { first: /^fatal error: all goroutines are asleep - deadlock!$/, kind: 'fatal error' },
  'inlined-nilptr': {
    first: /^panic: runtime error: invalid memory address or nil pointer dereference$/,
    kind: 'panic',
    also: /^main\.\(\*node\)\.Weight\(\.\.\.\)$/m,
  },
  'heap-population': {
    first: /^panic: heap fixture: HeapObjects=\d+ HeapAlloc=\d+ main\.Small=500 main\.Node=3000 main\.Record=2000 main\.Blob=40 main\.Garbage=0 main\.Conn=700 main\.Secret=30 record0=0x[0-9a-f]+ secret0=0x[0-9a-f]+$/,
    kind: 'panic',
  },
  'wait-mutex-exited': { first: /^fatal error: all goroutines are asleep - deadlock!$/, kind: 'fatal error', also: /^goroutine 1 (gp=\S+ m=\S+ )?\[(sync\.Mutex\.Lock|semacquire)\]:$/m },
  'wait-chan-cycle': { first: /^fatal error: all goroutines are asleep - deadlock!$/, kind: 'fatal error', also: /^goroutine \d+ (gp=\S+ m=\S+ )?\[chan send\]:$/m },
  'wait-chan-leak': { first: /^panic: leaked 5 workers$/, kind: 'panic', also: /^goroutine \d+ (gp=\S+ m=\S+ )?\[chan receive\]:$/m },
  'wait-heap-leak': { first: /^panic: heap leaks: relay and sink$/, kind: 'panic', also: /^goroutine \d+ (gp=\S+ m=\S+ )?\[chan receive\]:$/m },
  'wait-waitgroup': { first: /^fatal error: all goroutines are asleep - deadlock!$/, kind: 'fatal error', also: /^goroutine 1 (gp=\S+ m=\S+ )?\[(sync\.WaitGroup\.Wait|semacquire)\]:$/m },
  'map-writers': { first: /^fatal error: concurrent map writes$/, kind: 'fatal error' },
  'wait-kinds': {
    first: /^panic: wait kinds: cond=0x[0-9a-f]+ rwmutex=0x[0-9a-f]+ mutex=0x[0-9a-f]+ pipe-fd=\d+ sleeper started at .* m=\+[0-9.]+$/,
    kind: 'panic',
    also: /^goroutine \d+ (gp=\S+ m=\S+ )?\[sync\.Cond\.Wait\]:$/m,
  },
};

function readHead(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(n);
    readSync(fd, b, 0, n, 0);
    return b;
  } finally {
    closeSync(fd);
  }
}

/** ELF e_type: 2 executable, 3 shared object (PIE), 4 core. */
function elfType(path: string): number {
  const h = readHead(path, 18);
  assert.equal(h.subarray(0, 4).toString('latin1'), '\x7fELF', `${path} is not an ELF file`);
  return h.readUInt16LE(16);
}

const fixtures = listFixtures();
// Each traceback is parsed once per file.
const parsed = new Map<string, Traceback>();
function tracebackOf(f: Fixture): Traceback {
  let tb = parsed.get(f.dir);
  if (!tb) {
    tb = parseTraceback(f.traceback);
    parsed.set(f.dir, tb);
  }
  return tb;
}
const goVersionOf = new Map<string, string>();
function goVersion(minor: string): string {
  let v = goVersionOf.get(minor);
  if (!v) {
    const out = execFileSync(goBinary(minor), ['version'], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, GOTOOLCHAIN: 'local' },
    });
    v = out.split(' ')[2]!;
    goVersionOf.set(minor, v);
  }
  return v;
}

describe('crash fixtures', () => {
  it('exist for every program and variant with every default Go version', () => {
    // Programs whose fixtures are listed only by name: cgo-index is built only with crafted build
    // info (attack-cgoflags, the security tests); the cgo and race programs crash outside Go code,
    // with headers that vary by version (test/integration/cgoFrames.test.ts checks them).
    // heap-scale is made only on demand (bench/heap.ts), as heap-scale-500k … heap-scale-10m;
    // race-reports keeps the race detector's logs (test/integration/raceLogs.test.ts);
    // goroutine-scale is built as goroutines-1k and goroutines-100k, for the benchmarks.
    const byNameOnly = ['cgo-index', 'cgo-inlined-fault', 'cgo-callback-panic', 'cgo-callback-fatal', 'cgo-libc-fault', 'race-systemstack', 'race-reports', 'goroutine-scale'];
    const programs = readdirSync(PROGRAMS)
      .filter((p) => !byNameOnly.includes(p) && p !== 'heap-scale')
      .sort();
    assert.deepEqual(programs, Object.keys(EXPECTED).sort());
    for (const attack of ['attack-cgoflags', 'attack-version', 'attack-gcflags', 'goroutines-1k', ...byNameOnly.slice(1, -1)]) {
      for (const minor of DEFAULT_GO) {
        assert.equal(listFixtures({ fixture: attack, goMinor: minor }).length, 1, `${attack} go${minor}`);
      }
    }
    const names = [...programs, ...Object.keys(VARIANTS)];
    for (const name of names) {
      for (const minor of DEFAULT_GO) {
        assert.ok(
          fixtures.some((f) => f.fixture === name && f.goMinor === minor),
          `fixture ${name} go${minor} is missing: run scripts/make-cores`,
        );
      }
    }
  });

  for (const f of fixtures) {
    it(`${f.fixture} go${f.goMinor}`, () => {
      // meta.json
      assert.equal(f.goVersion, goVersion(f.goMinor));
      const v = VARIANTS[f.fixture] ?? { program: f.fixture, variant: 'default', buildArgs: [] };
      assert.equal(f.program, v.program);
      assert.equal(f.variant, v.variant);
      assert.deepEqual(f.buildArgs, v.buildArgs);
      assert.equal(f.exitCode, 134);
      assert.ok(f.coreSource === 'kernel' || f.coreSource === 'gcore');
      assert.match(f.key, /^[0-9a-f]{64}$/);

      // Files: an ELF core and an ELF binary (PIE: shared object type).
      assert.equal(elfType(f.core), 4, `${f.core} is not an ELF core`);
      assert.equal(elfType(f.prog), f.variant === 'pie' ? 3 : 2);

      // The source copy is the program in the repository (the fixture is up to date).
      const repoDir = join(PROGRAMS, f.program);
      for (const name of readdirSync(repoDir)) {
        const copy = join(f.srcDir, name);
        assert.ok(existsSync(copy), `${copy} is missing`);
        assert.equal(
          readFileSync(copy, 'utf8'),
          readFileSync(join(repoDir, name), 'utf8'),
          `${copy} differs from the repository: run scripts/make-cores`,
        );
      }

      // The crash is the expected one.
      const e = EXPECTED[f.program];
      assert.ok(e, `no expectation for program ${f.program}`);
      assert.match(f.traceback.split('\n')[0]!, e.first);
      if (e.also) assert.match(f.traceback, e.also);
      const tb = tracebackOf(f);
      assert.equal(tb.kind, e.kind);
      // Built from the source copy: user frames point into it. A deadlock's first goroutine is
      // parked in the standard library or in sync.runtime_Semacquire* (a linkname into
      // runtime/sema.go, outside the runtime by name): its first frame of package main is checked.
      const g = crashingGoroutine(tb)!;
      const parked = f.program === 'mutex-deadlock' || /^wait-(mutex-exited|waitgroup)$/.test(f.program);
      const user = parked ? g.frames.find((fr) => fr.func.startsWith('main.')) : originFrame(g);
      assert.equal(user?.file, join(f.srcDir, 'main.go'));
    });
  }

  it('nilptr-goroutine crashes in a goroutine other than main, with about 300 blocked', () => {
    for (const f of fixtures.filter((x) => x.fixture === 'nilptr-goroutine')) {
      const tb = tracebackOf(f);
      const g = crashingGoroutine(tb)!;
      assert.notEqual(g.id, 1);
      const blocked = tb.goroutines.filter((x) => x.frames.some((fr) => fr.func.startsWith('main.wait')));
      assert.equal(blocked.length, 300, `go${f.goMinor}`);
      // All parked before the crash.
      for (const b of blocked) assert.ok(!['running', 'runnable'].includes(b.status), `goroutine ${b.id}: ${b.status}`);
    }
  });

  it('many-goroutines has 10,000 blocked goroutines', () => {
    for (const f of fixtures.filter((x) => x.fixture === 'many-goroutines')) {
      const tb = tracebackOf(f);
      const blocked = tb.goroutines.filter((x) =>
        x.frames.some((fr) => /^main\.(recvLoop|lockWait|condWait|selectWait|sleepWait)$/.test(fr.func)),
      );
      assert.equal(blocked.length, 10000, `go${f.goMinor}`);
      for (const b of blocked) assert.ok(!['running', 'runnable'].includes(b.status), `goroutine ${b.id}: ${b.status}`);
    }
  });
});
