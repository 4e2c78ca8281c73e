// The heap's object graph (src/analysis/heapGraph.ts), the specials walk (heapRoots.ts
// specialRoots) and the DWARF stack pieces of locals (src/core/dwarfLocals.ts) on crafted memory:
// edges only between allocated objects, exact pointers marked, pointer-free spans not scanned;
// then garbage (random spans over random bytes, a cyclic specials list, random location
// expressions): bounded, no throw.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BufferMemory } from '../../src/core/memory.js';
import { stackPieces } from '../../src/core/dwarfLocals.js';
import { buildHeapGraph, EDGE_EXACT, rowStart } from '../../src/analysis/heapGraph.js';
import { specialRoots } from '../../src/analysis/heapRoots.js';
import { heapOffsetsFor, layoutFor } from '../../src/runtime/layout.js';
import type { HeapSpan } from '../../src/runtime/heapSpans.js';

const HEAP = 0xc000000000;

function span(
  base: number,
  elemsize: number,
  nelems: number,
  allocated: number[],
  o: Partial<HeapSpan> = {},
): HeapSpan {
  const bits = new Uint8Array(Math.ceil(nelems / 8));
  for (const i of allocated) bits[i >> 3]! |= 1 << (i & 7);
  return {
    addr: 0,
    base,
    npages: 1,
    elemsize,
    nelems,
    sizeclass: 3,
    noscan: false,
    freeindex: 0,
    allocBits: bits,
    liveCount: allocated.length,
    allocCount: allocated.length,
    headers: false,
    largeType: 0n,
    specials: 0n,
    ...o,
  };
}

function edgesOf(g: ReturnType<typeof buildHeapGraph>, id: number): [number, number, boolean][] {
  const out: [number, number, boolean][] = [];
  for (let e = rowStart(g, id); e < g.rowEnd[id]!; e++)
    out.push([g.edgeTo[e]!, g.edgeOff[e]! & 0x7fffffff, (g.edgeOff[e]! & EDGE_EXACT) !== 0]);
  return out;
}

describe('buildHeapGraph', () => {
  it('keeps pointers between allocated objects, marks exact ones, skips free and pointer-free objects', () => {
    const buf = Buffer.alloc(2 * 8192);
    const w = (addr: number, v: number): void => {
      buf.writeBigUInt64LE(BigInt(v), addr - HEAP);
    };
    // Span A (scan, 32-byte objects 0..3 allocated), span B (noscan) right after it.
    w(HEAP + 0, HEAP + 32); // obj 0 -> obj 1 (its start)
    w(HEAP + 8, HEAP + 64 + 8); // obj 0 -> inside obj 2
    w(HEAP + 16, 0x1234); // not a heap address
    w(HEAP + 24, HEAP + 5 * 32); // obj 0 -> obj 5: free
    w(HEAP + 32 + 8, HEAP + 8192); // obj 1 -> obj 0 of span B
    w(HEAP + 5 * 32, HEAP); // obj 5 (free) -> obj 0: not an edge
    w(HEAP + 8192, HEAP); // span B is noscan: not scanned
    const mem = new BufferMemory(BigInt(HEAP), buf);
    const spans = [span(HEAP, 32, 256, [0, 1, 2, 3]), span(HEAP + 8192, 16, 512, [0], { noscan: true })];
    const g = buildHeapGraph(mem, spans, false);
    assert.equal(g.total, 256 + 512);
    assert.deepEqual(edgesOf(g, 0), [
      [1, 0, true],
      [2, 8, false],
    ]);
    assert.deepEqual(edgesOf(g, 1), [[256, 8, true]]);
    assert.deepEqual(edgesOf(g, 5), []);
    assert.deepEqual(edgesOf(g, 256), []);
    assert.equal(g.lookup(HEAP + 70), 2);
    assert.equal(g.lookup(HEAP + 5 * 32), -1);
    assert.equal(g.lookup(HEAP + 3 * 8192), -1);
    assert.deepEqual(g.notes, []);
  });

  it('with allocation headers: the header word is the type, not an edge; exact means past the header', () => {
    const buf = Buffer.alloc(8192);
    buf.writeBigUInt64LE(0x4a0000n, 0); // obj 0 header: a *_type
    buf.writeBigUInt64LE(BigInt(HEAP + 1024 + 8), 8); // obj 0 -> obj 1's Go address
    const mem = new BufferMemory(BigInt(HEAP), buf);
    const g = buildHeapGraph(mem, [span(HEAP, 1024, 8, [0, 1], { headers: true })], true);
    assert.equal(g.headerType![0], 0x4a0000);
    assert.deepEqual(edgesOf(g, 0), [[1, 8, true]]);
  });

  it('spans whose memory is not in the core: a note, no edges', () => {
    const mem = new BufferMemory(0x1000n, Buffer.alloc(16));
    const g = buildHeapGraph(mem, [span(HEAP, 32, 256, [0, 1])], false);
    assert.equal(g.edges, 0);
    assert.match(g.notes.join('\n'), /1 spans with pointers could not be read/);
  });

  it('random spans over random bytes: bounded, no throw', () => {
    let seed = 15;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let round = 0; round < 50; round++) {
      const buf = Buffer.alloc(8 * 8192);
      for (let i = 0; i < buf.length; i += 8) {
        // Half the words point somewhere into (or near) the heap.
        const v = rnd() < 0.5 ? HEAP + Math.floor(rnd() * 9 * 8192) : Math.floor(rnd() * 2 ** 32);
        buf.writeBigUInt64LE(BigInt(v), i);
      }
      const spans: HeapSpan[] = [];
      for (let k = 0; k < 8; k++) {
        const es = [8, 16, 48, 512, 1024, 8192][Math.floor(rnd() * 6)]!;
        const n = Math.floor(8192 / es);
        const alloc = [...Array(n).keys()].filter(() => rnd() < 0.5);
        spans.push(span(HEAP + k * 8192, es, n, alloc, { noscan: rnd() < 0.2, headers: es > 512 && rnd() < 0.5 }));
      }
      const g = buildHeapGraph(new BufferMemory(BigInt(HEAP), buf), spans, true);
      assert.ok(g.edges <= (8 * 8192) / 8);
      for (let e = 0; e < g.edges; e++) assert.ok(g.live[g.edgeTo[e]!] === 1);
    }
  });
});

describe('specialRoots', () => {
  const heap = heapOffsetsFor(layoutFor('1.24')).offsets;
  it('a cyclic specials list ends (bounded per span), finalizers become roots', () => {
    const base = 0x200000n;
    const buf = Buffer.alloc(4096);
    const sp = heap.special;
    buf.writeBigUInt64LE(base, sp.next.offset); // next: itself
    buf.writeBigUInt64LE(16n, sp.offset.offset);
    buf[sp.kind.offset] = 1; // _KindSpecialFinalizer
    buf.writeBigUInt64LE(0x4b0000n, sp.size); // fn
    const mem = new BufferMemory(base, buf);
    const notes: string[] = [];
    const roots = specialRoots(
      mem,
      heap,
      [span(HEAP, 32, 256, [0], { specials: base })],
      { finalizer: 1, cleanup: 6 },
      () => undefined,
      notes,
    );
    assert.ok(roots.length > 0 && roots.length <= 1 << 16);
    assert.equal(roots[0]!.label, `finalizer of 0x${(HEAP + 16).toString(16)} (function)`);
    assert.equal(roots[0]!.values[0], 0x4b0000);
  });
  it('a specials pointer outside the core: a note', () => {
    const notes: string[] = [];
    specialRoots(
      new BufferMemory(0x1000n, Buffer.alloc(8)),
      heap,
      [span(HEAP, 32, 256, [0], { specials: 0xdead0000n })],
      { finalizer: 1, cleanup: 6 },
      () => undefined,
      notes,
    );
    assert.match(notes.join('\n'), /not in the core/);
  });
});

describe('stackPieces', () => {
  it('reads fbreg pieces, drops register pieces', () => {
    // DW_OP_fbreg -24, DW_OP_piece 8, DW_OP_reg0, DW_OP_piece 8, DW_OP_fbreg -8, DW_OP_piece 8
    const e = Buffer.from([0x91, 0x68, 0x93, 8, 0x50, 0x93, 8, 0x91, 0x78, 0x93, 8]);
    assert.deepEqual(stackPieces(e), [
      { offset: 0, size: 8, cfaOffset: -24 },
      { offset: 16, size: 8, cfaOffset: -8 },
    ]);
    assert.deepEqual(stackPieces(Buffer.from([0x9c])), [{ offset: 0, size: 0, cfaOffset: 0 }]);
  });
  it('random expressions: bounded, no throw', () => {
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(Array.from({ length: Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256)));
      assert.ok(stackPieces(b).length <= b.length);
    }
  });
});
