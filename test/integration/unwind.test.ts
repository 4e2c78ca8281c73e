// THE ORACLE CHECK: our unwinder (pclntab + core memory, no DWARF, no Delve) against the
// traceback the Go runtime printed when it crashed (GOTRACEBACK=crash), for every fixture and Go
// version, including the stripped (-s -w) and PIE builds, and the linux/arm64 builds run under
// qemu-user (`*-arm64`: link register, R28, the arm64 signal frame).
//
// What is compared, exactly:
// - The traceback side is the crashing goroutine: the first `goroutine N [...]:` block
//   (crashingGoroutine of src/traceback). Its frames are taken as printed: `panic(...)` is how the
//   runtime prints runtime.gopanic; frames printed with `(...)` are inlined frames (no pc/sp).
// - Our side is the logical frames (inlined calls expanded) of the thread that ran goroutine N,
//   on the stack labelled `goroutine N`: after the g0 → curg switch when the thread crashed on the
//   system stack, else the thread's own stack. That thread is the core's crashing thread; the
//   one exception is a race where two goroutines threw at once (map-writes can do it) and the
//   runtime printed the other one first: then the thread running the printed goroutine is used.
// - Alignment: the traceback starts at the frame that called into the panic/throw printing
//   (e.g. `panic`, `runtime.fatal`), while our walk also holds the runtime frames below it
//   (fatalpanic, systemstack_switch, ...). The first printed frame with a pc= is located in our
//   list by its pc and sp; from there every printed frame must equal ours, in order: function
//   name, file, line, inlined or not, and for physical frames pc=, sp= and fp=. Our frames above
//   the aligned position must all be runtime functions. Without elision, both lists end together
//   (at runtime.goexit or runtime.main's caller).
// - Elided stacks (stack overflow: `...N frames elided...` / `...additional frames elided...`):
//   the frames before the marker are compared as above; the frames after it (Go 1.21+ prints
//   the 50 outermost) are compared with a second walk started at the first of them (its printed
//   pc and sp, looked up as a return address), to the end.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unwind } from '../../src/core/unwind.js';
import { buildReport, reportFrames, type ReportFrame } from '../../src/analysis/report.js';
import { crashSummary } from '../../src/analysis/crashSummary.js';
import { analyzeCore } from '../../src/analysis/coreAnalysis.js';
import { crashingGoroutine, isRuntimeFunction, parseTraceback, type Frame, type Goroutine } from '../../src/traceback/parse.js';
import { listFixtures, type Fixture } from '../support/fixtures.js';

/** The name the runtime prints for a function (runtime.funcNameForPrint and gopanic → panic). */
export function printedName(fn: string): string {
  if (fn === 'runtime.gopanic') return 'panic';
  const open = fn.indexOf('[');
  const close = fn.lastIndexOf(']');
  return open >= 0 && close > open ? fn.slice(0, open) + '[...]' + fn.slice(close + 1) : fn;
}

function describeFrame(f: ReportFrame): string {
  return `${f.function}${f.inlined ? '(...)' : ''} ${f.file}:${f.line} pc=${f.pc} sp=${f.sp}`;
}

function compareFrames(ours: ReportFrame[], printed: Frame[], where: string): void {
  for (let i = 0; i < printed.length; i++) {
    const p = printed[i]!;
    const o = ours[i];
    const ctx = `${where}: frame ${i} (printed ${p.func} ${p.file}:${p.lineNumber})`;
    assert.ok(o, `${ctx}: our walk has no frame there`);
    assert.equal(printedName(o.function), p.func, `${ctx}: function differs (ours ${describeFrame(o)})`);
    assert.equal(o.file, p.file, `${ctx}: file differs`);
    assert.equal(o.line, p.lineNumber, `${ctx}: line differs`);
    assert.equal(o.inlined, p.inlined, `${ctx}: inlined differs`);
    if (p.pc !== undefined) assert.equal(BigInt(o.pc), p.pc, `${ctx}: pc differs`);
    if (p.sp !== undefined) assert.equal(BigInt(o.sp), p.sp, `${ctx}: sp differs`);
    if (p.fp !== undefined) assert.equal(BigInt(o.fp), p.fp, `${ctx}: fp differs`);
  }
}

function checkFixture(fx: Fixture): void {
  const tb = parseTraceback(fx.traceback);
  const g: Goroutine | undefined = crashingGoroutine(tb);
  assert.ok(g, `${fx.tracebackPath}: no goroutine block in the traceback`);
  const label = `goroutine ${g.id}`;
  const a = analyzeCore(fx.core, { binary: fx.prog });
  try {
    const crashT = a.cw.core.crashingThread;
    const threads = [crashT, ...a.cw.core.threads.filter((t) => t !== crashT)];
    let ours: ReportFrame[] = [];
    let tid = 0;
    for (const t of threads) {
      const frames = reportFrames(a.stack(t).frames).filter((f) => f.stack === label);
      if (frames.length > 0) {
        ours = frames;
        tid = t.tid;
        break;
      }
    }
    if (ours.length === 0 && /^fatal error: all goroutines are asleep - deadlock!$/m.test(fx.traceback)) {
      // A deadlock: no thread runs a goroutine; the engine unwinds the blocked ones from g.sched.
      const s = crashSummary(a, buildReport(a), { groupGoroutines: false });
      ours = s.blocked.find((b) => b.goid === g.id)?.frames ?? [];
      tid = crashT.tid;
    }
    assert.ok(ours.length > 0, `no thread of ${fx.core} ran ${label} (crashing thread ${crashT.tid}: ${a.stack(crashT).stopDetail})`);
    if (tid !== crashT.tid) {
      // Two goroutines threw concurrently; the runtime printed the other one first.
      const cur = a.current(crashT);
      assert.ok(cur && cur.curgGoid !== undefined, `crashing thread ${crashT.tid} runs no goroutine`);
      const other = tb.goroutines.find((x) => BigInt(x.id) === (cur.kind === 'user' ? cur.goid : cur.curgGoid));
      assert.ok(other?.items.some((i) => i.kind === 'unavailable'), `crashing thread's goroutine is not printed as running elsewhere`);
    }
    const items = g.items;
    const elidedAt = items.findIndex((i) => i.kind === 'elided');
    const head = (elidedAt < 0 ? items : items.slice(0, elidedAt)).flatMap((i) => (i.kind === 'frame' ? [i.frame] : []));
    const tail = elidedAt < 0 ? [] : items.slice(elidedAt + 1).flatMap((i) => (i.kind === 'frame' ? [i.frame] : []));
    assert.ok(head.length > 0, `${label} has no printed frames`);
    const k = head.findIndex((f) => f.pc !== undefined);
    assert.ok(k >= 0, `${label}: no printed frame has pc= (not GOTRACEBACK=crash?)`);
    const anchor = head[k]!;
    const j = ours.findIndex((f) => !f.inlined && BigInt(f.pc) === anchor.pc && BigInt(f.sp) === anchor.sp);
    assert.ok(j >= 0, `our walk has no frame at pc=0x${anchor.pc!.toString(16)} sp=0x${anchor.sp!.toString(16)} (${anchor.func}); ours: ${ours.map(describeFrame).join(' | ')}`);
    const pos = j - k;
    assert.ok(pos >= 0, `printed frames before the anchor do not fit`);
    for (const f of ours.slice(0, pos)) assert.ok(isRuntimeFunction(printedName(f.function)), `extra non-runtime frame before the printed ones: ${describeFrame(f)}`);
    compareFrames(ours.slice(pos), head, `${fx.fixture} go${fx.goMinor} ${label}`);
    if (elidedAt < 0) {
      assert.equal(ours.length, pos + head.length, `our walk has ${ours.length - pos - head.length} frame(s) more than printed: ${ours.slice(pos + head.length).map(describeFrame).join(' | ')}`);
    } else if (tail.length > 0) {
      const t0 = tail[0]!;
      assert.ok(t0.pc !== undefined && t0.sp !== undefined, 'the first frame after the elision has no pc/sp');
      const r = unwind(a.syms.pclntab, a.cw.memory, { pc: t0.pc, sp: t0.sp, bp: 0n }, { innermostIsCallReturn: true });
      compareFrames(reportFrames(r.frames), tail, `${fx.fixture} go${fx.goMinor} ${label} after the elision`);
      assert.equal(reportFrames(r.frames).length, tail.length, 'the walk after the elision does not end with the printed frames');
    }
  } finally {
    a.close();
  }
}

describe('unwinder vs the runtime traceback (oracle)', () => {
  const fixtures = [...listFixtures(), ...listFixtures({ goarch: 'arm64' })];
  for (const fx of fixtures) {
    it(`${fx.fixture} go${fx.goMinor}`, () => checkFixture(fx));
  }
  it('covers the stripped and PIE builds', () => {
    assert.ok(fixtures.some((f) => f.fixture === 'index-stripped'), 'no index-stripped fixture');
    assert.ok(fixtures.some((f) => f.fixture === 'index-pie'), 'no index-pie fixture');
  });
  it('covers linux/arm64 for every Go version of the amd64 fixtures', () => {
    const minors = new Set(fixtures.filter((f) => f.goarch === 'amd64').map((f) => f.goMinor));
    for (const m of minors) {
      for (const p of ['index', 'nilptr-goroutine', 'inlined-nilptr', 'nested-panics', 'custom-error', 'map-writes', 'mutex-deadlock', 'stack-overflow']) {
        assert.ok(fixtures.some((f) => f.goarch === 'arm64' && f.program === p && f.goMinor === m), `no ${p}-arm64 fixture for Go ${m}`);
      }
    }
  });
});
