// The stacks of every goroutine of the runtime snapshot, walked once per shape
// (src/runtime/stackShapes.ts) in stack address order, each as goroutineStack walks it (from
// g.sched with g.sched.lr, or from syscallsp/pc; the innermost pc a return address; up to 100
// frames) with its live pointer slots: shared by crash() (goroutines grouped by stack) and waits()
// (frames, user frames, stack references), so that 100,000 goroutines are walked once per core;
// the used bytes of each stack are kept for waits()' scan of every stack word.
import type { Memory } from '../core/memory.js';
import type { Pclntab } from '../core/pclntab.js';
import { CoreReadError } from '../core/errors.js';
import type { GoroutineInfo } from '../runtime/goroutines.js';
import type { RuntimeSnapshot } from '../runtime/snapshot.js';
import { StackShapes, type StackStart, type WalkedStack } from '../runtime/stackShapes.js';

/** The used stack bytes kept for waits()' scans of every stack word (100,000 parked goroutines: about 40 MB). */
const KEEP_BYTES = 128 * 1024 * 1024;

/** goroutineStack's default depth: the frames a stack group shows. */
export const PARKED_MAX_FRAMES = 100;

export interface ParkedStacks {
  /** The walker (its LiveWords hold the live pointer values of every walk). */
  shapes: StackShapes;
  /** Goroutine i's walk (index in snapshot.goroutines.goroutines); undefined when a read failed. */
  walked: (WalkedStack | undefined)[];
  /** Whether goroutine i's walk started from g.sched.lr (arm64), which waits() does not use. */
  fromLr: boolean[];
}

const memo = new WeakMap<RuntimeSnapshot, ParkedStacks>();

/** Where a goroutine's walk starts: syscallsp/pc in a system call, else g.sched (with its LR). */
export function parkedStart(g: GoroutineInfo): StackStart {
  return g.syscallsp !== 0n ? { pc: g.syscallpc, sp: g.syscallsp, bp: g.schedBp, hi: g.stackHi } : { pc: g.schedPc, sp: g.schedSp, bp: g.schedBp, hi: g.stackHi, lr: g.schedLr };
}

/**
 * Indices of goroutines in the order of their stacks' start sp (syscallsp in a system call, else
 * g.sched.sp), ties in list order: the order that reads each used stack once, in address order.
 */
export function spOrder(gs: readonly GoroutineInfo[]): Uint32Array {
  const n = gs.length;
  const sp = new Float64Array(n);
  for (let i = 0; i < n; i++) sp[i] = Number(gs[i]!.syscallsp !== 0n ? gs[i]!.syscallsp : gs[i]!.schedSp);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort((x, y) => sp[x]! - sp[y]! || x - y);
}

/** Every goroutine's stack of a snapshot, walked on first use (memoised per snapshot). */
export function parkedStacks(tab: Pclntab, mem: Memory, snapshot: RuntimeSnapshot): ParkedStacks {
  let p = memo.get(snapshot);
  if (p) return p;
  const gs = snapshot.goroutines.goroutines;
  const shapes = new StackShapes(tab, mem, PARKED_MAX_FRAMES, { keepBytes: KEEP_BYTES });
  const walked = new Array<WalkedStack | undefined>(gs.length);
  const fromLr = new Array<boolean>(gs.length).fill(false);
  const order = spOrder(gs);
  const lrArch = tab.arch.lrReg !== undefined;
  for (const i of order) {
    const start = parkedStart(gs[i]!);
    fromLr[i] = lrArch && start.lr !== undefined && start.lr !== 0n;
    try {
      walked[i] = shapes.walk(start);
    } catch (e) {
      if (!(e instanceof CoreReadError)) throw e;
    }
  }
  p = { shapes, walked, fromLr };
  memo.set(snapshot, p);
  return p;
}
