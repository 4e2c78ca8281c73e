// The Go heap's spans and the objects allocated in them, read from a core with the layout of the
// binary's Go version (HEAP_READ_FIELDS in layoutFields.ts). Follows runtime/mheap.go and
// runtime/mbitmap.go of Go 1.19, 1.22, 1.24 and 1.27 (the same rules hold in each):
// - `mheap_.allspans` is every mspan ever created; only spans with state mSpanInUse (1; mSpanDead
//   is 0, mSpanManual 2: stacks and other manual memory) hold heap objects.
// - A span covers npages*8 KiB from startAddr and holds nelems objects of elemsize bytes;
//   spanclass = sizeclass<<1 | noscan. Class 0 is a large object, alone in its span.
// - Object i is allocated when i < freeindex (everything below freeindex was handed out; the
//   mcache's allocCache is not written back to allocBits until the next sweep) or when bit i of
//   allocBits (byte i/8, bit i%8) is set (mbitmap.go: mspan.isFree). allocCount is the number of
//   allocated objects; a bitmap that disagrees with it is reported, not trusted blindly.
// - Go 1.22 introduced allocation headers (mbitmap.go, GOEXPERIMENT=allocheaders, on by default;
//   the only scheme from 1.23): in a span with pointers (not noscan) whose elemsize is > 512
//   (minSizeForMallocHeader = PtrSize*ptrBits), each object starts with an 8-byte *_type; a large
//   object's *_type is mspan.largeType. Smaller objects keep their pointer bits at the end of the
//   span (heapBitsInSpan) and have no type. mspan.largeType exists exactly from 1.22, so its
//   presence in the layout tells whether headers exist.
// - Go 1.25+ Green Tea GC (mgcmark_greenteagc.go) keeps inline mark bits at the end of small
//   spans; nelems already excludes that room, and allocBits is still a gcBits pointer.
// The walk is bounded: allspans' length is capped, each span is checked (alignment, sizes, bitmap
// readable, no overlap with another) and a bad one is skipped with a note; nothing loops.
import type { Memory } from '../core/memory.js';
import { hex } from '../core/errors.js';
import { readFieldFromView } from './fields.js';
import type { FieldRef, HeapOffsets } from './layout.js';
import { MALLOC_HEADER_SIZE, MIN_SIZE_FOR_MALLOC_HEADER } from './sizeClasses.js';
import { rangeIndex } from '../core/ranges.js';

/** runtime/malloc.go: _PageSize (8 KiB on every platform we read). */
export const PAGE_SIZE = 8192;
/** mheap.go: mSpanInUse. */
export const MSPAN_IN_USE = 1;
/** At most this many allspans entries are read (a 1 TB heap of 8 KiB spans has 2^27). */
export const MAX_SPANS = 1 << 27;
/** Small-object spans have at most 10 pages (sizeclasses.go class_to_allocnpages, 1.19–1.27). */
const MAX_SMALL_SPAN_PAGES = 16;
/** At most this many notes about skipped spans are kept (the count is always exact). */
const MAX_NOTES = 20;

export interface HeapSpan {
  /** mspan address. */
  addr: number;
  /** startAddr: first byte of the span. */
  base: number;
  npages: number;
  elemsize: number;
  nelems: number;
  /** 0: a large object. */
  sizeclass: number;
  noscan: boolean;
  freeindex: number;
  /** The allocation bitmap (ceil(nelems/8) bytes). */
  allocBits: Uint8Array;
  /** Allocated objects by the bitmap and freeindex. */
  liveCount: number;
  /** mspan.allocCount as stored. */
  allocCount: number;
  /** Objects carry an 8-byte *_type header (Go 1.22+, scan spans with elemsize > 512). */
  headers: boolean;
  /** mspan.largeType (Go 1.22+, large objects with pointers), 0 when none. */
  largeType: bigint;
  /** mspan.specials (the list head), 0 when none. */
  specials: bigint;
}

export interface SpanWalk {
  /** In-use spans, sorted by base address, none overlapping. */
  spans: HeapSpan[];
  /** len(mheap_.allspans) as stored. */
  allspansLen: number;
  /** allspans entries read (bounded by MAX_SPANS). */
  read: number;
  /** Spans in other states (dead, manual). */
  notInUse: number;
  /** In-use spans skipped as unreadable or inconsistent. */
  skipped: number;
  /** Whether this Go version has allocation headers (mspan.largeType exists: Go 1.22+). */
  headers: boolean;
  notes: string[];
}

/** Whether object i of a span is allocated (mbitmap.go isFree, inverted). */
export function isAllocated(s: HeapSpan, i: number): boolean {
  return i < s.freeindex || (s.allocBits[i >> 3]! & (1 << (i & 7))) !== 0;
}

function u(view: DataView, f: FieldRef, le: boolean): number {
  return Number(readFieldFromView(view, f, le));
}

/**
 * Every in-use span of mheap_ (at `mheapAddr`) with its allocation bitmap. Bad spans (outside the
 * core, inconsistent sizes, overlapping another) are skipped and counted; `notes` says which.
 */
export function walkHeapSpans(mem: Memory, heap: HeapOffsets, mheapAddr: bigint, opts: { maxSpans?: number } = {}): SpanWalk {
  const notes: string[] = [];
  const note = (s: string): void => {
    if (notes.length < MAX_NOTES) notes.push(s);
  };
  const le = mem.littleEndian;
  const hdr = mem.read(mheapAddr + BigInt(heap.mheap.allspans.offset), 24);
  const arr = le ? hdr.readBigUInt64LE(0) : hdr.readBigUInt64BE(0);
  const len = Number(le ? hdr.readBigUInt64LE(8) : hdr.readBigUInt64BE(8));
  const cap = Number(le ? hdr.readBigUInt64LE(16) : hdr.readBigUInt64BE(16));
  const max = Math.min(opts.maxSpans ?? MAX_SPANS, MAX_SPANS);
  let n = len;
  if (len < 0 || len > cap) {
    note(`mheap_.allspans has len ${len} > cap ${cap}: read as corrupt, up to ${Math.min(cap, max)} entries`);
    n = Math.min(cap, len);
  }
  if (n > max) {
    note(`mheap_.allspans has ${len} entries: only the first ${max} were read`);
    n = max;
  }
  const ms = heap.mspan;
  const headers = ms.largeType !== undefined;
  const spans: HeapSpan[] = [];
  const seen = new Set<number>();
  let notInUse = 0;
  let skipped = 0;
  let read = 0;
  const CHUNK = 4096;
  for (let start = 0; start < n; start += CHUNK) {
    const count = Math.min(CHUNK, n - start);
    const ptrs = mem.tryRead(arr + BigInt(start * 8), count * 8);
    if (!ptrs) {
      skipped += count;
      note(`allspans[${start}..${start + count}) at ${hex(arr + BigInt(start * 8))} is not in the core: ${count} spans skipped`);
      continue;
    }
    for (let k = 0; k < count; k++) {
      read++;
      const sp = le ? ptrs.readBigUInt64LE(k * 8) : ptrs.readBigUInt64BE(k * 8);
      if (sp === 0n) continue;
      const raw = mem.tryRead(sp, ms.size);
      if (!raw) {
        skipped++;
        note(`span ${hex(sp)} (allspans[${start + k}]) is not in the core`);
        continue;
      }
      const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
      if (u(view, ms.state, le) !== MSPAN_IN_USE) {
        notInUse++;
        continue;
      }
      const base = u(view, ms.startAddr, le);
      const npages = u(view, ms.npages, le);
      const elemsize = u(view, ms.elemsize, le);
      const nelems = u(view, ms.nelems, le);
      const freeindex = u(view, ms.freeindex, le);
      const spanclass = u(view, ms.spanclass, le);
      const allocCount = u(view, ms.allocCount, le);
      const bytes = npages * PAGE_SIZE;
      const why =
        base === 0 || base % PAGE_SIZE !== 0 || !Number.isSafeInteger(base)
          ? `start ${hex(BigInt(base))} is not page-aligned`
          : npages <= 0 || npages > 1 << 24
            ? `${npages} pages`
            : elemsize <= 0 || nelems <= 0 || nelems * elemsize > bytes
              ? `${nelems} objects of ${elemsize} B do not fit ${npages} pages`
              : (spanclass >> 1 === 0 ? nelems !== 1 : npages > MAX_SMALL_SPAN_PAGES)
                ? `class ${spanclass >> 1} with ${nelems} objects in ${npages} pages`
              : freeindex > nelems
                ? `freeindex ${freeindex} > nelems ${nelems}`
                : seen.has(base)
                  ? 'a second span with the same start (a cycle or a stale entry)'
                  : undefined;
      if (why) {
        skipped++;
        note(`span ${hex(sp)}: ${why}; skipped`);
        continue;
      }
      const bitsAddr = readFieldFromView(view, ms.allocBits, le);
      const bits = bitsAddr === 0n ? undefined : mem.tryRead(bitsAddr, Math.ceil(nelems / 8));
      if (!bits) {
        skipped++;
        note(`span ${hex(sp)} at ${hex(BigInt(base))}: its allocation bitmap is not in the core; skipped`);
        continue;
      }
      seen.add(base);
      const s: HeapSpan = {
        addr: Number(sp),
        base,
        npages,
        elemsize,
        nelems,
        sizeclass: spanclass >> 1,
        noscan: (spanclass & 1) === 1,
        freeindex,
        allocBits: new Uint8Array(bits.buffer, bits.byteOffset, bits.length),
        liveCount: 0,
        allocCount,
        headers: false,
        largeType: ms.largeType ? readFieldFromView(view, ms.largeType, le) : 0n,
        specials: readFieldFromView(view, ms.specials, le),
      };
      s.headers = headers && !s.noscan && s.sizeclass !== 0 && elemsize > MIN_SIZE_FOR_MALLOC_HEADER;
      let live = 0;
      for (let i = 0; i < nelems; i++) if (isAllocated(s, i)) live++;
      s.liveCount = live;
      if (live !== allocCount) note(`span ${hex(sp)} at ${hex(BigInt(base))}: ${live} objects allocated by its bitmap, allocCount says ${allocCount}`);
      spans.push(s);
    }
  }
  spans.sort((a, b) => a.base - b.base);
  const out: HeapSpan[] = [];
  for (const s of spans) {
    const prev = out[out.length - 1];
    if (prev && s.base < prev.base + prev.npages * PAGE_SIZE) {
      skipped++;
      note(`span at ${hex(BigInt(s.base))} overlaps the span at ${hex(BigInt(prev.base))}; skipped`);
      continue;
    }
    out.push(s);
  }
  if (skipped > notes.length) notes.push(`${skipped} spans skipped in all`);
  return { spans: out, allspansLen: len, read, notInUse, skipped, headers, notes };
}

/** The index of the span holding address `a` in sorted spans (binary search); -1 when none. */
export function spanIndexAt(spans: readonly HeapSpan[], a: number): number {
  return rangeIndex(spans, a, (s) => s.base, (s) => s.base + s.npages * PAGE_SIZE);
}

/** The span holding address `a`, by binary search over sorted spans. */
export function spanOf(spans: readonly HeapSpan[], a: number): HeapSpan | undefined {
  const i = spanIndexAt(spans, a);
  return i < 0 ? undefined : spans[i];
}

/** The *_type address of object i of a span (its header, or largeType), 0n when it has none. */
export function objectTypeWord(mem: Memory, s: HeapSpan, i: number): bigint {
  if (s.sizeclass === 0) return s.noscan ? 0n : s.largeType;
  if (!s.headers) return 0n;
  return mem.tryReadU64(BigInt(s.base + i * s.elemsize)) ?? 0n;
}

export { MALLOC_HEADER_SIZE };
