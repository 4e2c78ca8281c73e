// Parked goroutine stacks walked once per shape, for cores with thousands of goroutines that sit in
// a handful of identical call chains (worker pools, servers). A parked goroutine's walk starts at
// g.sched (pc, sp) and each step depends only on the pc (pcsp frame size, TOPFRAME flag: see
// src/core/unwind.ts) and on the return address read at the frame's cfa-8. So two goroutines with
// the same start pc, the same used stack depth (stack.hi - sp) and the same return addresses at the
// same offsets from sp have the same frames, shifted by the difference of their sp; and the same
// live pointer slots (stackRoots.ts: the stack maps are chosen by pc), at the same offsets.
// A shape is recorded from a full walk (unwind + liveStackPointers) of its first goroutine and
// reused for a later goroutine only after checking every return-address word on that goroutine's
// own stack. Walks that are not plain (signal frames, native code, stack switches, recursion runs,
// a walk that did not end at the top of the stack) are never reused: they are walked in full.
// Each goroutine's used stack is read once (one read of [sp, stack.hi), in address order).
import { AscendingReader } from '../core/ascendingReader.js';
import { MemoryBase, type Memory } from '../core/memory.js';
import type { Pclntab } from '../core/pclntab.js';
import { unwind, type PhysicalFrame, type StopReason } from '../core/unwind.js';
import { liveStackPointers, type RootFrame } from './stackRoots.js';

/** Stacks deeper than this (bytes in use) are walked through the core's memory, not read at once. */
const MAX_IMAGE = 64 * 1024;

export interface ShapeFrame {
  pc: bigint;
  /** sp - the goroutine's start sp. */
  spOff: number;
  /** fp (the caller's sp) - the start sp. */
  fpOff: number;
  exact: boolean;
}

export interface StackShape {
  /** Index in the order shapes were found (a stable key for grouping). */
  id: number;
  frames: ShapeFrame[];
  stop: StopReason;
  /** Offsets (from the start sp) of the live pointer slots, in the order stackRoots visits them. */
  liveSlots: number[];
  /** Return-address words checked before reuse: offset from sp, expected value as two 32-bit halves. */
  checks: { off: number; lo: number; hi: number }[];
  /** Used stack bytes (stack.hi - sp): part of the reuse key. */
  depth: number;
  /** Whether later goroutines may reuse it. */
  reusable: boolean;
  /**
   * The unwinder's frames of the goroutine whose walk recorded the shape (at that goroutine's sp):
   * a later goroutine of the shape has the same frames at its own sp + ShapeFrame.spOff / fpOff.
   */
  physical: PhysicalFrame[];
}

export interface WalkedStack {
  shape: StackShape;
  /** The goroutine's start sp: frame i's sp is sp + shape.frames[i].spOff. */
  sp: bigint;
  /** Where its live pointer values start in the walker's LiveWords (count: shape.liveSlots.length). */
  liveAt: number;
  liveCount: number;
  /** Where its used stack bytes [sp, hi) start in the walker's `kept` bytes, or -1 when not kept. */
  bytesAt: number;
}

export interface StackStart {
  pc: bigint;
  sp: bigint;
  bp: bigint;
  /** stack.hi of the goroutine. */
  hi: bigint;
  /**
   * g.sched.lr (arm64): the return address of an innermost frame that has not stored it. A walk
   * that starts with one is never reused (its first return address is not on the stack).
   */
  lr?: bigint;
}

export interface StackShapesOptions {
  /** Record the live pointer slots of each stack (default true; grouping by stack needs only frames). */
  live?: boolean;
  /**
   * Keep the used bytes of the stacks walked, up to this many bytes in all (default 0): a later
   * scan of every stack word then reads no file (100,000 parked goroutines use about 40 MB).
   */
  keepBytes?: number;
}

/** Bytes of many stacks in one growing buffer (no buffer per goroutine). */
export class KeptBytes {
  private bytes = new Uint8Array(1 << 20);
  private n = 0;
  view = new DataView(this.bytes.buffer);
  constructor(readonly max: number) {}
  /** Copies `src` (from a reused window) and returns where it starts, or -1 past `max`. */
  push(src: Uint8Array): number {
    if (this.n + src.length > this.max) return -1;
    if (this.n + src.length > this.bytes.length) {
      const b = new Uint8Array(Math.min(this.max, Math.max(this.bytes.length * 2, this.n + src.length)));
      b.set(this.bytes.subarray(0, this.n));
      this.bytes = b;
      this.view = new DataView(b.buffer);
    }
    this.bytes.set(src, this.n);
    this.n += src.length;
    return this.n - src.length;
  }
}

/**
 * Live pointer values of many stacks in one growing array of 32-bit halves (no BigInt and no
 * typed array per goroutine: 100,000 goroutines hold about a million words).
 */
export class LiveWords {
  private words = new Uint32Array(1 << 16);
  private n = 0;
  get length(): number {
    return this.n;
  }
  push(lo: number, hi: number): void {
    if (2 * this.n + 2 > this.words.length) {
      const w = new Uint32Array(this.words.length * 2);
      w.set(this.words);
      this.words = w;
    }
    this.words[2 * this.n] = lo;
    this.words[2 * this.n + 1] = hi;
    this.n++;
  }
  pushBig(v: bigint): void {
    this.push(Number(v & 0xffffffffn), Number(v >> 32n));
  }
  lo(i: number): number {
    return this.words[2 * i]!;
  }
  hi(i: number): number {
    return this.words[2 * i + 1]!;
  }
  value(i: number): bigint {
    return (BigInt(this.words[2 * i + 1]!) << 32n) | BigInt(this.words[2 * i]!);
  }
}

/** Memory that serves one stack's bytes from a buffer read at once, everything else from the core. */
class StackImage extends MemoryBase {
  readonly ptrSize: number;
  readonly littleEndian: boolean;
  private readonly view: DataView;
  private readonly end: bigint;
  constructor(
    private readonly mem: Memory,
    private readonly base: bigint,
    private readonly buf: Buffer,
  ) {
    super();
    this.ptrSize = mem.ptrSize;
    this.littleEndian = mem.littleEndian;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    this.end = base + BigInt(buf.length);
  }
  read(addr: bigint, len: number): Buffer {
    if (addr >= this.base && addr + BigInt(len) <= this.end) {
      const o = Number(addr - this.base);
      return this.buf.subarray(o, o + len);
    }
    return this.mem.read(addr, len);
  }
  override readU64(addr: bigint): bigint {
    if (addr >= this.base && addr + 8n <= this.end) return this.view.getBigUint64(Number(addr - this.base), this.littleEndian);
    return this.mem.readU64(addr);
  }
  override tryReadU64(addr: bigint): bigint | undefined {
    if (addr >= this.base && addr + 8n <= this.end) return this.view.getBigUint64(Number(addr - this.base), this.littleEndian);
    return this.mem.tryReadU64(addr);
  }
}

export class StackShapes {
  /** Reusable shapes by start pc, then used depth (no key string made per goroutine). */
  private readonly byKey = new Map<number, Map<number, StackShape[]>>();
  private count = 0;
  private readonly reader: AscendingReader;
  /** Live pointer values of every stack walked (WalkedStack.liveAt indexes it). */
  readonly live = new LiveWords();
  /** Goroutines whose shape was reused / walked in full (for the benchmark). */
  reused = 0;
  walked = 0;

  private readonly withLive: boolean;
  /** The used stack bytes kept (StackShapesOptions.keepBytes). */
  readonly kept: KeptBytes;

  constructor(
    private readonly tab: Pclntab,
    private readonly mem: Memory,
    private readonly maxFrames: number,
    opts: StackShapesOptions = {},
  ) {
    this.reader = new AscendingReader(mem, 'goroutine stacks');
    this.withLive = opts.live !== false;
    this.kept = new KeptBytes(opts.keepBytes ?? 0);
  }

  /**
   * A stack's used part [sp, hi) read at once: its offset in `stackView` (valid until the next
   * call), or -1 when it cannot be read at once. Fastest in ascending sp order (the windows of walk()).
   */
  usedStack(sp: bigint, hi: bigint): number {
    const depth = hi > sp ? Number(hi - sp) : 0;
    return depth > 0 && depth <= MAX_IMAGE ? this.reader.locate(sp, depth) : -1;
  }

  /** The bytes usedStack located. */
  get stackView(): DataView {
    return this.reader.view;
  }

  /** The frames and live pointer values of a parked goroutine's stack (fastest in ascending sp order). */
  walk(start: StackStart): WalkedStack {
    const depth = start.hi > start.sp ? Number(start.hi - start.sp) : 0;
    const at = depth > 0 && depth <= MAX_IMAGE ? this.reader.locate(start.sp, depth) : -1;
    const pcKey = Number(start.pc);
    const le = this.mem.littleEndian;
    const lr = this.tab.arch.lrReg && start.lr ? start.lr : undefined;
    const bytesAt = at >= 0 && this.kept.max > 0 ? this.kept.push(this.reader.buf.subarray(at, at + depth)) : -1;
    if (at >= 0 && lr === undefined) {
      const view = this.reader.view;
      for (const s of this.byKey.get(pcKey)?.get(depth) ?? []) {
        let ok = true;
        for (const c of s.checks) {
          if (view.getUint32(at + c.off, le) !== c.lo || view.getUint32(at + c.off + 4, le) !== c.hi) {
            ok = false;
            break;
          }
        }
        if (!ok) continue;
        const liveAt = this.live.length;
        if (this.withLive) for (const o of s.liveSlots) this.live.push(view.getUint32(at + o, le), view.getUint32(at + o + 4, le));
        this.reused++;
        return { shape: s, sp: start.sp, liveAt, liveCount: s.liveSlots.length, bytesAt };
      }
    }
    this.walked++;
    const mem: Memory = at >= 0 ? new StackImage(this.mem, start.sp, this.reader.buf.subarray(at, at + depth)) : this.mem;
    const r = unwind(this.tab, mem, { pc: start.pc, sp: start.sp, bp: start.bp, ...(lr !== undefined ? { lr } : {}) }, { maxFrames: this.maxFrames, innermostIsCallReturn: true, logicalFrames: false });
    const frames: ShapeFrame[] = r.frames.map((f) => ({ pc: f.pc, spOff: Number(f.sp - start.sp), fpOff: Number(f.fp - start.sp), exact: f.isSignalFrame }));
    const slots: number[] = [];
    const liveAt = this.live.length;
    if (this.withLive) {
      liveStackPointers(this.tab, mem, rootFrames(frames, start.sp), (slot, value) => {
        slots.push(Number(slot - start.sp));
        this.live.pushBig(value);
      });
    }
    const plain = r.stop === 'top' && r.frames.every((f) => !f.isSignalFrame && !f.native && f.repeat === 1 && f.stackIndex === 0);
    const checks: StackShape['checks'] = [];
    for (let i = 1; i < frames.length; i++) {
      const pc = frames[i]!.pc;
      checks.push({ off: frames[i - 1]!.fpOff - 8, lo: Number(pc & 0xffffffffn), hi: Number(pc >> 32n) });
    }
    const inside = (o: number) => o >= 0 && o + 8 <= depth;
    const reusable = plain && at >= 0 && lr === undefined && slots.every(inside) && checks.every((c) => inside(c.off));
    const shape: StackShape = { id: this.count++, frames, stop: r.stop, liveSlots: slots, checks, depth, reusable, physical: r.frames };
    if (reusable) {
      let byDepth = this.byKey.get(pcKey);
      if (!byDepth) this.byKey.set(pcKey, (byDepth = new Map()));
      const l = byDepth.get(depth);
      if (l) l.push(shape);
      else byDepth.set(depth, [shape]);
    }
    return { shape, sp: start.sp, liveAt, liveCount: slots.length, bytesAt };
  }
}

/** The physical frames of a walked stack at its own sp (for stackRoots and the map-race scan). */
export function rootFrames(frames: readonly ShapeFrame[], sp: bigint): RootFrame[] {
  return frames.map((f) => ({ pc: f.pc, sp: sp + BigInt(f.spOff), fp: sp + BigInt(f.fpOff), exact: f.exact }));
}
