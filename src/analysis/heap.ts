// The heap of a core: every allocated object of the Go heap (src/runtime/heapSpans.ts), typed where
// the core tells the type, summarised by type and by size class, with the shortest chain of
// pointers from a root to any object (`go-core heap`, schemas/heap.schema.json, CoreEngine.heap()).
//
// Types, in this order (the first that applies wins):
//  1. `header`: Go 1.22+ objects > 512 B in spans with pointers carry their *_type in an 8-byte
//     header, large objects in mspan.largeType (runtime/mbitmap.go); the name is the runtime type's
//     string (moduledata.types + _type.str). An object larger than two of its type is an array:
//     `[N]T` with N = the object's room / the type's size (how viewcore names them).
//  2. `dwarf`: propagated from the typed roots (every global of the binary's DWARF, the goroutine
//     frames' DWARF locals and stack objects) through typed
//     pointers (src/analysis/heapTypes.ts: struct fields, arrays, slices, classic and Swiss map
//     internals, interfaces by their dynamic type), and onwards from header-typed objects whose
//     type DWARF knows. A pointer types its target only when it points at the object's start.
//  3. untyped: counted by size class (`(class 48, pointers)`), never dropped.
// Channel buffers are typed through hchan<T>'s element type (heapTypes.ts). Without DWARF, only
// headers type objects, and the data and bss sections are untyped roots.
// Reachability (retention paths) is separate from typing: the roots (heapRoots.ts: globals,
// goroutine frames by their stack maps, finalizers and cleanups, then the conservative ones:
// whole stacks, thread registers) and the edges of the object graph (heapGraph.ts: every word of
// a pointer-holding object that points into an allocated object). A typed object is followed only
// through the pointer words of its type (a stale uintptr, the runtime's write-barrier buffer, is
// no reference); an untyped one through every word (conservative: a path can pass through a
// stale word, never miss a real one). The walk is breadth-first, each kind of root to the end
// before the next, precise kinds first: a path is a shortest one from the first kind of root that
// reaches the object. Everything is bounded by the objects in the spans, and held in typed arrays
// (no JS object per heap object: bench/heap.ts, 10 M objects).
import { Dwarf, type DwarfEntry } from '../core/dwarf.js';
import { CoreReadError, hex, InspectorError } from '../core/errors.js';
import type { Memory } from '../core/memory.js';
import { heapOffsetsFor, LayoutError } from '../runtime/layout.js';
import { readGoType } from '../runtime/panicValue.js';
import { attempt } from '../runtime/snapshot.js';
import { walkHeapSpans, type SpanWalk } from '../runtime/heapSpans.js';
import { sizeClassesFor, TINY_SIZE } from '../runtime/sizeClasses.js';
import type { CoreAnalysis } from './coreAnalysis.js';
import { buildHeapGraph, EDGE_EXACT, rowStart, type HeapGraph } from './heapGraph.js';
import { decodeFields, type HeapField } from './heapFields.js';
import { dataSectionRoots, globalRoots, specialKinds, specialRoots, stackRoots, type HeapRoot, type RootKind } from './heapRoots.js';
import { ShapeCache, type Shape, type Slot } from './heapTypes.js';

export type { HeapField } from './heapFields.js';
export type { HeapRoot, RootKind } from './heapRoots.js';

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
  /** `global main.registry`, `goroutine 12 frame main.serve local conns`, `goroutine 1 stack (main.main)`. */
  root: string;
  /** global, local (a frame's DWARF local), frame (a frame's stack-map slots), stack (conservative), register, special. */
  kind: RootKind;
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
    /** Words of pointer-holding objects that point into an allocated object (the graph's edges). */
    pointers: number;
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
  /** The field (of the object's type) holding that pointer: `Next`, `[12]`, `Rec` (when typed). */
  field?: string;
}

export interface RetentionPath {
  /** `global main.registry`, `goroutine 12 frame main.serve local conns`, `goroutine 1 stack (main.crash)`. */
  root: string;
  rootKind: RootKind;
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
  /** The fields of the object at (or containing) an address, decoded with its type (empty when untyped). */
  fields(address: bigint): HeapField[];
  /** Time spent in each phase of the build, wall clock and CPU (bench/heap.ts prints them). */
  phases: Record<string, { wallMs: number; cpuMs: number }>;
  /**
   * A reachability walk of its own over the same graph and roots (edges as the heap walk follows
   * them), never going out of an object that contains one of `stopAt` (the runtime's own
   * bookkeeping: a g, whose sudogs lead to what it waits on). For questions such as which blocked
   * goroutines can still be woken (goroutineLeaks.ts).
   */
  reach(stopAt: readonly bigint[]): HeapReach;
}

/** A walk started by reach(): roots are added in steps, what they reach stays marked. */
export interface HeapReach {
  /** Marks what the roots `take` accepts point to (any slot value into an object), and what that reaches. */
  mark(take: (r: Readonly<HeapRoot>) => boolean): void;
  /** Whether the address is inside an allocated heap object. */
  inHeap(address: bigint): boolean;
  /** Whether the heap object containing the address is marked (false outside the heap). */
  reached(address: bigint): boolean;
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

/** Shapes up to this size get a pointer-word mask (bigger ones: every word is followed). */
const MAX_MASK_BYTES = 1 << 20;

/** A growable Int32 array (work queues with millions of entries, no JS object per entry). */
class IntList {
  a = new Int32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

/** Reads an 8-byte little-endian word of a buffer as a number (addresses < 2^53). */
function word(buf: Buffer, off: number): number {
  return buf.readUInt32LE(off) + buf.readUInt32LE(off + 4) * 0x100000000;
}

export function buildHeap(a: CoreAnalysis, opts: HeapOptions = {}): CoreHeap {
  const mem: Memory = a.cw.memory;
  const notes: string[] = [];
  const phases: Record<string, { wallMs: number; cpuMs: number }> = {};
  let t0 = performance.now();
  let c0 = process.cpuUsage();
  const phase = (name: string): void => {
    const t = performance.now();
    const c = process.cpuUsage(c0);
    const p = (phases[name] ??= { wallMs: 0, cpuMs: 0 });
    p.wallMs += t - t0;
    p.cpuMs += (c.user + c.system) / 1000;
    t0 = t;
    c0 = process.cpuUsage();
  };
  if (!a.layout) throw new HeapError(`no runtime layout: ${a.layoutProblem ?? 'unknown Go version'}`);
  const dwarf = opts.dwarf === false ? undefined : attempt(notes, 'DWARF', () => Dwarf.fromElf(a.cw.binary!));
  if (!dwarf) notes.push('the binary has no DWARF: no types from globals or locals; the data and bss sections are untyped roots');
  phase('dwarf');
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
  if (!classes.exact)
    notes.push(
      `no size class table for Go ${a.layout.minor ?? '?'}: classes labelled with Go ${classes.table.releases.at(-1)}'s`,
    );

  const spans = walk.spans;
  phase('spans');
  const g = buildHeapGraph(mem, spans, walk.headers);
  notes.push(...g.notes);
  phase('graph');
  const { total, first, live, rowEnd, edgeTo, edgeOff } = g;
  const { spanIdx, hdr } = g;
  const hdrOfId = (id: number): number => hdr[spanIdx[id]!]!;

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
  /** Per name id: the DWARF type of the name (or of its element for `[N]T`), when known. */
  const nameEntry: (DwarfEntry | undefined)[] = [];
  const typeOf = new Int32Array(total).fill(-1);
  const sourceOf = new Uint8Array(total);
  const typesBase = a.syms.moduledata ? a.syms.moduledata.types + a.syms.bias : undefined;
  const runtimeTypes = new Map<number, { name: string; size: number } | null>();
  const runtimeType = (t: number): { name: string; size: number } | null => {
    let r = runtimeTypes.get(t);
    if (r === undefined) {
      try {
        const gt = readGoType(mem, BigInt(t), typesBase);
        r =
          gt.name !== undefined && gt.size > 0n && gt.size < 1n << 40n
            ? { name: gt.name, size: Number(gt.size) }
            : null;
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
  const roomOf = (id: number): number => {
    const k = spanIdx[id]!;
    return spans[k]!.elemsize - hdr[k]!;
  };

  // 1. Headers (Go 1.22+), read with the graph.
  let badHeaders = 0;
  const headerTid = new Map<number, Map<number, number>>(); // room -> type word -> name id
  if (g.headerType) {
    for (let k = 0; k < spans.length; k++) {
      const s = spans[k]!;
      if (s.noscan || !(s.headers || s.sizeclass === 0)) continue;
      const room = s.elemsize - g.hdr[k]!;
      const f = first[k]!;
      let byType = headerTid.get(room);
      if (!byType) headerTid.set(room, (byType = new Map()));
      for (let i = 0; i < s.nelems; i++) {
        const id = f + i;
        if (live[id] !== 1) continue;
        const t = g.headerType[id]!;
        if (t === 0) continue;
        let tid = byType.get(t);
        if (tid === undefined) {
          const rt = runtimeType(t);
          byType.set(t, (tid = rt ? nameId(arrayName(rt.name, rt.size, room)) : -1));
        }
        if (tid < 0) {
          badHeaders++;
          continue;
        }
        typeOf[id] = tid;
        sourceOf[id] = 1;
      }
    }
    if (badHeaders > 0)
      notes.push(`${badHeaders} allocation headers do not point to a readable type: those objects are untyped`);
    g.headerType = undefined; // read once: 8 bytes per object freed before the walk
  }

  phase('headers');
  // 2. Types from DWARF: typed roots (globals, frame locals), then typed pointers between objects.
  const shapes = dwarf ? new ShapeCache(dwarf) : undefined;
  const globals = (dwarf ? attempt(notes, 'globals', () => globalRoots(a, dwarf)) : attempt(notes, 'data and bss', () => dataSectionRoots(a, notes))) ?? [];
  const stacks = attempt(notes, 'goroutine stacks', () => stackRoots(a, dwarf, notes)) ?? {
    frames: [],
    stacks: [],
    registers: [],
  };
  phase('roots');
  const shapeList: Shape[] = [];
  const shapeIds = new Map<Shape, number>();
  const slotMaps: Map<number, Slot>[] = [];
  /** Per shape: 1 for each word that may hold a heap pointer (pointer slots, interface data words); undefined: scan every word. */
  const ptrMasks: (Uint8Array | undefined)[] = [];
  const shapeTids: Map<number, number>[] = [];
  const shapeIdOf = (sh: Shape): number => {
    let i = shapeIds.get(sh);
    if (i === undefined) {
      i = shapeList.length;
      shapeList.push(sh);
      shapeIds.set(sh, i);
      const m = new Map<number, Slot>();
      for (const sl of sh.slots) if (!m.has(sl.off)) m.set(sl.off, sl);
      slotMaps.push(m);
      let mask: Uint8Array | undefined;
      if (!sh.truncated && sh.size % 8 === 0 && sh.size <= MAX_MASK_BYTES) {
        mask = new Uint8Array(sh.size / 8);
        for (const sl of sh.slots) {
          const w = (sl.kind === 'ptr' ? sl.off : sl.off + 8) / 8;
          if (Number.isInteger(w) && w < mask.length) mask[w] = 1;
          else mask = undefined;
          if (!mask) break;
        }
      }
      ptrMasks.push(mask);
      shapeTids.push(new Map());
    }
    return i;
  };
  const jobs = new IntList(); // object ids to type from (their shape: shapeOf)
  /** Per object: the shape its type gives it (-1: none), queued once for typing and used to follow only its pointer words. */
  const shapeOf = new Int32Array(total).fill(-1);
  /** Types object `id` (a typed pointer to its Go address reached it) as `target`. */
  const entryShape = new Map<DwarfEntry, number>();
  const typeObject = (id: number, target: DwarfEntry): void => {
    if (!shapes) return;
    let si = entryShape.get(target);
    if (si === undefined) {
      const sh = shapes.shape(target);
      entryShape.set(target, (si = sh.size > 0 ? shapeIdOf(sh) : -1));
    }
    if (si < 0) return;
    const shape = shapeList[si]!;
    if (sourceOf[id] === 0) {
      const room = roomOf(id);
      const reps = Math.floor(room / shape.size);
      const tids = shapeTids[si]!;
      let tid = tids.get(reps);
      if (tid === undefined) {
        tids.set(reps, (tid = nameId(arrayName(shape.name, shape.size, room))));
        nameEntry[tid] ??= target;
      }
      typeOf[id] = tid;
      sourceOf[id] = 2;
    }
    if (shapeOf[id] === -1 && shape.slots.length > 0) {
      shapeOf[id] = si;
      jobs.push(id);
    }
  };
  const typedPointerValue = (p: number, target: DwarfEntry | undefined): void => {
    if (!target) return;
    const id = g.lookup(p);
    if (id < 0 || p !== g.slotAddr(id) + hdrOfId(id)) return;
    typeObject(id, target);
  };
  const ifaceCache = new Map<number, DwarfEntry | null>();
  /** The DWARF type an interface's data word points to, from its type word (eface) or itab (iface). */
  const ifaceTarget = (typeWord: number, iface: boolean): DwarfEntry | undefined => {
    if (typeWord === 0 || !shapes) return undefined;
    const key = iface ? -typeWord : typeWord;
    const hit = ifaceCache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    let out: DwarfEntry | null = null;
    let t: bigint | undefined = BigInt(typeWord);
    if (iface) t = mem.tryReadU64(t + 8n); // itab._type / ITab.Type
    const rt = t ? runtimeType(Number(t)) : null;
    const e = rt ? shapes.named(rt.name) : undefined;
    // A pointer-shaped dynamic type is stored directly in the data word (kind ptr); map, chan and
    // func values are pointers to runtime structures, not followed.
    const kindByte = e && t ? mem.tryRead(t + 23n, 1) : undefined;
    if (e && kindByte) {
      const kind = kindByte[0]! & 0x1f;
      if (kind === 22) {
        const first0 = shapes.shape(e).slots[0];
        out = first0 && first0.kind === 'ptr' ? (first0.target ?? null) : null;
      } else if (kind !== 21 && kind !== 18 && kind !== 19) out = e;
    }
    ifaceCache.set(key, out);
    return out ?? undefined;
  };
  const scanTypedBuf = (buf: Buffer, shape: Shape): void => {
    for (const sl of shape.slots) {
      if (sl.off + (sl.kind === 'ptr' ? 8 : 16) > buf.length) continue;
      if (sl.kind === 'ptr') typedPointerValue(word(buf, sl.off), sl.target);
      else typedPointerValue(word(buf, sl.off + 8), ifaceTarget(word(buf, sl.off), sl.kind === 'iface'));
    }
  };
  if (shapes) {
    for (const r of [...globals, ...stacks.frames]) {
      if (!r.typed) continue;
      const sh = shapes.shape(r.typed.type);
      if (sh.slots.length > 0) scanTypedBuf(r.typed.buf, sh);
    }
    // Header-typed objects whose type DWARF knows are typed roots too.
    const tidShape = new Map<number, number>(); // header type id -> shape id, -1 when DWARF lacks it
    for (let id = 0; id < total; id++) {
      if (sourceOf[id] !== 1 || shapeOf[id] !== -1) continue;
      const tid = typeOf[id]!;
      let si = tidShape.get(tid);
      if (si === undefined) {
        si = -1;
        const m = /^(?:\[\d+\])?(.*)$/.exec(names[tid]!)!;
        const e = shapes.named(m[1]!);
        if (e) {
          nameEntry[tid] ??= e;
          const sh = shapes.shape(e);
          if (sh.slots.length > 0 && sh.size > 0) si = shapeIdOf(sh);
        }
        tidShape.set(tid, si);
      }
      if (si < 0) continue;
      shapeOf[id] = si;
      jobs.push(id);
    }
    // Typed objects type what their pointer slots point to (through the graph's edges).
    // A word that is no pointer of the object's type (a stale uintptr, the runtime's write-barrier
    // buffer) is no reference: its edge is dropped (edgeTo -1) before the reachability walk.
    // In generations, each in address order (as the reachability walk: fewer cache misses).
    let j = 0;
    for (let gen = jobs.n; j < jobs.n; gen = jobs.n) {
      jobs.a.subarray(j, gen).sort();
      for (; j < gen; j++) typeFrom(jobs.a[j]!);
    }
  }
  function typeFrom(id: number): void {
    const si = shapeOf[id]!;
    const sh = shapeList[si]!;
    const slots = slotMaps[si]!;
    const mask = ptrMasks[si];
    const h = hdrOfId(id);
    const e1 = rowEnd[id]!;
    let at = -1;
    for (let e = rowStart(g, id); e < e1; e++) {
      const raw = edgeOff[e]!;
      const rel = (raw & 0x7fffffff) - h;
      if (rel < 0) continue;
      const within = rel % sh.size;
      if (mask && mask[within >> 3] !== 1) {
        edgeTo[e] = -1;
        continue;
      }
      const sl = slots.get(within);
      if (sl && sl.kind === 'ptr') {
        if ((raw & EDGE_EXACT) !== 0 && sl.target) typeObject(edgeTo[e]!, sl.target);
        continue;
      }
      const il = slots.get(within - 8);
      if (il && il.kind !== 'ptr' && (raw & EDGE_EXACT) !== 0) {
        if (at < 0) at = g.slotAddr(id);
        const tw = mem.tryReadU64(BigInt(at + (raw & 0x7fffffff) - 8));
        const target = tw !== undefined ? ifaceTarget(Number(tw), il.kind === 'iface') : undefined;
        if (target) typeObject(edgeTo[e]!, target);
      }
    }
  }

  let followed = 0;
  for (let e = 0; e < g.edges; e++) if (edgeTo[e]! >= 0) followed++;
  phase('typing');
  // 3. Reachability, breadth-first from each kind of root in turn.
  const roots: HeapRoot[] = [];
  // Per object, side by side (one cache line per visit): [2id] the parent (an object id, or
  // -(root index) - 2), [2id+1] the root it was first reached from (-1: not reached).
  const link = new Int32Array(2 * total).fill(-1);
  const queue = new Int32Array(total);
  const rootOfId = (id: number): number => link[2 * id + 1]!;
  const rootWord = new Map<number, number>();
  let qt = 0;
  let qh = 0;
  const fromRoot = (r: HeapRoot): void => {
    const ri = roots.length;
    roots.push(r);
    for (let i = 0; i < r.values.length; i++) {
      const id = g.lookup(r.values[i]!);
      if (id < 0 || link[2 * id + 1] !== -1) continue;
      link[2 * id] = -ri - 2;
      link[2 * id + 1] = ri;
      rootWord.set(id, r.slots[i]!);
      queue[qt++] = id;
    }
  };
  const drain = (): void => {
    // Level by level, each level in address order (ids follow addresses): the rows and the
    // objects' entries are then read mostly forwards, not at random (3x fewer cache misses on 10 M
    // objects). Still breadth-first: every path found is a shortest one.
    for (let level = qt; qh < qt; level = qt) {
      queue.subarray(qh, level).sort();
      for (; qh < level; qh++) drainOne(queue[qh]!);
    }
  };
  const drainOne = (id: number): void => {
    const ri = link[2 * id + 1]!;
    const e1 = rowEnd[id]!;
    for (let e = id === 0 ? 0 : rowEnd[id - 1]!; e < e1; e++) {
      const t = edgeTo[e]!;
      if (t < 0 || link[2 * t + 1] !== -1) continue;
      link[2 * t] = id;
      link[2 * t + 1] = ri;
      queue[qt++] = t;
    }
  };
  for (const r of globals) fromRoot(r);
  drain();
  for (const r of stacks.frames) fromRoot(r);
  drain();
  phase('reach');
  const minor = Number(a.layout.minor?.split('.')[1] ?? 0);
  const specials =
    attempt(notes, 'specials', () =>
      specialRoots(
        mem,
        heapLayout.offsets,
        spans,
        specialKinds(dwarf, minor),
        (x) => {
          const id = g.lookup(x);
          if (id < 0) return undefined;
          const k = g.spanOf(id);
          return { addr: g.slotAddr(id), size: spans[k]!.elemsize };
        },
        notes,
      ),
    ) ?? [];
  for (const r of specials) fromRoot(r);
  drain();
  phase('specials');
  // Then the conservative roots: every stack word, every register.
  for (const r of stacks.stacks) fromRoot(r);
  drain();
  for (const r of stacks.registers) fromRoot(r);
  drain();
  phase('reach');

  // 4. Summaries.
  const untypedTid = new Int32Array(spans.length);
  for (let k = 0; k < spans.length; k++) {
    const s = spans[k]!;
    untypedTid[k] = nameId(
      `(class ${s.sizeclass === 0 ? 'large' : s.elemsize}${s.noscan ? ', no pointers' : ', pointers'})`,
    );
  }
  const tidOf = (k: number, id: number): number => (sourceOf[id] !== 0 ? typeOf[id]! : untypedTid[k]!);
  const tCount = new Float64Array(names.length);
  const tBytes = new Float64Array(names.length);
  const tSource = new Uint8Array(names.length).fill(255);
  const rCount = new Float64Array(roots.length);
  const rBytes = new Float64Array(roots.length);
  const classRows = new Map<string, HeapClassRow>();
  const typing = { header: 0, dwarf: 0, untyped: 0 };
  let objects = 0;
  let bytes = 0;
  let reachedObjects = 0;
  let reachedBytes = 0;
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
    const es = s.elemsize;
    const f = first[k]!;
    let n = 0;
    let typed = 0;
    for (let i = 0; i < s.nelems; i++) {
      const id = f + i;
      if (live[id] !== 1) continue;
      n++;
      const src = sourceOf[id]!;
      if (src === 1) typing.header++;
      else if (src === 2) typing.dwarf++;
      else typing.untyped++;
      if (src !== 0) typed++;
      const tid = tidOf(k, id);
      tCount[tid]++;
      tBytes[tid] += es;
      if (tSource[tid] === 255) tSource[tid] = src;
      const r = link[2 * id + 1]!;
      if (r >= 0) {
        reachedObjects++;
        reachedBytes += es;
        rCount[r]++;
        rBytes[r] += es;
      }
    }
    objects += n;
    bytes += n * es;
    crow.count += n;
    crow.bytes += n * es;
    crow.typed += typed;
  }
  const SOURCES: TypeSource[] = ['untyped', 'header', 'dwarf'];
  const byType: HeapTypeRow[] = [];
  for (let tid = 0; tid < names.length; tid++) {
    if (tCount[tid] === 0) continue;
    byType.push({
      type: names[tid]!,
      source: SOURCES[tSource[tid]!] ?? 'untyped',
      count: tCount[tid]!,
      bytes: tBytes[tid]!,
      share: bytes > 0 ? tBytes[tid]! / bytes : 0,
    });
  }
  byType.sort((x, y) => y.bytes - x.bytes || y.count - x.count || (x.type < y.type ? -1 : 1));
  const byRootMerged = new Map<string, HeapRootRow>();
  for (let r = 0; r < roots.length; r++) {
    if (rCount[r] === 0) continue;
    const label = roots[r]!.label;
    const m = byRootMerged.get(label);
    if (m) {
      m.count += rCount[r]!;
      m.bytes += rBytes[r]!;
    } else byRootMerged.set(label, { root: label, kind: roots[r]!.kind, count: rCount[r]!, bytes: rBytes[r]! });
  }
  const model: HeapModel = {
    goVersion: a.goVersion,
    allocationHeaders: walk.headers,
    totals: { objects, bytes, spans: spans.length, reachedObjects, reachedBytes, pointers: followed },
    typing,
    byType,
    bySizeClass: [...classRows.values()].sort(
      (x, y) => x.sizeclass - y.sizeclass || Number(x.noscan) - Number(y.noscan),
    ),
    byRoot: [...byRootMerged.values()].sort((x, y) => y.bytes - x.bytes),
    notes,
  };

  phase('summary');
  const ref = (id: number): HeapObjectRef => {
    const k = g.spanOf(id);
    const s = spans[k]!;
    const src: TypeSource = SOURCES[sourceOf[id]!]!;
    // The address Go code holds: past the allocation header where there is one.
    const address = BigInt(g.slotAddr(id) + g.hdr[k]!);
    return { address, type: names[tidOf(k, id)]!, source: src, size: s.elemsize };
  };
  /** The DWARF type of an object's elements (its type, or T of `[N]T`), when known. */
  const entryOf = (id: number): DwarfEntry | undefined => {
    if (sourceOf[id] === 0 || !shapes) return undefined;
    const tid = typeOf[id]!;
    if (nameEntry[tid] === undefined) {
      const m = /^(?:\[\d+\])?(.*)$/.exec(names[tid]!)!;
      nameEntry[tid] = shapes.named(m[1]!);
    }
    return nameEntry[tid];
  };
  const fieldName = (id: number, off: number): string | undefined => {
    const e = entryOf(id);
    if (!e || !dwarf) return undefined;
    return decodeFields(mem, dwarf, e, 0, roomOf(id), { nameOnly: off - hdrOfId(id) })[0]?.name;
  };
  const pathTo = (id: number): RetentionPath | undefined => {
    if (rootOfId(id) === -1) return undefined;
    const chain: number[] = [];
    let cur = id;
    for (let guard = 0; cur >= 0 && guard <= total; guard++) {
      chain.push(cur);
      cur = link[2 * cur]!;
    }
    chain.reverse();
    const r = -cur - 2;
    const steps: RetentionStep[] = chain.map((c, j) => {
      const o = ref(c);
      const st: RetentionStep = { address: hex(o.address), type: o.type, size: o.size };
      if (j + 1 < chain.length) {
        const next = chain[j + 1]!;
        const e1 = rowEnd[c]!;
        for (let e = rowStart(g, c); e < e1; e++) {
          if (edgeTo[e] !== next) continue;
          st.pointerOffset = edgeOff[e]! & 0x7fffffff;
          const fname = fieldName(c, st.pointerOffset);
          if (fname !== undefined) st.field = fname;
          break;
        }
      }
      return st;
    });
    const root = roots[r]!;
    const w = rootWord.get(chain[0]!) ?? root.addr;
    return { root: root.label, rootKind: root.kind, rootAddress: hex(BigInt(w)), steps };
  };
  let order: Int32Array | undefined;
  return {
    model,
    phases,
    path(target) {
      if ('address' in target) {
        const id = g.lookup(Number(target.address));
        return id < 0 ? undefined : pathTo(id);
      }
      // The root that holds most objects of the type, and its nearest object of that type.
      const tid = nameIds.get(target.type);
      if (tid === undefined) return undefined;
      // BFS order: an object found earlier is at most as deep as one found later from the same root.
      order ??= new Int32Array(total);
      for (let q = 0; q < qt; q++) order[queue[q]!] = q;
      const ord = order;
      const perRoot = new Map<string, { n: number; best: number }>();
      for (let k = 0; k < spans.length; k++) {
        const s = spans[k]!;
        const f = first[k]!;
        if (sourceOf.length === 0) break;
        for (let i = 0; i < s.nelems; i++) {
          const id = f + i;
          if (live[id] !== 1 || rootOfId(id) === -1 || tidOf(k, id) !== tid) continue;
          const label = roots[rootOfId(id)]!.label;
          const e = perRoot.get(label);
          if (!e) perRoot.set(label, { n: 1, best: id });
          else {
            e.n++;
            if (ord[id]! < ord[e.best]!) e.best = id;
          }
        }
      }
      let pick: { n: number; best: number } | undefined;
      for (const e of perRoot.values()) if (!pick || e.n > pick.n) pick = e;
      return pick ? pathTo(pick.best) : undefined;
    },
    objectsOf(type, limit = 20) {
      const out: HeapObjectRef[] = [];
      const tid = nameIds.get(type);
      if (tid === undefined) return out;
      for (let k = 0; k < spans.length && out.length < limit; k++) {
        const s = spans[k]!;
        const f = first[k]!;
        for (let i = 0; i < s.nelems && out.length < limit; i++) {
          const id = f + i;
          if (live[id] === 1 && tidOf(k, id) === tid) out.push(ref(id));
        }
      }
      return out;
    },
    objectAt(address) {
      const id = g.lookup(Number(address));
      return id < 0 ? undefined : ref(id);
    },
    profileRows() {
      const rows = new Map<number, { type: string; root: string; count: number; bytes: number }>();
      const nr = roots.length + 1;
      for (let k = 0; k < spans.length; k++) {
        const s = spans[k]!;
        const f = first[k]!;
        for (let i = 0; i < s.nelems; i++) {
          const id = f + i;
          if (live[id] !== 1) continue;
          const tid = tidOf(k, id);
          const r = rootOfId(id);
          const key = tid * nr + (r + 1);
          let row = rows.get(key);
          if (!row)
            rows.set(
              key,
              (row = {
                type: names[tid]!,
                root: r >= 0 ? roots[r]!.label : 'not reached from a root',
                count: 0,
                bytes: 0,
              }),
            );
          row.count++;
          row.bytes += s.elemsize;
        }
      }
      // Roots with the same label (a goroutine's frames) merge.
      const merged = new Map<string, { type: string; root: string; count: number; bytes: number }>();
      for (const r of rows.values()) {
        const key = `${r.type}\u0000${r.root}`;
        const m = merged.get(key);
        if (m) {
          m.count += r.count;
          m.bytes += r.bytes;
        } else merged.set(key, { ...r });
      }
      return [...merged.values()];
    },
    fields(address) {
      const id = g.lookup(Number(address));
      if (id < 0 || !dwarf) return [];
      const e = entryOf(id);
      if (!e) return [];
      const at = g.slotAddr(id) + hdrOfId(id);
      return decodeFields(mem, dwarf, e, at, roomOf(id));
    },
    reach(stopAt) {
      return reachOver(g, roots, stopAt);
    },
  };
}

/** A walk of its own over the graph (the edges the typed walk kept). */
function reachOver(g: HeapGraph, roots: readonly HeapRoot[], stopAt: readonly bigint[]): HeapReach {
  const { rowEnd, edgeTo } = g;
  const stop = new Uint8Array(g.total);
  for (const a of stopAt) {
    const id = g.lookup(Number(a));
    if (id >= 0) stop[id] = 1;
  }
  const marked = new Uint8Array(g.total);
  const queue = new IntList();
  const visit = (id: number): void => {
    if (id < 0 || marked[id]) return;
    marked[id] = 1;
    queue.push(id);
  };
  return {
    mark(take) {
      let qh = queue.n;
      for (const r of roots) if (take(r)) for (let i = 0; i < r.values.length; i++) visit(g.lookup(r.values[i]!));
      for (; qh < queue.n; qh++) {
        const id = queue.a[qh]!;
        if (stop[id]) continue;
        const e1 = rowEnd[id]!;
        for (let e = rowStart(g, id); e < e1; e++) visit(edgeTo[e]!);
      }
    },
    inHeap: (address) => g.lookup(Number(address)) >= 0,
    reached(address) {
      const id = g.lookup(Number(address));
      return id >= 0 && marked[id] === 1;
    },
  };
}
