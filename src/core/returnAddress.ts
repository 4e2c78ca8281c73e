// The return-address rule, stated once (FIELD_NOTES, "Facts checked on real builds"): a frame that
// made a call holds the address after its CALL, so its source line, instruction and SSA value are
// those of pc−1; the faulting frame of a signal holds the faulting instruction itself. Every
// logical (inlined) frame that shares a physical frame shares its rule. The lowest layer that
// needs it (pclntab lookups, the SSA mapper) owns it; src/analysis/pcRules.ts re-exports it.

/** The address whose line, instruction and SSA value describe a frame's pc. */
export function lookupPc(pc: bigint, returnAddress: boolean): bigint {
  return returnAddress ? pc - 1n : pc;
}
