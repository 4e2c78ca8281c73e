// What a debug adapter shows of a core, from the engine alone (no Delve, no DWARF): the goroutines
// as threads (the crashing one first, named by the function they started in), each one's frames
// (the crashing goroutine's are the report's crash.frames, exactly what Panic Frames shows; a
// goroutine running on another thread is that thread's walk; a parked one is unwound from its saved
// g.sched, or g.syscallsp/pc in a system call, as runtime/traceback.go does), the registers where
// they come from (the thread's NT_PRSTATUS when the goroutine runs on a thread, the saved gobuf
// sp/pc/bp otherwise), and core memory by address range (readable prefix, then how many bytes are
// not in the core). The debug adapter (src/adapter) renders this; it never reads bytes itself.
import type { ThreadStatus } from '../core/notes.js';
import { CoreReadError } from '../core/errors.js';
import { unwind } from '../core/unwind.js';
import type { GoroutineInfo } from '../runtime/goroutines.js';
import { attempt, readRuntimeSnapshot } from '../runtime/snapshot.js';
import type { CoreEngine } from './engine.js';
import { reportFrames, type ReportFrame } from './report.js';

/** Where a goroutine's registers come from. */
export type RegisterSource =
  | { kind: 'thread'; tid: number; note: string }
  | { kind: 'gobuf'; g: bigint; note: string };

export interface DebugRegisters {
  source: RegisterSource;
  /** Register name → value, in the order a debugger lists them. */
  values: [string, bigint][];
}

export interface DebugGoroutine {
  /** The DAP thread id: the goroutine id, or THREAD_ID_BASE + tid for a thread running no goroutine. */
  id: number;
  goid: number | null;
  /** `goroutine 1 [running] main.main (thread 4242)`. */
  name: string;
  /** What the traceback header shows in brackets. */
  status: string;
  /** The thread that runs it, when one does. */
  tid: number | null;
  crashing: boolean;
  /** Address of its runtime.g (0n when unknown). */
  g: bigint;
}

export interface GoroutineFrames {
  frames: ReportFrame[];
  stop: { reason: string; detail: string };
}

/** Thread ids for threads that run no goroutine (a goroutine id never gets this large in a core). */
export const THREAD_ID_BASE = 2 ** 30;
/** Goroutines listed at most (Delve's DAP server caps its threads answer the same way). */
export const MAX_DEBUG_GOROUTINES = 1000;

export interface DebugTargets {
  /** Goroutines (and threads without one), the crashing one first; at most MAX_DEBUG_GOROUTINES. */
  readonly goroutines: readonly DebugGoroutine[];
  /** How many goroutines the core holds in all (the list may be cut), and why some are missing. */
  readonly total: number;
  readonly notes: readonly string[];
  /**
   * Logical frames of a goroutine, innermost first (memoised); the crashing one's equal
   * report().crash.frames. `stop` is why the walk ended (`top`: the stack's first function).
   */
  frames(id: number): GoroutineFrames;
  /** The registers of a goroutine's innermost frame, and where they were read. */
  registers(id: number): DebugRegisters | undefined;
}

const hx = (n: bigint): string => '0x' + n.toString(16);

/** The amd64 registers in the order debuggers list them (a NT_PRSTATUS has them all). */
const REGISTER_ORDER = ['rip', 'rsp', 'rbp', 'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs', 'fs_base', 'gs_base', 'orig_rax'];

function threadRegisters(t: ThreadStatus): DebugRegisters {
  const known = REGISTER_ORDER.filter((r) => t.regs[r] !== undefined);
  const rest = Object.keys(t.regs).filter((r) => !known.includes(r));
  return {
    source: { kind: 'thread', tid: t.tid, note: `thread ${t.tid}'s NT_PRSTATUS note` },
    values: [...known, ...rest].map((r) => [r, t.regs[r]!]),
  };
}

function gobufRegisters(g: GoroutineInfo): DebugRegisters {
  const inSyscall = g.syscallsp !== 0n;
  return {
    source: {
      kind: 'gobuf',
      g: g.addr,
      note: inSyscall ? `g.syscallpc/syscallsp of g ${hx(g.addr)} (in a system call) and g.sched.bp` : `g.sched (gobuf) of g ${hx(g.addr)}`,
    },
    values: [
      ['rip', inSyscall ? g.syscallpc : g.schedPc],
      ['rsp', inSyscall ? g.syscallsp : g.schedSp],
      ['rbp', g.schedBp],
    ],
  };
}

/** The debug view of an open core: goroutines, frames, registers. Reads allgs once. */
export function debugTargets(engine: CoreEngine): DebugTargets {
  const a = engine.analysis;
  const report = engine.report();
  const notes: string[] = [];
  const crashT = a.cw.core.crashingThread;
  const crashGoid = report.crash.goroutine;
  // Which thread runs which goroutine (R14 → g, or its M's curg when on g0/gsignal).
  const threadOf = new Map<number, ThreadStatus>();
  for (const t of a.cw.core.threads) {
    const cur = a.current(t);
    const goid = cur ? (cur.kind === 'user' ? cur.goid : cur.curgGoid) : undefined;
    if (goid !== undefined && !threadOf.has(Number(goid))) threadOf.set(Number(goid), t);
  }
  let all: GoroutineInfo[] = [];
  let total = 0;
  if (a.layout && a.goVersion) {
    const snapshot = attempt(notes, 'runtime state', () =>
      readRuntimeSnapshot({ memory: a.cw.memory, goVersion: a.goVersion!, exe: a.cw.binary, bias: a.syms.bias, symbols: a.syms }),
    );
    if (snapshot) {
      all = snapshot.goroutines.goroutines;
      total = all.length;
      for (const u of snapshot.goroutines.unreadable) notes.push(`g at ${hx(u.addr)} not read: ${u.reason}`);
    }
  } else {
    notes.push(`goroutines not listed: ${a.layoutProblem ?? 'unknown Go version'}; only the core's threads are shown`);
  }
  const byId = new Map<number, { info: DebugGoroutine; g?: GoroutineInfo; thread?: ThreadStatus }>();
  const order: DebugGoroutine[] = [];
  const startName = (g: GoroutineInfo): string => (g.startpc ? (a.syms.funcForPC(g.startpc)?.name ?? hx(g.startpc)) : '?');
  const add = (info: DebugGoroutine, g?: GoroutineInfo, thread?: ThreadStatus) => {
    byId.set(info.id, { info, ...(g ? { g } : {}), ...(thread ? { thread } : {}) });
    order.push(info);
  };
  // The crashing thread first: its goroutine, or the thread itself when it runs none (a deadlock's g0).
  const crashG = crashGoid !== null ? all.find((g) => Number(g.goid) === crashGoid) : undefined;
  if (crashGoid !== null) {
    const where = crashG ? startName(crashG) : (report.crash.frames.find((f) => !f.function.startsWith('runtime.'))?.function ?? '');
    add(
      {
        id: crashGoid,
        goid: crashGoid,
        name: `goroutine ${crashGoid} [${crashG?.tracebackStatus ?? 'running'}]${where ? ` ${where}` : ''} (thread ${crashT.tid}, crashed)`,
        status: crashG?.tracebackStatus ?? 'running',
        tid: crashT.tid,
        crashing: true,
        g: crashG?.addr ?? 0n,
      },
      crashG,
      crashT,
    );
  } else {
    add({ id: THREAD_ID_BASE + crashT.tid, goid: null, name: `thread ${crashT.tid} (crashed, no goroutine)`, status: 'system stack', tid: crashT.tid, crashing: true, g: 0n }, undefined, crashT);
  }
  for (const g of all) {
    if (order.length >= MAX_DEBUG_GOROUTINES) break;
    const goid = Number(g.goid);
    if (byId.has(goid)) continue;
    const t = threadOf.get(goid);
    add(
      {
        id: goid,
        goid,
        name: `goroutine ${goid} [${g.tracebackStatus}] ${startName(g)}${t ? ` (thread ${t.tid})` : ''}`,
        status: g.tracebackStatus,
        tid: t?.tid ?? null,
        crashing: false,
        g: g.addr,
      },
      g,
      t,
    );
  }
  if (total > order.length) notes.push(`${order.length} of ${total} goroutines listed (the first ${MAX_DEBUG_GOROUTINES})`);
  const frameCache = new Map<number, GoroutineFrames>();
  return {
    goroutines: order,
    total: Math.max(total, order.length),
    notes,
    frames(id) {
      const hit = frameCache.get(id);
      if (hit) return hit;
      const e = byId.get(id);
      let out: GoroutineFrames;
      if (!e) out = { frames: [], stop: { reason: 'unknown', detail: `no goroutine or thread ${id}` } };
      else if (e.info.crashing) out = { frames: report.crash.frames, stop: report.crash.stop };
      else if (e.thread) {
        const st = a.stack(e.thread);
        out = { frames: reportFrames(st.frames), stop: { reason: st.stop, detail: st.stopDetail } };
      } else if (e.g) {
        const g = e.g;
        const start = g.syscallsp !== 0n ? { pc: g.syscallpc, sp: g.syscallsp, bp: g.schedBp } : { pc: g.schedPc, sp: g.schedSp, bp: g.schedBp };
        const label = `goroutine ${g.goid}`;
        try {
          const r = unwind(a.syms.pclntab, a.cw.memory, start, { innermostIsCallReturn: true, firstStackLabel: label, maxFrames: a.maxFrames });
          out = { frames: reportFrames(r.frames), stop: { reason: r.stop, detail: r.stopDetail } };
        } catch (err) {
          if (!(err instanceof CoreReadError)) throw err;
          out = { frames: [], stop: { reason: 'unreadable', detail: err.message } };
        }
      } else out = { frames: [], stop: { reason: 'unknown', detail: 'nothing to unwind' } };
      frameCache.set(id, out);
      return out;
    },
    registers(id) {
      const e = byId.get(id);
      if (!e) return undefined;
      if (e.thread) return threadRegisters(e.thread);
      if (e.g) return gobufRegisters(e.g);
      return undefined;
    },
  };
}

/** Bytes of core memory read for a range: the readable prefix, then the bytes that could not be read. */
export interface MemoryRange {
  address: bigint;
  data: Buffer;
  /** Bytes of the request after `data` that are not in the core (nor in the executable or mapped files). */
  unreadableBytes: number;
}

/** Largest range read at once (a memory view asks for pages; a larger request is cut and the rest is counted unreadable). */
export const MAX_MEMORY_READ = 1024 * 1024;
const PAGE = 4096n;

/**
 * Reads [address, address+count) of the crashed process: every byte up to the first one the core
 * does not hold (the kernel leaves unmapped and some file-backed pages out; those come from the
 * executable and mapped files when they are on disk), then how many bytes of the request follow
 * that are not returned. VS Code reads a range as "readable prefix, unreadable rest", so bytes
 * after a hole in the same request are counted unreadable too: ask again from past the hole.
 */
export function readMemoryRange(engine: CoreEngine, address: bigint, count: number): MemoryRange {
  const mem = engine.analysis.cw.memory;
  const n = Math.max(0, Math.min(count, MAX_MEMORY_READ));
  const whole = n > 0 ? mem.tryRead(address, n) : Buffer.alloc(0);
  if (whole) return { address, data: Buffer.from(whole), unreadableBytes: count - n };
  const parts: Buffer[] = [];
  let at = address;
  const end = address + BigInt(n);
  while (at < end) {
    const next = (at / PAGE + 1n) * PAGE;
    const stop = next < end ? next : end;
    const b = mem.tryRead(at, Number(stop - at));
    if (!b) break;
    parts.push(Buffer.from(b));
    at = stop;
  }
  const data = Buffer.concat(parts);
  return { address, data, unreadableBytes: count - data.length };
}
