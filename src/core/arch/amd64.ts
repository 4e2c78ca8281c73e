// linux/amd64: registers from <asm/ptrace.h> (struct user_regs_struct), Go's frame layout from
// runtime/traceback.go (CALL pushes the return address: fp = sp + pcsp delta + 8, return address
// at fp-8, saved frame pointer at fp-16), the signal frame from arch/x86/include/asm/sigframe.h
// (rt_sigframe: pretcode, ucontext (304 bytes), siginfo) and <sys/ucontext.h> (gregs at +40 in the
// order r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip).
import type { ArchSpec } from './types.js';

const PRSTATUS_REGS = [
  'r15', 'r14', 'r13', 'r12', 'rbp', 'rbx', 'r11', 'r10', 'r9', 'r8', 'rax', 'rcx', 'rdx', 'rsi', 'rdi',
  'orig_rax', 'rip', 'cs', 'eflags', 'rsp', 'ss', 'fs_base', 'gs_base', 'ds', 'es', 'fs', 'gs',
] as const;

const GREGS = ['r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rdi', 'rsi', 'rbp', 'rbx', 'rdx', 'rax', 'rcx', 'rsp', 'rip'] as const;
const GREGS_AT = 40;

export const AMD64: ArchSpec = {
  name: 'amd64',
  prstatusRegs: PRSTATUS_REGS,
  registerOrder: ['rip', 'rsp', 'rbp', 'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs', 'fs_base', 'gs_base', 'orig_rax'],
  pcReg: 'rip',
  spReg: 'rsp',
  fpReg: 'rbp',
  lrReg: undefined,
  gReg: 'r14',
  callPushBytes: 8n,
  minFrameSize: 0n,
  returnAddressAt: (_sp, fp) => fp - 8n,
  savedFramePointerAt: (_sp, fp) => fp - 16n,
  injectedCallBytes: 0n,
  instructionSize: undefined,
  directCalls(code, entry) {
    const out: { after: bigint; target: bigint }[] = [];
    for (let i = 0; i + 5 <= code.length; i++) {
      if (code[i] !== 0xe8) continue;
      const after = entry + BigInt(i + 5);
      out.push({ after, target: after + BigInt(code.readInt32LE(i + 1)) });
    }
    return out;
  },
  computesAddress(code, entry, addr) {
    const base = Number(entry);
    const target = Number(addr);
    for (let i = 0; i + 4 <= code.length; i++) if (base + i + 4 + code.readInt32LE(i) === target) return true;
    return false;
  },
  signal: {
    // The sigtramp's fp is its entry sp + 8: just past the restorer's address (pretcode).
    ucontextFromSigtrampFp: 0n,
    siginfoFromUcontext: 304n,
    registers: GREGS.map((name, i) => ({ name, offset: GREGS_AT + i * 8 })),
    restorers: new Set(['runtime.sigreturn__sigaction', 'runtime.sigreturn']),
  },
  nativeFrames: true,
  // System V amd64 psABI, figure 3.36: 0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp,
  // 8–15 r8–r15, 16 the return address; callee-saved rbx, rbp, r12–r15.
  dwarf: {
    names: ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'],
    sp: 7,
    fp: 6,
    returnAddress: 16,
    calleeSaved: [3, 6, 12, 13, 14, 15],
    raceCallSp: 12,
  },
  cgo: {
    // runtime/asm_amd64.s: g at 8(SP) and the depth at 0(SP) after SUBQ $16 (Go 1.21+), at 48(SP)
    // and 40(SP) after SUBQ $64 (Go 1.19).
    asmcgocallSlots: [[8n, 0n], [48n, 40n]],
    callbackCaller: 'crosscall2',
    callbackCallerSlots: undefined,
  },
};
