// The roots of the heap, in the order the reachability walk takes them (src/analysis/heap.ts), as
// the garbage collector finds them (runtime/mgcmark.go markroot of Go 1.19 through 1.27):
//  1. globals: every variable of the binary's DWARF (typed); without DWARF (a stripped binary),
//     every word of the module's data and bss sections (moduledata data..edata, bss..ebss: the
//     sections with pointers), conservatively and untyped;
//  2. goroutine frames, precisely: the live pointer slots of each frame by its stack maps
//     (FUNCDATA_LocalsPointerMaps / ArgsPointerMaps at PCDATA_StackMapIndex, stackRoots.ts), named
//     and typed by the frame's DWARF locals where a local's stack piece holds the slot
//     (`goroutine 12 frame main.serve local conns`), otherwise `goroutine 12 frame main.serve`;
//     Each frame's stack objects (address-taken locals, FUNCDATA_StackObjects) by their pointer
//     bitmaps, named by the DWARF local at their address (`... local buf`) or `stack object`;
//  3. goroutine stacks, conservatively: every word of a frame without stack maps (assembly), and
//     of the stack above the last frame unwound;
//  4. registers of each thread (conservative: any register word pointing into an object);
//  5. specials: each finalizer's function and the words of the object it is set on (markrootSpans
//     marks what the object points to, not the object), each cleanup's function (Go 1.24+); the
//     kinds' values changed in 1.25 (specialKinds).
import { Dwarf, type DwarfEntry } from '../core/dwarf.js';
import { FrameLocals } from '../core/dwarfLocals.js';
import { CoreReadError, hex } from '../core/errors.js';
import type { Memory } from '../core/memory.js';
import { unwind } from '../core/unwind.js';
import { G_DEAD } from '../runtime/goroutines.js';
import type { HeapOffsets } from '../runtime/layout.js';
import type { HeapSpan } from '../runtime/heapSpans.js';
import { attempt, readRuntimeSnapshot } from '../runtime/snapshot.js';
import { frameHasStackMaps, frameStackObjects, liveStackPointers } from '../runtime/stackRoots.js';
import type { CoreAnalysis } from './coreAnalysis.js';

export type RootKind = 'global' | 'local' | 'frame' | 'stack' | 'register' | 'special';

export interface HeapRoot {
  /** `global main.registry`, `goroutine 12 frame main.serve local conns`, `thread 42 register rbx`. */
  label: string;
  kind: RootKind;
  /** Address of the root's first word (the global, the local's first stack piece, ...), 0 for registers. */
  addr: number;
  /** The words that may point into the heap: where each is (0 for a register) and its value. */
  slots: Float64Array;
  values: Float64Array;
  /** The root's value and DWARF type when known (globals, DWARF locals): types what it points to. */
  typed?: { buf: Buffer; type: DwarfEntry };
  /** The goroutine whose frames or stack hold it, or whose thread's register it is. */
  goid?: number;
}

/** The special kinds that hold roots (runtime/mheap.go `_KindSpecial*`). */
export interface SpecialKinds {
  finalizer: number;
  /** -1 before Go 1.24 (no cleanups). */
  cleanup: number;
}

/**
 * The kinds of a release: from the binary's DWARF constants when present, else runtime/mheap.go of
 * the release: _KindSpecialFinalizer 1 and _KindSpecialCleanup 6 (from 1.24) up to 1.24; from 1.25
 * _KindSpecialTinyBlock takes 1, finalizer 2, cleanup 7.
 */
export function specialKinds(dwarf: Dwarf | undefined, minor: number): SpecialKinds {
  const f = dwarf?.constant('runtime._KindSpecialFinalizer');
  const c = dwarf?.constant('runtime._KindSpecialCleanup');
  return {
    finalizer: f !== undefined ? Number(f) : minor >= 25 ? 2 : 1,
    cleanup: c !== undefined ? Number(c) : minor >= 25 ? 7 : minor >= 24 ? 6 : -1,
  };
}
const MAX_SPECIALS = 1 << 20;
const MAX_FRAMES = 1000;
const MAX_STACK = 1 << 30;

function wordsOf(buf: Buffer, addr: number): { slots: Float64Array; values: Float64Array } {
  const n = buf.length >> 3;
  const slots = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    slots[i] = addr + i * 8;
    values[i] = buf.readUInt32LE(i * 8) + buf.readUInt32LE(i * 8 + 4) * 0x100000000;
  }
  return { slots, values };
}

/** Globals from DWARF, by address. */
export function globalRoots(a: CoreAnalysis, dwarf: Dwarf): HeapRoot[] {
  const mem = a.cw.memory;
  const out: HeapRoot[] = [];
  for (const v of dwarf.globalVariables()) {
    if (v.address === undefined || v.typeOffset === undefined) continue;
    const t = dwarf.entryAt(v.typeOffset) ?? undefined;
    if (!t) continue;
    const size = dwarf.typeSize(t);
    if (size <= 0 || size > 1 << 30) continue;
    const addr = Number(v.address + a.syms.bias);
    const buf = mem.tryRead(BigInt(addr), size);
    if (!buf) continue;
    out.push({ label: `global ${v.name}`, kind: 'global', addr, ...wordsOf(buf, addr), typed: { buf, type: t } });
  }
  return out.sort((x, y) => x.addr - y.addr);
}

/** Without DWARF: the module's data and bss sections as two untyped, conservative roots. */
export function dataSectionRoots(a: CoreAnalysis, notes: string[]): HeapRoot[] {
  const md = a.syms.moduledata;
  if (!md) {
    notes.push('no moduledata: the data and bss sections are not roots');
    return [];
  }
  const out: HeapRoot[] = [];
  for (const [name, lo, hi] of [
    ['.data', md.data, md.edata],
    ['.bss', md.bss, md.ebss],
  ] as const) {
    const size = Number(hi - lo);
    if (size <= 0 || size > 1 << 30) continue;
    const addr = Number(lo + a.syms.bias);
    const buf = a.cw.memory.tryRead(BigInt(addr), size);
    if (!buf) {
      notes.push(`the ${name} section at ${hex(BigInt(addr))} is not in the core: its globals are not roots`);
      continue;
    }
    out.push({ label: `global in ${name} (no DWARF: untyped)`, kind: 'global', addr, ...wordsOf(buf, addr) });
  }
  return out;
}

export interface StackRoots {
  /** Precise: stack-map slots, by DWARF local where known (step 2). */
  frames: HeapRoot[];
  /** Conservative: every stack word (step 3). */
  stacks: HeapRoot[];
  /** Thread registers (step 4). */
  registers: HeapRoot[];
}

/** Goroutine frames and stacks, and thread registers. */
export function stackRoots(a: CoreAnalysis, dwarf: Dwarf | undefined, notes: string[]): StackRoots {
  const mem = a.cw.memory;
  const syms = a.syms;
  const out: StackRoots = { frames: [], stacks: [], registers: [] };
  const snapshot = attempt(notes, 'goroutines', () =>
    readRuntimeSnapshot({ memory: mem, goVersion: a.goVersion!, exe: a.cw.binary, bias: syms.bias, symbols: syms }),
  );
  const locals = dwarf && a.cw.binary ? new FrameLocals(dwarf, a.cw.binary) : undefined;
  const rodata = syms.moduledata ? syms.moduledata.rodata + syms.bias : undefined;
  // The thread that runs each goroutine (its frames come from the thread's registers).
  const threadOf = new Map<bigint, (typeof a.cw.core.threads)[number]>();
  const goidOfThread = new Map<number, bigint>();
  for (const t of a.cw.core.threads) {
    const cur = attempt(notes, `thread ${t.tid}`, () => a.current(t));
    const g = cur ? (cur.kind === 'user' ? cur.g : cur.curg) : 0n;
    if (g && (!threadOf.has(g) || cur!.kind === 'user')) threadOf.set(g, t);
  }
  for (const g of snapshot?.goroutines.goroutines ?? []) {
    if ((g.status & ~0x1000) === G_DEAD) continue;
    for (const [gaddr, t] of threadOf) if (gaddr === g.addr) goidOfThread.set(t.tid, g.goid);
    let phys: { pc: bigint; sp: bigint; fp: bigint; exact: boolean; func: string }[] = [];
    const t = threadOf.get(g.addr);
    try {
      if (t) {
        phys = a
          .stack(t)
          .frames.filter((f) => f.sp >= g.stackLo && f.sp < g.stackHi)
          .map((f) => ({ pc: f.pc, sp: f.sp, fp: f.fp, exact: f.isSignalFrame, func: f.funcName }));
      }
      if (phys.length === 0) {
        const start =
          g.syscallsp !== 0n
            ? { pc: g.syscallpc, sp: g.syscallsp, bp: g.schedBp }
            : { pc: g.schedPc, sp: g.schedSp, bp: g.schedBp };
        phys = unwind(syms.pclntab, mem, start, {
          maxFrames: MAX_FRAMES,
          innermostIsCallReturn: true,
          logicalFrames: false,
        }).frames.map((f) => ({
          pc: f.pc,
          sp: f.sp,
          fp: f.fp,
          exact: f.isSignalFrame,
          func: f.funcName,
        }));
      }
    } catch (e) {
      if (!(e instanceof CoreReadError)) throw e;
    }
    const who = `goroutine ${g.goid}`;
    const goid = Number(g.goid);
    for (const f of phys) {
      const slots: number[] = [];
      const values: number[] = [];
      liveStackPointers(syms.pclntab, mem, [f], (slot, value) => {
        slots.push(Number(slot));
        values.push(Number(value));
      });
      const pc = f.pc - syms.bias - (f.exact ? 0n : 1n);
      const frameLocals = locals?.at(f.func, pc) ?? [];
      if (rodata !== undefined) {
        for (const so of frameStackObjects(syms.pclntab, mem, f, rodata)) {
          if (so.slots.length === 0) continue;
          const buf = mem.tryRead(so.addr, so.size);
          if (!buf) continue;
          const vs = so.slots.map((a) => {
            const o = Number(a - so.addr);
            return buf.readUInt32LE(o) + buf.readUInt32LE(o + 4) * 0x100000000;
          });
          const l = frameLocals.find(
            (x) =>
              x.pieces.length === 1 && f.fp + BigInt(x.pieces[0]!.cfaOffset) === so.addr && !x.name.startsWith('.'),
          );
          const size = l?.type ? dwarf!.typeSize(l.type) : 0;
          out.frames.push({
            label: `${who} frame ${f.func} ${l ? `${l.param ? 'arg' : 'local'} ${l.name}` : 'stack object'}`,
            kind: l ? 'local' : 'frame',
            goid,
            addr: Number(so.addr),
            slots: Float64Array.from(so.slots, Number),
            values: Float64Array.from(vs),
            ...(l?.type && size > 0 && size <= so.size ? { typed: { buf: buf.subarray(0, size), type: l.type } } : {}),
          });
        }
      }
      if (slots.length === 0) continue;
      const taken = new Uint8Array(slots.length);
      for (const l of frameLocals) {
        const size = l.type ? dwarf!.typeSize(l.type) : 0;
        const ls: number[] = [];
        const lv: number[] = [];
        for (let i = 0; i < slots.length; i++) {
          const s = BigInt(slots[i]!);
          for (const p of l.pieces) {
            const at = f.fp + BigInt(p.cfaOffset);
            if (s >= at && s < at + BigInt(p.size || size || 8)) {
              ls.push(slots[i]!);
              lv.push(values[i]!);
              taken[i] = 1;
              break;
            }
          }
        }
        if (ls.length === 0) continue;
        let typed: HeapRoot['typed'];
        if (l.type && size > 0 && size <= 1 << 20) {
          // The value from its stack pieces (a piece of 0 bytes: the whole value at one place).
          const buf = Buffer.alloc(size);
          for (const p of l.pieces) {
            const n = Math.min(p.size || size, size - p.offset);
            const b = n > 0 ? mem.tryRead(f.fp + BigInt(p.cfaOffset), n) : undefined;
            if (b) b.copy(buf, p.offset);
          }
          typed = { buf, type: l.type };
        }
        const first = l.pieces[0]!;
        // Go 1.25+ DWARF names the words of a decomposed slice or string `conns.ptr`, `conns.len`:
        // the pointer word is the value's root.
        const name = l.name.endsWith('.ptr') ? l.name.slice(0, -4) : l.name;
        out.frames.push({
          label: `${who} frame ${f.func} ${l.param ? 'arg' : 'local'} ${name}`,
          kind: 'local',
          goid,
          addr: Number(f.fp) + first.cfaOffset,
          slots: Float64Array.from(ls),
          values: Float64Array.from(lv),
          ...(typed ? { typed } : {}),
        });
      }
      const rs: number[] = [];
      const rv: number[] = [];
      for (let i = 0; i < slots.length; i++) {
        if (taken[i]) continue;
        rs.push(slots[i]!);
        rv.push(values[i]!);
      }
      if (rs.length > 0)
        out.frames.push({
          label: `${who} frame ${f.func}`,
          kind: 'frame',
          goid,
          addr: rs[0]!,
          slots: Float64Array.from(rs),
          values: Float64Array.from(rv),
        });
    }
    // Conservative: the words of frames without stack maps, and of the stack above the last
    // frame unwound (a walk cut short), attributed to the frame that holds each word.
    const lo = g.schedSp > g.stackLo && g.schedSp < g.stackHi ? g.schedSp : g.stackLo;
    if (g.stackHi <= lo || g.stackHi - lo > BigInt(MAX_STACK)) continue;
    const buf = mem.tryRead(lo, Number(g.stackHi - lo));
    if (!buf) continue;
    const all = wordsOf(buf, Number(lo));
    const bySp = [...phys].sort((x, y) => (x.sp < y.sp ? -1 : 1));
    const precise = bySp.map((f) => frameHasStackMaps(syms.pclntab, f));
    let start = 0;
    for (let fi = -1; fi < bySp.length; fi++) {
      const endAddr = fi + 1 < bySp.length ? Number(bySp[fi + 1]!.sp) : Number(g.stackHi);
      let end = start;
      while (end < all.slots.length && all.slots[end]! < endAddr) end++;
      // Words below the innermost frame are dead; a frame with stack maps was read precisely
      // (up to its fp: what lies above, up to the next frame, is the caller's).
      let from = start;
      if (fi < 0) from = end;
      else if (precise[fi]) {
        const fp = Number(bySp[fi]!.fp);
        while (from < end && all.slots[from]! < fp) from++;
      }
      if (end > from) {
        out.stacks.push({
          label: `${who} stack${fi >= 0 ? ` (${bySp[fi]!.func})` : ''}`,
          kind: 'stack',
          goid,
          addr: all.slots[from]!,
          slots: all.slots.subarray(from, end),
          values: all.values.subarray(from, end),
        });
      }
      start = end;
    }
  }
  for (const t of a.cw.core.threads) {
    const goid = goidOfThread.get(t.tid);
    for (const [name, v] of Object.entries(t.regs)) {
      if (v === 0n || v >= 1n << 53n) continue;
      out.registers.push({
        label: `thread ${t.tid}${goid !== undefined ? ` (goroutine ${goid})` : ''} register ${name}`,
        kind: 'register',
        ...(goid !== undefined ? { goid: Number(goid) } : {}),
        addr: 0,
        slots: Float64Array.of(0),
        values: Float64Array.of(Number(v)),
      });
    }
  }
  return out;
}

/** Finalizers and cleanups of the spans (mspan.specials lists). */
export function specialRoots(
  mem: Memory,
  heap: HeapOffsets,
  spans: readonly HeapSpan[],
  kinds: SpecialKinds,
  objectAt: (a: number) => { addr: number; size: number } | undefined,
  notes: string[],
): HeapRoot[] {
  const out: HeapRoot[] = [];
  const sp = heap.special;
  let seen = 0;
  let bad = 0;
  for (const s of spans) {
    let p = s.specials;
    for (let n = 0; p !== 0n && n < 1 << 16 && seen < MAX_SPECIALS; n++, seen++) {
      const raw = mem.tryRead(p, sp.size + 8);
      if (!raw) {
        bad++;
        break;
      }
      const next = raw.readBigUInt64LE(sp.next.offset);
      const offset =
        sp.offset.size === 2 ? raw.readUInt16LE(sp.offset.offset) : Number(raw.readBigUInt64LE(sp.offset.offset));
      const kind = raw[sp.kind.offset]!;
      const fn = Number(raw.readBigUInt64LE(sp.size));
      if (kind === kinds.finalizer || kind === kinds.cleanup) {
        const what = kind === kinds.finalizer ? 'finalizer' : 'cleanup';
        const objAddr = s.base + offset;
        out.push({
          label: `${what} of ${hex(BigInt(objAddr))} (function)`,
          kind: 'special',
          addr: Number(p) + sp.size,
          slots: Float64Array.of(Number(p) + sp.size),
          values: Float64Array.of(fn),
        });
        const o = kind === kinds.finalizer ? objectAt(objAddr) : undefined;
        const buf = o ? mem.tryRead(BigInt(o.addr), Math.min(o.size, 1 << 20)) : undefined;
        if (o && buf)
          out.push({
            label: `finalizer of ${hex(BigInt(objAddr))} (what the object points to)`,
            kind: 'special',
            addr: o.addr,
            ...wordsOf(buf, o.addr),
          });
      }
      p = next;
    }
  }
  if (bad > 0) notes.push(`${bad} special records (finalizers, cleanups) are not in the core: their roots are missing`);
  return out;
}
