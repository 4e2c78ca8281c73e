// The header the runtime prints for a signal it cannot turn into a panic: a fault outside Go code
// (C through cgo, the race runtime) or on the system stack. From runtime/signal_unix.go
// (sighandler) of each version:
// - Go 1.21+: when no sigpanic is injected (the g is not the M's curg), sighandler prints
//   `<sigtable name>` (`SIGSEGV: segmentation violation`), then `PC=<pc> m=<m.id> sigcode=<code>`
//   (+ ` addr=<fault>` for SIGSEGV and SIGBUS), then `signal arrived during cgo execution` when
//   the M was in a cgo call (mp.incgo on g0 with a curg: runtime.cgocall is on the walk).
// - Go 1.19: sigpanic is injected on g0 too and throws `unexpected signal during runtime
//   execution`; fatalthrow prints `[signal <name> code=<g.sigcode0> addr=<g.sigcode1> pc=<g.sigpc>]`
//   from the g the signal arrived on.
// The signal's code and address of the first form come from the siginfo the kernel put in the
// rt_sigframe (amd64, arch/x86/include/asm/sigframe.h: pretcode, ucontext (304 bytes: flags, link,
// stack, sigcontext, sigmask), siginfo: at the ucontext + 304; arm64: siginfo then ucontext, at the
// ucontext − 128; the architecture's `signal` data, src/core/arch); si_code at +8, si_addr at +16.
import type { ArchSpec } from '../core/arch/index.js';
import type { PhysicalFrame, StackMemory } from '../core/unwind.js';

/** sigtable names (runtime/sigtab_linux_generic.go) of the signals a fault raises. */
const SIGTABLE: Record<number, string> = {
  4: 'SIGILL: illegal instruction',
  5: 'SIGTRAP: trace trap',
  6: 'SIGABRT: abort',
  7: 'SIGBUS: bus error',
  8: 'SIGFPE: floating-point exception',
  11: 'SIGSEGV: segmentation violation',
};

export function sigtableName(sig: number): string {
  return SIGTABLE[sig] ?? `signal ${sig}`;
}

export interface SignalHeader {
  number: number;
  code: bigint;
  address: bigint;
  pc: bigint;
  /** Index (in the thread's physical frames) of the frame the signal interrupted. */
  frameIndex: number;
  /** The M was in a cgo call. */
  inCgo: boolean;
}

/**
 * The fault that `runtime.sighandler` is handling on this walk without a sigpanic (Go 1.21+ form):
 * the interrupted frame is the signal frame after the sighandler frame. `ucontextOf(i)` gives the
 * address of the ucontext the walk read for signal frame i (its sigtramp's cfa).
 */
export function unhandledSignal(frames: readonly PhysicalFrame[], mem: StackMemory, arch: ArchSpec): SignalHeader | undefined {
  const h = frames.findIndex((f) => f.funcName === 'runtime.sighandler');
  if (h < 0 || frames.some((f) => f.funcName === 'runtime.sigpanic')) return undefined;
  let tramp = -1;
  for (let i = h + 1; i < frames.length; i++) {
    if (frames[i]!.funcName === 'runtime.sigtramp' || frames[i]!.funcName === 'runtime.cgoSigtramp') {
      tramp = i;
      break;
    }
  }
  const at = tramp + 1;
  if (tramp < 0 || at >= frames.length || !frames[at]!.isSignalFrame) return undefined;
  const uc = frames[tramp]!.fp + arch.signal.ucontextFromSigtrampFp;
  const info = mem.tryRead(uc + arch.signal.siginfoFromUcontext, 24);
  if (!info) return undefined;
  const number = info.readInt32LE(0);
  return {
    number,
    code: BigInt(info.readInt32LE(8)),
    address: info.readBigUInt64LE(16),
    pc: frames[at]!.pc,
    frameIndex: at,
    inCgo: frames.slice(at).some((f) => f.funcName === 'runtime.cgocall'),
  };
}

/** The lines sighandler printed for it (Go 1.21+), given the M's id. */
export function unhandledSignalLines(s: SignalHeader, mId: number): string[] {
  const addr = s.number === 11 || s.number === 7 ? ` addr=0x${s.address.toString(16)}` : '';
  const lines = [sigtableName(s.number), `PC=0x${s.pc.toString(16)} m=${mId} sigcode=${s.code}${addr}`];
  if (s.inCgo) lines.push('signal arrived during cgo execution');
  return lines;
}

/** The `[signal …]` line of a throw with g.sig set (Go 1.19's fault on g0). */
export function throwSignalLine(sig: number, code: bigint, addr: bigint, pc: bigint): string {
  return `[signal ${sigtableName(sig)} code=0x${code.toString(16)} addr=0x${addr.toString(16)} pc=0x${pc.toString(16)}]`;
}
