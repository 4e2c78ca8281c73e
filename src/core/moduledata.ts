// runtime.firstmoduledata found without symbols.
//
// Heuristic (documented, checked on Go 1.19–1.27 default, -s -w and PIE builds): the linker
// writes moduledata into .noptrdata with link-time addresses in the file (also for PIE: the
// dynamic relocations carry the same values as addends). Its first word is the address of the
// pcHeader (the start of .gopclntab). We scan every 8-byte-aligned word of the given regions for
// that address and read the candidate by field name through moduledataLayout.json (field -> byte
// offset per range of Go releases, made by src/runtime/layoutGen.ts from each release's DWARF of
// runtime.moduledata, runtime/symtab.go). A candidate is accepted only when
//   - funcnametab.ptr == pcHeader + funcnameOffset, cutab.ptr == pcHeader + cuOffset,
//   - text == the pclntab's textStart, and etext >= the end of the function table
//     (Go 1.26+ no longer stores textStart in the pcHeader: then only etext - text >= the table's
//     text length is checked, and moduledata.text becomes the pclntab's text start),
// (these fields sit at the same offsets in every release so far), and then the layout is the first
// of those for the pclntab's format (oldest first) whose reading is consistent: etypes >= types
// (Go 1.27 put typedesclen, a length, where 1.20–1.26 have etypes), gofunc != 0 and gofunc >= rodata.
import layouts from './moduledataLayout.json';
import type { Pclntab, PclntabFormat } from './pclntab.js';

/** The moduledata fields read here (by name, through moduledataLayout.json). */
export const MODULEDATA_FIELDS = [
  'pcHeader',
  'funcnametab',
  'cutab',
  'text',
  'etext',
  'noptrdata',
  'enoptrdata',
  'data',
  'edata',
  'bss',
  'ebss',
  'noptrbss',
  'enoptrbss',
  'types',
  'etypes',
  'rodata',
  'gofunc',
] as const;

export type ModuleDataField = (typeof MODULEDATA_FIELDS)[number];

/** One entry of moduledataLayout.json: the offsets of a range of Go releases. */
export interface ModuleDataLayoutEntry {
  /** `go1.20`: the first release of the range. */
  name: string;
  /** First and last Go minor release of the range (`1.20`, `1.26`). */
  from: string;
  to: string;
  /** The pclntab format of these releases. */
  pclntab: PclntabFormat;
  /** Byte offset of each field of MODULEDATA_FIELDS (a slice's offset is its data pointer's). */
  offsets: Readonly<Record<ModuleDataField, number>>;
}

/** The layouts, oldest first (checked when loaded: a missing field is an error here, not a misread). */
export const MODULEDATA_LAYOUTS: readonly ModuleDataLayoutEntry[] = layouts.layouts.map((l) => {
  for (const f of MODULEDATA_FIELDS) {
    const off = (l.offsets as Partial<Record<string, number>>)[f];
    if (typeof off !== 'number' || off % 8 !== 0) throw new TypeError(`moduledataLayout.json: ${l.name} lacks field ${f}`);
  }
  if (l.pclntab !== 'go1.18' && l.pclntab !== 'go1.20') throw new TypeError(`moduledataLayout.json: ${l.name}: pclntab ${l.pclntab}`);
  return { ...l, pclntab: l.pclntab } as ModuleDataLayoutEntry;
});

/** The name of a layout entry (`go1.18`, `go1.20`, `go1.27`). */
export type ModuleDataLayout = string;

export interface ModuleData {
  /** Link-time address of the moduledata. */
  addr: bigint;
  layout: ModuleDataLayout;
  pcHeader: bigint;
  text: bigint;
  etext: bigint;
  noptrdata: bigint;
  enoptrdata: bigint;
  data: bigint;
  edata: bigint;
  bss: bigint;
  ebss: bigint;
  noptrbss: bigint;
  enoptrbss: bigint;
  types: bigint;
  rodata: bigint;
  /** Base of funcdata offsets (`go:func.*`), link-time. */
  gofunc: bigint;
}

/** Bytes of the binary at a link-time address (a section or a PT_LOAD segment's file bytes). */
export interface Region {
  addr: bigint;
  data: Buffer;
}

/** Bytes a candidate must have: up to the end of the last field read in any layout. */
const SPAN = Math.max(...MODULEDATA_LAYOUTS.flatMap((l) => Object.values(l.offsets))) + 8;

/**
 * Decodes a moduledata candidate from its bytes (at least SPAN, little-endian); undefined when it
 * fails the checks described at the top of this file. `pcHeaderAddr` is the link-time address of
 * the pclntab.
 */
export function decodeModuleData(bytes: Buffer, addr: bigint, pcHeaderAddr: bigint, tab: Pclntab): ModuleData | undefined {
  if (bytes.length < SPAN) return undefined;
  const h = tab.header;
  const candidates = MODULEDATA_LAYOUTS.filter((l) => l.pclntab === h.format);
  if (candidates.length === 0) return undefined;
  // The fields checked first are at the same offsets in every layout of this pclntab format.
  const field = (l: ModuleDataLayoutEntry, f: ModuleDataField): bigint => bytes.readBigUInt64LE(l.offsets[f]);
  const first = candidates[0]!;
  const w = (f: ModuleDataField): bigint => field(first, f);
  if (w('pcHeader') !== pcHeaderAddr) return undefined;
  if (w('funcnametab') !== pcHeaderAddr + BigInt(h.funcnameOffset) || w('cutab') !== pcHeaderAddr + BigInt(h.cuOffset)) return undefined;
  if (tab.hasTextStart) {
    if (w('text') !== tab.textStart - tab.bias || w('etext') < tab.textEnd - tab.bias) return undefined;
  } else if (w('etext') < w('text') || w('etext') - w('text') < BigInt(tab.entryOff(h.nfunc))) return undefined;
  for (const l of candidates) {
    const r = (f: ModuleDataField): bigint => field(l, f);
    if (r('etypes') < r('types')) continue;
    const gofunc = r('gofunc');
    const rodata = r('rodata');
    if (gofunc < rodata || gofunc === 0n) continue;
    return {
      addr,
      layout: l.name,
      pcHeader: r('pcHeader'),
      text: r('text'),
      etext: r('etext'),
      noptrdata: r('noptrdata'),
      enoptrdata: r('enoptrdata'),
      data: r('data'),
      edata: r('edata'),
      bss: r('bss'),
      ebss: r('ebss'),
      noptrbss: r('noptrbss'),
      enoptrbss: r('enoptrbss'),
      types: r('types'),
      rodata,
      gofunc,
    };
  }
  return undefined;
}

/**
 * Scans regions (normally .noptrdata, else every writable PT_LOAD's file bytes) for
 * runtime.firstmoduledata; undefined when nothing passes the checks.
 */
export function findModuleData(regions: Region[], pcHeaderAddr: bigint, tab: Pclntab): ModuleData | undefined {
  const lo = Number(pcHeaderAddr & 0xffffffffn);
  const hi = Number(pcHeaderAddr >> 32n);
  for (const reg of regions) {
    const d = reg.data;
    const start = Number((8n - (reg.addr % 8n)) % 8n);
    for (let off = start; off + SPAN <= d.length; off += 8) {
      if (d.readUInt32LE(off) !== lo || d.readUInt32LE(off + 4) !== hi) continue;
      const md = decodeModuleData(d.subarray(off, off + SPAN), reg.addr + BigInt(off), pcHeaderAddr, tab);
      if (md) return md;
    }
  }
  return undefined;
}
