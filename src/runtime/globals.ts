// Where the runtime globals the walkers start from (allm, allgs, allglen) live in memory.
// 1. .symtab (through GoSymbols.addressOf, which applies the PIE bias), 2. DWARF DW_OP_addr
// (plus bias), 3. for stripped binaries (-s -w: neither .symtab nor DWARF) a bounded scan of the
// executable's writable data sections:
//   - allgs is a []*g slice header (ptr, len, cap) with 0 < len <= cap whose first element is the
//     g of goroutine 1 (runtime.main's g is the first g ever allocated by newproc), whose elements
//     are distinct g's with plausible status, and allglen (a uintptr equal to len) is nearby;
//   - allm is a pointer to an m whose g0.m points back to it; of all such words, allm is the one
//     whose m.alllink chain is the longest (it is the head of the list; m0 is its tail).
// The result says which source was used. Another route, not needed by the scan but useful for a
// single thread: on amd64 Go >= 1.17 keeps the current g in R14 while running Go code, so a
// thread's R14 -> g, g.m -> its M, m.g0 / m.curg / m.alllink (older Ms only: allm is the newest).
// runtime.firstmoduledata, findable without symbols (src/core/moduledata.ts), bounds the data and
// bss ranges scanned here (moduledata.data/edata, bss/ebss, noptrbss/enoptrbss).
import type { Dwarf } from '../core/dwarf.js';
import { PF_W, type ElfFile } from '../core/elf.js';
import type { Memory } from '../core/memory.js';
import { readField } from './fields.js';
import { G_SCAN, RUNTIME_GLOBALS, type RuntimeLayout } from './layout.js';

export interface RuntimeGlobals {
  allm: bigint | undefined;
  allgs: bigint | undefined;
  allglen: bigint | undefined;
  /** Where each address came from. */
  source: { allm: GlobalSource; allgs: GlobalSource; allglen: GlobalSource };
}

export type GlobalSource = 'symtab' | 'dwarf' | 'scan' | 'none';

export interface SymbolLookup {
  /** Runtime address of a symbol (bias applied), or undefined. */
  addressOf(name: string): bigint | undefined;
}

export interface FindGlobalsOptions {
  symbols?: SymbolLookup;
  dwarf?: Dwarf;
  /** PIE load bias for DWARF addresses (runtime - link-time); default 0. */
  bias?: bigint;
  /** For the stripped fallback: the executable (its writable data sections are scanned) and memory. */
  exe?: ElfFile;
  memory?: Memory;
  layout?: RuntimeLayout;
}

/** Maximum bytes of data sections scanned for the stripped fallback. */
const MAX_SCAN = 64 * 1024 * 1024;
const DATA_SECTIONS = ['.noptrdata', '.data', '.bss', '.noptrbss', '.go.module'];

export function findRuntimeGlobals(opts: FindGlobalsOptions): RuntimeGlobals {
  const bias = opts.bias ?? 0n;
  const one = (name: string): { addr: bigint | undefined; source: GlobalSource } => {
    const s = opts.symbols?.addressOf(name);
    if (s !== undefined) return { addr: s, source: 'symtab' };
    const d = opts.dwarf?.variable(name)?.address;
    if (d !== undefined) return { addr: d + bias, source: 'dwarf' };
    return { addr: undefined, source: 'none' };
  };
  const allm = one(RUNTIME_GLOBALS.allm);
  const allgs = one(RUNTIME_GLOBALS.allgs);
  const allglen = one(RUNTIME_GLOBALS.allglen);
  const out: RuntimeGlobals = {
    allm: allm.addr,
    allgs: allgs.addr,
    allglen: allglen.addr,
    source: { allm: allm.source, allgs: allgs.source, allglen: allglen.source },
  };
  if ((out.allm === undefined || out.allgs === undefined) && opts.exe && opts.memory && opts.layout) {
    const scanned = scanForGlobals(opts.exe, opts.memory, opts.layout, bias);
    if (out.allm === undefined && scanned.allm !== undefined) {
      out.allm = scanned.allm;
      out.source.allm = 'scan';
    }
    if (out.allgs === undefined && scanned.allgs !== undefined) {
      out.allgs = scanned.allgs;
      out.source.allgs = 'scan';
    }
  }
  return out;
}

function dataWords(exe: ElfFile, mem: Memory, bias: bigint): { base: bigint; buf: Buffer }[] {
  const ranges: { addr: bigint; size: number }[] = [];
  for (const name of DATA_SECTIONS) {
    const s = exe.section(name);
    if (s && s.addr !== 0n && s.size > 0) ranges.push({ addr: s.addr, size: Number(s.size) });
  }
  if (ranges.length === 0) {
    // No section headers (sstrip): the writable PT_LOADs hold data and bss.
    for (const p of exe.loads) if ((p.flags & PF_W) !== 0 && p.memsz > 0n) ranges.push({ addr: p.vaddr, size: Number(p.memsz) });
  }
  const out: { base: bigint; buf: Buffer }[] = [];
  let total = 0;
  for (const r of ranges) {
    if (total + r.size > MAX_SCAN) continue;
    const buf = mem.tryRead(r.addr + bias, r.size);
    if (!buf) continue;
    total += r.size;
    out.push({ base: r.addr + bias, buf });
  }
  return out;
}

/** The stripped-binary fallback (see the header comment). Bounded by MAX_SCAN bytes. */
export function scanForGlobals(
  exe: ElfFile,
  mem: Memory,
  layout: RuntimeLayout,
  bias = 0n,
): { allm: bigint | undefined; allgs: bigint | undefined; allglen: bigint | undefined } {
  const o = layout.offsets;
  const regions = dataWords(exe, mem, bias);
  const isM = (p: bigint): boolean => {
    if (p === 0n || p % 8n !== 0n) return false;
    try {
      const g0 = mem.readPtr(p + BigInt(o.m.g0.offset));
      if (g0 === 0n || g0 % 8n !== 0n) return false;
      return mem.readPtr(g0 + BigInt(o.g.m.offset)) === p;
    } catch {
      return false;
    }
  };
  const chainLength = (p: bigint): number => {
    const seen = new Set<bigint>();
    while (p !== 0n && !seen.has(p) && seen.size < 100_000) {
      if (!isM(p)) return -1;
      seen.add(p);
      p = mem.readPtr(p + BigInt(o.m.alllink.offset));
    }
    return seen.size;
  };
  const gOK = (g: bigint): boolean => {
    try {
      const st = Number(readField(mem, g, o.g.atomicstatus)) & ~G_SCAN;
      return st <= 12 && g % 8n === 0n;
    } catch {
      return false;
    }
  };
  let allm: bigint | undefined;
  let bestLen = 0;
  let allgs: bigint | undefined;
  const mCache = new Map<bigint, boolean>();
  for (const { base, buf } of regions) {
    for (let off = 0; off + 8 <= buf.length; off += 8) {
      const w = buf.readBigUInt64LE(off);
      if (w === 0n) continue;
      // allm candidates
      let m = mCache.get(w);
      if (m === undefined) {
        m = isM(w);
        if (mCache.size < 100_000) mCache.set(w, m);
      }
      if (m) {
        const n = chainLength(w);
        if (n > bestLen) {
          bestLen = n;
          allm = base + BigInt(off);
        }
      }
      // allgs candidates: (ptr, len, cap)
      if (allgs === undefined && off + 24 <= buf.length) {
        const len = buf.readBigUInt64LE(off + 8);
        const cap = buf.readBigUInt64LE(off + 16);
        if (len > 0n && len <= cap && cap <= 50_000_000n && w % 8n === 0n) {
          try {
            const first = mem.readPtr(w);
            if (first !== 0n && gOK(first) && readField(mem, first, o.g.goid) === 1n) {
              const n = Number(len < 64n ? len : 64n);
              const seen = new Set<bigint>();
              let ok = true;
              for (let i = 0; i < n && ok; i++) {
                const g = mem.readPtr(w + BigInt(8 * i));
                ok = g !== 0n && !seen.has(g) && gOK(g);
                seen.add(g);
              }
              if (ok) allgs = base + BigInt(off);
            }
          } catch {
            /* not a slice of g's */
          }
        }
      }
    }
  }
  // allglen is not searched for: the walker uses len(allgs) from the slice header instead.
  return { allm, allgs, allglen: undefined };
}
