// runtime.firstmoduledata found without symbols.
//
// Heuristic (documented, checked on Go 1.19–1.27 default, -s -w and PIE builds): the linker
// writes moduledata into .noptrdata with link-time addresses in the file (also for PIE: the
// dynamic relocations carry the same values as addends). Its first word is the address of the
// pcHeader (the start of .gopclntab). We scan every 8-byte-aligned word of the given regions for
// that address and accept a candidate only when
//   - word 1 (funcnametab.ptr) == pcHeader + funcnameOffset, word 4 (cutab.ptr) == pcHeader + cuOffset,
//   - word 22 (text) == the pclntab's textStart, and word 23 (etext) >= the end of the function table
//     (Go 1.26+ no longer stores textStart in the pcHeader: then only etext - text >= the table's
//     text length is checked, and moduledata.text becomes the pclntab's text start),
// Go 1.18–1.27 keep these first 24 words in the same place. The words after them depend on the
// version: `gofunc` (the base of every funcdata offset, needed for inline trees) is at word
//   38 for the 1.18 pclntab format (Go 1.18/1.19: no covctrs),
//   40 for Go 1.20–1.26 (covctrs, ecovctrs added),
//   43 for Go 1.27 (types, typedesclen, etypes, itaboffset, itabsize).
// 1.20–1.26 and 1.27 are told apart by word 38: etypes (an address >= types, word 37) in the
// former, typedesclen (a length smaller than the types address) in the latter. The chosen gofunc
// must lie at or after `rodata` (the word just before it) and before etext's module end.
import type { Pclntab } from './pclntab.js';

export type ModuleDataLayout = 'go1.18' | 'go1.20' | 'go1.27';

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

const WORDS = 48;

/**
 * Decodes a moduledata candidate from its first 48 words; undefined when it fails the checks
 * described at the top of this file. `pcHeaderAddr` is the link-time address of the pclntab.
 */
export function decodeModuleData(words: bigint[], addr: bigint, pcHeaderAddr: bigint, tab: Pclntab): ModuleData | undefined {
  if (words.length < WORDS) return undefined;
  const w = (i: number): bigint => words[i]!;
  const h = tab.header;
  if (w(0) !== pcHeaderAddr) return undefined;
  if (w(1) !== pcHeaderAddr + BigInt(h.funcnameOffset) || w(4) !== pcHeaderAddr + BigInt(h.cuOffset)) return undefined;
  if (tab.hasTextStart) {
    if (w(22) !== tab.textStart - tab.bias || w(23) < tab.textEnd - tab.bias) return undefined;
  } else if (w(23) < w(22) || w(23) - w(22) < BigInt(tab.entryOff(h.nfunc))) return undefined;
  let layout: ModuleDataLayout;
  let gofuncIdx: number;
  if (h.format === 'go1.18') {
    layout = 'go1.18';
    gofuncIdx = 38;
  } else if (w(38) >= w(37)) {
    layout = 'go1.20';
    gofuncIdx = 40;
  } else {
    layout = 'go1.27';
    gofuncIdx = 43;
  }
  const covOff = layout === 'go1.18' ? 0 : 2;
  const gofunc = w(gofuncIdx);
  const rodata = w(gofuncIdx - 1);
  if (gofunc < rodata || gofunc === 0n) return undefined;
  return {
    addr,
    layout,
    pcHeader: w(0),
    text: w(22),
    etext: w(23),
    noptrdata: w(24),
    enoptrdata: w(25),
    data: w(26),
    edata: w(27),
    bss: w(28),
    ebss: w(29),
    noptrbss: w(30),
    enoptrbss: w(31),
    types: w(35 + covOff),
    rodata,
    gofunc,
  };
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
    for (let off = start; off + WORDS * 8 <= d.length; off += 8) {
      if (d.readUInt32LE(off) !== lo || d.readUInt32LE(off + 4) !== hi) continue;
      const words: bigint[] = [];
      for (let i = 0; i < WORDS; i++) words.push(d.readBigUInt64LE(off + i * 8));
      const md = decodeModuleData(words, reg.addr + BigInt(off), pcHeaderAddr, tab);
      if (md) return md;
    }
  }
  return undefined;
}
