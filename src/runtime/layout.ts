// Runtime layouts per Go version: sizes and offsets of the fields of runtime.g, m, gobuf, stack, p
// that the walkers read (src/runtime/layoutFields.ts lists them), every field of _panic and _defer,
// plus the status and wait-reason names. Static tables (src/runtime/layouts/*.json, taken from the
// DWARF of real builds, verified by test/integration/layouts.test.ts) for the releases listed in
// src/runtime/layouts/index.ts; other versions fall back to the binary's own DWARF when it has one.
import {
  HEAP_READ_FIELDS,
  READ_FIELDS,
  readFieldPaths,
  WHOLE_STRUCTS,
  type CoreOffsets,
  type FieldRef,
  type HeapOffsets,
} from './layoutFields.js';
import type { DwarfLayoutSource, FieldKind, FieldTuple, LayoutTable, StructTable } from './layoutTypes.js';
import { TABLES, tablesOf } from './layouts/index.js';
import { InspectorError } from '../core/errors.js';

export type { CoreOffsets, FieldRef, HeapOffsets } from './layoutFields.js';
export type { DwarfLayoutSource, FieldKind, FieldTuple, LayoutTable, StructTable } from './layoutTypes.js';
export { ARM64_TABLES, TABLES, tablesOf } from './layouts/index.js';

export interface FieldLayout {
  name: string;
  offset: number;
  size: number;
  kind: FieldKind;
  /** Go type name as DWARF spells it: `*runtime.g`, `runtime.gobuf`, `uintptr`, `interface {}`. */
  type: string;
}

export interface StructLayout {
  /** DWARF name: `runtime.g`. */
  name: string;
  size: number;
  /** The fields of this Go version that READ_FIELDS reaches (every field for WHOLE_STRUCTS), in declaration order. */
  fields: readonly FieldLayout[];
  byName: ReadonlyMap<string, FieldLayout>;
}

export interface RuntimeLayout {
  /** The Go version asked for, as given (`go1.22.12`). */
  goVersion: string;
  /** `1.22` (undefined when the version string could not be parsed). */
  minor: string | undefined;
  /** `table`: a static table checked against a real build; `dwarf`: read from this binary's DWARF. */
  source: 'table' | 'dwarf';
  /** Toolchain the table was taken from (`go1.22.12`), for source 'table'. */
  builtWith: string | undefined;
  /** Human-readable explanation of where the layout came from (shown in views and reports). */
  note: string;
  ptrSize: 8;
  structs: ReadonlyMap<string, StructLayout>;
  /** Status value (without the _Gscan bit) -> name printed by the traceback (`running`, `waiting`). */
  gStatus: ReadonlyMap<number, string>;
  /** waitreason value -> string printed by the traceback; '' for waitReasonZero. */
  waitReasons: readonly (string | null)[];
  offsets: CoreOffsets;
}

/** The runtime globals the walkers read (addresses from .symtab or DWARF DW_OP_addr). */
export const RUNTIME_GLOBALS = {
  /** *m: head of the list of all Ms, linked by m.alllink. */
  allm: 'runtime.allm',
  /** []*g: every g ever created (dead ones included). */
  allgs: 'runtime.allgs',
  /** uintptr: len(allgs), published separately (atomically). */
  allglen: 'runtime.allglen',
  /** []*p */
  allp: 'runtime.allp',
  m0: 'runtime.m0',
  g0: 'runtime.g0',
  firstmoduledata: 'runtime.firstmoduledata',
  buildVersion: 'runtime.buildVersion',
  /** [...]string, the wait reason names (used by the DWARF fallback). */
  waitReasonStrings: 'runtime.waitReasonStrings',
} as const;

/** m.throwing values (runtime.throwType, Go 1.19+): none, a user fatal error (fatal), a runtime throw. */
export const THROW_TYPES = ['none', 'user', 'runtime'] as const;

/** _Gscan bit of g.atomicstatus. */
export const G_SCAN = 0x1000;

/** The structs READ_FIELDS starts from: a DWARF fallback without one of them has no layout. */
export const REQUIRED_STRUCTS: readonly string[] = [
  ...new Set(Object.values(READ_FIELDS).filter((g) => !('optionalStruct' in g)).map((g) => g.struct)),
];

export class LayoutError extends InspectorError {
  readonly goVersion: string;
  constructor(goVersion: string, message: string) {
    super(message);
    this.name = 'LayoutError';
    this.goVersion = goVersion;
  }
}

/** `go1.22.12` / `1.22` / `go1.23rc1` / `go1.24.4 X:nocoverageredesign` -> `1.22`; undefined otherwise. */
export function goMinor(goVersion: string): string | undefined {
  const m = /^(?:go)?1\.(\d+)(?:$|[.\D])/.exec(goVersion.trim());
  return m ? `1.${Number(m[1])}` : undefined;
}

/** The table of a release for an architecture (GOARCH, default amd64). */
export function tableFor(minor: string, goarch = 'amd64'): LayoutTable | undefined {
  return tablesOf(goarch).find((t) => t.minor === minor);
}

export function structFromTable(name: string, t: StructTable): StructLayout {
  const fields = t.fields.map(([fname, offset, size, kind, type]) => ({ name: fname, offset, size, kind, type }));
  const byName = new Map<string, FieldLayout>();
  for (const f of fields) if (!byName.has(f.name)) byName.set(f.name, f);
  return { name, size: t.size, fields, byName };
}

/**
 * Resolve a dotted field path inside a struct (`sched.sp`, `stack.lo`) to its absolute offset,
 * following struct-typed fields by their type name. Undefined when a step is missing.
 */
export function resolveField(
  structs: ReadonlyMap<string, StructLayout>,
  structName: string,
  path: string,
): FieldRef | undefined {
  let s = structs.get(structName);
  let base = 0;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    const f = s?.byName.get(parts[i]!);
    if (!f) return undefined;
    if (i === parts.length - 1) return { offset: base + f.offset, size: f.size, kind: f.kind };
    base += f.offset;
    s = structs.get(f.type);
  }
  return undefined;
}

/**
 * The structs a layout keeps, from a DWARF source: each struct READ_FIELDS reaches (nested paths
 * followed by type name) with only the fields it reads, and WHOLE_STRUCTS with every field. This
 * is what the stored tables hold (layoutGen.ts) and what the DWARF fallback uses. Structs the
 * source lacks are left out.
 */
export function structsFromSource(source: DwarfLayoutSource): Record<string, StructTable> {
  const cache = new Map<string, StructTable | undefined>();
  const table = (name: string): StructTable | undefined => {
    if (!cache.has(name)) cache.set(name, source.structTable(name));
    return cache.get(name);
  };
  const keep = new Map<string, Set<string> | 'all'>();
  for (const { struct, path } of readFieldPaths()) {
    let name = struct;
    const parts = path.split('.');
    for (let i = 0; i < parts.length; i++) {
      const t = table(name);
      if (!t) break;
      let k = keep.get(name);
      if (!k) keep.set(name, (k = new Set()));
      if (k !== 'all') k.add(parts[i]!);
      const f = t.fields.find(([n]) => n === parts[i]);
      if (!f || i === parts.length - 1) break;
      name = f[4];
    }
  }
  for (const name of WHOLE_STRUCTS) keep.set(name, 'all');
  const out: Record<string, StructTable> = {};
  for (const [name, k] of keep) {
    const t = table(name);
    if (!t) continue;
    const fields = k === 'all' ? t.fields : t.fields.filter(([n]) => k.has(n));
    out[name] = { size: t.size, fields: fields.map((f) => [...f] as FieldTuple) };
  }
  return out;
}

/** CoreOffsets: every READ_FIELDS path resolved (a missing required one is a LayoutError). */
function buildOffsets(structs: ReadonlyMap<string, StructLayout>, label: string): CoreOffsets {
  return resolveGroups(READ_FIELDS, structs, label) as unknown as CoreOffsets;
}

function resolveGroups(
  groups: typeof READ_FIELDS | typeof HEAP_READ_FIELDS,
  structs: ReadonlyMap<string, StructLayout>,
  label: string,
): Record<string, Record<string, number | FieldRef | undefined> | undefined> {
  const out: Record<string, Record<string, number | FieldRef | undefined> | undefined> = {};
  type Group = {
    struct: string;
    fields: Readonly<Record<string, string>>;
    optional?: readonly string[];
    optionalStruct?: boolean;
  };
  for (const [group, g] of Object.entries(groups as Readonly<Record<string, Group>>)) {
    const st = structs.get(g.struct);
    if (!st && 'optionalStruct' in g) {
      out[group] = undefined as unknown as Record<string, FieldRef>;
      continue;
    }
    if (!st) throw new LayoutError(label, `${label}: the layout has no struct ${g.struct}`);
    const o: Record<string, number | FieldRef | undefined> = { size: st.size };
    const optional: readonly string[] = g.optional ?? [];
    for (const [key, path] of Object.entries(g.fields)) {
      const r = resolveField(structs, g.struct, path);
      if (!r && !optional.includes(key)) throw new LayoutError(label, `${label}: ${g.struct} has no field ${path}`);
      o[key] = r;
    }
    out[group] = o;
  }
  return out;
}

/** The heap walk's fields (HEAP_READ_FIELDS) for a layout, and where they came from. */
export interface HeapLayout {
  offsets: HeapOffsets;
  source: 'table' | 'dwarf';
  note: string | undefined;
}

/**
 * HEAP_READ_FIELDS resolved for a layout: from its table when the table holds the heap structs
 * (tables generated since they were added), otherwise from the binary's DWARF (said in `note`).
 * Throws LayoutError when neither has them.
 */
export function heapOffsetsFor(layout: RuntimeLayout, dwarf?: DwarfLayoutSource): HeapLayout {
  const heapStructs = [...new Set(Object.values(HEAP_READ_FIELDS).map((g) => g.struct))];
  const label = layout.minor ? `Go ${layout.minor}` : layout.goVersion;
  if (heapStructs.every((n) => layout.structs.has(n))) {
    return { offsets: resolveGroups(HEAP_READ_FIELDS, layout.structs, `${label} layout`) as unknown as HeapOffsets, source: layout.source, note: undefined };
  }
  if (!dwarf) {
    throw new LayoutError(
      layout.goVersion,
      `the ${label} layout table has no heap structs (runtime.mspan, runtime.mheap) and the binary has no DWARF: ` +
        `regenerate the table (src/runtime/layoutGen.ts) or use a binary built without -w`,
    );
  }
  const structs = new Map<string, StructLayout>();
  for (const [name, t] of Object.entries(structsFromSource(dwarf))) structs.set(name, structFromTable(name, t));
  return {
    offsets: resolveGroups(HEAP_READ_FIELDS, structs, `DWARF layout of ${layout.goVersion}`) as unknown as HeapOffsets,
    source: 'dwarf',
    note: `the ${label} layout table has no heap structs: runtime.mspan and runtime.mheap read from the binary's DWARF`,
  };
}

/** The layout of a static table. */
export function layoutFromTable(t: LayoutTable, goVersion = t.builtWith): RuntimeLayout {
  const structs = new Map<string, StructLayout>();
  for (const [name, st] of Object.entries(t.structs)) structs.set(name, structFromTable(name, st));
  const gStatus = new Map<number, string>();
  for (const [k, v] of Object.entries(t.gStatus)) gStatus.set(Number(k), v);
  return {
    goVersion,
    minor: t.minor,
    source: 'table',
    builtWith: t.builtWith,
    note: `layout table for Go ${t.minor}${t.goarch ? ` ${t.goarch}` : ''} (taken from a ${t.builtWith}${t.goarch ? ` linux/${t.goarch}` : ''} build and checked against its DWARF)`,
    ptrSize: 8,
    structs,
    gStatus,
    waitReasons: t.waitReasons,
    offsets: buildOffsets(structs, `Go ${t.minor} layout table`),
  };
}

/** Names the traceback prints for g statuses, by constant name (traceback.go gStatusStrings). */
const STATUS_NAMES: Readonly<Record<string, string>> = {
  _Gidle: 'idle',
  _Grunnable: 'runnable',
  _Grunning: 'running',
  _Gsyscall: 'syscall',
  _Gwaiting: 'waiting',
  _Gdead: 'dead',
  _Gcopystack: 'copystack',
  _Gpreempted: 'preempted',
  _Gleaked: 'leaked',
  _Gdeadextra: 'waiting for cgo callback',
};

/**
 * The layout read from a binary's DWARF. Wait reason strings are not in DWARF as constants:
 * `waitReasons` lets the caller pass them (read from runtime.waitReasonStrings in memory); without
 * it the newest table's list is used and the note says so.
 */
export function layoutFromDwarf(
  dwarf: DwarfLayoutSource,
  goVersion: string,
  waitReasons?: readonly (string | null)[],
): RuntimeLayout {
  const structs = new Map<string, StructLayout>();
  for (const [name, t] of Object.entries(structsFromSource(dwarf))) structs.set(name, structFromTable(name, t));
  const missing = REQUIRED_STRUCTS.filter((n) => !structs.has(n));
  if (missing.length > 0) {
    throw new LayoutError(
      goVersion,
      `the binary's DWARF has no ${missing.join(', ')}: cannot derive the runtime layout of ${goVersion}`,
    );
  }
  const gStatus = new Map<number, string>();
  for (const [cname, label] of Object.entries(STATUS_NAMES)) {
    const v = dwarf.constant(`runtime.${cname}`);
    if (v !== undefined && v >= 0n && v < 0x1000n) gStatus.set(Number(v), label);
  }
  const newest = TABLES[TABLES.length - 1]!;
  const minor = goMinor(goVersion);
  return {
    goVersion,
    minor,
    source: 'dwarf',
    builtWith: undefined,
    note:
      `no layout table for ${goVersion}: layout read from the binary's DWARF` +
      (waitReasons ? '' : `; wait reason names taken from Go ${newest.minor}'s table (may be off)`),
    ptrSize: 8,
    structs,
    gStatus,
    waitReasons: waitReasons ?? newest.waitReasons,
    offsets: buildOffsets(structs, `DWARF layout of ${goVersion}`),
  };
}

/**
 * The READ_FIELDS paths a layout does not resolve although they may exist in this release: the
 * whole optionalStruct groups it lacks and the optional fields of its stored table. Tables of
 * releases without a provisioned toolchain (1.21, 1.23, 1.25, 1.26) were generated before the
 * wait-object readers existed and lack their structs; completeFromDwarf fills them in.
 */
export function unresolvedPaths(layout: RuntimeLayout): { struct: string; path: string }[] {
  return readFieldPaths()
    .filter((p) => (p.optional || p.optionalStruct) && !resolveField(layout.structs, p.struct, p.path))
    .map(({ struct, path }) => ({ struct, path }));
}

/**
 * The layout with every struct and field it lacks taken from the binary's DWARF (fields the
 * layout has are kept as they are). Returns the same layout when DWARF adds nothing; the note
 * says what came from DWARF.
 */
export function completeFromDwarf(layout: RuntimeLayout, dwarf: DwarfLayoutSource): RuntimeLayout {
  const extra = structsFromSource(dwarf);
  const structs = new Map(layout.structs);
  const added: string[] = [];
  for (const [name, t] of Object.entries(extra)) {
    const have = structs.get(name);
    if (!have) {
      structs.set(name, structFromTable(name, t));
      added.push(name);
      continue;
    }
    const missing = t.fields.filter(([n]) => !have.byName.has(n));
    if (missing.length === 0) continue;
    if (have.size !== t.size) continue; // a different struct of the same name: keep the table's
    const fields = [...have.fields.map((f) => [f.name, f.offset, f.size, f.kind, f.type] as FieldTuple), ...missing].sort((a, b) => a[1] - b[1]);
    structs.set(name, structFromTable(name, { size: t.size, fields }));
    added.push(...missing.map(([n]) => `${name}.${n}`));
  }
  if (added.length === 0) return layout;
  return {
    ...layout,
    structs,
    note: `${layout.note}; ${added.join(', ')} from the binary's DWARF (not in the stored table)`,
    offsets: buildOffsets(structs, layout.source === 'table' ? `Go ${layout.minor} layout table` : `DWARF layout of ${layout.goVersion}`),
  };
}

export interface LayoutForOptions {
  /** The binary's DWARF, used when no table covers the version (or when preferDwarf is set). */
  dwarf?: DwarfLayoutSource;
  /** Wait reason strings read from the binary (for the DWARF fallback). */
  waitReasons?: readonly (string | null)[];
  /** Use DWARF even when a table exists. */
  preferDwarf?: boolean;
  /** The binary's GOARCH (its ELF machine): each architecture has its own tables. Default amd64. */
  goarch?: string;
}

/**
 * The runtime layout for a Go version (`go1.22.12`, `1.22`), from its table (TABLES).
 * Any other version (1.20, which has no provisioned toolchain to verify against, or a newer
 * release) uses the binary's DWARF when given, and otherwise throws a LayoutError saying why.
 */
export function layoutFor(goVersion: string, opts: LayoutForOptions = {}): RuntimeLayout {
  const minor = goMinor(goVersion);
  const goarch = opts.goarch ?? 'amd64';
  const table = minor ? tableFor(minor, goarch) : undefined;
  if (table && !(opts.preferDwarf && opts.dwarf)) return layoutFromTable(table, goVersion);
  if (opts.dwarf) return layoutFromDwarf(opts.dwarf, goVersion, opts.waitReasons);
  const known = `${tablesOf(goarch).map((t) => t.minor).join(', ') || 'none'}${goarch !== 'amd64' ? ` on ${goarch}` : ''}`;
  throw new LayoutError(
    goVersion,
    minor === undefined
      ? `cannot tell the Go release from version string "${goVersion}" and the binary has no DWARF: ` +
          `no runtime layout (tables cover Go ${known})`
      : `no verified runtime layout for Go ${minor}${goarch !== 'amd64' ? ` on ${goarch}` : ''} (tables cover Go ${known}) and the binary has no DWARF ` +
          `(stripped with -ldflags=-w?): rebuild without -w, or use a supported Go release`,
  );
}

/** Status name as the traceback prints it (`running`, `waiting`, `???` when unknown). */
export function gStatusName(layout: RuntimeLayout, status: number): string {
  return layout.gStatus.get(status & ~G_SCAN) ?? '???';
}

/** Wait reason string for a g.waitreason value, or undefined when out of the table. */
export function waitReasonString(layout: RuntimeLayout, reason: number): string | undefined {
  const s = layout.waitReasons[reason];
  return s === null ? undefined : s;
}
