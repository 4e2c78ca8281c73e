// The heap of a core: every allocated object of the Go heap (src/runtime/heapSpans.ts), typed where
// the core tells the type, summarised by type and by size class, with the shortest chain of
// pointers from a root to any object (`go-core heap`, schemas/heap.schema.json, CoreEngine.heap()).
//
// Types, in this order (the first that applies wins):
//  1. `header`: Go 1.22+ objects > 512 B in spans with pointers carry their *_type in an 8-byte
//     header, large objects in mspan.largeType (runtime/mbitmap.go); the name is the runtime type's
//     string (moduledata.types + _type.str). An object larger than two of its type is an array:
//     `[N]T` with N = the object's room / the type's size (how viewcore names them).
//  2. `dwarf`: propagated from the typed roots (every global of the binary's DWARF) through typed
//     pointers (src/analysis/heapTypes.ts: struct fields, arrays, slices, classic and Swiss map
//     internals, interfaces by their dynamic type), and onwards from header-typed objects whose
//     type DWARF knows. A pointer types its target only when it points at the object's start.
//  3. untyped: counted by size class (`(class 48, pointers)`), never dropped.
// Reachability (retention paths) is separate from typing: roots are the DWARF globals and every
// goroutine's stack from its saved sp; the edges are every word of a pointer-holding object
// (noscan spans have none) that points into an allocated object: conservative, so a path can pass
// through a stale word, never miss a real one the walk reached. The walk is breadth-first, from
// all globals to the end first, then from the stacks: a path is a shortest one from the first
// kind of root that reaches the object. Everything is bounded by the objects in the spans.
import { Dwarf, type DwarfEntry } from '../core/dwarf.js';
import { CoreReadError, hex, InspectorError } from '../core/errors.js';
import type { Memory } from '../core/memory.js';
import { goroutineStack } from '../runtime/goroutineStacks.js';
import { G_DEAD } from '../runtime/goroutines.js';
import { heapOffsetsFor, LayoutError } from '../runtime/layout.js';
import { readGoType } from '../runtime/panicValue.js';
import { attempt, readRuntimeSnapshot } from '../runtime/snapshot.js';
import { isAllocated, PAGE_SIZE, spanIndexAt, walkHeapSpans, type HeapSpan, type SpanWalk } from '../runtime/heapSpans.js';
import { MALLOC_HEADER_SIZE, sizeClassesFor, TINY_SIZE } from '../runtime/sizeClasses.js';
import type { CoreAnalysis } from './coreAnalysis.js';
import { ShapeCache, type Shape } from './heapTypes.js';

export type TypeSource = 'header' | 'dwarf' | 'untyped';

export interface HeapTypeRow {
  /** The type's name (`main.Node`, `[2047]*main.Record`), or `(class 48, pointers)` when untyped. */
  type: string;
  source: TypeSource;
  count: number;
  bytes: number;
  /** bytes / all heap bytes. */
  share: number;
}

export interface HeapClassRow {
  /** Size class (0: large objects, each in its own span). */
  sizeclass: number;
  /** The class's object size (for class 0: the objects' span sizes vary; 0 here). */
  size: number;
  noscan: boolean;
  count: number;
  bytes: number;
  /** Objects of this class with a type. */
  typed: number;
  /** Class TINY_SIZE noscan: the tiny allocator's 16-byte blocks (several small allocations each) live here. */
  tinyBlocks: boolean;
}

export interface HeapRootRow {
  /** `global main.registry`, `goroutine 1 stack`. */
  root: string;
  /** Objects first reached from this root (breadth-first, globals first). */
  count: number;
  bytes: number;
}

export interface HeapModel {
  goVersion: string | undefined;
  /** Go 1.22+: objects > 512 B with pointers carry their type. */
  allocationHeaders: boolean;
  totals: {
    objects: number;
    bytes: number;
    spans: number;
    /** Objects reached from a root, and their bytes. */
    reachedObjects: number;
    reachedBytes: number;
  };
  typing: { header: number; dwarf: number; untyped: number };
  byType: HeapTypeRow[];
  bySizeClass: HeapClassRow[];
  byRoot: HeapRootRow[];
  /** What was skipped or assumed (bad spans, layout source, missing DWARF). */
  notes: string[];
}

export interface RetentionStep {
  /** Object address (hex). */
  address: string;
  type: string;
  size: number;
  /** Offset, inside this object, of the pointer to the next step (absent on the last). */
  pointerOffset?: number;
}

export interface RetentionPath {
  /** `global main.registry`, `goroutine 1 stack (main.crash)`. */
  root: string;
  /** Address of the root word that points to the first object. */
  rootAddress: string;
  steps: RetentionStep[];
}

export interface HeapObjectRef {
  /** The object's address as Go code holds it (past its allocation header, Go 1.22+). */
  address: bigint;
  type: string;
  source: TypeSource;
  size: number;
}

export interface CoreHeap {
  model: HeapModel;
  /** The shortest path from a root to the object at (or containing) `address`, or to the nearest object of `type`. */
  path(target: { address: bigint } | { type: string }): RetentionPath | undefined;
  /** Some objects of a type (up to `limit`), in address order. */
  objectsOf(type: string, limit?: number): HeapObjectRef[];
  /** The object at or containing an address. */
  objectAt(address: bigint): HeapObjectRef | undefined;
  /** Rows for a profile: per type and root, count and bytes (for pprof). */
  profileRows(): { type: string; root: string; count: number; bytes: number }[];
}

export class HeapError extends InspectorError {
  constructor(message: string) {
    super(message);
    this.name = 'HeapError';
  }
}

export interface HeapOptions {
  /** Read the binary's DWARF (types from globals); default true. */
  dwarf?: boolean;
}

/** Index of one object: the span's first index plus its slot in the span. */
interface Index {
  spans: HeapSpan[];
  first: Int32Array;
  total: number;
  /** [lo, hi): from the first span's start to the last span's end (most words fail this test). */
  lo: number;
  hi: number;
}

function indexOf(ix: Index, a: number): number {
  // Binary search the span; -1 when a is not inside an allocated object.
  if (a < ix.lo || a >= ix.hi) return -1;
  const at = spanIndexAt(ix.spans, a);
  if (at < 0) return -1;
  const s = ix.spans[at]!;
  const i = Math.floor((a - s.base) / s.elemsize);
  if (i >= s.nelems || !isAllocated(s, i)) return -1;
  return ix.first[at]! + i;
}

function spanIndexOf(ix: Index, id: number): number {
  let lo = 0;
  let hi = ix.spans.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ix.first[mid]! <= id) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Reads 8-byte words of a buffer as numbers (addresses < 2^53). */
function word(view: DataView, off: number): number {
  return view.getUint32(off, true) + view.getUint32(off + 4, true) * 0x100000000;
}

export function buildHeap(a: CoreAnalysis, opts: HeapOptions = {}): CoreHeap {
  const mem: Memory = a.cw.memory;
  const notes: string[] = [];
  if (!a.layout) throw new HeapError(`no runtime layout: ${a.layoutProblem ?? 'unknown Go version'}`);
  const dwarf = opts.dwarf === false ? undefined : attempt(notes, 'DWARF', () => Dwarf.fromElf(a.cw.binary!));
  if (!dwarf) notes.push('the binary has no DWARF: no types from globals, and globals are not roots');
  let heapLayout;
  try {
    heapLayout = heapOffsetsFor(a.layout, dwarf);
  } catch (e) {
    if (e instanceof LayoutError) throw new HeapError(e.message);
    throw e;
  }
  if (heapLayout.note) notes.push(heapLayout.note);
  const mheap = a.syms.addressOf('runtime.mheap_');
  if (mheap === undefined) throw new HeapError('runtime.mheap_ not found (no symbol table): cannot walk the heap');
  let walk: SpanWalk;
  try {
    walk = walkHeapSpans(mem, heapLayout.offsets, mheap);
  } catch (e) {
    if (e instanceof CoreReadError) throw new HeapError(`cannot read runtime.mheap_: ${e.message}`);
    throw e;
  }
  notes.push(...walk.notes);
  const classes = sizeClassesFor(a.layout.minor);
  if (!classes.exact) notes.push(`no size class table for Go ${a.layout.minor ?? '?'}: classes labelled with Go ${classes.table.releases.at(-1)}'s`);

  const spans = walk.spans;
  const first = new Int32Array(spans.length);
  let total = 0;
  for (let k = 0; k < spans.length; k++) {
    first[k] = total;
    total += spans[k]!.nelems;
  }
  const last = spans[spans.length - 1];
  const ix: Index = { spans, first, total, lo: spans[0]?.base ?? 0, hi: last ? last.base + last.npages * PAGE_SIZE : 0 };

  // Type names: id -> name; per object: type id (-1: none) and source (0 none, 1 header, 2 dwarf).
  const names: string[] = [];
  const nameIds = new Map<string, number>();
  const nameId = (n: string): number => {
    let id = nameIds.get(n);
    if (id === undefined) {
      id = names.length;
      names.push(n);
      nameIds.set(n, id);
    }
    return id;
  };
  const typeOf = new Int32Array(total).fill(-1);
  const sourceOf = new Uint8Array(total);
  const typesBase = a.syms.moduledata ? a.syms.moduledata.types + a.syms.bias : undefined;
  const runtimeTypes = new Map<bigint, { name: string; size: number } | null>();
  const runtimeType = (t: bigint): { name: string; size: number } | null => {
    let r = runtimeTypes.get(t);
    if (r === undefined) {
      try {
        const gt = readGoType(mem, t, typesBase);
        r = gt.name !== undefined && gt.size > 0n && gt.size < 1n << 40n ? { name: gt.name, size: Number(gt.size) } : null;
      } catch (e) {
        if (!(e instanceof CoreReadError)) throw e;
        r = null;
      }
      runtimeTypes.set(t, r);
    }
    return r;
  };
  const arrayName = (name: string, tsize: number, room: number): string => {
    const n = Math.floor(room / tsize);
    return n >= 2 ? `[${n}]${name}` : name;
  };

  // 1. Headers (Go 1.22+).
  let badHeaders = 0;
  if (walk.headers) {
    for (let k = 0; k < spans.length; k++) {
      const s = spans[k]!;
      if (s.noscan || !(s.headers || s.sizeclass === 0)) continue;
      const hdrOff = s.sizeclass === 0 ? 0 : MALLOC_HEADER_SIZE;
      const room = s.elemsize - hdrOff;
      let buf: Buffer | undefined;
      if (s.sizeclass !== 0) buf = mem.tryRead(BigInt(s.base), s.nelems * s.elemsize);
      for (let i = 0; i < s.nelems; i++) {
        if (!isAllocated(s, i)) continue;
        const t = s.sizeclass === 0 ? s.largeType : buf ? buf.readBigUInt64LE(i * s.elemsize) : 0n;
        if (t === 0n) continue;
        const rt = runtimeType(t);
        if (!rt) {
          badHeaders++;
          continue;
        }
        typeOf[first[k]! + i] = nameId(arrayName(rt.name, rt.size, room));
        sourceOf[first[k]! + i] = 1;
      }
    }
    if (badHeaders > 0) notes.push(`${badHeaders} allocation headers do not point to a readable type: those objects are untyped`);
  }

  // 2. Types from DWARF: globals, then typed pointers; and onwards from header-typed objects.
  const roots: { label: string; addr: number; size: number; type?: DwarfEntry }[] = [];
  const shapes = dwarf ? new ShapeCache(dwarf) : undefined;
  if (dwarf && shapes) {
    const bias = a.syms.bias;
    for (const v of dwarf.globalVariables()) {
      if (v.address === undefined || v.typeOffset === undefined) continue;
      const t = dwarf.entryAt(v.typeOffset) ?? undefined;
      if (!t) continue;
      const size = dwarf.typeSize(t);
      if (size <= 0 || size > 1 << 30) continue;
      roots.push({ label: `global ${v.name}`, addr: Number(v.address + bias), size, type: t });
    }
    roots.sort((x, y) => x.addr - y.addr);
  }
  const typedWork: { id: number; shape: Shape; at: number; room: number }[] = [];
  const shapeQueued = new Uint8Array(total);
  const typedIdOf = new Map<string, number>();
  /** A typed pointer `p` to `target`: type its object when it points at the object's start. */
  const typedPointer = (p: number, target: DwarfEntry | undefined): void => {
    if (!target || !shapes) return;
    const id = indexOf(ix, p);
    if (id < 0) return;
    const k = spanIndexOf(ix, id);
    const s = spans[k]!;
    const i = id - first[k]!;
    const start = s.base + i * s.elemsize + (s.headers ? MALLOC_HEADER_SIZE : 0);
    if (p !== start) return;
    const shape = shapes.shape(target);
    if (shape.size <= 0) return;
    const room = s.elemsize - (s.headers ? MALLOC_HEADER_SIZE : 0);
    if (sourceOf[id] === 0) {
      const n = arrayName(shape.name, shape.size, room);
      let tid = typedIdOf.get(n);
      if (tid === undefined) typedIdOf.set(n, (tid = nameId(n)));
      typeOf[id] = tid;
      sourceOf[id] = 2;
    }
    if (!shapeQueued[id] && shape.slots.length > 0) {
      shapeQueued[id] = 1;
      typedWork.push({ id, shape, at: start, room });
    }
  };
  const ifaceTarget = (typeWord: number, iface: boolean): { target: DwarfEntry | undefined; direct: boolean } | undefined => {
    if (typeWord === 0 || !shapes) return undefined;
    let t = BigInt(typeWord);
    if (iface) {
      const tt = mem.tryReadU64(t + 8n); // itab._type / ITab.Type
      if (tt === undefined || tt === 0n) return undefined;
      t = tt;
    }
    const rt = runtimeType(t);
    if (!rt) return undefined;
    const e = shapes.named(rt.name);
    if (!e) return undefined;
    // A pointer-shaped dynamic type is stored directly in the data word (kind ptr, map, chan, func).
    let kind = 0;
    try {
      kind = mem.readU8(t + 23n) & 0x1f;
    } catch (err) {
      if (!(err instanceof CoreReadError)) throw err;
      return undefined;
    }
    if (kind === 22) {
      const sh = shapes.shape(e);
      const first0 = sh.slots[0];
      return { target: first0 && first0.kind === 'ptr' ? first0.target : undefined, direct: true };
    }
    if (kind === 21 || kind === 18 || kind === 19) return undefined;
    return { target: e, direct: false };
  };
  const scanTyped = (buf: Buffer, shape: Shape, reps: number): void => {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    for (let r = 0; r < reps; r++) {
      const base = r * shape.size;
      for (const sl of shape.slots) {
        const off = base + sl.off;
        if (off + 16 > buf.length && sl.kind !== 'ptr') continue;
        if (off + 8 > buf.length) continue;
        if (sl.kind === 'ptr') {
          typedPointer(word(view, off), sl.target);
        } else {
          const it = ifaceTarget(word(view, off), sl.kind === 'iface');
          if (it) typedPointer(word(view, off + 8), it.target);
        }
      }
    }
  };
  if (shapes) {
    for (const r of roots) {
      if (!r.type) continue;
      const sh = shapes.shape(r.type);
      if (sh.slots.length === 0) continue;
      const buf = mem.tryRead(BigInt(r.addr), r.size);
      if (buf) scanTyped(buf, sh, 1);
    }
    // Header-typed objects whose type DWARF knows are typed roots too.
    for (let k = 0; k < spans.length; k++) {
      const s = spans[k]!;
      for (let i = 0; i < s.nelems; i++) {
        const id = first[k]! + i;
        if (sourceOf[id] !== 1) continue;
        const n = names[typeOf[id]!]!;
        const m = /^(?:\[\d+\])?(.*)$/.exec(n)!;
        const e = shapes.named(m[1]!);
        if (!e) continue;
        const sh = shapes.shape(e);
        if (sh.slots.length === 0 || sh.size <= 0 || shapeQueued[id]) continue;
        shapeQueued[id] = 1;
        const hdr = s.sizeclass === 0 ? 0 : MALLOC_HEADER_SIZE;
        typedWork.push({ id, shape: sh, at: s.base + i * s.elemsize + hdr, room: s.elemsize - hdr });
      }
    }
    for (let w = 0; w < typedWork.length; w++) {
      const job = typedWork[w]!;
      const len = Math.min(job.room, 1 << 26);
      const buf = mem.tryRead(BigInt(job.at), len);
      if (!buf) continue;
      scanTyped(buf, job.shape, Math.max(1, Math.floor(len / job.shape.size)));
    }
  }

  // 3. Reachability, breadth-first from the roots (globals, then goroutine stacks).
  const parent = new Int32Array(total).fill(-1); // object id, or -(root index) - 2
  const parentOff = new Int32Array(total);
  const rootOf = new Int32Array(total).fill(-1);
  const depth = new Int32Array(total).fill(-1);
  const rootLabels: string[] = [];
  const rootAddrs: number[] = [];
  const queue = new Int32Array(total);
  let qt = 0;
  const reach = (p: number, from: number, off: number, root: number, d: number): void => {
    const id = indexOf(ix, p);
    if (id < 0 || depth[id] !== -1) return;
    depth[id] = d;
    parent[id] = from;
    parentOff[id] = off;
    rootOf[id] = root;
    queue[qt++] = id;
  };
  const scanRoot = (label: string, addr: number, size: number): void => {
    const buf = mem.tryRead(BigInt(addr), size);
    if (!buf) return;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    const r = rootLabels.length;
    rootLabels.push(label);
    rootAddrs.push(addr);
    for (let off = 0; off + 8 <= buf.length; off += 8) reach(word(view, off), -r - 2, off, r, 0);
  };
  let qh = 0;
  const drain = (): void => {
    for (; qh < qt; qh++) {
      const id = queue[qh]!;
      const k = spanIndexOf(ix, id);
      const s = spans[k]!;
      if (s.noscan) continue;
      const i = id - first[k]!;
      const buf = mem.tryRead(BigInt(s.base + i * s.elemsize), Math.min(s.elemsize, 1 << 26));
      if (!buf) continue;
      const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
      const d = depth[id]! + 1;
      for (let off = s.headers ? MALLOC_HEADER_SIZE : 0; off + 8 <= buf.length; off += 8) reach(word(view, off), id, off, rootOf[id]!, d);
    }
  };
  // Globals first, to the end: what a global holds is attributed to it, not to a stack that
  // happens to point at it too.
  for (const r of roots) scanRoot(r.label, r.addr, r.size);
  drain();
  const snapshot = attempt(notes, 'goroutines', () =>
    readRuntimeSnapshot({ memory: mem, goVersion: a.goVersion!, exe: a.cw.binary, bias: a.syms.bias, symbols: a.syms }),
  );
  for (const g of snapshot?.goroutines.goroutines ?? []) {
    if ((g.status & ~0x1000) === G_DEAD) continue;
    const lo = g.schedSp > g.stackLo && g.schedSp < g.stackHi ? g.schedSp : g.stackLo;
    if (g.stackHi <= lo || g.stackHi - lo > 1n << 30n) continue;
    // Frames by their sp, to name the function that holds each root word.
    let frames: { func: string; sp: number }[] = [];
    try {
      frames = goroutineStack(a.syms.pclntab, mem, g, 200).frames.filter((f) => !f.inlined).map((f) => ({ func: f.func, sp: Number(BigInt(f.sp)) }));
    } catch (e) {
      if (!(e instanceof CoreReadError)) throw e;
    }
    const buf = mem.tryRead(lo, Number(g.stackHi - lo));
    if (!buf) continue;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    const base = Number(lo);
    let r = -1;
    let fi = -1;
    for (let off = 0; off + 8 <= buf.length; off += 8) {
      const addr = base + off;
      let f = fi;
      while (f + 1 < frames.length && frames[f + 1]!.sp <= addr) f++;
      if (r < 0 || f !== fi) {
        fi = f;
        r = rootLabels.length;
        rootLabels.push(`goroutine ${g.goid} stack${f >= 0 ? ` (${frames[f]!.func})` : ''}`);
        rootAddrs.push(addr);
      }
      reach(word(view, off), -r - 2, addr - rootAddrs[r]!, r, 0);
    }
  }
  drain();

  // 4. Summaries.
  const typeRows = new Map<string, HeapTypeRow>();
  const classRows = new Map<string, HeapClassRow>();
  const rootRows = new Map<number, HeapRootRow>();
  const typing = { header: 0, dwarf: 0, untyped: 0 };
  let objects = 0;
  let bytes = 0;
  let reachedObjects = 0;
  let reachedBytes = 0;
  const nameOfObj = (s: HeapSpan, id: number): string =>
    sourceOf[id] !== 0 ? names[typeOf[id]!]! : `(class ${s.sizeclass === 0 ? 'large' : s.elemsize}${s.noscan ? ', no pointers' : ', pointers'})`;
  for (let k = 0; k < spans.length; k++) {
    const s = spans[k]!;
    const ck = `${s.sizeclass}/${s.noscan ? 1 : 0}`;
    let crow = classRows.get(ck);
    if (!crow) {
      crow = {
        sizeclass: s.sizeclass,
        size: s.sizeclass === 0 ? 0 : (classes.table.sizes[s.sizeclass] ?? s.elemsize),
        noscan: s.noscan,
        count: 0,
        bytes: 0,
        typed: 0,
        tinyBlocks: s.noscan && s.elemsize === TINY_SIZE,
      };
      classRows.set(ck, crow);
    }
    for (let i = 0; i < s.nelems; i++) {
      if (!isAllocated(s, i)) continue;
      const id = first[k]! + i;
      objects++;
      bytes += s.elemsize;
      crow.count++;
      crow.bytes += s.elemsize;
      const src: TypeSource = sourceOf[id] === 1 ? 'header' : sourceOf[id] === 2 ? 'dwarf' : 'untyped';
      typing[src]++;
      if (src !== 'untyped') crow.typed++;
      const n = nameOfObj(s, id);
      let trow = typeRows.get(n);
      if (!trow) typeRows.set(n, (trow = { type: n, source: src, count: 0, bytes: 0, share: 0 }));
      trow.count++;
      trow.bytes += s.elemsize;
      const r = rootOf[id]!;
      if (r >= 0) {
        reachedObjects++;
        reachedBytes += s.elemsize;
        let rr = rootRows.get(r);
        if (!rr) rootRows.set(r, (rr = { root: rootLabels[r]!, count: 0, bytes: 0 }));
        rr.count++;
        rr.bytes += s.elemsize;
      }
    }
  }
  const byType = [...typeRows.values()].sort((x, y) => y.bytes - x.bytes || y.count - x.count || (x.type < y.type ? -1 : 1));
  for (const r of byType) r.share = bytes > 0 ? r.bytes / bytes : 0;
  const byRootMerged = new Map<string, HeapRootRow>();
  for (const r of rootRows.values()) {
    const m = byRootMerged.get(r.root);
    if (m) {
      m.count += r.count;
      m.bytes += r.bytes;
    } else byRootMerged.set(r.root, { ...r });
  }
  const model: HeapModel = {
    goVersion: a.goVersion,
    allocationHeaders: walk.headers,
    totals: { objects, bytes, spans: spans.length, reachedObjects, reachedBytes },
    typing,
    byType,
    bySizeClass: [...classRows.values()].sort((x, y) => x.sizeclass - y.sizeclass || Number(x.noscan) - Number(y.noscan)),
    byRoot: [...byRootMerged.values()].sort((x, y) => y.bytes - x.bytes),
    notes,
  };

  const ref = (id: number): HeapObjectRef => {
    const k = spanIndexOf(ix, id);
    const s = spans[k]!;
    const i = id - first[k]!;
    const src: TypeSource = sourceOf[id] === 1 ? 'header' : sourceOf[id] === 2 ? 'dwarf' : 'untyped';
    // The address Go code holds: past the allocation header where there is one.
    const address = BigInt(s.base + i * s.elemsize + (s.headers ? MALLOC_HEADER_SIZE : 0));
    return { address, type: nameOfObj(s, id), source: src, size: s.elemsize };
  };
  const pathTo = (id: number): RetentionPath | undefined => {
    if (depth[id] === -1) return undefined;
    const chain: number[] = [];
    let cur = id;
    for (let guard = 0; cur >= 0 && guard <= total; guard++) {
      chain.push(cur);
      cur = parent[cur]!;
    }
    chain.reverse();
    const r = -cur - 2;
    const steps: RetentionStep[] = chain.map((c, j) => {
      const o = ref(c);
      const st: RetentionStep = { address: hex(o.address), type: o.type, size: o.size };
      if (j + 1 < chain.length) st.pointerOffset = parentOff[chain[j + 1]!]!;
      return st;
    });
    return { root: rootLabels[r]!, rootAddress: hex(BigInt(rootAddrs[r]! + parentOff[chain[0]!]!)), steps };
  };
  return {
    model,
    path(target) {
      if ('address' in target) {
        const id = indexOf(ix, Number(target.address));
        return id < 0 ? undefined : pathTo(id);
      }
      // The root that holds most objects of the type, and its nearest object of that type.
      const tid = nameIds.get(target.type);
      if (tid === undefined) return undefined;
      const perRoot = new Map<string, { n: number; best: number }>();
      for (let id = 0; id < total; id++) {
        if (typeOf[id] !== tid || depth[id] === -1) continue;
        const label = rootLabels[rootOf[id]!]!;
        const e = perRoot.get(label);
        if (!e) perRoot.set(label, { n: 1, best: id });
        else {
          e.n++;
          if (depth[id]! < depth[e.best]!) e.best = id;
        }
      }
      let pick: { n: number; best: number } | undefined;
      for (const e of perRoot.values()) if (!pick || e.n > pick.n) pick = e;
      return pick ? pathTo(pick.best) : undefined;
    },
    objectsOf(type, limit = 20) {
      const out: HeapObjectRef[] = [];
      const tid = nameIds.get(type);
      for (let k = 0; k < spans.length && out.length < limit; k++) {
        const s = spans[k]!;
        for (let i = 0; i < s.nelems && out.length < limit; i++) {
          const id = first[k]! + i;
          if (!isAllocated(s, i)) continue;
          if (tid !== undefined ? typeOf[id] === tid : nameOfObj(s, id) === type) out.push(ref(id));
        }
      }
      return out;
    },
    objectAt(address) {
      const id = indexOf(ix, Number(address));
      return id < 0 ? undefined : ref(id);
    },
    profileRows() {
      const rows = new Map<string, { type: string; root: string; count: number; bytes: number }>();
      for (let k = 0; k < spans.length; k++) {
        const s = spans[k]!;
        for (let i = 0; i < s.nelems; i++) {
          if (!isAllocated(s, i)) continue;
          const id = first[k]! + i;
          const type = nameOfObj(s, id);
          const root = rootOf[id]! >= 0 ? rootLabels[rootOf[id]!]! : 'not reached from a root';
          const key = `${type}\u0000${root}`;
          let r = rows.get(key);
          if (!r) rows.set(key, (r = { type, root, count: 0, bytes: 0 }));
          r.count++;
          r.bytes += s.elemsize;
        }
      }
      return [...rows.values()];
    },
  };
}
