// The two rules every surface applies to a frame's pc, stated once (FIELD_NOTES, "Facts checked on
// real builds"):
// - return address: a frame that made a call holds the address after its CALL, so its source line,
//   instruction and SSA value are those of pc−1; the faulting frame of a signal holds the faulting
//   instruction itself. Every logical (inlined) frame that shares a physical frame shares its rule.
// - origin: the first frame outside the runtime, innermost first (the user code that crashed).
import { isRuntimeFunction } from '../traceback/crash.js';

export { instructionPc, lookupPc } from '../core/returnAddress.js';

/**
 * A physical frame's pc is a return address unless it is the instruction itself: a thread's pc
 * register (its innermost frame) or a frame a signal interrupted. The unwinder decided it when it
 * looked the frame's source lines up (PhysicalFrame.returnAddress); every logical frame of that
 * physical frame, inlined ones included, takes the answer of its physical frame.
 */
export function isReturnAddress(physical: { returnAddress: boolean }): boolean {
  return physical.returnAddress;
}

/** Index of the origin frame: the first frame (innermost first) outside the runtime; -1 when none. */
export function originIndex(frames: readonly { function: string }[]): number {
  return frames.findIndex((f) => !isRuntimeFunction(f.function));
}
