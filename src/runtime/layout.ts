// Runtime layouts per Go version: sizes and field offsets of runtime.g, m, gobuf, stack, _panic,
// _defer, p, interface/string/slice headers, plus the status and wait-reason names. Static tables
// (taken from the DWARF of real builds, verified by test/integration/layouts.test.ts) for Go 1.19
// and 1.21-1.27; other versions fall back to the binary's own DWARF when it has one.
import type { DwarfLayoutSource, FieldKind, LayoutTable, StructTable } from './layoutTypes.js';
import { GO1_19 } from './layouts/go119.js';
import { GO1_21 } from './layouts/go121.js';
import { GO1_22 } from './layouts/go122.js';
import { GO1_23 } from './layouts/go123.js';
import { GO1_24 } from './layouts/go124.js';
import { GO1_25 } from './layouts/go125.js';
import { GO1_26 } from './layouts/go126.js';
import { GO1_27 } from './layouts/go127.js';

export type { DwarfLayoutSource, FieldKind, FieldTuple, LayoutTable, StructTable } from './layoutTypes.js';

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
  /** Every field of this Go version, in declaration order. */
  fields: readonly FieldLayout[];
  byName: ReadonlyMap<string, FieldLayout>;
}

/** A field the walkers read: absolute offset inside its outer struct (nested paths resolved). */
export interface FieldRef {
  offset: number;
  size: number;
  kind: FieldKind;
}

/** The fields the walkers and the unwinder use, resolved for one Go version. */
export interface CoreOffsets {
  g: {
    size: number;
    stackLo: FieldRef;
    stackHi: FieldRef;
    stackguard0: FieldRef;
    panic: FieldRef;
    defer: FieldRef;
    m: FieldRef;
    /** g.sched (a gobuf) and its fields, absolute within g. */
    sched: FieldRef;
    schedSp: FieldRef;
    schedPc: FieldRef;
    schedBp: FieldRef;
    schedLr: FieldRef;
    syscallsp: FieldRef;
    syscallpc: FieldRef;
    atomicstatus: FieldRef;
    goid: FieldRef;
    waitsince: FieldRef;
    waitreason: FieldRef;
    lockedm: FieldRef;
    gopc: FieldRef;
    startpc: FieldRef;
    /** Go 1.21+ only. */
    parentGoid: FieldRef | undefined;
    racectx: FieldRef;
  };
  gobuf: { size: number; sp: FieldRef; pc: FieldRef; g: FieldRef; ctxt: FieldRef; lr: FieldRef; bp: FieldRef };
  m: {
    size: number;
    g0: FieldRef;
    curg: FieldRef;
    gsignal: FieldRef;
    procid: FieldRef;
    id: FieldRef;
    throwing: FieldRef;
    mallocing: FieldRef;
    locks: FieldRef;
    dying: FieldRef;
    p: FieldRef;
    alllink: FieldRef;
    lockedg: FieldRef;
  };
  p: { size: number; id: FieldRef; status: FieldRef; m: FieldRef };
  panic: { size: number; arg: FieldRef; link: FieldRef; recovered: FieldRef; goexit: FieldRef };
  defer: { size: number; sp: FieldRef; pc: FieldRef; fn: FieldRef; link: FieldRef; heap: FieldRef };
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

export function throwTypeName(v: number): string {
  return THROW_TYPES[v] ?? `throwType(${v})`;
}

/** _Gscan bit of g.atomicstatus. */
export const G_SCAN = 0x1000;

/** Struct names every layout carries (a DWARF fallback must find at least REQUIRED_STRUCTS). */
export const LAYOUT_STRUCTS = [
  'runtime.g',
  'runtime.m',
  'runtime.gobuf',
  'runtime.stack',
  'runtime._panic',
  'runtime._defer',
  'runtime.p',
  'runtime.eface',
  'runtime.iface',
  'runtime.slice',
  'string',
  'runtime.funcval',
  'runtime.itab',
  'internal/abi.ITab',
  'runtime.moduledata',
  'runtime.boundsError',
  'runtime.errorString',
  'runtime.plainError',
  'errors.errorString',
  'runtime.stringStruct',
] as const;

export const REQUIRED_STRUCTS = [
  'runtime.g',
  'runtime.m',
  'runtime.gobuf',
  'runtime.stack',
  'runtime._panic',
  'runtime._defer',
  'runtime.p',
] as const;

export const TABLES: readonly LayoutTable[] = [GO1_19, GO1_21, GO1_22, GO1_23, GO1_24, GO1_25, GO1_26, GO1_27];

export class LayoutError extends Error {
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

export function tableFor(minor: string): LayoutTable | undefined {
  return TABLES.find((t) => t.minor === minor);
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

function buildOffsets(structs: ReadonlyMap<string, StructLayout>, label: string): CoreOffsets {
  const size = (s: string): number => {
    const st = structs.get(s);
    if (!st) throw new LayoutError(label, `${label}: the layout has no struct ${s}`);
    return st.size;
  };
  const opt = (s: string, path: string): FieldRef | undefined => resolveField(structs, s, path);
  const req = (s: string, path: string): FieldRef => {
    const r = resolveField(structs, s, path);
    if (!r) throw new LayoutError(label, `${label}: ${s} has no field ${path}`);
    return r;
  };
  const g = 'runtime.g';
  const m = 'runtime.m';
  return {
    g: {
      size: size(g),
      stackLo: req(g, 'stack.lo'),
      stackHi: req(g, 'stack.hi'),
      stackguard0: req(g, 'stackguard0'),
      panic: req(g, '_panic'),
      defer: req(g, '_defer'),
      m: req(g, 'm'),
      sched: req(g, 'sched'),
      schedSp: req(g, 'sched.sp'),
      schedPc: req(g, 'sched.pc'),
      schedBp: req(g, 'sched.bp'),
      schedLr: req(g, 'sched.lr'),
      syscallsp: req(g, 'syscallsp'),
      syscallpc: req(g, 'syscallpc'),
      atomicstatus: req(g, 'atomicstatus'),
      goid: req(g, 'goid'),
      waitsince: req(g, 'waitsince'),
      waitreason: req(g, 'waitreason'),
      lockedm: req(g, 'lockedm'),
      gopc: req(g, 'gopc'),
      startpc: req(g, 'startpc'),
      parentGoid: opt(g, 'parentGoid'),
      racectx: req(g, 'racectx'),
    },
    gobuf: {
      size: size('runtime.gobuf'),
      sp: req('runtime.gobuf', 'sp'),
      pc: req('runtime.gobuf', 'pc'),
      g: req('runtime.gobuf', 'g'),
      ctxt: req('runtime.gobuf', 'ctxt'),
      lr: req('runtime.gobuf', 'lr'),
      bp: req('runtime.gobuf', 'bp'),
    },
    m: {
      size: size(m),
      g0: req(m, 'g0'),
      curg: req(m, 'curg'),
      gsignal: req(m, 'gsignal'),
      procid: req(m, 'procid'),
      id: req(m, 'id'),
      throwing: req(m, 'throwing'),
      mallocing: req(m, 'mallocing'),
      locks: req(m, 'locks'),
      dying: req(m, 'dying'),
      p: req(m, 'p'),
      alllink: req(m, 'alllink'),
      lockedg: req(m, 'lockedg'),
    },
    p: { size: size('runtime.p'), id: req('runtime.p', 'id'), status: req('runtime.p', 'status'), m: req('runtime.p', 'm') },
    panic: {
      size: size('runtime._panic'),
      arg: req('runtime._panic', 'arg'),
      link: req('runtime._panic', 'link'),
      recovered: req('runtime._panic', 'recovered'),
      goexit: req('runtime._panic', 'goexit'),
    },
    defer: {
      size: size('runtime._defer'),
      sp: req('runtime._defer', 'sp'),
      pc: req('runtime._defer', 'pc'),
      fn: req('runtime._defer', 'fn'),
      link: req('runtime._defer', 'link'),
      heap: req('runtime._defer', 'heap'),
    },
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
    note: `layout table for Go ${t.minor} (taken from a ${t.builtWith} build and checked against its DWARF)`,
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
  for (const name of LAYOUT_STRUCTS) {
    const t = dwarf.structTable(name);
    if (t) structs.set(name, structFromTable(name, t));
  }
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

export interface LayoutForOptions {
  /** The binary's DWARF, used when no table covers the version (or when preferDwarf is set). */
  dwarf?: DwarfLayoutSource;
  /** Wait reason strings read from the binary (for the DWARF fallback). */
  waitReasons?: readonly (string | null)[];
  /** Use DWARF even when a table exists. */
  preferDwarf?: boolean;
}

/**
 * The runtime layout for a Go version (`go1.22.12`, `1.22`). Tables cover 1.19 and 1.21-1.27.
 * Any other version (1.20, which has no provisioned toolchain to verify against, or a newer
 * release) uses the binary's DWARF when given, and otherwise throws a LayoutError saying why.
 */
export function layoutFor(goVersion: string, opts: LayoutForOptions = {}): RuntimeLayout {
  const minor = goMinor(goVersion);
  const table = minor ? tableFor(minor) : undefined;
  if (table && !(opts.preferDwarf && opts.dwarf)) return layoutFromTable(table, goVersion);
  if (opts.dwarf) return layoutFromDwarf(opts.dwarf, goVersion, opts.waitReasons);
  const known = TABLES.map((t) => t.minor).join(', ');
  throw new LayoutError(
    goVersion,
    minor === undefined
      ? `cannot tell the Go release from version string "${goVersion}" and the binary has no DWARF: ` +
          `no runtime layout (tables cover Go ${known})`
      : `no verified runtime layout for Go ${minor} (tables cover Go ${known}) and the binary has no DWARF ` +
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
