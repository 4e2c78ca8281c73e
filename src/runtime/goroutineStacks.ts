// The stacks of parked goroutines, unwound from their saved context (g.sched, or g.syscallsp/pc
// for a goroutine in a system call), and goroutines grouped by identical stacks (like panicparse's
// buckets: same functions and lines, in the same order).
import type { Pclntab } from '../core/pclntab.js';
import { unwind, type PhysicalFrame, type StackMemory } from '../core/unwind.js';
import type { GoroutineInfo } from './goroutines.js';
import type { WalkedStack } from './stackShapes.js';
import { stackSignature } from '../traceback/crash.js';

export interface StackFrameLite {
  func: string;
  file: string;
  line: number;
  inlined: boolean;
  /** Physical frame's pc, hex. */
  pc: string;
  sp: string;
  /** The caller's sp (cfa), hex: the runtime's `fp=`. */
  fp: string;
  /** Offset of pc in its physical function. */
  offset: number;
  /** Identical frames this entry stands for, when more than one (a deep recursion, counted). */
  repeat?: number;
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

/** A frame's source position and pc, the same for every goroutine stopped at that pc. */
interface FrameTemplate {
  func: string;
  file: string;
  line: number;
  inlined: boolean;
  pc: string;
  offset: number;
}

/** Per pclntab: templates by pc, for return addresses [0] and exact pcs [1]. */
const templateCaches = new WeakMap<Pclntab, [Map<bigint, FrameTemplate[]>, Map<bigint, FrameTemplate[]>]>();
const TEMPLATE_CACHE_SIZE = 8192;

function templatesFor(tab: Pclntab, f: PhysicalFrame): FrameTemplate[] {
  let caches = templateCaches.get(tab);
  if (!caches) {
    caches = [new Map(), new Map()];
    templateCaches.set(tab, caches);
  }
  // Goroutines are unwound from a saved return address (innermostIsCallReturn): every frame's pc
  // is then a return address except those a signal interrupted, as the unwinder looks them up.
  const cache = caches[f.returnAddress ? 0 : 1];
  let t = cache.get(f.pc);
  if (!t) {
    const pc = hx(f.pc);
    const offset = Number(f.pc - f.entry);
    t = tab.frames(f.pc, { isCallReturn: f.returnAddress }).map((l) => ({ func: l.function, file: l.file, line: l.line, inlined: l.inlined, pc, offset }));
    if (cache.size >= TEMPLATE_CACHE_SIZE) cache.clear();
    cache.set(f.pc, t);
  }
  return t;
}

/** Unwinds a goroutine that is not running on a thread, from its saved registers. */
export function goroutineStack(tab: Pclntab, mem: StackMemory, g: GoroutineInfo, maxFrames = 100): GoroutineStack {
  const inSyscall = g.syscallsp !== 0n;
  const start = inSyscall
    ? { pc: g.syscallpc, sp: g.syscallsp, bp: g.schedBp }
    : { pc: g.schedPc, sp: g.schedSp, bp: g.schedBp, lr: g.schedLr };
  const r = unwind(tab, mem, start, { maxFrames, innermostIsCallReturn: true, logicalFrames: false });
  return { goid: g.goid, status: g.tracebackStatus, frames: liteFrames(tab, r.frames), stop: r.stop };
}

function liteFrames(tab: Pclntab, physical: readonly PhysicalFrame[], shift = 0n): StackFrameLite[] {
  const frames: StackFrameLite[] = [];
  for (const f of physical) {
    const sp = hx(f.sp + shift);
    const fp = hx(f.fp + shift);
    for (const t of templatesFor(tab, f)) {
      frames.push({ func: t.func, file: t.file, line: t.line, inlined: t.inlined, pc: t.pc, sp, fp, offset: t.offset, ...(f.repeat > 1 ? { repeat: f.repeat } : {}) });
    }
  }
  return frames;
}

/**
 * The frames of a goroutine walked by StackShapes (walk() started, as goroutineStack does, from
 * g.sched or syscallsp/pc with g.sched.lr): the frames of its shape's recording walk, shifted to
 * its own sp (the same frames as goroutineStack's when the shape was reused, its own otherwise).
 */
export function shapeStackFrames(tab: Pclntab, w: WalkedStack): StackFrameLite[] {
  const phys = w.shape.physical;
  const recordedSp = phys.length > 0 ? phys[0]!.sp - BigInt(w.shape.frames[0]!.spOff) : w.sp;
  return liteFrames(tab, phys, w.sp - recordedSp);
}

/** The grouping key of a shape's stacks (functions only: the same for every goroutine of the shape). */
export function shapeStackKey(tab: Pclntab, w: WalkedStack): string {
  return stackKey(liteFrames(tab, w.shape.physical));
}

/** The grouping signature of a stack (the one rule for cores and crash logs: src/traceback/crash.ts). */
export function stackKey(frames: readonly StackFrameLite[]): string {
  return stackSignature(frames);
}

/**
 * Groups goroutine stacks as they come, keeping only each group's first stack: with thousands of
 * goroutines, holding every stack until the end costs more (in garbage collection) than unwinding.
 */
export class StackGrouper {
  private readonly groups = new Map<string, { goids: bigint[]; statuses: Map<string, number>; frames: StackFrameLite[] }>();
  /** Stacks added so far. */
  count = 0;

  add(s: GoroutineStack): void {
    this.addKeyed(stackKey(s.frames), s.goid, s.status, () => s.frames);
  }

  /** A stack whose key is known (a shape's); its frames are made only when it starts a group. */
  addKeyed(key: string, goid: bigint, status: string, frames: () => StackFrameLite[]): void {
    this.count++;
    let g = this.groups.get(key);
    if (!g) {
      g = { goids: [], statuses: new Map(), frames: frames() };
      this.groups.set(key, g);
    }
    g.goids.push(goid);
    g.statuses.set(status, (g.statuses.get(status) ?? 0) + 1);
  }

  /** The groups; largest first, ties by lowest goroutine id. */
  result(): StackGroup[] {
    return [...this.groups.entries()]
      .map(([key, g]) => ({
        key,
        goids: g.goids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
        status: [...g.statuses.entries()].sort((a, b) => b[1] - a[1])[0]![0],
        frames: g.frames,
      }))
      .sort((a, b) => b.goids.length - a.goids.length || (a.goids[0]! < b.goids[0]! ? -1 : 1));
  }
}
