// linux/arm64: registers from <asm/ptrace.h> (struct user_pt_regs: x0–x30, sp, pc, pstate); Go's
// frame layout from runtime/traceback.go and cmd/internal/obj/arm64/obj7.go (no push on BL: the
// caller's sp is sp + pcsp delta; a frame's prologue stores R30 (LR) at 0(RSP) and the caller's
// R29 at -8(RSP); a frameless leaf keeps its return address in LR); g in R28 (every Go version);
// the signal frame from arch/arm64/kernel/signal.c (rt_sigframe: siginfo (128 bytes), then the
// ucontext; the handler is entered with sp at the rt_sigframe, and qemu-user's
// linux-user/aarch64/signal.c builds the same) and arch/arm64/include/uapi/asm/ucontext.h and
// sigcontext.h (uc_mcontext at +176: fault_address, regs[31], sp, pc, pstate), as Go's
// runtime/defs_linux_arm64.go declares them. Go installs no sa_restorer on arm64 (the vDSO's
// sigreturn, or qemu's trampoline, is the handler's return address).
import type { ArchSpec } from './types.js';

const X = Array.from({ length: 31 }, (_, i) => `x${i}`);
const MCONTEXT_AT = 176;

export const ARM64: ArchSpec = {
  name: 'arm64',
  prstatusRegs: [...X, 'sp', 'pc', 'pstate'],
  registerOrder: ['pc', 'sp', 'x29', 'x30', ...X.slice(0, 29), 'pstate'],
  pcReg: 'pc',
  spReg: 'sp',
  fpReg: 'x29',
  lrReg: 'x30',
  gReg: 'x28',
  callPushBytes: 0n,
  minFrameSize: 8n,
  returnAddressAt: (sp) => sp,
  savedFramePointerAt: (sp) => sp - 8n,
  // alignUp(sys.MinFrameSize, sys.StackAlign) = alignUp(8, 16) (runtime/traceback.go).
  injectedCallBytes: 16n,
  instructionSize: 4,
  signal: {
    ucontextFromSigtrampFp: 128n,
    siginfoFromUcontext: -128n,
    registers: [
      ...X.map((name, i) => ({ name, offset: MCONTEXT_AT + 8 + i * 8 })),
      { name: 'sp', offset: MCONTEXT_AT + 8 + 31 * 8 },
      { name: 'pc', offset: MCONTEXT_AT + 8 + 32 * 8 },
      { name: 'pstate', offset: MCONTEXT_AT + 8 + 33 * 8 },
    ],
    restorers: new Set(),
  },
  nativeFrames: false,
};
