// What the unwinder, the core reader and the runtime walkers need to know about an instruction set:
// registers, Go's frame layout, the Linux signal frame and the instruction size. One object per
// architecture (amd64.ts, arm64.ts), chosen once from the ELF header (archSpec in index.ts); code
// that differs by architecture reads these fields instead of testing the architecture's name.
import type { Arch } from '../elfTypes.js';

/** A register saved in the signal context (ucontext_t), by name and byte offset in the ucontext. */
export interface SavedRegister {
  name: string;
  offset: number;
}

export interface ArchSpec {
  name: Exclude<Arch, 'unknown'>;
  /** Register names of NT_PRSTATUS's pr_reg, in order (the kernel's user_regs_struct / user_pt_regs). */
  prstatusRegs: readonly string[];
  /** The registers in the order debuggers list them (pc, sp and the frame pointer first). */
  registerOrder: readonly string[];
  /** Names of the pc, stack pointer and frame pointer registers in `prstatusRegs`. */
  pcReg: string;
  spReg: string;
  fpReg: string;
  /** The link register holding a call's return address (arm64 R30); undefined where CALL pushes it. */
  lrReg: string | undefined;
  /** The register that holds the current g while Go code runs (amd64 R14 from Go 1.17, arm64 R28). */
  gReg: string;
  /**
   * Bytes between a Go frame's sp + pcsp delta and its caller's sp (the runtime's frame.fp):
   * 8 where CALL pushes the return address (amd64), 0 with a link register (arm64).
   */
  callPushBytes: bigint;
  /**
   * sys.MinFrameSize: bytes at the bottom of every frame below the arguments a frame passes on the
   * stack (arm64: the saved LR slot); a frame's arguments start at fp + minFrameSize.
   */
  minFrameSize: bigint;
  /**
   * Where a Go frame keeps its return address, from its sp and fp: amd64 at fp-8 (pushed by CALL),
   * arm64 at 0(sp) (the prologue stores R30 there) once the frame is allocated.
   */
  returnAddressAt(sp: bigint, fp: bigint): bigint;
  /** Where a Go frame with a frame keeps its caller's frame pointer (amd64 fp-16, arm64 sp-8). */
  savedFramePointerAt(sp: bigint, fp: bigint): bigint;
  /**
   * Stack bytes a signal handler pushes to fake a call of sigpanic (or asyncPreempt): arm64 pushes
   * the interrupted LR in a 16-byte aligned slot (runtime/signal_arm64.go preparePanic); 0 on amd64,
   * where the fake return address is the call's own push.
   */
  injectedCallBytes: bigint;
  /** Fixed instruction size in bytes (arm64 4); undefined for variable-length encodings (amd64). */
  instructionSize: number | undefined;
  /**
   * Candidate direct calls in a function's code at `entry`: the return address and the target of
   * each (amd64 `CALL rel32`, E8, at any byte; arm64 `BL imm26` at each word). On amd64 a chance E8
   * byte inside another instruction is a candidate too: callers keep only targets that are a
   * function's entry.
   */
  directCalls(code: Buffer, entry: bigint): { after: bigint; target: bigint }[];
  /**
   * Whether the code computes `addr` pc-relatively (a global's address): amd64 a RIP-relative
   * disp32 (at the end of its instruction) resolving to it, at any byte; arm64 an ADRP whose page
   * plus the next instruction's ADD immediate (or scaled LDR/STR offset) is it.
   */
  computesAddress(code: Buffer, entry: bigint, addr: bigint): boolean;
  /** The Linux signal frame the kernel (or qemu-user) builds for a handler. */
  signal: {
    /** Offset of the ucontext_t from the sigtramp frame's fp (the handler's entry sp, + 8 on amd64). */
    ucontextFromSigtrampFp: bigint;
    /** Offset of the siginfo from the ucontext_t. */
    siginfoFromUcontext: bigint;
    /** Registers of uc_mcontext, with the pc, sp, frame pointer and g registers among them. */
    registers: readonly SavedRegister[];
    /** Functions a handler returns to that find the ucontext at their sp (amd64's sa_restorer). */
    restorers: ReadonlySet<string>;
  };
  /** C frames are walked by their CFI (src/core/native.ts), with the DWARF numbering in `dwarf`. */
  nativeFrames: boolean;
  /** DWARF register numbering of the psABI, as call frame information uses it. */
  dwarf: DwarfRegisters;
  /** Where the runtime's cgo switches (runtime/asm_*.s, runtime/cgo/asm_*.s) keep what a walk needs. */
  cgo: CgoSwitches;
}

export interface DwarfRegisters {
  /** Register names by DWARF number (names as in `prstatusRegs`); a gap is ''. */
  names: readonly string[];
  /** DWARF numbers of the stack pointer and the frame pointer. */
  sp: number;
  fp: number;
  /**
   * The return-address column compilers put in their CIEs (amd64 16, a column of its own; arm64
   * 30, the link register x30 itself).
   */
  returnAddress: number;
  /**
   * Registers a C callee preserves (psABI): they keep their value in the caller when the CFI has no
   * rule for them. On arm64 x30 is among them, as debuggers treat it: a leaf that never saved it
   * returns to the value it still holds.
   */
  calleeSaved: readonly number[];
  /**
   * runtime.racecall keeps its caller's SP in this callee-saved register (R12, runtime/race_amd64.s)
   * before it aligns the stack for C; undefined where the walk does not use it.
   */
  raceCallSp: number | undefined;
}

export interface CgoSwitches {
  /**
   * Where runtime.asmcgocall left the goroutine's g and its depth in the goroutine stack, as
   * [g slot, depth slot] from asmcgocall's sp on g0, one pair per form of runtime/asm_<arch>.s.
   */
  asmcgocallSlots: readonly (readonly [bigint, bigint])[];
  /** The assembly function C calls to enter Go, which calls runtime.cgocallback on g0 (crosscall2). */
  callbackCaller: string;
  /**
   * Where that function keeps its C caller's return address and frame pointer, from its sp, when
   * not in the slots of a Go frame (arm64 crosscall2 is NOFRAME and stores R29, R30 at 8*22(RSP)).
   */
  callbackCallerSlots: { returnAddress: bigint; framePointer: bigint } | undefined;
}
