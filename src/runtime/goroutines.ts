// All goroutines from runtime.allgs/allglen, read from raw memory with a version's layout.
import type { Memory } from '../core/memory.js';
import { CoreReadError, hex } from '../core/errors.js';
import { readFieldFrom } from './fields.js';
import { G_SCAN, gStatusName, waitReasonString, type RuntimeLayout } from './layout.js';

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
}

export const G_IDLE = 0;
export const G_WAITING = 4;
export const G_DEAD = 6;
export const G_LEAKED = 10;

/** Decode one runtime.g. Throws UnmappedAddressError when its memory is not in the core. */
export function readGoroutine(memory: Memory, layout: RuntimeLayout, addr: bigint): GoroutineInfo {
  const o = layout.offsets.g;
  // One read of the whole g (a few hundred bytes), then fields from the buffer.
  const buf = memory.read(addr, o.size);
  const le = memory.littleEndian;
  const status = Number(readFieldFrom(buf, o.atomicstatus, le));
  const waitReason = Number(readFieldFrom(buf, o.waitreason, le));
  const statusName = gStatusName(layout, status);
  const wrs = waitReasonString(layout, waitReason);
  const base = status & ~G_SCAN;
  let tracebackStatus = statusName;
  if ((base === G_WAITING || (base === G_LEAKED && layout.gStatus.get(G_LEAKED) === 'leaked')) && waitReason !== 0) {
    tracebackStatus = wrs ?? 'unknown wait reason';
  }
  return {
    addr,
    goid: readFieldFrom(buf, o.goid, le),
    status,
    statusName,
    waitReason,
    waitReasonString: wrs,
    tracebackStatus,
    stackLo: readFieldFrom(buf, o.stackLo, le),
    stackHi: readFieldFrom(buf, o.stackHi, le),
    schedSp: readFieldFrom(buf, o.schedSp, le),
    schedPc: readFieldFrom(buf, o.schedPc, le),
    schedBp: readFieldFrom(buf, o.schedBp, le),
    syscallsp: readFieldFrom(buf, o.syscallsp, le),
    syscallpc: readFieldFrom(buf, o.syscallpc, le),
    startpc: readFieldFrom(buf, o.startpc, le),
    gopc: readFieldFrom(buf, o.gopc, le),
    parentGoid: o.parentGoid ? readFieldFrom(buf, o.parentGoid, le) : undefined,
    m: readFieldFrom(buf, o.m, le),
    panic: readFieldFrom(buf, o.panic, le),
    defer: readFieldFrom(buf, o.defer, le),
    waitsince: readFieldFrom(buf, o.waitsince, le),
    lockedm: readFieldFrom(buf, o.lockedm, le),
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
  const goroutines: GoroutineInfo[] = [];
  const unreadable: { addr: bigint; reason: string }[] = [];
  for (let i = 0; i < n; i++) {
    const gp = mem.littleEndian ? table.readBigUInt64LE(i * 8) : table.readBigUInt64BE(i * 8);
    if (gp === 0n) continue;
    try {
      const g = readGoroutine(mem, layout, gp);
      if (!opts.includeDead && (g.status & ~G_SCAN) === G_DEAD) continue;
      goroutines.push(g);
    } catch (e) {
      if (!(e instanceof CoreReadError)) throw e;
      unreadable.push({ addr: gp, reason: e.message });
    }
  }
  return { goroutines, count: n, unreadable };
}
