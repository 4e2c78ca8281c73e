// All goroutines from runtime.allgs/allglen, read from raw memory with a version's layout.
import type { Memory } from '../core/memory.js';
import { CoreReadError, hex } from '../core/errors.js';
import { AscendingReader } from '../core/ascendingReader.js';
import { readFieldAt } from './fields.js';
import { G_SCAN, gStatusName, waitReasonString, type FieldRef, type RuntimeLayout } from './layout.js';

export interface GoroutineInfo {
  /** Address of the runtime.g. */
  addr: bigint;
  goid: bigint;
  /** g.atomicstatus as stored (may carry the _Gscan bit). */
  status: number;
  /** Status name as the traceback prints it: `running`, `waiting`, ... (`???` when unknown). */
  statusName: string;
  waitReason: number;
  /** The wait reason's string, '' for none, undefined when out of the table. */
  waitReasonString: string | undefined;
  /** What the traceback header shows in brackets: the wait reason for waiting goroutines, else the status. */
  tracebackStatus: string;
  stackLo: bigint;
  stackHi: bigint;
  schedSp: bigint;
  schedPc: bigint;
  schedBp: bigint;
  /** g.sched.lr: the link register saved with the context (arm64 morestack; 0 otherwise). */
  schedLr: bigint;
  syscallsp: bigint;
  syscallpc: bigint;
  /** Function the goroutine started in. */
  startpc: bigint;
  /** PC of the `go` statement that created it. */
  gopc: bigint;
  /** Go 1.21+: goid of the creating goroutine. */
  parentGoid: bigint | undefined;
  /** *m running it (0 when none). */
  m: bigint;
  panic: bigint;
  defer: bigint;
  waitsince: bigint;
  lockedm: bigint;
  /** g.waiting: the first sudog of a channel operation or select (undefined when the layout lacks it). */
  waiting: bigint | undefined;
  /** g.timer (time.Sleep's timer) and, from Go 1.23, g.sleepWhen: undefined when the layout lacks them. */
  timer: bigint | undefined;
  sleepWhen: bigint | undefined;
}

export const G_IDLE = 0;
export const G_WAITING = 4;
export const G_DEAD = 6;
export const G_LEAKED = 10;

/** Decode one runtime.g. Throws UnmappedAddressError when its memory is not in the core. */
export function readGoroutine(memory: Memory, layout: RuntimeLayout, addr: bigint): GoroutineInfo {
  // One read of the whole g (a few hundred bytes), then fields from the buffer.
  const buf = memory.read(addr, layout.offsets.g.size);
  return decodeGoroutine(new DataView(buf.buffer, buf.byteOffset, buf.length), 0, layout, addr, memory.littleEndian);
}

/**
 * Code addresses met while decoding many g's (g.sched.pc, startpc, gopc, syscallpc: a few distinct
 * values for thousands of goroutines), one BigInt each.
 */
class CodeAddresses {
  private readonly known = new Map<number, bigint>();
  at(view: DataView, at: number, f: FieldRef, le: boolean): bigint {
    if (f.size !== 8) return readFieldAt(view, at, f, le);
    const o = at + f.offset;
    if (f.offset < 0 || o + 8 > view.byteLength) return readFieldAt(view, at, f, le);
    const lo = view.getUint32(o + (le ? 0 : 4), le);
    const hi = view.getUint32(o + (le ? 4 : 0), le);
    if (hi >= 1 << 21) return readFieldAt(view, at, f, le); // above 2^53: not a key
    const key = hi * 2 ** 32 + lo;
    let v = this.known.get(key);
    if (v === undefined) {
      v = readFieldAt(view, at, f, le);
      if (this.known.size < 65536) this.known.set(key, v);
    }
    return v;
  }
}

/** Decode the runtime.g whose bytes start at `at` in `view`. */
function decodeGoroutine(view: DataView, at: number, layout: RuntimeLayout, addr: bigint, le: boolean, code?: CodeAddresses): GoroutineInfo {
  const o = layout.offsets.g;
  const f = (ref: FieldRef) => readFieldAt(view, at, ref, le);
  const pc = code ? (ref: FieldRef) => code.at(view, at, ref, le) : f;
  const status = Number(f(o.atomicstatus));
  const waitReason = Number(f(o.waitreason));
  const statusName = gStatusName(layout, status);
  const wrs = waitReasonString(layout, waitReason);
  const base = status & ~G_SCAN;
  let tracebackStatus = statusName;
  if ((base === G_WAITING || (base === G_LEAKED && layout.gStatus.get(G_LEAKED) === 'leaked')) && waitReason !== 0) {
    tracebackStatus = wrs ?? 'unknown wait reason';
  }
  return {
    addr,
    goid: f(o.goid),
    status,
    statusName,
    waitReason,
    waitReasonString: wrs,
    tracebackStatus,
    stackLo: f(o.stackLo),
    stackHi: f(o.stackHi),
    schedSp: f(o.schedSp),
    schedPc: pc(o.schedPc),
    schedBp: f(o.schedBp),
    schedLr: pc(o.schedLr),
    syscallsp: f(o.syscallsp),
    syscallpc: pc(o.syscallpc),
    startpc: pc(o.startpc),
    gopc: pc(o.gopc),
    parentGoid: o.parentGoid ? f(o.parentGoid) : undefined,
    m: f(o.m),
    panic: f(o.panic),
    defer: f(o.defer),
    waitsince: f(o.waitsince),
    lockedm: f(o.lockedm),
    waiting: o.waiting ? f(o.waiting) : undefined,
    timer: o.timer ? f(o.timer) : undefined,
    sleepWhen: o.sleepWhen ? f(o.sleepWhen) : undefined,
  };
}

export interface WalkGoroutinesOptions {
  /** Stop after this many g's (default 10,000,000). */
  max?: number;
  /** Include dead goroutines (default false: the traceback never prints them). */
  includeDead?: boolean;
}

export interface GoroutineWalk {
  goroutines: GoroutineInfo[];
  /** len(allgs) as read (allglen when known, else the slice length). */
  count: number;
  /** g's whose memory could not be read. */
  unreadable: { addr: bigint; reason: string }[];
}

/**
 * Every g in allgs. `allgsAddr` is the address of the runtime.allgs slice header; `allglenAddr`
 * (runtime.allglen) is preferred for the length when given, as the runtime does.
 */
export function walkGoroutines(
  mem: Memory,
  layout: RuntimeLayout,
  allgsAddr: bigint,
  allglenAddr: bigint | undefined,
  opts: WalkGoroutinesOptions = {},
): GoroutineWalk {
  const max = opts.max ?? 10_000_000;
  const ptr = mem.readPtr(allgsAddr);
  const sliceLen = mem.readU64(allgsAddr + 8n);
  const cap = mem.readU64(allgsAddr + 16n);
  const len = allglenAddr !== undefined ? mem.readU64(allglenAddr) : sliceLen;
  if (len > cap || len > BigInt(max)) {
    throw new CoreReadError(
      'corrupt',
      '<memory>',
      `runtime.allgs at ${hex(allgsAddr)} looks corrupt: len ${len}, cap ${cap} (limit ${max})`,
    );
  }
  const n = Number(len);
  const table = n > 0 ? mem.read(ptr, n * 8) : Buffer.alloc(0);
  const tableView = new DataView(table.buffer, table.byteOffset, table.length);
  // Read in address order (the memory's page cache then serves neighbours: 100,000 g's span
  // hundreds of megabytes), listed in allgs order.
  const gps: bigint[] = [];
  for (let i = 0; i < n; i++) gps.push(tableView.getBigUint64(i * 8, mem.littleEndian));
  const order = gps.map((_, i) => i).sort((x, y) => Number(gps[x]!) - Number(gps[y]!));
  const read: (GoroutineInfo | undefined)[] = new Array<GoroutineInfo | undefined>(n);
  const unreadable: { addr: bigint; reason: string }[] = [];
  // The g's bytes come in windows of the core file (AscendingReader), not one buffer per g.
  const reader = new AscendingReader(mem, 'runtime.allgs');
  const code = new CodeAddresses();
  const size = layout.offsets.g.size;
  for (const i of order) {
    const gp = gps[i]!;
    if (gp === 0n) continue;
    try {
      const at = reader.locate(gp, size);
      const g = at >= 0 ? decodeGoroutine(reader.view, at, layout, gp, mem.littleEndian, code) : readGoroutine(mem, layout, gp);
      if (!opts.includeDead && (g.status & ~G_SCAN) === G_DEAD) continue;
      read[i] = g;
    } catch (e) {
      if (!(e instanceof CoreReadError)) throw e;
      unreadable.push({ addr: gp, reason: e.message });
    }
  }
  const goroutines = read.filter((g): g is GoroutineInfo => g !== undefined);
  return { goroutines, count: n, unreadable };
}
