// The stack of a thread of a Go process, across the g0 → goroutine switch: the runtime part of
// the unwinder (src/core/unwind.ts stays free of runtime struct knowledge).
//
// On amd64 (Go 1.17+ register ABI) R14 holds the current g. A thread that crashed on the system
// stack runs on its M's g0 (or gsignal); the goroutine it switched from is m.curg, whose state
// was saved in curg.sched (gobuf pc/sp/bp) by systemstack, mcall or morestack. When the walk
// reaches an SPWRITE function (systemstack, morestack, mcall, ...) on g0/gsignal, it continues at
// curg.sched, once. The first frame there is looked up as a return address (pc-1), as the
// runtime's own traceback does for a saved context.
import type { Memory } from '../core/memory.js';
import type { Pclntab } from '../core/pclntab.js';
import { unwind, type PhysicalFrame, type StackSwitch, type StopReason } from '../core/unwind.js';
import type { FieldRef, RuntimeLayout } from './layout.js';

export interface ThreadRegs {
  pc: bigint;
  sp: bigint;
  /** Frame pointer (rbp). */
  fp: bigint;
  /** All registers by name (r14 is used as the g register). */
  regs: Record<string, bigint>;
}

/** What the runtime says about the g a thread was running. */
export interface CurrentG {
  /** Address of the g (R14). */
  g: bigint;
  m: bigint;
  /** Which g of its M it is. */
  kind: 'g0' | 'gsignal' | 'user';
  /** The M's current user goroutine (m.curg), 0 when none. */
  curg: bigint;
  curgGoid: bigint | undefined;
  /** goid of `g` itself when it is a user goroutine. */
  goid: bigint | undefined;
}

export interface ThreadStack {
  frames: PhysicalFrame[];
  stop: StopReason;
  stopDetail: string;
  current: CurrentG | undefined;
  /** Set when the walk switched from g0/gsignal to the M's curg. */
  switchedTo: { goid: bigint | undefined; g: bigint } | undefined;
}

function readField(mem: Memory, base: bigint, f: FieldRef): bigint | undefined {
  const b = mem.tryRead(base + BigInt(f.offset), f.size);
  if (!b) return undefined;
  switch (f.size) {
    case 8:
      return b.readBigUInt64LE(0);
    case 4:
      return BigInt(b.readUInt32LE(0));
    case 2:
      return BigInt(b.readUInt16LE(0));
    case 1:
      return BigInt(b[0]!);
    default:
      return undefined;
  }
}

/** The g a thread runs (from R14) and its M, or undefined when R14 does not point at a g. */
export function currentG(mem: Memory, layout: RuntimeLayout, regs: Record<string, bigint>): CurrentG | undefined {
  const g = regs.r14;
  if (g === undefined || g === 0n) return undefined;
  const o = layout.offsets;
  const m = readField(mem, g, o.g.m);
  if (m === undefined || m === 0n) return undefined;
  const g0 = readField(mem, m, o.m.g0);
  const gsignal = readField(mem, m, o.m.gsignal);
  const curg = readField(mem, m, o.m.curg) ?? 0n;
  const kind = g === g0 ? 'g0' : g === gsignal ? 'gsignal' : 'user';
  // Sanity: a user g must be its M's curg; otherwise R14 is not a g (asm or C code).
  if (kind === 'user' && curg !== g) return undefined;
  return {
    g,
    m,
    kind,
    curg,
    curgGoid: curg !== 0n ? readField(mem, curg, o.g.goid) : undefined,
    goid: kind === 'user' ? readField(mem, g, o.g.goid) : undefined,
  };
}

/** Unwinds a thread from its registers, switching once from g0/gsignal to m.curg. */
export function unwindThread(tab: Pclntab, mem: Memory, layout: RuntimeLayout | undefined, thread: ThreadRegs, maxFrames?: number): ThreadStack {
  const cur = layout ? currentG(mem, layout, thread.regs) : undefined;
  let switchedTo: ThreadStack['switchedTo'];
  const onStackSwitch = (): StackSwitch | undefined => {
    if (!layout || !cur || switchedTo || cur.kind === 'user' || cur.curg === 0n) return undefined;
    const o = layout.offsets.g;
    const sp = readField(mem, cur.curg, o.schedSp);
    const pc = readField(mem, cur.curg, o.schedPc);
    const bp = readField(mem, cur.curg, o.schedBp) ?? 0n;
    if (!sp || !pc) return undefined;
    switchedTo = { goid: cur.curgGoid, g: cur.curg };
    return { pc, sp, bp, label: cur.curgGoid !== undefined ? `goroutine ${cur.curgGoid}` : 'curg' };
  };
  const firstStackLabel = !cur ? '' : cur.kind === 'user' ? `goroutine ${cur.goid ?? '?'}` : cur.kind;
  const r = unwind(tab, mem, { pc: thread.pc, sp: thread.sp, bp: thread.fp }, { onStackSwitch, firstStackLabel, maxFrames });
  return { ...r, current: cur, switchedTo };
}
