// The span walker (src/runtime/heapSpans.ts) on crafted memory laid out with Go 1.22's layout
// table (runtime.mheap, runtime.mspan): a good span, and bad input that must end in a bounded walk
// with notes (a span pointer outside the core, the same span listed twice as a cyclic list would,
// a span whose sizes do not fit, a bitmap that disagrees with allocCount, len > cap), then random
// bytes (fuzzed like the other readers): never a throw other than a CoreReadError, never a hang.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoreReadError } from '../../src/core/errors.js';
import { BufferMemory } from '../../src/core/memory.js';
import { heapOffsetsFor, layoutFor, type HeapOffsets } from '../../src/runtime/layout.js';
import { isAllocated, walkHeapSpans } from '../../src/runtime/heapSpans.js';

const BASE = 0x10000n;
const SIZE = 1 << 20;
const heap: HeapOffsets = heapOffsetsFor(layoutFor('1.22')).offsets;

function put(buf: Buffer, addr: bigint, size: number, v: bigint | number): void {
  const o = Number(addr - BASE);
  if (size === 8) buf.writeBigUInt64LE(BigInt(v), o);
  else if (size === 2) buf.writeUInt16LE(Number(v), o);
  else if (size === 1) buf.writeUInt8(Number(v), o);
  else throw new Error(`size ${size}`);
}

interface SpanSpec {
  start: bigint;
  npages: number;
  elemsize: number;
  nelems: number;
  freeindex: number;
  allocCount: number;
  bits: number[];
  spanclass: number;
}

/** mheap at BASE, allspans array at BASE+0x1000, mspans from BASE+0x2000, bitmaps from BASE+0x8000. */
function craft(spans: (SpanSpec | bigint)[], lenCap?: [number, number]): BufferMemory {
  const buf = Buffer.alloc(SIZE);
  const arr = BASE + 0x1000n;
  put(buf, BASE + BigInt(heap.mheap.allspans.offset), 8, arr);
  put(buf, BASE + BigInt(heap.mheap.allspans.offset) + 8n, 8, lenCap?.[0] ?? spans.length);
  put(buf, BASE + BigInt(heap.mheap.allspans.offset) + 16n, 8, lenCap?.[1] ?? spans.length);
  const m = heap.mspan;
  spans.forEach((s, k) => {
    if (typeof s === 'bigint') {
      put(buf, arr + BigInt(8 * k), 8, s);
      return;
    }
    const sp = BASE + 0x2000n + BigInt(k * 256);
    const bits = BASE + 0x8000n + BigInt(k * 64);
    put(buf, arr + BigInt(8 * k), 8, sp);
    put(buf, sp + BigInt(m.state.offset), 1, 1);
    put(buf, sp + BigInt(m.startAddr.offset), 8, s.start);
    put(buf, sp + BigInt(m.npages.offset), 8, s.npages);
    put(buf, sp + BigInt(m.elemsize.offset), 8, s.elemsize);
    put(buf, sp + BigInt(m.nelems.offset), 2, s.nelems);
    put(buf, sp + BigInt(m.freeindex.offset), 2, s.freeindex);
    put(buf, sp + BigInt(m.allocCount.offset), 2, s.allocCount);
    put(buf, sp + BigInt(m.spanclass.offset), 1, s.spanclass);
    put(buf, sp + BigInt(m.allocBits.offset), 8, bits);
    s.bits.forEach((b, i) => put(buf, bits + BigInt(i), 1, b));
  });
  return new BufferMemory(BASE, buf);
}

const good: SpanSpec = { start: 0xc000000000n, npages: 1, elemsize: 32, nelems: 256, freeindex: 2, allocCount: 4, bits: [0b1100], spanclass: 4 << 1 };

describe('walkHeapSpans', () => {
  it('reads a span: objects below freeindex and those set in allocBits are allocated', () => {
    const w = walkHeapSpans(craft([good]), heap, BASE);
    assert.equal(w.spans.length, 1);
    const s = w.spans[0]!;
    assert.deepEqual([0, 1, 2, 3, 4].map((i) => isAllocated(s, i)), [true, true, true, true, false]);
    assert.equal(s.liveCount, 4);
    assert.equal(s.sizeclass, 4);
    assert.equal(s.noscan, false);
    assert.deepEqual(w.notes, []);
  });

  it('skips bad spans with a note each: outside the core, listed twice, sizes that do not fit', () => {
    const w = walkHeapSpans(
      craft([good, 0xdead0000n, { ...good }, { ...good, start: 0xc000100000n, nelems: 1000 }, { ...good, start: 0xc000200123n }]),
      heap,
      BASE,
    );
    assert.equal(w.spans.length, 1);
    assert.equal(w.skipped, 4);
    assert.match(w.notes.join('\n'), /not in the core/);
    assert.match(w.notes.join('\n'), /same start/);
    assert.match(w.notes.join('\n'), /do not fit/);
    assert.match(w.notes.join('\n'), /not page-aligned/);
  });

  it('reports a bitmap that disagrees with allocCount, and a corrupt allspans header', () => {
    const w = walkHeapSpans(craft([{ ...good, allocCount: 9 }]), heap, BASE);
    assert.match(w.notes.join('\n'), /4 objects allocated by its bitmap, allocCount says 9/);
    const w2 = walkHeapSpans(craft([good], [1 << 30, 1]), heap, BASE);
    assert.equal(w2.spans.length, 1);
    assert.match(w2.notes.join('\n'), /len 1073741824 > cap 1/);
  });

  it('random bytes: bounded, and only CoreReadErrors', () => {
    let seed = 15;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let round = 0; round < 200; round++) {
      const mem = craft([good, { ...good, start: 0xc000002000n }]);
      const buf = (mem as unknown as { buf: Buffer }).buf;
      for (let i = 0; i < 64; i++) buf[Math.floor(rnd() * 0x9000)] = Math.floor(rnd() * 256);
      try {
        const w = walkHeapSpans(mem, heap, BASE, { maxSpans: 1 << 16 });
        assert.ok(w.read <= 1 << 16);
      } catch (e) {
        assert.ok(e instanceof CoreReadError, String(e));
      }
    }
  });
});
