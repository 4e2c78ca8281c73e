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
  directCalls(code, entry) {
    const out: { after: bigint; target: bigint }[] = [];
    for (let i = 0; i + 4 <= code.length; i += 4) {
      const w = code.readUInt32LE(i);
      if ((w & 0xfc000000) >>> 0 !== 0x94000000) continue; // BL
      const at = entry + BigInt(i);
      out.push({ after: at + 4n, target: at + BigInt(((w & 0x03ffffff) << 6) >> 6) * 4n });
    }
    return out;
  },
  computesAddress(code, entry, addr) {
    for (let i = 0; i + 8 <= code.length; i += 4) {
      const w = code.readUInt32LE(i);
      if ((w & 0x9f000000) >>> 0 !== 0x90000000) continue; // ADRP
      const imm = ((((w >>> 5) & 0x7ffff) << 2) | ((w >>> 29) & 3)) << 11 >> 11; // 21-bit signed pages
      const page = ((entry + BigInt(i)) & ~0xfffn) + BigInt(imm) * 4096n;
      const rd = w & 0x1f;
      const n = code.readUInt32LE(i + 4);
      if (((n >>> 5) & 0x1f) !== rd) continue;
      let off: bigint | undefined;
      if ((n & 0xff800000) >>> 0 === 0x91000000) off = BigInt((n >>> 10) & 0xfff) << ((n >>> 22) & 1 ? 12n : 0n); // ADD Xd, Xn, #imm{, LSL 12}
      else if ((n & 0x3b400000) >>> 0 === 0x39400000 || (n & 0x3b400000) >>> 0 === 0x39000000) off = BigInt((n >>> 10) & 0xfff) << BigInt(n >>> 30); // LDR/STR (unsigned offset), scaled by size
      if (off !== undefined && page + off === addr) return true;
    }
    return false;
  },
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
  nativeFrames: true,
  // DWARF for the Arm 64-bit Architecture (AAPCS64), §4.1: x0–x30 are 0–30, sp 31; GCC's CIEs use
  // x30 as the return-address column. Callee-saved x19–x29, and x30 (see DwarfRegisters).
  dwarf: {
    names: [...X, 'sp'],
    sp: 31,
    fp: 29,
    returnAddress: 30,
    calleeSaved: [19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30],
    raceCallSp: undefined,
  },
  cgo: {
    // runtime/asm_arm64.s (the same in Go 1.19–1.27): after `SUB $16, R13; MOVD R13, RSP` the old g
    // at 0(RSP) and the depth at 8(RSP), then BL (R1).
    asmcgocallSlots: [[0n, 8n]],
    callbackCaller: 'crosscall2',
    // runtime/cgo/asm_arm64.s (Go 1.19–1.27): SUB $(8*24), RSP; STP (R29, R30), (8*22)(RSP).
    callbackCallerSlots: { returnAddress: 8n * 23n, framePointer: 8n * 22n },
  },
};
