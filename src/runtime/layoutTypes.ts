// Data types of the per-Go-version runtime layout tables (src/runtime/layouts/go1NN.ts).
// A table is plain data taken from the DWARF of a binary built by that toolchain; layout.ts turns
// it into a RuntimeLayout with lookups.
import type { DwarfKind } from '../core/dwarf.js';

/**
 * What a field holds, after following typedefs (DW_AT_go_kind where Go emits it):
 * `ptr` includes unsafe.Pointer; `uintptr` is a uintptr or a named uintptr (guintptr, puintptr);
 * `eface`/`iface` are interface values (2 words); `string`/`slice` are their headers.
 */
export type FieldKind = DwarfKind;

/** [name, byte offset, byte size, kind, Go type name as DWARF spells it] */
export type FieldTuple = readonly [name: string, offset: number, size: number, kind: FieldKind, type: string];

export interface StructTable {
  readonly size: number;
  /** Every field, in declaration order. */
  readonly fields: readonly FieldTuple[];
}

export interface LayoutTable {
  /** `1.22` */
  readonly minor: string;
  /** The exact toolchain whose binary the table was taken from: `go1.22.12`. */
  readonly builtWith: string;
  /** Keyed by DWARF struct name: `runtime.g`, `runtime._panic`, `string`, ... */
  readonly structs: Readonly<Record<string, StructTable>>;
  /** g.atomicstatus value (without _Gscan) -> the name the traceback prints. */
  readonly gStatus: Readonly<Record<number, string>>;
  /** g.waitreason value -> the string the traceback prints ('' for waitReasonZero). */
  readonly waitReasons: readonly (string | null)[];
}

/** What the DWARF fallback needs from a DWARF reader (src/core/dwarf.ts implements it). */
export interface DwarfLayoutSource {
  /** A struct type by its DWARF name, fields in order, or undefined when the binary has none. */
  structTable(name: string): StructTable | undefined;
  /** A Go constant (DW_TAG_constant, e.g. `runtime._Gwaiting`), or undefined. */
  constant(name: string): bigint | undefined;
}
