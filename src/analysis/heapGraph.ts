// The heap as a graph held in typed arrays: every object slot of the in-use spans
// (src/runtime/heapSpans.ts) gets an id (the span's first id plus its slot), and every word of a
// pointer-holding allocated object that points into an allocated object is an edge, kept in
// compressed rows (edges of object id are edgeTo/edgeOff[rowEnd[id-1] .. rowEnd[id])). Spans are
// read in bulk (runs of adjacent spans, up to RUN_BYTES per read); no JS object is made per
// object or per edge, so 10 million objects fit in a few hundred MB (bench/heap.ts).
// Edges are conservative (every word of an object in a span with pointers, as viewcore does
// without pointer bitmaps): a stale word can add an edge, a real pointer is never missed.
// The allocation header (Go 1.22+, runtime/mbitmap.go) of each object is read in the same pass.
import type { Memory } from '../core/memory.js';
import { PAGE_SIZE, type HeapSpan } from '../runtime/heapSpans.js';
import { MALLOC_HEADER_SIZE } from '../runtime/sizeClasses.js';

/** Bytes read at once when scanning runs of adjacent spans. */
const RUN_BYTES = 8 << 20;
/** At most this many bytes of one large object are scanned for pointers. */
export const MAX_OBJECT_SCAN = 1 << 30;
/** At most this many edges are kept (2^31 - 1: the rows are Int32). */
const MAX_EDGES = 0x7fffffff;
/** Bit of edgeOff: the pointer points at the object's start (its Go address, past any header). */
export const EDGE_EXACT = 0x80000000;
/** A page table is used when the heap's address range has at most this many 8 KiB pages. */
const MAX_PAGE_TABLE = 1 << 25;

export interface HeapGraph {
  spans: readonly HeapSpan[];
  /** Object slots in all (allocated or not); ids are 0 .. total-1 in address order. */
  total: number;
  /** Per span: id of its first slot. */
  first: Int32Array;
  /** Per span: bytes of header before each object's Go address (8 with allocation headers, else 0). */
  hdr: Uint8Array;
  /** Per id: 1 when the slot holds an allocated object. */
  live: Uint8Array;
  /** Per id: the *_type word of its allocation header or largeType (0 when none), as a number; dropped once read. */
  headerType: Float64Array | undefined;
  /** Edge rows: edges of id are [rowEnd[id-1], rowEnd[id]) (rowEnd[-1] = 0). */
  rowEnd: Int32Array;
  edgeTo: Int32Array;
  /** Offset of the pointer word from the slot's start, | EDGE_EXACT when it points at the target's Go address. */
  edgeOff: Uint32Array;
  edges: number;
  /** The id of the allocated object containing address a, or -1. */
  lookup(a: number): number;
  /** The span index of an id. */
  spanOf(id: number): number;
  /** Per id: its span index (spanOf without a search). */
  spanIdx: Int32Array;
  /** Slot start address of an id. */
  slotAddr(id: number): number;
  /** What was cut (unreadable spans, the edge bound). */
  notes: string[];
}

/** Builds the graph; `headers`: the Go version has allocation headers (read their type words). */
export function buildHeapGraph(mem: Memory, spans: readonly HeapSpan[], headers: boolean): HeapGraph {
  const notes: string[] = [];
  const ns = spans.length;
  const first = new Int32Array(ns);
  const base = new Float64Array(ns);
  const elem = new Float64Array(ns);
  const nel = new Int32Array(ns);
  const hdr = new Uint8Array(ns);
  let total = 0;
  for (let k = 0; k < ns; k++) {
    const s = spans[k]!;
    first[k] = total;
    base[k] = s.base;
    elem[k] = s.elemsize;
    nel[k] = s.nelems;
    hdr[k] = s.headers ? MALLOC_HEADER_SIZE : 0;
    total += s.nelems;
  }
  const live = new Uint8Array(total);
  const spanIdx = new Int32Array(total);
  for (let k = 0; k < ns; k++) {
    const s = spans[k]!;
    const f = first[k]!;
    spanIdx.fill(k, f, f + s.nelems);
    const bits = s.allocBits;
    const fi = Math.min(s.freeindex, s.nelems);
    live.fill(1, f, f + fi);
    for (let i = fi; i < s.nelems; i++) if ((bits[i >> 3]! & (1 << (i & 7))) !== 0) live[f + i] = 1;
  }
  const last = spans[ns - 1];
  const lo = spans[0]?.base ?? 0;
  const hi = last ? last.base + last.npages * PAGE_SIZE : 0;
  // Page table: page (a - lo) / 8 KiB -> span index (or -1); binary search when the range is huge.
  const npages = Math.ceil((hi - lo) / PAGE_SIZE);
  let pageSpan: Int32Array | undefined;
  if (npages <= MAX_PAGE_TABLE) {
    pageSpan = new Int32Array(npages).fill(-1);
    for (let k = 0; k < ns; k++) {
      const s = spans[k]!;
      const p0 = (s.base - lo) / PAGE_SIZE;
      pageSpan.fill(k, p0, p0 + s.npages);
    }
  }
  const spanAt = (a: number): number => {
    if (pageSpan) return pageSpan[Math.floor((a - lo) / PAGE_SIZE)]!;
    let l = 0;
    let h = ns - 1;
    while (l <= h) {
      const m = (l + h) >> 1;
      const s = spans[m]!;
      if (a < s.base) h = m - 1;
      else if (a >= s.base + s.npages * PAGE_SIZE) l = m + 1;
      else return m;
    }
    return -1;
  };
  const lookup = (a: number): number => {
    if (!(a >= lo && a < hi)) return -1;
    const k = spanAt(a);
    if (k < 0) return -1;
    const i = Math.floor((a - base[k]!) / elem[k]!);
    if (i >= nel[k]!) return -1;
    const id = first[k]! + i;
    return live[id] === 1 ? id : -1;
  };
  const spanOf = (id: number): number => spanIdx[id]!;

  const headerType = headers ? new Float64Array(total) : undefined;
  const rowEnd = new Int32Array(total).fill(-1);
  let cap = Math.max(1024, total * 2);
  let edgeTo = new Int32Array(cap);
  let edgeOff = new Uint32Array(cap);
  let ne = 0;
  let cut = false;
  const grow = (): boolean => {
    if (cap >= MAX_EDGES) return false;
    cap = Math.min(MAX_EDGES, cap * 2);
    const t = new Int32Array(cap);
    t.set(edgeTo);
    edgeTo = t;
    const o = new Uint32Array(cap);
    o.set(edgeOff);
    edgeOff = o;
    return true;
  };
  const loHi = Math.floor(lo / 0x100000000);
  const hiHi = Math.floor((hi - 1) / 0x100000000);
  /** Scans words [w0, w1) of u32 (pairs), offsets relative to slotStart (bytes, from word w0 = off0). */
  const scanWords = (u32: Uint32Array, w0: number, w1: number, off0: number): void => {
    for (let w = w0; w < w1; w++) {
      const h = u32[2 * w + 1]!;
      if (h < loHi || h > hiHi) continue;
      const a = h * 0x100000000 + u32[2 * w]!;
      if (a < lo || a >= hi) continue;
      const k = pageSpan ? pageSpan[Math.floor((a - lo) / PAGE_SIZE)]! : spanAt(a);
      if (k < 0) continue;
      const rel = a - base[k]!;
      const i = Math.floor(rel / elem[k]!);
      if (i >= nel[k]!) continue;
      const t = first[k]! + i;
      if (live[t] !== 1) continue;
      if (ne >= cap && !grow()) {
        cut = true;
        return;
      }
      edgeTo[ne] = t;
      edgeOff[ne] = (off0 + (w - w0) * 8 + (rel === i * elem[k]! + hdr[k]! ? EDGE_EXACT : 0)) >>> 0;
      ne++;
    }
  };
  // One buffer reused for every run (reading 1 GB through fresh buffers costs as much in page
  // faults and garbage collection as the scan itself).
  let scratch: Buffer | undefined;
  const readRun = (addr: number, len: number): Buffer | undefined => {
    if (mem.readInto) {
      scratch ??= Buffer.allocUnsafe(RUN_BYTES);
      const view = scratch.subarray(0, len);
      if (mem.readInto(BigInt(addr), view)) return view;
    }
    return mem.tryRead(BigInt(addr), len);
  };
  const words = (buf: Buffer): Uint32Array => {
    const b = buf.byteOffset % 4 === 0 ? buf : Buffer.from(buf);
    return new Uint32Array(b.buffer, b.byteOffset, b.length >> 2);
  };
  let unread = 0;
  let k = 0;
  while (k < ns && !cut) {
    const s = spans[k]!;
    if (s.noscan) {
      k++;
      continue;
    }
    if (s.sizeclass === 0) {
      // A large object: its type in largeType, its words read in runs.
      const id = first[k]!;
      if (live[id] === 1) {
        if (headerType) headerType[id] = Number(s.largeType);
        const n = Math.min(s.elemsize, MAX_OBJECT_SCAN);
        for (let off = 0; off < n && !cut; off += RUN_BYTES) {
          const len = Math.min(RUN_BYTES, n - off);
          const buf = readRun(s.base + off, len);
          if (!buf) {
            unread++;
            break;
          }
          scanWords(words(buf), 0, len >> 3, off);
        }
        rowEnd[id] = ne;
      }
      k++;
      continue;
    }
    // A run of adjacent small-object spans with pointers.
    let j = k;
    let end = s.base + s.npages * PAGE_SIZE;
    while (j + 1 < ns) {
      const t = spans[j + 1]!;
      if (t.noscan || t.sizeclass === 0 || t.base !== end || end + t.npages * PAGE_SIZE - s.base > RUN_BYTES) break;
      j++;
      end = t.base + t.npages * PAGE_SIZE;
    }
    const buf = readRun(s.base, end - s.base);
    if (!buf) {
      unread += j - k + 1;
      k = j + 1;
      continue;
    }
    const u32 = words(buf);
    for (let q = k; q <= j && !cut; q++) {
      const sq = spans[q]!;
      const es = sq.elemsize;
      const h = hdr[q]!;
      const f = first[q]!;
      const w0span = (sq.base - s.base) >> 3;
      const ewords = Math.floor(es / 8);
      for (let i = 0; i < sq.nelems; i++) {
        const id = f + i;
        if (live[id] !== 1) continue;
        const w = w0span + i * ewords;
        if (headerType && h) headerType[id] = u32[2 * w + 1]! * 0x100000000 + u32[2 * w]!;
        scanWords(u32, w + (h >> 3), w + ewords, h);
        rowEnd[id] = ne;
        if (cut) break;
      }
    }
    k = j + 1;
  }
  // Ids without a row (free, noscan, unread) get an empty one.
  let prev = 0;
  for (let id = 0; id < total; id++) {
    if (rowEnd[id] === -1) rowEnd[id] = prev;
    else prev = rowEnd[id]!;
  }
  if (unread > 0)
    notes.push(`${unread} spans with pointers could not be read from the core: their objects have no outgoing edges`);
  if (cut)
    notes.push(`the heap has more than ${MAX_EDGES} pointers: edges beyond were not kept (paths may be missing)`);
  return {
    spans,
    total,
    first,
    hdr,
    live,
    headerType,
    rowEnd,
    edgeTo,
    edgeOff,
    edges: ne,
    lookup,
    spanOf,
    spanIdx,
    slotAddr: (id) => {
      const q = spanOf(id);
      return base[q]! + (id - first[q]!) * elem[q]!;
    },
    notes,
  };
}

/** First edge index of an id's row. */
export function rowStart(g: HeapGraph, id: number): number {
  return id === 0 ? 0 : g.rowEnd[id - 1]!;
}
