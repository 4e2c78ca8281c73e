// How a relocation of the compiler's object code (`rel off+size t=TYPE sym+add` in the -S listing)
// is filled in by the linker, by relocation type: which bits of the relocated field the linker
// writes (the rest of the field is instruction encoding, equal in the listing and the binary),
// and for a direct call where it lands. From cmd/internal/objabi/reloctype.go and the linkers'
// archreloc (cmd/link/internal/amd64, arm64/asm.go), the same in Go 1.19 through 1.27:
// - amd64 R_CALL / R_PCREL: a rel32 displacement (the whole 4 bytes), relative to the end of the
//   field; the CALL opcode is the byte before it.
// - arm64 R_CALLARM64: a BL (or B) instruction word whose imm26 (bits 0–25) holds the word
//   displacement from the instruction itself; bits 26–31 are the opcode.
// - arm64 ADRP pairs (R_ADDRARM64: ADRP+ADD; R_ARM64_PCREL: ADRP+ADD; R_ARM64_PCREL_LDSTn and
//   R_ARM64_GOTPCREL: ADRP+LDR/STR): ADRP's immlo (bits 29–30) and immhi (bits 5–23), then the
//   second instruction's imm12 (bits 10–21); register and opcode bits stay.
// A type not listed here is masked whole: never a wrong "equal".

export interface RelocForm {
  /**
   * Per 32-bit little-endian word of the field, the bits the linker writes; the field's size must
   * be 4 × the number of masks. Undefined: the whole field is written.
   */
  wordMasks?: readonly number[];
  /**
   * For a direct call: the called address from the field's bytes at `field` (the binary's), the
   * field's runtime address `at`; and where the call instruction starts relative to the field.
   */
  call?: { target: (field: Buffer, at: bigint) => bigint; instructionOffset: number };
}

const ADRP_PAIR: RelocForm = { wordMasks: [0x60ffffe0, 0x003ffc00] };

export const RELOC_FORMS: Readonly<Record<string, RelocForm>> = {
  R_CALL: { call: { target: (f, at) => at + 4n + BigInt(f.readInt32LE(0)), instructionOffset: -1 } },
  R_CALLARM64: {
    wordMasks: [0x03ffffff],
    call: { target: (f, at) => at + BigInt(((f.readUInt32LE(0) & 0x03ffffff) << 6) >> 6) * 4n, instructionOffset: 0 },
  },
  R_ADDRARM64: ADRP_PAIR,
  R_ARM64_PCREL: ADRP_PAIR,
  R_ARM64_PCREL_LDST8: ADRP_PAIR,
  R_ARM64_PCREL_LDST16: ADRP_PAIR,
  R_ARM64_PCREL_LDST32: ADRP_PAIR,
  R_ARM64_PCREL_LDST64: ADRP_PAIR,
  R_ARM64_GOTPCREL: ADRP_PAIR,
};

/** Marks in `masked` (one byte per code byte) the bits of a relocated field the linker writes. */
export function maskRelocation(masked: Uint8Array, type: string, offset: number, size: number): void {
  const masks = RELOC_FORMS[type]?.wordMasks;
  if (!masks || masks.length * 4 !== size) {
    masked.fill(0xff, offset, offset + size);
    return;
  }
  masks.forEach((m, w) => {
    for (let b = 0; b < 4; b++) masked[offset + w * 4 + b]! |= (m >>> (8 * b)) & 0xff;
  });
}
