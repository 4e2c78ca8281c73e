// Stack unwinding without DWARF and without Delve (amd64), from a register set, with the
// pclntab's pc→sp-delta tables:
//   frame size at pc = pcsp(pc) (0 at the entry); the caller's frame starts at
//   cfa = sp + pcsp(pc) + 8, the return address is at cfa-8, the caller's sp is cfa and its saved
//   frame pointer (when the frame has one) is at cfa-16.
// Stops, with a reason, at the top of a stack (runtime.goexit, mstart, rt0_go: the TOPFRAME flag
// or these names), at an unknown pc, at unreadable memory, when sp does not increase, or after
// maxFrames physical frames: garbage never makes it loop.
//
// Signal frames: the Linux amd64 kernel enters a handler with sp pointing at the rt_sigframe,
// whose first word is the restorer's address (the return address of the handler), followed by the
// ucontext_t. So for the frame of runtime.sigtramp (entered directly by the kernel), the ucontext
// starts at its cfa (entry sp + 8); in the restorer (runtime.sigreturn__sigaction, the return
// address was popped) it starts at sp. uc_mcontext.gregs starts at offset 40 of ucontext_t
// (uc_flags 8, uc_link 8, uc_stack 24) in the order r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp,
// rip: rbp at +120, rsp at +160, rip at +168. Checked on real cores of Go 1.19–1.27 (threads that
// the crashing thread interrupted with SIGQUIT under GOTRACEBACK=crash). The interrupted frame's
// pc is the faulting/interrupted instruction, so it is looked up without the return-address -1.
// The same holds for the caller of runtime.sigpanic: the handler makes the faulting instruction
// look like a call of sigpanic, with the faulting pc as the return address.
//
// Stack switches (g0 → goroutine across systemstack/morestack/mcall) are Go runtime knowledge:
// when the walk reaches a function flagged SPWRITE (it writes SP: systemstack, morestack, mcall,
// ...) other than the innermost frame, `onStackSwitch` may return the registers to continue from
// (src/runtime/crashStack.ts does it with g.m.curg.sched); otherwise the walk stops there.
import { CoreReadError } from './errors.js';
import type { FuncInfo, LogicalFrame, Pclntab } from './pclntab.js';

/** Registers the unwinder needs (the rest are carried along for callers that want them). */
export interface UnwindRegs {
  pc: bigint;
  sp: bigint;
  bp: bigint;
}

/** Memory the unwinder reads (B1's Memory satisfies it). */
export interface StackMemory {
  tryRead(addr: bigint, len: number): Buffer | undefined;
  /** A little-endian word, or undefined when unreadable (Memory has it; faster than tryRead). */
  tryReadU64?(addr: bigint): bigint | undefined;
}

export type StopReason =
  | 'top' // reached the first function of a stack (goexit, mstart, rt0_go, ...)
  | 'unknown-pc' // the pc is in no Go function
  | 'unreadable' // a stack word could not be read from the core
  | 'no-sp-delta' // the pcsp table does not cover the pc
  | 'sp-not-increasing' // the caller's sp is not above the callee's: garbage, stop
  | 'stack-switch' // an SPWRITE function with no switch target (e.g. systemstack with no curg)
  | 'max-frames'
  | 'corrupt'; // the binary's tables could not be decoded at this pc

export interface PhysicalFrame {
  pc: bigint;
  sp: bigint;
  /** The caller's sp (cfa): sp + frame size + 8. The runtime prints it as `fp=`. */
  fp: bigint;
  bp: bigint;
  funcName: string;
  entry: bigint;
  func: FuncInfo | undefined;
  /** This frame was interrupted by a signal: pc is the interrupted instruction, not a return address. */
  isSignalFrame: boolean;
  /** Index of the stack this frame is on: 0 for the first stack, +1 after each stack switch. */
  stackIndex: number;
  /** Label of that stack given by the switch hook ('g0', 'goroutine 1', ...); '' for the first. */
  stackLabel: string;
  /** Source-level frames at pc, innermost inlined call first, the physical function last. */
  logical: LogicalFrame[];
}

export interface StackSwitch extends UnwindRegs {
  /** Label of the stack switched to, e.g. `goroutine 1`. */
  label: string;
}

export interface UnwindOptions {
  maxFrames?: number;
  /**
   * Called at a non-innermost frame of an SPWRITE function (systemstack, morestack, mcall, ...):
   * return the registers of the stack to continue on, or undefined to stop.
   */
  onStackSwitch?: (frame: PhysicalFrame, frames: readonly PhysicalFrame[]) => StackSwitch | undefined;
  /** Label of the first stack (default ''). */
  firstStackLabel?: string;
  /**
   * The innermost pc is a return address (a goroutine's saved sched.pc): look it up with pc-1.
   * Default false: thread registers, where pc is the next instruction to execute.
   */
  innermostIsCallReturn?: boolean;
  /**
   * Fill each frame's `logical` list (default true). False leaves it empty, for callers that look
   * source frames up themselves (and cache them: thousands of goroutines share a few pcs).
   */
  logicalFrames?: boolean;
}

export interface UnwindResult {
  frames: PhysicalFrame[];
  stop: StopReason;
  /** Human-readable detail of why the walk ended. */
  stopDetail: string;
}

/** funcFlag bits (runtime/symtab.go, internal/abi): the same values in Go 1.18–1.27. */
export const FUNC_FLAG_TOPFRAME = 1;
export const FUNC_FLAG_SPWRITE = 2;

const TOP_FUNCS = new Set(['runtime.goexit', 'runtime.mstart', 'runtime.mstart0', 'runtime.rt0_go', 'runtime.mstart_stub']);
const SIGTRAMP_FUNCS = new Set(['runtime.sigtramp', 'runtime.cgoSigtramp']);
const RESTORER_FUNCS = new Set(['runtime.sigreturn__sigaction', 'runtime.sigreturn']);

/** Offsets in the amd64 Linux ucontext_t (uc_mcontext.gregs). */
export const UCONTEXT_RBP = 120;
export const UCONTEXT_RSP = 160;
export const UCONTEXT_RIP = 168;

export const DEFAULT_MAX_FRAMES = 1000;

function word(mem: StackMemory, addr: bigint): bigint | undefined {
  if (mem.tryReadU64) return mem.tryReadU64(addr);
  const b = mem.tryRead(addr, 8);
  return b ? b.readBigUInt64LE(0) : undefined;
}

/** Registers saved in the ucontext_t at `uc`, or undefined when unreadable. */
export function readUcontext(mem: StackMemory, uc: bigint): UnwindRegs | undefined {
  const b = mem.tryRead(uc + BigInt(UCONTEXT_RBP), UCONTEXT_RIP + 8 - UCONTEXT_RBP);
  if (!b) return undefined;
  return {
    bp: b.readBigUInt64LE(0),
    sp: b.readBigUInt64LE(UCONTEXT_RSP - UCONTEXT_RBP),
    pc: b.readBigUInt64LE(UCONTEXT_RIP - UCONTEXT_RBP),
  };
}

function hexs(n: bigint): string {
  return '0x' + n.toString(16);
}

export function unwind(tab: Pclntab, mem: StackMemory, start: UnwindRegs, opts: UnwindOptions = {}): UnwindResult {
  const frames: PhysicalFrame[] = [];
  try {
    return walk(tab, mem, start, opts, frames);
  } catch (e) {
    if (!(e instanceof CoreReadError)) throw e;
    return { frames, stop: 'corrupt', stopDetail: e.message };
  }
}

function walk(tab: Pclntab, mem: StackMemory, start: UnwindRegs, opts: UnwindOptions, frames: PhysicalFrame[]): UnwindResult {
  const maxFrames = opts.maxFrames ?? DEFAULT_MAX_FRAMES;
  let { pc, sp, bp } = start;
  let exact = !opts.innermostIsCallReturn; // look up pc itself (innermost, or interrupted by a signal)
  let signalled = false;
  let stackIndex = 0;
  let stackLabel = opts.firstStackLabel ?? '';
  const logical = opts.logicalFrames !== false;
  const end = (stop: StopReason, stopDetail: string): UnwindResult => ({ frames, stop, stopDetail });

  for (;;) {
    if (frames.length >= maxFrames) return end('max-frames', `stopped after ${maxFrames} frames`);
    const f = tab.funcForPC(pc);
    if (!f) return end('unknown-pc', `pc ${hexs(pc)} is not in any Go function`);
    const innermost = frames.length === 0 || frames[frames.length - 1]!.stackIndex !== stackIndex;
    // In the signal restorer, the ucontext is at sp.
    if (RESTORER_FUNCS.has(f.name)) {
      frames.push(makeFrame(tab, f, pc, sp, sp, bp, exact, signalled, stackIndex, stackLabel, logical));
      const regs = readUcontext(mem, sp);
      if (!regs) return end('unreadable', `cannot read the signal context at ${hexs(sp)}`);
      markSignalHandler(frames, stackIndex);
      ({ pc, sp, bp } = regs);
      exact = true;
      signalled = true;
      continue;
    }
    const delta = pc === f.entry ? 0 : tab.spDelta(f, pc);
    if (delta === undefined || delta < 0) {
      frames.push(makeFrame(tab, f, pc, sp, sp, bp, exact, signalled, stackIndex, stackLabel, logical));
      return end('no-sp-delta', `no frame size for ${f.name} at ${hexs(pc)}`);
    }
    const cfa = sp + BigInt(delta) + 8n;
    const frame = makeFrame(tab, f, pc, sp, cfa, bp, exact, signalled, stackIndex, stackLabel, logical);
    frames.push(frame);
    if (SIGTRAMP_FUNCS.has(f.name)) {
      // Entered by the kernel: the rt_sigframe's ucontext follows the restorer slot at cfa-8.
      const regs = readUcontext(mem, cfa);
      if (!regs) return end('unreadable', `cannot read the signal context at ${hexs(cfa)}`);
      markSignalHandler(frames, stackIndex);
      ({ pc, sp, bp } = regs);
      exact = true;
      signalled = true;
      continue;
    }
    if ((f.flag & FUNC_FLAG_TOPFRAME) !== 0 || TOP_FUNCS.has(f.name)) return end('top', `reached ${f.name}`);
    if ((f.flag & FUNC_FLAG_SPWRITE) !== 0 && !innermost) {
      const next = opts.onStackSwitch?.(frame, frames);
      if (!next) return end('stack-switch', `${f.name} switches stacks and no other stack to continue on`);
      ({ pc, sp, bp } = next);
      stackIndex++;
      stackLabel = next.label;
      exact = false;
      signalled = false;
      continue;
    }
    const ret = word(mem, cfa - 8n);
    if (ret === undefined) return end('unreadable', `cannot read the return address of ${f.name} at ${hexs(cfa - 8n)}`);
    if (delta > 0) bp = word(mem, cfa - 16n) ?? bp;
    if (cfa <= sp) return end('sp-not-increasing', `sp did not increase above ${hexs(sp)} in ${f.name}`);
    pc = ret;
    sp = cfa;
    // sigpanic is "called" by the signal handler with the faulting pc as its return address.
    exact = f.name === 'runtime.sigpanic';
    signalled = exact;
  }
}

/**
 * Go runs signal handlers on the M's gsignal stack (sigaltstack): the frames of the current stack
 * walked so far, up to the signal trampoline, are labelled `gsignal`.
 */
function markSignalHandler(frames: PhysicalFrame[], stackIndex: number): void {
  for (let i = frames.length - 1; i >= 0 && frames[i]!.stackIndex === stackIndex; i--) {
    if (frames[i]!.stackLabel === 'gsignal') break;
    frames[i]!.stackLabel = 'gsignal';
  }
}

function makeFrame(
  tab: Pclntab,
  f: FuncInfo,
  pc: bigint,
  sp: bigint,
  fp: bigint,
  bp: bigint,
  exact: boolean,
  signalled: boolean,
  stackIndex: number,
  stackLabel: string,
  logical: boolean,
): PhysicalFrame {
  return {
    pc,
    sp,
    fp,
    bp,
    funcName: f.name,
    entry: f.entry,
    func: f,
    isSignalFrame: signalled,
    stackIndex,
    stackLabel,
    logical: logical ? tab.frames(pc, { isCallReturn: !exact }) : [],
  };
}
