// One call that reads the runtime state the views and the report show: layout, globals, all Ms,
// all goroutines, the typed panic-value base. Failures of one part become notes, not exceptions
// (a core with unreadable allgs still shows its Ms).
import type { Dwarf } from '../core/dwarf.js';
import type { ElfFile } from '../core/elf.js';
import { CoreReadError } from '../core/errors.js';
import type { Memory } from '../core/memory.js';
import { walkMs, type MInfo } from './allm.js';
import type { CodeNamer } from './fields.js';
import { findRuntimeGlobals, type RuntimeGlobals, type SymbolLookup } from './globals.js';
import { walkGoroutines, type GoroutineWalk } from './goroutines.js';
import { layoutFor, type RuntimeLayout } from './layout.js';
import { walkDeferChain, walkPanicChain, type DeferRecord, type PanicRecord } from './panicChain.js';
import { readWaitReasonStrings } from './waitReasons.js';

export interface SnapshotInput {
  memory: Memory;
  goVersion: string;
  /** The executable (for the stripped-binary scan) and its PIE load bias. */
  exe?: ElfFile;
  bias?: bigint;
  /** Symbol lookup (GoSymbols) and, when available, its moduledata.types (link-time). */
  symbols?: SymbolLookup & { moduledata?: { types: bigint } | undefined };
  dwarf?: Dwarf;
  /** Force the DWARF layout even when a table exists. */
  preferDwarf?: boolean;
}

export interface RuntimeSnapshot {
  layout: RuntimeLayout;
  globals: RuntimeGlobals;
  /** Newest first (allm order). */
  ms: MInfo[];
  goroutines: GoroutineWalk;
  /** Runtime address of moduledata.types, for panic value type names. */
  typesBase: bigint | undefined;
  /** What could not be read, and where things came from (layout source, stripped scan). */
  notes: string[];
}

/** Runs a read; a CoreReadError becomes a note (`what: message`) and undefined, anything else throws. */
export function attempt<T>(notes: string[], what: string, f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof CoreReadError)) throw e;
    notes.push(`${what}: ${e.message}`);
    return undefined;
  }
}

/** Throws LayoutError when no layout exists for the version (no table and no DWARF). */
export function readRuntimeSnapshot(input: SnapshotInput): RuntimeSnapshot {
  const bias = input.bias ?? 0n;
  const notes: string[] = [];
  const waitReasons = input.dwarf ? attempt(notes, 'wait reasons', () => readWaitReasonStrings(input.memory, input.dwarf!, bias)) : undefined;
  const goarch = input.exe && input.exe.header.arch !== 'unknown' ? input.exe.header.arch : undefined;
  const layout = layoutFor(input.goVersion, { dwarf: input.dwarf, waitReasons, preferDwarf: input.preferDwarf, ...(goarch ? { goarch } : {}) });
  if (layout.source === 'dwarf') notes.push(layout.note);
  const globals = findRuntimeGlobals({
    symbols: input.symbols,
    dwarf: input.dwarf,
    bias,
    exe: input.exe,
    memory: input.memory,
    layout,
  });
  if (globals.source.allgs === 'scan' || globals.source.allm === 'scan') {
    notes.push('no symbol table: runtime.allm / runtime.allgs were found by scanning the data sections');
  }
  const ms = globals.allm !== undefined ? (attempt(notes, 'runtime.allm', () => walkMs(input.memory, layout, globals.allm!)) ?? []) : [];
  if (globals.allm === undefined) notes.push('runtime.allm not found: no M list');
  const empty: GoroutineWalk = { goroutines: [], count: 0, unreadable: [] };
  const goroutines =
    globals.allgs !== undefined
      ? (attempt(notes, 'runtime.allgs', () => walkGoroutines(input.memory, layout, globals.allgs!, globals.allglen)) ?? empty)
      : empty;
  if (globals.allgs === undefined) notes.push('runtime.allgs not found: no goroutine list');
  const md = input.symbols?.moduledata;
  return { layout, globals, ms, goroutines, typesBase: md ? md.types + bias : undefined, notes };
}

/** The M whose OS thread is `tid` (e.g. the core's crashing thread). */
export function mForThread(snapshot: RuntimeSnapshot, tid: number | bigint): MInfo | undefined {
  return snapshot.ms.find((m) => m.procid === BigInt(tid));
}

/** The _panic and _defer chains of a goroutine (by its g address). */
export function chainsOf(
  snapshot: RuntimeSnapshot,
  memory: Memory,
  gAddr: bigint,
  namer?: CodeNamer,
): { panics: PanicRecord[]; defers: DeferRecord[]; notes: string[] } {
  const notes: string[] = [];
  const opts = { typesBase: snapshot.typesBase, namer };
  const panics = attempt(notes, '_panic chain', () => walkPanicChain(memory, snapshot.layout, gAddr, opts)) ?? [];
  const defers = attempt(notes, '_defer chain', () => walkDeferChain(memory, snapshot.layout, gAddr, opts)) ?? [];
  return { panics, defers, notes };
}
