// Stack unwinding without DWARF and without Delve (amd64, arm64), from a register set, with the
// pclntab's pc→sp-delta tables:
//   frame size at pc = pcsp(pc) (0 at the entry); the caller's frame starts at
//   cfa = sp + pcsp(pc) + 8 on amd64 (CALL pushed the return address), the return address is at
//   cfa-8, the caller's sp is cfa and its saved frame pointer (when the frame has one) is at cfa-16.
//   On arm64 (link register; runtime/traceback.go with usesLR) cfa = sp + pcsp(pc), a frame that
//   has allocated its frame (pcsp > 0) saved its return address at 0(sp) and its caller's frame
//   pointer at -8(sp); a frameless one (pcsp = 0: a leaf, or a prologue) still has it in LR, which
//   is known only for the innermost frame and a frame a signal interrupted. The architecture's
//   numbers are data (src/core/arch), chosen by the pclntab's executable.
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
// On arm64 the kernel (and qemu-user) enters a handler with sp at the rt_sigframe: siginfo (128
// bytes), then the ucontext, whose uc_mcontext at +176 holds fault_address, x0–x30, sp, pc,
// pstate; sigtramp's fp is its entry sp. There sigpanic's fake call (runtime/signal_arm64.go
// preparePanic) stored the interrupted LR in a 16-byte slot below the interrupted sp and set LR to
// the faulting pc: the caller of sigpanic is the faulting pc, 16 bytes above sigpanic's fp, and a
// frameless faulting function's return address is that saved LR (runtime/traceback.go, injectedCall).
//
// Repeated frames (deep recursion, a stack overflow): when a frame's caller has the very same pc,
// the caller's frame has the same size, so the frames above are read by their return addresses
// alone (step by the frame size, check that the word at the return-address slot is that pc), as
// fast as the memory can be scanned. After REPEATS_SHOWN explicit frames of one run, the rest of
// the run is one frame with `repeat` = its exact count: the walk reaches the bottom of a 1 GB
// stack (main.main, runtime.main) and says how many frames lie between, as the runtime's
// `...N frames elided...` does (runtime/traceback.go, tracebackInnerFrames/OuterFrames).
//
// Native code (C through cgo, the race runtime, shared libraries: no pclntab) is walked with its
// call frame information (src/core/native.ts, src/core/cfi.ts), carrying the callee-saved
// registers across C frames, with the architecture's DWARF numbering (ArchSpec.dwarf). On arm64 a
// C leaf that allocated no stack returns to LR with sp unchanged (allowed for the innermost or
// interrupted frame only), and crosscall2 (runtime/cgo/asm_arm64.s, NOFRAME) keeps its C caller's
// LR and frame pointer at 8*23 and 8*22 above its sp (ArchSpec.cgo.callbackCallerSlots). runtime.racecall (runtime/race_amd64.s, the same in Go 1.19–1.27)
// keeps the caller's SP in R12, callee-saved, before it aligns the stack for C: when the walk
// comes back from C into racecall, its caller's frame starts at R12 (the return address there).
//
// Stack switches (g0 → goroutine across systemstack/morestack/mcall) are Go runtime knowledge:
// when the walk reaches a function flagged SPWRITE (it writes SP: systemstack, morestack, mcall,
// ...) other than the innermost frame, `onStackSwitch` may return the registers to continue from
// (src/runtime/crashStack.ts does it with g.m.curg.sched); otherwise the walk stops there.
import { AMD64, readSavedRegisters, type ArchSpec } from './arch/index.js';
import type { RegisterFile } from './cfi.js';
import { CoreReadError } from './errors.js';
import { nativeStep, type NativeCode, type NativeLocation } from './native.js';
import type { FuncInfo, LogicalFrame, Pclntab } from './pclntab.js';

/** Registers the unwinder needs (the rest are carried along for callers that want them). */
export interface UnwindRegs {
  pc: bigint;
  sp: bigint;
  bp: bigint;
  /**
   * The link register (arm64 x30) when known (a thread's registers, a signal context, a gobuf's
   * lr): the return address of a frame that has not saved it. Ignored on amd64.
   */
  lr?: bigint;
  /** Every register by name (rbx, r12, ...), when known: C frames restore callee-saved ones. */
  regs?: Record<string, bigint>;
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
  | 'no-cfi' // native code without call frame information for the pc
  | 'corrupt'; // the binary's tables could not be decoded at this pc

export interface PhysicalFrame {
  pc: bigint;
  sp: bigint;
  /** The caller's sp (cfa): sp + frame size (+ 8 on amd64). The runtime prints it as `fp=`. */
  fp: bigint;
  bp: bigint;
  funcName: string;
  entry: bigint;
  func: FuncInfo | undefined;
  /** This frame was interrupted by a signal: pc is the interrupted instruction, not a return address. */
  isSignalFrame: boolean;
  /**
   * pc is a return address, looked up as pc−1 (`logical` was): false for a thread's innermost
   * frame (its pc register) and for a frame a signal interrupted. Every logical frame shares it.
   */
  returnAddress: boolean;
  /** Index of the stack this frame is on: 0 for the first stack, +1 after each stack switch. */
  stackIndex: number;
  /** Label of that stack given by the switch hook ('g0', 'goroutine 1', ...); '' for the first. */
  stackLabel: string;
  /** Source-level frames at pc, innermost inlined call first, the physical function last (Go frames). */
  logical: LogicalFrame[];
  /** A frame of native code (C, assembly of a shared library): its module; undefined for Go frames. */
  native?: NativeLocation;
  /**
   * How many identical physical frames (same pc, same frame size) this entry stands for: 1, or
   * the exact length of the rest of a recursion run, the first at sp, each `fp - sp` bytes above
   * the previous (the last one's caller follows this entry).
   */
  repeat: number;
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
  /** Native code of the process: C frames are walked with their CFI (otherwise the walk stops). */
  native?: NativeCode;
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

const TOP_FUNCS = new Set(['runtime.goexit', 'runtime.mstart', 'runtime.rt0_go', 'runtime.mstart_stub']);
const SIGTRAMP_FUNCS = new Set(['runtime.sigtramp', 'runtime.cgoSigtramp']);
/**
 * Functions a signal handler makes the interrupted code seem to call (runtime/traceback.go,
 * injectedCall): their caller's pc is the interrupted instruction, not a return address.
 */
const INJECTED_FUNCS = new Set(['runtime.sigpanic', 'runtime.asyncPreempt', 'runtime.debugCallV2']);

export const DEFAULT_MAX_FRAMES = 1000;
/** Frames of one recursion run walked one by one before the rest of the run is counted. */
export const REPEATS_SHOWN = 100;
/** Bytes of stack read at once when counting a run. */
const SCAN_CHUNK = 1 << 20;

function word(mem: StackMemory, addr: bigint): bigint | undefined {
  if (mem.tryReadU64) return mem.tryReadU64(addr);
  const b = mem.tryRead(addr, 8);
  return b ? b.readBigUInt64LE(0) : undefined;
}

/** Registers saved in the ucontext_t at `uc` (all general registers in `regs`), or undefined when unreadable. */
export function readUcontext(mem: StackMemory, uc: bigint, arch: ArchSpec = AMD64): UnwindRegs | undefined {
  const regs = readSavedRegisters(arch, mem, uc);
  if (!regs) return undefined;
  return { bp: regs[arch.fpReg]!, sp: regs[arch.spReg]!, pc: regs[arch.pcReg]!, ...(arch.lrReg ? { lr: regs[arch.lrReg]! } : {}), regs };
}

/** DWARF-numbered registers (the architecture's numbering) from named ones (and pc/sp/bp/lr). */
function registerFile(arch: ArchSpec, r: UnwindRegs): RegisterFile {
  const d = arch.dwarf;
  const m: RegisterFile = new Map();
  if (r.regs) d.names.forEach((n, i) => { const v = n ? r.regs![n] : undefined; if (v !== undefined) m.set(i, v); });
  if (r.lr !== undefined && arch.lrReg) m.set(d.names.indexOf(arch.lrReg), r.lr);
  m.set(d.sp, r.sp);
  m.set(d.fp, r.bp);
  return m;
}

/** The registers known when the walk enters native code from a Go frame: sp, the frame pointer, LR. */
function goRegisterFile(arch: ArchSpec, sp: bigint, bp: bigint, lr: bigint | undefined): RegisterFile {
  const m: RegisterFile = new Map([[arch.dwarf.sp, sp], [arch.dwarf.fp, bp]]);
  if (lr !== undefined && arch.lrReg) m.set(arch.dwarf.names.indexOf(arch.lrReg), lr);
  return m;
}

/** runtime.racecall's name in pclntab (an assembly function local to the runtime: `racecall<>`). */
const RACECALL_FUNCS = new Set(['racecall', 'runtime.racecall']);

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
  const arch = tab.arch;
  let { pc, sp, bp } = start;
  // The return address of a frame that has not stored it (arm64: LR), when known.
  let lr = arch.lrReg ? start.lr : undefined;
  let dregs = registerFile(arch, start);
  // runtime.racecall's register for its caller's SP (amd64 R12), where the walk uses it.
  const raceSp = arch.dwarf.raceCallSp;
  let exact = !opts.innermostIsCallReturn; // look up pc itself (innermost, or interrupted by a signal)
  let signalled = false;
  let stackIndex = 0;
  let stackLabel = opts.firstStackLabel ?? '';
  const logical = opts.logicalFrames !== false;
  const end = (stop: StopReason, stopDetail: string): UnwindResult => ({ frames, stop, stopDetail });

  for (;;) {
    if (frames.length >= maxFrames) return end('max-frames', `stopped after ${maxFrames} frames`);
    const goFunc = tab.funcForPC(pc);
    // C from host objects (the race runtime's .syso, cgo objects linked internally) has a pclntab
    // entry without tables (pcsp = pcln = 0): walk it with its CFI like any native code.
    const hostCode = goFunc !== undefined && goFunc.pcsp === 0 && goFunc.pcln === 0 && opts.native?.moduleFor(pc) !== undefined;
    const f = hostCode ? undefined : goFunc;
    if (!f) {
      const mod = opts.native?.moduleFor(pc);
      if (!mod) return end('unknown-pc', `pc ${hexs(pc)} is not in any Go function${opts.native ? ' nor in a mapped module' : ''}`);
      dregs.set(arch.dwarf.sp, sp);
      const step = nativeStep(mod, mem, pc, dregs, !exact, arch.dwarf);
      const loc = mod.describe(pc, { returnAddress: !exact });
      frames.push({
        pc, sp, fp: step.ok ? step.cfa : sp, bp, funcName: loc.function, entry: loc.entry, func: undefined,
        isSignalFrame: signalled, returnAddress: !exact, stackIndex, stackLabel, logical: [], repeat: 1, native: loc,
      });
      if (!step.ok && step.reason === 'no-cfi' && raceSp !== undefined) {
        // No CFI (Go's internal linker drops the .eh_frame of host objects such as the race
        // runtime's .syso). racecall called this C code with `ANDQ $~15, SP; CALL AX` right after
        // `MOVQ SP, R12` (runtime/race_amd64.s): when R12 still holds its SP and the slot below
        // the aligned SP holds a return address into racecall, that is this frame's caller.
        // Where R12 is unknown (Go 1.19 injected a sigpanic call, whose Go frames clobber it),
        // the first word of the 64 above sp that returns into racecall is taken.
        const r12 = dregs.get(raceSp);
        let slot = r12 !== undefined ? (r12 & ~15n) - 8n : undefined;
        if (slot === undefined && signalled) {
          for (let i = 0n; i < 64n; i++) {
            const w = word(mem, sp + i * 8n);
            const fn = w !== undefined ? tab.funcForPC(w) : undefined;
            if (fn && RACECALL_FUNCS.has(fn.name)) {
              slot = sp + i * 8n;
              // R12 was racecall's SP before the alignment: 0 or 8 bytes above the aligned SP,
              // where the return address into racecall's caller lies.
              for (const cand of [slot + 8n, slot + 16n]) {
                const back = word(mem, cand);
                if (back !== undefined && tab.funcForPC(back)) {
                  dregs.set(raceSp, cand);
                  break;
                }
              }
              break;
            }
          }
        }
        const ret = slot !== undefined && slot >= sp ? word(mem, slot) : undefined;
        const caller = ret !== undefined ? tab.funcForPC(ret) : undefined;
        if (slot !== undefined && ret !== undefined && caller && RACECALL_FUNCS.has(caller.name)) {
          frames[frames.length - 1]!.fp = slot + 8n;
          pc = ret;
          sp = slot + 8n;
          exact = false;
          signalled = false;
          continue;
        }
      }
      if (!step.ok) return end(step.reason === 'no-cfi' ? 'no-cfi' : step.reason === 'top' ? 'top' : step.reason === 'unreadable' ? 'unreadable' : 'corrupt', step.detail);
      // A leaf that allocated no stack (arm64: its return address still in LR) leaves sp as it is:
      // progress is then the pc changing, for the innermost or interrupted frame only.
      const frameless = step.cfa === sp && arch.callPushBytes === 0n && exact && step.pc !== pc;
      if (step.cfa < sp || (step.cfa === sp && !frameless)) return end('sp-not-increasing', `sp did not increase above ${hexs(sp)} in ${loc.function}`);
      dregs = step.regs;
      pc = step.pc;
      sp = step.cfa;
      bp = dregs.get(arch.dwarf.fp) ?? bp;
      lr = undefined;
      exact = step.signalFrame;
      signalled = step.signalFrame;
      continue;
    }
    const innermost = frames.length === 0 || frames[frames.length - 1]!.stackIndex !== stackIndex;
    // In the signal restorer, the ucontext is at sp.
    if (arch.signal.restorers.has(f.name)) {
      frames.push(makeFrame(tab, f, pc, sp, sp, bp, exact, signalled, stackIndex, stackLabel, logical));
      const regs = readUcontext(mem, sp, arch);
      if (!regs) return end('unreadable', `cannot read the signal context at ${hexs(sp)}`);
      markSignalHandler(frames, stackIndex);
      ({ pc, sp, bp, lr } = regs);
      dregs = registerFile(arch, regs);
      exact = true;
      signalled = true;
      continue;
    }
    const delta = pc === f.entry ? 0 : tab.spDelta(f, pc);
    if (delta === undefined || delta < 0) {
      frames.push(makeFrame(tab, f, pc, sp, sp, bp, exact, signalled, stackIndex, stackLabel, logical));
      return end('no-sp-delta', `no frame size for ${f.name} at ${hexs(pc)}`);
    }
    const cfa = sp + BigInt(delta) + arch.callPushBytes;
    const frame = makeFrame(tab, f, pc, sp, cfa, bp, exact, signalled, stackIndex, stackLabel, logical);
    frames.push(frame);
    if (SIGTRAMP_FUNCS.has(f.name)) {
      // Entered by the kernel: the rt_sigframe's ucontext follows the restorer slot at cfa-8
      // (amd64), or the siginfo at cfa (arm64).
      const uc = cfa + arch.signal.ucontextFromSigtrampFp;
      const regs = readUcontext(mem, uc, arch);
      if (!regs) return end('unreadable', `cannot read the signal context at ${hexs(uc)}`);
      markSignalHandler(frames, stackIndex);
      ({ pc, sp, bp, lr } = regs);
      dregs = registerFile(arch, regs);
      exact = true;
      signalled = true;
      continue;
    }
    if ((f.flag & FUNC_FLAG_TOPFRAME) !== 0 || TOP_FUNCS.has(f.name)) return end('top', `reached ${f.name}`);
    const r12 = raceSp !== undefined ? dregs.get(raceSp) : undefined;
    if (RACECALL_FUNCS.has(f.name) && !innermost && r12 !== undefined && frames.length > 1 && frames[frames.length - 2]!.native) {
      // Back from C: racecall's caller SP is in R12 (runtime/race_amd64.s), its return address at R12.
      frame.fp = r12 + 8n;
      const ret = word(mem, r12);
      if (ret === undefined) return end('unreadable', `cannot read the return address of ${f.name} at ${hexs(r12)}`);
      if (r12 === 0n) return end('corrupt', `racecall's saved SP (R12) is 0`);
      pc = ret;
      sp = r12 + 8n;
      lr = undefined;
      dregs = goRegisterFile(arch, sp, bp, undefined);
      exact = false;
      signalled = false;
      continue;
    }
    // With a link register, systemstack with no frame yet (prologue) or any more (epilogue) has not
    // switched: unwind it normally (runtime/traceback.go, FuncID_systemstack).
    const unswitched = arch.lrReg !== undefined && delta === 0 && f.name === 'runtime.systemstack';
    if ((f.flag & FUNC_FLAG_SPWRITE) !== 0 && !innermost && !unswitched) {
      const next = opts.onStackSwitch?.(frame, frames);
      // mcall ran its function on g0 for a goroutine that is no longer this thread's (park_m dropped
      // it): g0's stack begins at mcall, and the runtime's own traceback ends there too.
      if (!next && f.name === 'runtime.mcall') return end('top', `reached ${f.name} (the goroutine it switched from is no longer running here)`);
      if (!next) return end('stack-switch', `${f.name} switches stacks and no other stack to continue on`);
      ({ pc, sp, bp } = next);
      lr = arch.lrReg && next.lr ? next.lr : undefined;
      dregs = goRegisterFile(arch, sp, bp, undefined);
      stackIndex++;
      stackLabel = next.label;
      exact = false;
      signalled = false;
      continue;
    }
    // A frame that has not stored its return address (arm64, pcsp = 0) still has it in LR. The
    // assembly function C calls into Go with (crosscall2) may keep it elsewhere (arm64: NOFRAME).
    const slots = f.name === arch.cgo.callbackCaller ? arch.cgo.callbackCallerSlots : undefined;
    const raAt = slots && delta > 0 ? sp + slots.returnAddress : arch.returnAddressAt(sp, cfa);
    const ret = delta === 0 && lr ? lr : word(mem, raAt);
    if (ret === undefined) return end('unreadable', `cannot read the return address of ${f.name} at ${hexs(raAt)}`);
    if (delta > 0) bp = word(mem, slots ? sp + slots.framePointer : arch.savedFramePointerAt(sp, cfa)) ?? bp;
    // A frameless function (arm64 leaf) leaves sp as it is: progress is then the pc changing.
    if (cfa < sp || (cfa === sp && (delta > 0 || arch.callPushBytes > 0n || ret === pc))) {
      return end('sp-not-increasing', `sp did not increase above ${hexs(sp)} in ${f.name}`);
    }
    if (ret === pc && delta > 0 && !signalled && runLength(frames) >= REPEATS_SHOWN) {
      // The caller is the same frame again: count the run by its return addresses alone.
      const size = cfa - sp;
      const run = countRun(mem, cfa, size, raAt - sp, pc);
      const rep = makeFrame(tab, f, pc, cfa, cfa + size, bp, false, false, stackIndex, stackLabel, logical);
      rep.repeat = run.count;
      frames.push(rep);
      if (run.next === undefined) return end('unreadable', `cannot read the return address of ${f.name} at ${hexs(run.lastSp + (raAt - sp))}`);
      const lastCfa = run.lastSp + size;
      bp = word(mem, arch.savedFramePointerAt(run.lastSp, lastCfa)) ?? bp;
      pc = run.next;
      sp = lastCfa;
      lr = undefined;
      exact = false;
      signalled = false;
      continue;
    }
    pc = ret;
    sp = cfa;
    lr = undefined;
    // sigpanic (and asyncPreempt) is "called" by the signal handler with the interrupted pc as its
    // return address.
    exact = INJECTED_FUNCS.has(f.name);
    signalled = exact;
    if (exact && arch.injectedCallBytes > 0n) {
      // The handler saved the interrupted LR below the interrupted sp (arm64 preparePanic).
      const saved = word(mem, sp);
      sp += arch.injectedCallBytes;
      const interrupted = tab.funcForPC(pc);
      if (!interrupted && opts.native?.moduleFor(pc)) {
        // A fault in C (Go 1.19 injects sigpanic there too): its CFI walks on, with the
        // interrupted LR for a leaf that never saved it.
        lr = saved;
      } else if (!interrupted) {
        if (saved === undefined) return end('unreadable', `cannot read the link register ${f.name} saved at ${hexs(sp - arch.injectedCallBytes)}`);
        pc = saved;
      } else if ((pc === interrupted.entry ? 0 : tab.spDelta(interrupted, pc)) === 0) {
        lr = saved;
      }
    }
    dregs = goRegisterFile(arch, sp, bp, lr);
  }
}

/** Consecutive frames at the end of `frames` with the pc and stack of the last one. */
function runLength(frames: readonly PhysicalFrame[]): number {
  const last = frames[frames.length - 1]!;
  let n = 0;
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i]!;
    if (f.pc !== last.pc || f.stackIndex !== last.stackIndex || f.isSignalFrame) break;
    n += f.repeat;
  }
  return n;
}

/**
 * Counts the frames of a recursion run from the frame at `sp` (known to be at `pc`), every frame
 * `size` bytes above the previous with its return address at `sp + delta`: the run goes on while
 * that word is `pc`. Returns the count, the last frame's sp and its return address (undefined
 * when unreadable). Reads the stack in large chunks: a 1 GB stack is a few seconds.
 */
export function countRun(mem: StackMemory, sp: bigint, size: bigint, delta: bigint, pc: bigint): { count: number; lastSp: bigint; next: bigint | undefined } {
  let count = 1;
  let s = sp;
  const step = Number(size);
  const lo = pc & 0xffffffffn;
  const hi = pc >> 32n;
  const pcLo = Number(lo);
  const pcHi = Number(hi);
  for (;;) {
    // One chunk covers the return-address slots of as many frames as fit in it.
    const first = s + delta;
    const frames = Math.max(1, Math.floor((SCAN_CHUNK - 8) / step));
    const len = (frames - 1) * step + 8;
    const buf = mem.tryRead(first, len);
    if (!buf) {
      // The end of the readable stack is within this chunk: go word by word.
      const r = word(mem, first);
      if (r === undefined) return { count, lastSp: s, next: undefined };
      if (r !== pc) return { count, lastSp: s, next: r };
      count++;
      s += size;
      continue;
    }
    for (let off = 0; off < len; off += step) {
      if (buf.readUInt32LE(off) !== pcLo || buf.readUInt32LE(off + 4) !== pcHi) {
        return { count, lastSp: s, next: buf.readBigUInt64LE(off) };
      }
      count++;
      s += size;
    }
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
    returnAddress: !exact,
    stackIndex,
    stackLabel,
    logical: logical ? tab.frames(pc, { isCallReturn: !exact }) : [],
    repeat: 1,
  };
}
