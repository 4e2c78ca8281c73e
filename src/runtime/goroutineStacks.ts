// The stacks of parked goroutines, unwound from their saved context (g.sched, or g.syscallsp/pc
// for a goroutine in a system call), and goroutines grouped by identical stacks (like panicparse's
// buckets: same functions and lines, in the same order).
import type { Pclntab } from '../core/pclntab.js';
import { unwind, type StackMemory } from '../core/unwind.js';
import type { GoroutineInfo } from './goroutines.js';

export interface StackFrameLite {
  func: string;
  file: string;
  line: number;
  inlined: boolean;
  /** Physical frame's pc, hex. */
  pc: string;
  sp: string;
  /** Offset of pc in its physical function. */
  offset: number;
}

export interface GoroutineStack {
  goid: bigint;
  /** What the traceback header shows in brackets (wait reason or status). */
  status: string;
  frames: StackFrameLite[];
  stop: string;
}

export interface StackGroup {
  /** Function:line list joined: equal keys mean identical stacks. */
  key: string;
  goids: bigint[];
  /** The most common bracketed status of the group's goroutines. */
  status: string;
  frames: StackFrameLite[];
}

const hx = (n: bigint): string => '0x' + n.toString(16);

/** Unwinds a goroutine that is not running on a thread, from its saved registers. */
export function goroutineStack(tab: Pclntab, mem: StackMemory, g: GoroutineInfo, maxFrames = 100): GoroutineStack {
  const inSyscall = g.syscallsp !== 0n;
  const start = inSyscall
    ? { pc: g.syscallpc, sp: g.syscallsp, bp: g.schedBp }
    : { pc: g.schedPc, sp: g.schedSp, bp: g.schedBp };
  const r = unwind(tab, mem, start, { maxFrames, innermostIsCallReturn: true });
  const frames: StackFrameLite[] = [];
  for (const f of r.frames) {
    for (const l of f.logical) {
      frames.push({
        func: l.function,
        file: l.file,
        line: l.line,
        inlined: l.inlined,
        pc: hx(f.pc),
        sp: hx(f.sp),
        offset: Number(f.pc - f.entry),
      });
    }
  }
  return { goid: g.goid, status: g.tracebackStatus, frames, stop: r.stop };
}

export function stackKey(frames: readonly StackFrameLite[]): string {
  return frames.map((f) => `${f.func}:${f.line}`).join('|');
}

/** Groups goroutines by identical stacks; largest group first, ties by lowest goroutine id. */
export function groupByStack(stacks: readonly GoroutineStack[]): StackGroup[] {
  const groups = new Map<string, { goids: bigint[]; statuses: Map<string, number>; frames: StackFrameLite[] }>();
  for (const s of stacks) {
    const key = stackKey(s.frames);
    let g = groups.get(key);
    if (!g) {
      g = { goids: [], statuses: new Map(), frames: s.frames };
      groups.set(key, g);
    }
    g.goids.push(s.goid);
    g.statuses.set(s.status, (g.statuses.get(s.status) ?? 0) + 1);
  }
  return [...groups.entries()]
    .map(([key, g]) => ({
      key,
      goids: g.goids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      status: [...g.statuses.entries()].sort((a, b) => b[1] - a[1])[0]![0],
      frames: g.frames,
    }))
    .sort((a, b) => b.goids.length - a.goids.length || (a.goids[0]! < b.goids[0]! ? -1 : 1));
}
