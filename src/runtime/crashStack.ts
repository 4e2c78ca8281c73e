// The stack of a thread of a Go process, across the g0 → goroutine switch: the runtime part of
// the unwinder (src/core/unwind.ts stays free of runtime struct knowledge).
//
// On amd64 (Go 1.17+ register ABI) R14 holds the current g, on arm64 R28 (every release; the
// architecture's gReg, src/core/arch). A thread that crashed on the system stack runs on its M's
// g0 (or gsignal); the goroutine it switched from is m.curg, whose state was saved in curg.sched
// (gobuf pc/sp/bp, and lr on arm64) by systemstack, mcall or morestack. When the walk reaches an
// SPWRITE function (systemstack, morestack, mcall, ...) on g0/gsignal, it continues at curg.sched,
// once. The first frame there is looked up as a return address (pc-1), as the runtime's own
// traceback does for a saved context.
//
// Switches between C and Go (runtime/asm_<arch>.s of each version; runtime/cgocall.go); where each
// architecture keeps what they need is data (ArchSpec.cgo, src/core/arch):
// - runtime.asmcgocall reached from C on g0: the C function was called on g0 after asmcgocall
//   saved, at the aligned g0 SP it called from, the goroutine's g and its depth in the goroutine
//   stack (stack.hi − SP after asmcgocall's prologue): amd64 Go 1.19 at 48(SP) and 40(SP)
//   (SUBQ $64), Go 1.21+ at 8(SP) and 0(SP) (SUBQ $16); arm64 (Go 1.19–1.27) at 0(RSP) and
//   8(RSP). asmcgocall's frame on the goroutine starts at g.stack.hi − depth, and its caller
//   (runtime.cgocall) follows by the frame size pcsp gives, the return address where Go frames
//   keep it (amd64 at the top, arm64 at 0(SP)). (curg.sched cannot be used: a panic in a callback
//   overwrites it with its own systemstack switch.)
// - runtime.cgocallback reached on the goroutine (C called back into Go): cgocallback stored its
//   g0 SP in g0.sched.sp; its frame on g0 has the size pcsp gives at the call of cgocallbackg, and
//   its return address leads into the C-called assembly (crosscall2), whose own frame the
//   unwinder reads with ArchSpec.cgo.callbackCallerSlots.
// After a signal, the interrupted frames are labelled by the stack their SP lies in (g0, the
// goroutine) rather than gsignal.
import type { ArchSpec } from '../core/arch/index.js';
import type { Memory } from '../core/memory.js';
import type { Pclntab } from '../core/pclntab.js';
import type { NativeCode } from '../core/native.js';
import { unwind, type PhysicalFrame, type StackSwitch, type StopReason } from '../core/unwind.js';
import type { FieldRef, RuntimeLayout } from './layout.js';

export interface ThreadRegs {
  pc: bigint;
  sp: bigint;
  /** Frame pointer (rbp, x29). */
  fp: bigint;
  /** Link register (arm64 x30). */
  lr?: bigint;
  /** All registers by name (the architecture's gReg, r14 or x28, is read as the g register). */
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

/** The g a thread runs (from R14 / R28) and its M, or undefined when that register does not point at a g. */
export function currentG(mem: Memory, layout: RuntimeLayout, regs: Record<string, bigint>, arch: ArchSpec): CurrentG | undefined {
  const g = regs[arch.gReg];
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

/** Stack switches followed in one thread walk (C → Go → C ... nests rarely more than twice). */
const MAX_SWITCHES = 16;

function word(mem: Memory, addr: bigint): bigint | undefined {
  const b = mem.tryRead(addr, 8);
  return b ? b.readBigUInt64LE(0) : undefined;
}

/** Unwinds a thread from its registers, across g0/gsignal → curg and the cgo switches. */
export function unwindThread(tab: Pclntab, mem: Memory, layout: RuntimeLayout | undefined, thread: ThreadRegs, maxFrames?: number, native?: NativeCode): ThreadStack {
  const arch = tab.arch;
  const cur = layout ? currentG(mem, layout, thread.regs, arch) : undefined;
  let switchedTo: ThreadStack['switchedTo'];
  let switches = 0;
  const gLabel = (g: bigint) => {
    const goid = layout ? readField(mem, g, layout.offsets.g.goid) : undefined;
    return goid !== undefined ? `goroutine ${goid}` : 'curg';
  };
  const onStackSwitch = (frame: PhysicalFrame): StackSwitch | undefined => {
    if (!layout || !cur || ++switches > MAX_SWITCHES) return undefined;
    const o = layout.offsets;
    if (frame.funcName === 'runtime.asmcgocall') {
      // C ran on g0: back to the goroutine that called asmcgocall.
      for (const [gAt, depthAt] of arch.cgo.asmcgocallSlots) {
        const g = word(mem, frame.sp + gAt);
        const depth = word(mem, frame.sp + depthAt);
        if (!g || depth === undefined || depth > 1n << 30n) continue;
        if (readField(mem, g, o.g.m) !== cur.m) continue;
        const hi = readField(mem, g, o.g.stackHi);
        if (!hi) continue;
        // DX (amd64) / R2 (arm64) is asmcgocall's SP after its prologue (which pushes BP on amd64
        // Go 1.21+, stores LR at 0(RSP) on arm64): its caller's frame starts above it by the frame
        // size pcsp gives at the call.
        const delta = frame.func ? (tab.spDelta(frame.func, frame.pc) ?? 0) : 0;
        const spAt = hi - depth;
        const cfa = spAt + BigInt(Math.max(0, delta)) + arch.callPushBytes;
        const pc = word(mem, arch.returnAddressAt(spAt, cfa));
        if (!pc || !tab.funcForPC(pc)) continue;
        const goid = readField(mem, g, o.g.goid);
        switchedTo = { goid, g };
        return { pc, sp: cfa, bp: frame.bp, label: gLabel(g) };
      }
    }
    const cgoCaller = arch.cgo.callbackCaller;
    if (frame.funcName === 'runtime.cgocallback' && frame.func) {
      // Go called back from C: continue on g0 at cgocallback's frame there.
      const g0 = readField(mem, cur.m, o.m.g0);
      const g0sp = g0 ? readField(mem, g0, o.g.schedSp) : undefined;
      const delta = tab.spDelta(frame.func, frame.pc);
      if (delta === undefined || delta < 0) return undefined;
      if (g0sp) {
        const cfa = g0sp + BigInt(delta) + arch.callPushBytes;
        const pc = word(mem, arch.returnAddressAt(g0sp, cfa));
        // The caller on g0 is crosscall2 (runtime/cgo/asm_<arch>.s) when g0.sched.sp is still
        // cgocallback's (a panic's systemstack can have reset it).
        if (pc && tab.funcForPC(pc)?.name === cgoCaller) return { pc, sp: cfa, bp: word(mem, arch.savedFramePointerAt(g0sp, cfa)) ?? 0n, label: 'g0' };
      }
      // As the runtime's traceback does: cgocallback stored curg.sched.pc (the systemstack_switch
      // of asmcgocall) where its frame on the goroutine stack keeps its return address (amd64:
      // pushed above the frame; arm64: at -48 from curg.sched.sp, the frame's 0(RSP)): the C
      // frames on g0 are skipped.
      const pc = word(mem, arch.returnAddressAt(frame.sp, frame.fp));
      if (!pc || !tab.funcForPC(pc)) return undefined;
      return { pc, sp: frame.fp, bp: word(mem, arch.savedFramePointerAt(frame.sp, frame.fp)) ?? 0n, label: frame.stackLabel };
    }
    if (cur.kind === 'user' || cur.curg === 0n || switchedTo) return undefined;
    const sp = readField(mem, cur.curg, o.g.schedSp);
    const pc = readField(mem, cur.curg, o.g.schedPc);
    const bp = readField(mem, cur.curg, o.g.schedBp) ?? 0n;
    const lr = readField(mem, cur.curg, o.g.schedLr) ?? 0n;
    if (!sp || !pc) return undefined;
    switchedTo = { goid: cur.curgGoid, g: cur.curg };
    return { pc, sp, bp, lr, label: cur.curgGoid !== undefined ? `goroutine ${cur.curgGoid}` : 'curg' };
  };
  const firstStackLabel = !cur ? '' : cur.kind === 'user' ? `goroutine ${cur.goid ?? '?'}` : cur.kind;
  const r = unwind(tab, mem, { pc: thread.pc, sp: thread.sp, bp: thread.fp, ...(thread.lr !== undefined ? { lr: thread.lr } : {}), regs: thread.regs }, { onStackSwitch, firstStackLabel, maxFrames, native: arch.nativeFrames ? native : undefined });
  if (layout && cur) labelInterrupted(r.frames, mem, layout, cur);
  return { ...r, current: cur, switchedTo };
}

/** Frames a signal interrupted (after the handler's) get the label of the stack their SP is in. */
function labelInterrupted(frames: PhysicalFrame[], mem: Memory, layout: RuntimeLayout, cur: CurrentG): void {
  const o = layout.offsets;
  const g0 = readField(mem, cur.m, o.m.g0);
  const stacks: { label: string; lo: bigint; hi: bigint }[] = [];
  for (const [label, g] of [['g0', g0], [cur.curgGoid !== undefined ? `goroutine ${cur.curgGoid}` : 'curg', cur.curg]] as const) {
    if (!g) continue;
    const lo = readField(mem, g, o.g.stackLo);
    const hi = readField(mem, g, o.g.stackHi);
    if (lo !== undefined && hi !== undefined && hi > lo) stacks.push({ label, lo, hi });
  }
  const first = frames.findIndex((f) => f.isSignalFrame);
  if (first < 0) return;
  for (const f of frames.slice(first)) {
    if (f.stackIndex !== frames[first]!.stackIndex) break;
    const s = stacks.find((x) => f.sp >= x.lo && f.sp < x.hi);
    if (s) f.stackLabel = s.label;
  }
}
