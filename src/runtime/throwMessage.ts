// The message of a fatal error (`fatal error: concurrent map writes`), read back from the core.
//
// runtime.throw(s) and runtime.fatal(s) print their message from a closure run on the system
// stack: `systemstack(func() { print("fatal error: ", s, "\n") })` (Go 1.19 through 1.27). The
// closure does not escape, so its context {fn, s.ptr, s.len} lives in the frame of throw/fatal.
// We look in that frame, and only there, for a string header whose pointer lies in the binary's
// read-only data and whose bytes are printable text: the message is a string literal of the runtime.
import type { PhysicalFrame } from '../core/unwind.js';

export interface ThrowMemory {
  tryRead(addr: bigint, len: number): Buffer | undefined;
}

/** Functions whose frame holds the fatal error's message. */
export const THROW_FUNCTIONS = new Set(['runtime.throw', 'runtime.fatal']);

const MAX_MESSAGE = 1024;
const MAX_FRAME_WORDS = 64;

function printable(b: Buffer): boolean {
  for (const c of b) if (c < 0x20 || c > 0x7e) return false;
  return true;
}

/**
 * The fatal error message from the throw/fatal frame of a crashing thread's frames, or undefined.
 * `isReadOnly` says whether an address lies in the executable's read-only data (runtime addresses).
 */
export function fatalErrorMessage(
  frames: readonly PhysicalFrame[],
  mem: ThrowMemory,
  isReadOnly: (addr: bigint) => boolean,
): { message: string; function: string } | undefined {
  for (const f of frames) {
    if (!THROW_FUNCTIONS.has(f.funcName)) continue;
    const words = Math.min(MAX_FRAME_WORDS, Number((f.fp - f.sp) / 8n));
    if (words < 2) continue;
    const buf = mem.tryRead(f.sp, words * 8);
    if (!buf) continue;
    for (let i = 0; i + 1 < words; i++) {
      const ptr = buf.readBigUInt64LE(i * 8);
      const len = buf.readBigUInt64LE(i * 8 + 8);
      if (len === 0n || len > BigInt(MAX_MESSAGE) || !isReadOnly(ptr)) continue;
      const bytes = mem.tryRead(ptr, Number(len));
      if (bytes && printable(bytes)) return { message: bytes.toString('latin1'), function: f.funcName };
    }
  }
  return undefined;
}
