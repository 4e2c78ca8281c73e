// What the Go runtime knew at the crash, read from raw core memory with our own readers: the crash
// kind and the messages as the runtime printed them, the signal that started it, the crashing
// goroutine and its origin frame, the _panic chain field by field, every M with its g0 and curg,
// and the other goroutines grouped by identical stacks. Shared by `go-core report` and the views.
import { PF_W } from '../core/elfTypes.js';
import { signalName } from '../core/notes.js';
import { goroutineStack, shapeStackFrames, shapeStackKey, StackGrouper, type StackFrameLite } from '../runtime/goroutineStacks.js';
import type { StackShape } from '../runtime/stackShapes.js';
import { parkedStacks } from './parkedStacks.js';
import { readField } from '../runtime/fields.js';
import { printedPanicLines, type PanicRecord } from '../runtime/panicChain.js';
import { attempt, chainsOf, mForThread, type RuntimeSnapshot } from '../runtime/snapshot.js';
import { fatalErrorMessage } from '../runtime/throwMessage.js';
import type { CoreAnalysis } from './coreAnalysis.js';
import { originIndex } from './pcRules.js';
import { reportFrames, type Report, type ReportFrame } from './report.js';
import { isRuntimeFunction, isStandardLibrary } from '../traceback/crash.js';
import { unwind } from '../core/unwind.js';
import { readSavedRegisters } from '../core/arch/index.js';
import { throwSignalLine, unhandledSignal, unhandledSignalLines } from './signalHeader.js';

import type { CrashKind } from '../traceback/types.js';

export type { CrashKind };

export interface SummaryField {
  name: string;
  offset: number;
  size: number;
  type: string;
  /** Hex for integers and pointers; words for aggregates. */
  value: string;
  /** Code pointers: the function they point into. */
  symbol?: string;
}

export interface SummaryPanic {
  address: string;
  /** 0 = newest. */
  index: number;
  /** The value as the runtime prints it (or `<type>` when it cannot be rendered exactly). */
  value: string;
  type: string | null;
  recovered: boolean;
  goexit: boolean;
  aborted: boolean | null;
  repanicked: boolean | null;
  /**
   * The frame that raised this panic: the first frame outside the runtime below the
   * runtime.gopanic frame that holds the record (a _panic lives in its gopanic's frame), i.e. the
   * `panic(...)` call, or the faulting frame of a runtime error (inlined frames count). Null when
   * no gopanic frame of the crashing stack holds it.
   */
  raisingFrame: ReportFrame | null;
  /** Index of raisingFrame in the report's crash.frames; null with it. */
  raisingFrameIndex: number | null;
  fields: SummaryField[];
}

/** A goroutine that cannot run, when no goroutine was running at the crash (a deadlock). */
export interface SummaryBlocked {
  goid: number;
  /** What the traceback header shows in brackets (the wait reason: `sync.Mutex.Lock`, `semacquire`, ...). */
  status: string;
  waitReason: string | null;
  /** The line that blocked: the first frame of the program's own code (not the runtime, not the standard library). */
  blockingFrame: ReportFrame | null;
  /** Its stack, innermost first (a parked goroutine: every pc is a return address). */
  frames: ReportFrame[];
}

export interface SummaryG {
  goid: number;
  address: string;
  status: string;
  waitReason: string | null;
  schedPc: string;
  schedSp: string;
  schedFunction: string | null;
  schedLine: string | null;
}

export interface SummaryM {
  id: number;
  tid: number;
  address: string;
  crashing: boolean;
  g0: { address: string; stackLo: string | null; stackHi: string | null; schedPc: string | null; schedSp: string | null; schedFunction: string | null; crashPcOnStack: boolean };
  curg: SummaryG | null;
  gsignal: string;
  throwing: number;
  mallocing: number;
  locks: number;
  dying: number;
  p: string;
  pId: number | null;
  /**
   * Race builds (`-race`): g.racectx of the M's g0, gsignal and curg (hex; null where the g is
   * absent or unreadable). The runtime sets g0's to 0 (runtime.main), so race-instrumented code
   * that runs on the system stack hands TSan a null context. Null for builds without -race.
   */
  racectx: { g0: string | null; gsignal: string | null; curg: string | null } | null;
}

export interface SummaryGroup {
  count: number;
  /** Up to 100 goroutine ids, ascending. */
  goids: number[];
  status: string;
  /** The frames of the group's first goroutine, in the report's one frame shape. */
  frames: ReportFrame[];
}

export interface CrashSummary {
  kind: CrashKind;
  /** The header lines the runtime printed: `panic: ...` (with ` [recovered]`), `fatal error: ...`. */
  messages: string[];
  /** The signal that started the crash (g.sig of the crashing goroutine), not the final SIGABRT. */
  signal: { number: number; name: string; code: string; address: string; pc: string } | null;
  /**
   * The goroutine the crash is about: the crashing thread's; when that thread runs none (a
   * deadlock: `all goroutines are asleep`), the first blocked goroutine, as the runtime's
   * traceback prints it first.
   */
  goroutine: number | null;
  /** The origin frame of that goroutine. */
  origin: ReportFrame | null;
  /**
   * When the crashing thread runs no goroutine: the goroutines of the program's own code that
   * cannot run, in the runtime's order (allgs, as the traceback prints them); empty otherwise.
   */
  blocked: SummaryBlocked[];
  panics: SummaryPanic[];
  ms: SummaryM[];
  goroutines: { total: number; groups: SummaryGroup[] };
  notes: string[];
  /**
   * A fault outside Go code or on the system stack (issue 12): the g the signal arrived on (R14
   * of the interrupted context: g0, gsignal or a user g), its M and racectx (race builds), and the
   * M's curg. `explanation`: one sentence for the crash header when the fault is in the race
   * runtime (TSan) and the g in R14 has racectx 0, naming the Go function that ran on the system
   * stack; null otherwise. Null when the crash is not such a fault.
   */
  fault: { m: number | null; g: string; gKind: 'g0' | 'gsignal' | 'user' | 'unknown'; curg: number | null; racectx: string | null; function: string; explanation: string | null } | null;
}

const hx = (n: bigint): string => '0x' + n.toString(16);
const FATAL_FRAMES = new Set(['runtime.throw', 'runtime.fatal', 'runtime.fatalthrow']);

/** Crash kind from the crashing thread's frames and the _panic chain. */
export function crashKind(funcs: readonly string[], panics: number, signal: boolean): CrashKind {
  if (funcs.includes('runtime.fatalpanic')) return 'panic';
  if (funcs.some((f) => FATAL_FRAMES.has(f))) return 'fatal error';
  if (panics > 0) return 'panic';
  return signal ? 'signal' : 'unknown';
}

export function originOf(frames: readonly ReportFrame[]): ReportFrame | null {
  return frames[originIndex(frames)] ?? null;
}


/**
 * The frame that raised a _panic record: runtime.gopanic declares `var p _panic`, so the record
 * lies in the frame [sp, fp) of the gopanic that raised it (runtime/panic.go, Go 1.19–1.27); the
 * raising frame is the first frame outside the runtime below it (its caller's code, or the
 * faulting frame below sigpanic/panicmem).
 */
export function raisingFrameIndex(frames: readonly ReportFrame[], record: bigint): number | null {
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    if (f.function !== 'runtime.gopanic' || f.inlined) continue;
    if (record < BigInt(f.sp) || record >= BigInt(f.fp)) continue;
    for (let j = i + 1; j < frames.length; j++) if (!isRuntimeFunction(frames[j]!.function)) return j;
    return null;
  }
  return null;
}

/** A function of the standard library (its import path's first element has no dot), not main. */

/**
 * Of the goroutines that threw at once besides the crashing thread's (their threads' ids), the
 * thread whose traceback the runtime printed first (runtime/panic.go dopanic_m, Go 1.19-1.27):
 * throwers print in turn under paniclk; each but the last, done printing, calls lock(&deadlock)
 * twice. The first printer took `deadlock` and waits at the second call; every later one waits at
 * the first. So the first printer's dopanic_m frame returns to the later call site: the highest pc.
 * One candidate is the first; undefined when the frames do not tell.
 */
export function firstPrinter(a: CoreAnalysis, tids: readonly number[], notes: string[]): number | undefined {
  if (tids.length <= 1) return tids[0];
  const at = tids.map((tid) => {
    const t = a.cw.core.threads.find((x) => x.tid === tid);
    const frames = t ? (attempt(notes, `thread ${tid}`, () => a.stack(t).frames) ?? []) : [];
    return { tid, pc: frames.find((f) => f.funcName === 'runtime.dopanic_m')?.pc };
  });
  if (at.some((x) => x.pc === undefined)) return undefined;
  const top = at.reduce((x, y) => (y.pc! > x.pc! ? y : x));
  return at.filter((x) => x.pc === top.pc).length === 1 ? top.tid : undefined;
}

/** The first frame of the program's own code (not runtime, not standard library), else the origin. */
export function blockingFrame(frames: readonly ReportFrame[]): ReportFrame | null {
  return frames.find((f) => !isRuntimeFunction(f.function) && !isStandardLibrary(f.function)) ?? originOf(frames);
}

function summaryPanic(p: PanicRecord, frames: readonly ReportFrame[]): SummaryPanic {
  const at = raisingFrameIndex(frames, p.addr);
  return {
    address: hx(p.addr),
    index: p.index,
    value: p.value.text ?? p.value.errorText ?? `<${p.value.type?.name ?? 'unknown'}>`,
    type: p.value.type?.name ?? null,
    recovered: p.recovered,
    goexit: p.goexit,
    aborted: p.aborted ?? null,
    repanicked: p.repanicked ?? null,
    raisingFrame: at !== null ? frames[at]! : null,
    raisingFrameIndex: at,
    fields: p.fields.map((f) => ({
      name: f.name,
      offset: f.offset,
      size: f.size,
      type: f.type,
      value: f.value !== undefined ? (f.kind === 'bool' ? String(f.value !== 0n) : hx(f.value)) : (f.words ?? []).map(hx).join(' '),
      ...(f.symbol ? { symbol: f.symbol } : {}),
    })),
  };
}

export interface SummaryOptions {
  /** Unwind every other goroutine to group them (default true). */
  groupGoroutines?: boolean;
  /** Stop grouping after this many goroutines (default 100,000). */
  maxGoroutines?: number;
}

export function crashSummary(a: CoreAnalysis, report: Report, opts: SummaryOptions = {}): CrashSummary {
  const notes: string[] = [];
  const mem = a.cw.memory;
  const syms = a.syms;
  const crashT = a.cw.core.crashingThread;
  const st = a.stack(crashT);
  const funcs = st.frames.map((f) => f.funcName);
  let origin = originOf(report.crash.frames);
  let goroutine = report.crash.goroutine;
  const base: CrashSummary = { kind: crashKind(funcs, 0, false), messages: [], signal: null, goroutine, origin, blocked: [], panics: [], ms: [], goroutines: { total: 0, groups: [] }, notes, fault: null };
  if (!a.layout || !a.goVersion) {
    notes.push(`runtime state not read: ${a.layoutProblem ?? 'unknown Go version'}`);
    return base;
  }
  const layout = a.layout;
  const snapshot: RuntimeSnapshot | undefined = attempt(notes, 'runtime state', () => a.snapshot());
  if (!snapshot) return base;
  notes.push(...snapshot.notes);
  const namer = { codeName: (addr: bigint) => (syms.funcForPC(addr) ? syms.nameFor(addr) : undefined) };
  const cur = a.current(crashT);
  const gAddr = cur ? (cur.kind === 'user' ? cur.g : cur.curg) : 0n;

  // The _panic chain and the messages the runtime printed.
  const chains = gAddr ? chainsOf(snapshot, mem, gAddr, namer) : { panics: [], defers: [], notes: [] };
  notes.push(...chains.notes);
  const kind = crashKind(funcs, chains.panics.filter((p) => !p.goexit).length, false);
  const messages: string[] = [];
  if (kind === 'panic') messages.push(...printedPanicLines(chains.panics).map((l) => l.replace(/^\t+/, '')));
  if (kind === 'fatal error') {
    // Every thread that is throwing printed its own `fatal error:` line (two goroutines can hit
    // `concurrent map writes` at once): the crashing thread first, then the others by thread id.
    const readOnly = (addr: bigint) => {
      const seg = a.cw.binary?.loadFor(addr - syms.bias);
      return seg !== undefined && (seg.flags & PF_W) === 0;
    };
    const throwing = new Set(snapshot.ms.filter((m) => m.throwing > 0).map((m) => m.procid));
    const threads = [crashT, ...a.cw.core.threads.filter((t) => t !== crashT && throwing.has(BigInt(t.tid)))];
    for (const t of threads) {
      const frames = t === crashT ? st.frames : (attempt(notes, `thread ${t.tid}`, () => a.stack(t).frames) ?? []);
      const m = fatalErrorMessage(frames, mem, readOnly);
      if (m) messages.push(`fatal error: ${m.message}`);
    }
    if (messages.length === 0) notes.push('the fatal error message was not found in the throw frame');
  }

  // The signal that started it, as the runtime keeps it in the goroutine (g.sig, sigcode0/1, sigpc).
  let signal: CrashSummary['signal'] = null;
  const og = layout.offsets.g;
  const sigF = og.sig;
  const sigG = cur?.kind === 'g0' ? cur.g : gAddr;
  if (sigG && sigF) {
    const sig = attempt(notes, 'g.sig', () => readField(mem, sigG, sigF));
    if (sig) {
      const rd = (n: 'sigcode0' | 'sigcode1' | 'sigpc') => {
        const ref = og[n];
        return ref ? (attempt(notes, `g.${n}`, () => readField(mem, sigG, ref)) ?? 0n) : 0n;
      };
      signal = { number: Number(sig), name: signalName(Number(sig)), code: hx(rd('sigcode0')), address: hx(rd('sigcode1')), pc: hx(rd('sigpc')) };
      if (kind === 'fatal error' && messages[0] === 'fatal error: unexpected signal during runtime execution') {
        messages.splice(1, 0, throwSignalLine(Number(sig), rd('sigcode0'), rd('sigcode1'), rd('sigpc')));
      }
    }
  }

  // Every M; the crashing one is the M of the crashing thread.
  const crashPc = st.frames[0]?.pc;
  const crashM = mForThread(snapshot, crashT.tid);
  const name = (pc: bigint) => (pc ? (syms.nameFor(pc) ?? null) : null);
  const line = (pc: bigint) => {
    const fr = pc ? syms.frames(pc, { isCallReturn: true })[0] : undefined;
    return fr ? `${fr.file}:${fr.line}` : null;
  };
  const race = a.cw.buildInfo?.settings.some((x) => x.key === '-race' && x.value === 'true') ?? false;
  const racectxF = layout.offsets.g.racectx;
  const racectxOf = (g: bigint | undefined): string | null => {
    if (!g || !racectxF) return null;
    const v = attempt(notes, 'g.racectx', () => readField(mem, g, racectxF));
    return v !== undefined ? hx(v) : null;
  };
  const ms: SummaryM[] = snapshot.ms.map((m) => ({
    id: Number(m.id),
    tid: Number(m.procid),
    address: hx(m.addr),
    crashing: m === crashM,
    g0: {
      address: hx(m.g0),
      stackLo: m.g0StackLo !== undefined ? hx(m.g0StackLo) : null,
      stackHi: m.g0StackHi !== undefined ? hx(m.g0StackHi) : null,
      schedPc: m.g0SchedPc !== undefined ? hx(m.g0SchedPc) : null,
      schedSp: m.g0SchedSp !== undefined ? hx(m.g0SchedSp) : null,
      schedFunction: m.g0SchedPc ? name(m.g0SchedPc) : null,
      crashPcOnStack:
        m === crashM && m.g0StackLo !== undefined && m.g0StackHi !== undefined && st.frames.some((f) => f.sp >= m.g0StackLo! && f.sp < m.g0StackHi!),
    },
    curg: m.curgInfo
      ? {
          goid: Number(m.curgInfo.goid),
          address: hx(m.curgInfo.addr),
          status: m.curgInfo.statusName,
          waitReason: m.curgInfo.waitReasonString || null,
          schedPc: hx(m.curgInfo.schedPc),
          schedSp: hx(m.curgInfo.schedSp),
          schedFunction: name(m.curgInfo.schedPc),
          schedLine: line(m.curgInfo.schedPc),
        }
      : null,
    gsignal: hx(m.gsignal),
    throwing: m.throwing,
    mallocing: m.mallocing,
    locks: m.locks,
    dying: m.dying,
    p: hx(m.p),
    pId: m.pId ?? null,
    racectx: race ? { g0: racectxOf(m.g0), gsignal: racectxOf(m.gsignal), curg: racectxOf(m.curgInfo?.addr) } : null,
  }));
  if (crashPc === undefined) notes.push('the crashing thread has no frames');

  // No goroutine on the crashing thread (checkdead's `all goroutines are asleep`, on g0 with no
  // curg): the program's blocked goroutines are the story, the first of them is the crash's.
  const blocked: SummaryBlocked[] = [];
  if (gAddr === 0n) {
    for (const g of snapshot.goroutines.goroutines) {
      if (g.statusName === 'running' || g.statusName === 'dead' || g.statusName === 'idle') continue;
      const start = g.syscallsp !== 0n ? { pc: g.syscallpc, sp: g.syscallsp, bp: g.schedBp } : { pc: g.schedPc, sp: g.schedSp, bp: g.schedBp };
      const label = `goroutine ${g.goid}`;
      const r = attempt(notes, label, () => unwind(syms.pclntab, mem, start, { innermostIsCallReturn: true, firstStackLabel: label, maxFrames: a.maxFrames }));
      if (!r) continue;
      const frames = reportFrames(r.frames);
      if (!frames.some((f) => !isRuntimeFunction(f.function))) continue; // a runtime goroutine
      blocked.push({ goid: Number(g.goid), status: g.tracebackStatus, waitReason: g.waitReasonString || null, blockingFrame: blockingFrame(frames), frames });
    }
    if (blocked.length > 0) {
      goroutine = blocked[0]!.goid;
      origin = originOf(blocked[0]!.frames);
    }
  }

  // Several goroutines threw at once (`concurrent map writes`: the writers detect it together): the
  // first to take paniclk printed the header and every goroutine, and waits forever; the last one
  // raised the final signal on the crashing thread (FIELD_NOTES). The runtime's traceback, as the
  // user reads it, starts with the first: that goroutine is the crash's (firstPrinter).
  const throwers = ms.filter((m) => m.throwing > 0);
  const firstTid = kind === 'fatal error' && throwers.some((m) => m.crashing) ? firstPrinter(a, throwers.filter((m) => !m.crashing).map((m) => m.tid), notes) : undefined;
  const first = throwers.find((m) => m.tid === firstTid);
  if (first) {
    const thread = a.cw.core.threads.find((t) => t.tid === first.tid);
    const frames = thread ? attempt(notes, `thread ${first.tid}`, () => reportFrames(a.stack(thread).frames)) : undefined;
    const own = frames?.filter((f) => f.stack.startsWith('goroutine'));
    if (first.curg && own && own.length > 0) {
      goroutine = first.curg.goid;
      origin = originOf(own);
      notes.push(
        `${throwers.length === 2 ? 'two' : throwers.length} goroutines threw at once: goroutine ${goroutine} printed the traceback first; ` +
          `the core's crashing thread ${crashT.tid} ran the last, which raised the final signal`,
      );
    }
  }

  // The other goroutines, grouped by identical stacks.
  const groups: SummaryGroup[] = [];
  let total = 0;
  if (opts.groupGoroutines !== false) {
    const max = opts.maxGoroutines ?? 100_000;
    // Only each group's first stack is kept. The stacks are walked once per shape, shared with
    // waits() (parkedStacks.ts), then grouped in allgs order.
    const grouper = new StackGrouper();
    const gs = snapshot.goroutines.goroutines;
    const walked = parkedStacks(syms.pclntab, mem, snapshot).walked;
    const keys = new Map<StackShape, string>();
    for (let i = 0; i < gs.length; i++) {
      const g = gs[i]!;
      if (g.addr === gAddr) continue;
      if (grouper.count >= max) {
        notes.push(`only the first ${max} goroutines were grouped`);
        break;
      }
      const w = walked[i];
      if (w === undefined) {
        // Not walked by shape (a read failed): as before, on its own.
        const s = attempt(notes, `goroutine ${g.goid}`, () => goroutineStack(syms.pclntab, mem, g));
        if (s) grouper.add(s);
        continue;
      }
      let key = keys.get(w.shape);
      if (key === undefined) keys.set(w.shape, (key = shapeStackKey(syms.pclntab, w)));
      grouper.addKeyed(key, g.goid, g.tracebackStatus, () => shapeStackFrames(syms.pclntab, w));
    }
    total = grouper.count;
    for (const gr of grouper.result()) {
      const first = Number(gr.goids[0] ?? 0);
      groups.push({ count: gr.goids.length, goids: gr.goids.slice(0, 100).map(Number), status: gr.status, frames: gr.frames.map((f) => groupFrame(f, first)) });
    }
  }
  // A signal the runtime could not turn into a panic (Go 1.21+ prints it as it is).
  let crashKindOut = kind;
  const unhandled = kind === 'unknown' ? unhandledSignal(st.frames, mem, a.syms.pclntab.arch) : undefined;
  if (unhandled) {
    crashKindOut = 'signal';
    messages.push(...unhandledSignalLines(unhandled, crashM ? Number(crashM.id) : 0));
    signal = { number: unhandled.number, name: signalName(unhandled.number), code: hx(unhandled.code), address: hx(unhandled.address), pc: hx(unhandled.pc) };
  }
  const fault = faultContext(a, st.frames, cur, crashM ? Number(crashM.id) : null, notes);
  if (fault) origin = faultOrigin(report.crash.frames, st.frames[fault.index]!.pc) ?? origin;
  const frames = report.crash.frames;
  const lost = callbackWithoutC(frames);
  if (lost) notes.push(lost);
  return { kind: crashKindOut, messages, signal, goroutine, origin, blocked, panics: chains.panics.map((p) => summaryPanic(p, frames)), ms, goroutines: { total, groups }, notes, fault: fault?.summary ?? null };
}

/**
 * A callback from C (runtime.cgocallback) whose walk did not reach the C caller on g0 (crosscall2)
 * and went on, as the runtime's traceback does, at the goroutine's runtime.cgocall: say that the C
 * frames of the callback are not shown and why they cannot be found (runtime/cgocall.go: a
 * panic's deferred unwindm restores g0.sched.sp, and the crash's systemstack then reuses that g0
 * stack, overwriting them).
 */
function callbackWithoutC(frames: readonly ReportFrame[]): string | undefined {
  const at = frames.findIndex((f) => f.function === 'runtime.cgocallback');
  if (at < 0) return undefined;
  const next = frames.slice(at + 1).find((f) => !f.inlined);
  if (!next || next.function === 'crosscall2' || next.language === 'c') return undefined;
  return (
    'The C frames that called back into Go (between runtime.cgocallback and runtime.asmcgocall) are not shown: ' +
    "g0.sched.sp no longer points at cgocallback's frame on g0 (a panic's deferred unwindm restores it, and the crash then reuses that stack); " +
    "the walk continues at the goroutine's runtime.cgocall, as the runtime's traceback does."
  );
}

/** Runtime-owned code outside Go: the race runtime and its entry points (runtime/race_amd64.s). */
const RUNTIME_OWNED_C = /^(__tsan_|__sanitizer|racecall$|racefuncenter$|racecalladdr$|runtime\.race)/;

/**
 * The g a fault arrived on, for a signal frame outside Go code or on g0 (issue 12): R14 of the
 * interrupted context, which g of its M it is, its racectx, and, for a fault in the race runtime
 * with racectx 0, the note naming the Go function that ran on the system stack.
 */
function faultContext(
  a: CoreAnalysis,
  frames: readonly import('../core/unwind.js').PhysicalFrame[],
  cur: ReturnType<CoreAnalysis['current']>,
  mId: number | null,
  notes: string[],
): { summary: NonNullable<CrashSummary['fault']>; index: number } | undefined {
  const index = frames.findIndex((f) => f.isSignalFrame && f.native !== undefined);
  if (index < 0 || !a.layout || !cur) return undefined;
  const f = frames[index]!;
  const o = a.layout.offsets;
  const mem = a.cw.memory;
  // R14 (R28) of the interrupted context: the ucontext the walk read (at the sigtramp frame's fp).
  const arch = a.syms.pclntab.arch;
  const tramp = frames.slice(0, index).reverse().find((x) => x.funcName === 'runtime.sigtramp' || x.funcName === 'runtime.cgoSigtramp');
  const saved = tramp ? readSavedRegisters(arch, mem, tramp.fp + arch.signal.ucontextFromSigtrampFp) : undefined;
  const g = saved?.[arch.gReg] ?? cur.g;
  const g0 = readField(mem, cur.m, o.m.g0);
  const gsignal = readField(mem, cur.m, o.m.gsignal);
  const gKind = g === g0 ? 'g0' : g === gsignal ? 'gsignal' : g === cur.curg && g !== 0n ? 'user' : 'unknown';
  const racectxF = o.g.racectx;
  const race = a.cw.buildInfo?.settings.some((x) => x.key === '-race' && x.value === 'true') ?? false;
  const racectx = race && racectxF && gKind !== 'unknown' ? (attempt(notes, 'g.racectx', () => readField(mem, g, racectxF)) ?? null) : null;
  const summary = { m: mId, g: hx(g), gKind, curg: cur.curgGoid !== undefined ? Number(cur.curgGoid) : null, racectx: racectx !== null ? hx(racectx) : null, function: f.funcName } as const;
  let note: string | null = null;
  if (RUNTIME_OWNED_C.test(f.funcName) && racectx === 0n) {
    const goFn = frames.slice(index + 1).find((x) => !x.native && !isRuntimeFunction(x.funcName) && !RUNTIME_OWNED_C.test(x.funcName));
    if (goFn) {
      note = `The fault is in the race runtime (${f.funcName}) with racectx = 0 in the g in R14 (${gKind}): ${goFn.logical[goFn.logical.length - 1]?.function ?? goFn.funcName} is race-instrumented and ran on the system stack, where racectx is 0.`;
    }
  }
  return { summary: { ...summary, explanation: note }, index };
}

/**
 * The origin of a fault outside Go code: the C function itself for C reached through cgo (the
 * innermost C function inlined at the faulting pc, when DWARF names one); for the
 * race runtime or runtime-owned C, the first Go function outside the runtime below it.
 */
function faultOrigin(frames: readonly ReportFrame[], pc: bigint): ReportFrame | null {
  const at = frames.findIndex((f) => BigInt(f.pc) === pc && f.signalFrame);
  if (at < 0) return null;
  const f = frames[at]!;
  // The C compiler's inlined functions at the faulting pc come first (DWARF): the innermost one
  // holds the faulting line.
  let inner = at;
  while (inner > 0 && frames[inner - 1]!.inlined && frames[inner - 1]!.pc === f.pc && frames[inner - 1]!.language === f.language) inner--;
  if (!RUNTIME_OWNED_C.test(f.function)) return f.language === 'c' ? frames[inner]! : null;
  return frames.slice(at + 1).find((x) => x.language !== 'c' && !isRuntimeFunction(x.function) && !RUNTIME_OWNED_C.test(x.function)) ?? null;
}

/**
 * A frame of a parked goroutine's stack in the report's one frame shape: its pc is a saved return
 * address (the goroutine stopped inside a call) and no signal interrupted it.
 */
function groupFrame(f: StackFrameLite, goid: number): ReportFrame {
  return {
    function: f.func,
    file: f.file,
    line: f.line,
    pc: f.pc,
    sp: f.sp,
    fp: f.fp,
    offset: hx(BigInt(f.offset)),
    inlined: f.inlined,
    stack: `goroutine ${goid}`,
    signalFrame: false,
    returnAddress: true,
    repeat: f.repeat ?? 1,
  };
}
