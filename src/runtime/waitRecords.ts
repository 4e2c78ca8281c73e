// The runtime's own records of what a goroutine waits on, read from raw memory by field name
// (READ_FIELDS in layoutFields.ts, per Go version):
//   - g.waiting: the sudogs of a channel operation or a select, linked by sudog.waitlink
//     (chan.go chansend/chanrecv set gp.waiting = mysg; select.go selectgo links one sudog per
//     case in case order, each with its channel in c). Go 1.19 through 1.27.
//   - runtime.hchan (chan.go): qcount, dataqsiz, closed, elemtype, recvq/sendq (waitq of sudogs
//     linked by sudog.next).
//   - runtime.semtable (sema.go): semTabSize (251) buckets, each a semaRoot whose treap holds one
//     sudog per waited-on address (elem = the semaphore's address; prev/next are the children,
//     waitlink the other waiters on that address, in queue order). semacquire does not set
//     g.waiting: the treap is the only record of a goroutine's semaphore.
// Go 1.26 wrapped sudog.elem and sudog.c (maybeTraceablePtr, runtime2.go): the `vu` word is the
// source of truth and is read when the layout has it.
import type { Memory } from '../core/memory.js';
import { CoreReadError, hex } from '../core/errors.js';
import { readField, readFieldFromView } from './fields.js';
import type { RuntimeLayout } from './layout.js';
import type { CoreOffsets, FieldRef } from './layoutFields.js';

/** sema.go: `const semTabSize = 251` (Go 1.19 through 1.27). */
export const SEM_TAB_SIZE = 251;
/** Bound on any list walked here (a corrupt link must not loop forever). */
const MAX_LIST = 1_000_000;

export class WaitRecordError extends CoreReadError {
  constructor(message: string) {
    super('corrupt', '<memory>', message);
    this.name = 'WaitRecordError';
  }
}

export interface WaitOffsets {
  g: NonNullable<CoreOffsets['g']['waiting']>;
  sudog: NonNullable<CoreOffsets['sudog']>;
  hchan: NonNullable<CoreOffsets['hchan']>;
  semaRoot: NonNullable<CoreOffsets['semaRoot']>;
}

/** The offsets the readers need, or the names of the structs/fields this layout lacks. */
export function waitOffsets(layout: RuntimeLayout): WaitOffsets | { missing: string[] } {
  const o = layout.offsets;
  const missing: string[] = [];
  if (!o.g.waiting) missing.push('runtime.g.waiting');
  if (!o.sudog) missing.push('runtime.sudog');
  if (!o.hchan) missing.push('runtime.hchan');
  if (!o.semaRoot) missing.push('runtime.semaRoot');
  if (missing.length > 0 || !o.g.waiting || !o.sudog || !o.hchan || !o.semaRoot) return { missing };
  return { g: o.g.waiting, sudog: o.sudog, hchan: o.hchan, semaRoot: o.semaRoot };
}

export interface SudogRecord {
  addr: bigint;
  /** The waiting g. */
  g: bigint;
  next: bigint;
  prev: bigint;
  /** Channel: the data element; semaphore: the semaphore's address. */
  elem: bigint;
  parent: bigint;
  waitlink: bigint;
  waittail: bigint;
  /** The channel (0 for semaphores). */
  c: bigint;
  isSelect: boolean;
}

export function readSudog(mem: Memory, o: WaitOffsets, addr: bigint): SudogRecord {
  const s = o.sudog;
  // One read of the whole sudog (about 100 bytes), then fields from the buffer.
  const buf = mem.read(addr, s.size);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const le = mem.littleEndian;
  const f = (r: FieldRef) => readFieldFromView(view, r, le);
  return {
    addr,
    g: f(s.g),
    next: f(s.next),
    prev: f(s.prev),
    elem: f(s.elemVu ?? s.elem),
    parent: f(s.parent),
    waitlink: f(s.waitlink),
    waittail: f(s.waittail),
    c: f(s.cVu ?? s.c),
    isSelect: f(s.isSelect) !== 0n,
  };
}

/** A goroutine queued in a sudog list: the sudog and its g (two words read per sudog). */
export interface QueuedG {
  addr: bigint;
  g: bigint;
}

/**
 * A linked list that loops, found without a set of the nodes visited (queues of 20,000 sudogs):
 * Brent's method, a node kept at steps 1, 2, 4, 8, ... and compared with each node after it.
 */
export class LoopCheck {
  private kept: bigint | undefined;
  private power = 1;
  private steps = 0;
  /** Whether `p`, the next node, closes a loop (called once per node, in list order). */
  repeats(p: bigint): boolean {
    if (p === this.kept) return true;
    if (++this.steps === this.power) {
      this.kept = p;
      this.power *= 2;
      this.steps = 0;
    }
    return false;
  }
}

function walkList(mem: Memory, o: WaitOffsets, first: bigint, link: 'next' | 'waitlink', what: string): QueuedG[] {
  const out: QueuedG[] = [];
  const loop = new LoopCheck();
  const s = o.sudog;
  for (let p = first; p !== 0n; ) {
    if (loop.repeats(p) || out.length >= MAX_LIST) throw new WaitRecordError(`${what}: the sudog list at ${hex(first)} loops or is longer than ${MAX_LIST}`);
    out.push({ addr: p, g: readField(mem, p, s.g) });
    p = readField(mem, p, s[link]);
  }
  return out;
}

/**
 * The channels of g.waiting's sudogs, in case order (two words read per sudog, for the thousands of
 * goroutines of a large core). `waiting` is g.waiting when the caller already read the g.
 */
export function waitingChannels(mem: Memory, o: WaitOffsets, gAddr: bigint, waiting?: bigint): bigint[] {
  const out: bigint[] = [];
  const first = waiting ?? readField(mem, gAddr, o.g);
  const s = o.sudog;
  for (let p = first, n = 0; p !== 0n; n++) {
    if (n >= MAX_LIST) throw new WaitRecordError(`g ${hex(gAddr)} waiting: the sudog list at ${hex(first)} is longer than ${MAX_LIST}`);
    const c = readField(mem, p, s.cVu ?? s.c);
    if (c !== 0n) out.push(c);
    const next = readField(mem, p, s.waitlink);
    if (next === p) throw new WaitRecordError(`g ${hex(gAddr)} waiting: the sudog list at ${hex(first)} loops`);
    p = next;
  }
  return out;
}

export interface ChannelRecord {
  addr: bigint;
  /** len(ch) */
  qcount: bigint;
  /** cap(ch) */
  dataqsiz: bigint;
  elemsize: number;
  closed: boolean;
  /** *_type of the elements. */
  elemtype: bigint;
  /** Goroutines (g addresses) blocked receiving, in queue order. */
  recvq: QueuedG[];
  /** Goroutines blocked sending, in queue order. */
  sendq: QueuedG[];
}

export function readChannel(mem: Memory, o: WaitOffsets, addr: bigint): ChannelRecord {
  const h = o.hchan;
  return {
    addr,
    qcount: readField(mem, addr, h.qcount),
    dataqsiz: readField(mem, addr, h.dataqsiz),
    elemsize: Number(readField(mem, addr, h.elemsize)),
    closed: readField(mem, addr, h.closed) !== 0n,
    elemtype: readField(mem, addr, h.elemtype),
    recvq: walkList(mem, o, readField(mem, addr, h.recvqFirst), 'next', `chan ${hex(addr)} recvq`),
    sendq: walkList(mem, o, readField(mem, addr, h.sendqFirst), 'next', `chan ${hex(addr)} sendq`),
  };
}

/** Every semaphore address with waiters, and its waiters in queue order (sema.go semaRoot.queue). */
export function walkSemtable(
  mem: Memory,
  o: WaitOffsets,
  semtable: bigint,
  bucketSize: number,
): Map<bigint, QueuedG[]> {
  const out = new Map<bigint, QueuedG[]>();
  const seen = new Set<bigint>();
  for (let i = 0; i < SEM_TAB_SIZE; i++) {
    const root = semtable + BigInt(i * bucketSize);
    const treap = readField(mem, root, o.semaRoot.treap);
    const stack = treap !== 0n ? [treap] : [];
    while (stack.length > 0) {
      const p = stack.pop()!;
      if (seen.has(p) || seen.size >= MAX_LIST) throw new WaitRecordError(`semtable bucket ${i}: the treap at ${hex(treap)} loops`);
      seen.add(p);
      const node = readSudog(mem, o, p);
      // The node is the first waiter for node.elem; the rest follow by waitlink (sema.go queue).
      const waiters = [{ addr: node.addr, g: node.g }, ...walkList(mem, o, node.waitlink, 'waitlink', `semaphore ${hex(node.elem)} waiters`)];
      out.set(node.elem, waiters);
      if (node.prev !== 0n) stack.push(node.prev);
      if (node.next !== 0n) stack.push(node.next);
    }
  }
  return out;
}
