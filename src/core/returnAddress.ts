// The return-address rule, stated once (FIELD_NOTES, "Facts checked on real builds"): a frame that
// made a call holds the address after its CALL, so its source line, instruction and SSA value are
// those of pc−1; the faulting frame of a signal holds the faulting instruction itself. Every
// logical (inlined) frame that shares a physical frame shares its rule. The lowest layer that
// needs it (pclntab lookups, the SSA mapper) owns it; src/analysis/pcRules.ts re-exports it.
// The lookup is pc−1 on every architecture (any byte of the call instruction has its line); the
// call instruction itself starts at pc − 4 on arm64 (fixed 4-byte instructions: a BL), while on
// amd64 its length varies and only the code (the -S listing) says where it starts.
import type { ArchSpec } from './arch/index.js';

/** The address whose line, instruction and SSA value describe a frame's pc. */
export function lookupPc(pc: bigint, returnAddress: boolean): bigint {
  return returnAddress ? pc - 1n : pc;
}

/**
 * The address of the instruction a frame's pc stands for: the pc itself, or for a return address
 * the call before it where instructions have a fixed size (arm64: pc − 4); undefined where they
 * do not (amd64).
 */
export function instructionPc(pc: bigint, returnAddress: boolean, arch: ArchSpec): bigint | undefined {
  if (!returnAddress) return pc;
  return arch.instructionSize !== undefined ? pc - BigInt(arch.instructionSize) : undefined;
}
