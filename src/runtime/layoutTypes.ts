// Data types of the per-Go-version runtime layout tables: what src/runtime/layouts/go1.NN.json and
// names.json hold (taken from the DWARF and runtime data of a binary built by that toolchain, by
// layoutGen.ts), and the resolved LayoutTable that layout.ts turns into a RuntimeLayout.
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
  /** Fields in declaration order: every field from DWARF; in a stored table, those READ_FIELDS needs. */
  readonly fields: readonly FieldTuple[];
}

/** One release's structs as stored in src/runtime/layouts/go1.NN.json. */
export interface StoredLayout {
  /** `1.22` */
  readonly minor: string;
  /** The exact toolchain whose binary the data was taken from: `go1.22.12`. */
  readonly builtWith: string;
  /** GOARCH of that binary when not amd64 (src/runtime/layouts/arm64/go1.NN.json say `arm64`). */
  readonly goarch?: string;
  /** The structs READ_FIELDS reaches (only the fields it reads) and WHOLE_STRUCTS (every field). */
  readonly structs: Readonly<Record<string, StructTable>>;
}

/**
 * Names whose numeric value depends on the release, each stored once (src/runtime/layouts/names.json):
 * name -> { Go minor: the value from that release on, or null when the name is gone from it on }.
 * Only releases where the value changes are listed.
 */
export type NameHistory = Readonly<Record<string, Readonly<Record<string, number | null>>>>;

export interface StoredNames {
  /** g.atomicstatus names (runtime.gStatusStrings). */
  readonly gStatus: NameHistory;
  /** g.waitreason names (runtime.waitReasonStrings); '' is waitReasonZero. */
  readonly waitReasons: NameHistory;
}

/** A release's table resolved for use: its stored structs and its names. */
export interface LayoutTable {
  /** `1.22` */
  readonly minor: string;
  /** The exact toolchain whose binary the table was taken from: `go1.22.12`. */
  readonly builtWith: string;
  /** GOARCH of that binary when not amd64. */
  readonly goarch?: string;
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
