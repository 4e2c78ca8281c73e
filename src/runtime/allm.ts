// All Ms from runtime.allm (linked by m.alllink), with their g0 / curg / gsignal and flags.
import type { Memory } from '../core/memory.js';
import { CoreReadError, hex } from '../core/errors.js';
import { readField, readFieldNumber } from './fields.js';
import { readGoroutine, type GoroutineInfo } from './goroutines.js';
import type { RuntimeLayout } from './layout.js';

export interface MInfo {
  /** Address of the runtime.m. */
  addr: bigint;
  id: bigint;
  /** OS thread id. */
  procid: bigint;
  g0: bigint;
  /** g0's stack [lo, hi) and saved sched pc/sp. */
  g0StackLo: bigint | undefined;
  g0StackHi: bigint | undefined;
  g0SchedPc: bigint | undefined;
  g0SchedSp: bigint | undefined;
  gsignal: bigint;
  curg: bigint;
  /** The user goroutine running on this M (when curg != 0 and readable). */
  curgInfo: GoroutineInfo | undefined;
  throwing: number;
  mallocing: number;
  locks: number;
  dying: number;
  /** *p (0 when the M holds none). */
  p: bigint;
  /** p.id when p != 0. */
  pId: number | undefined;
  lockedg: bigint;
}

export interface WalkMsOptions {
  /** Stop after this many Ms (default 100,000). */
  max?: number;
}

export function readM(mem: Memory, layout: RuntimeLayout, addr: bigint): MInfo {
  const o = layout.offsets.m;
  const g = layout.offsets.g;
  const g0 = readField(mem, addr, o.g0);
  const curg = readField(mem, addr, o.curg);
  const p = readField(mem, addr, o.p);
  const tryRead = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (e instanceof CoreReadError) return undefined;
      throw e;
    }
  };
  return {
    addr,
    id: readField(mem, addr, o.id),
    procid: readField(mem, addr, o.procid),
    g0,
    g0StackLo: g0 ? tryRead(() => readField(mem, g0, g.stackLo)) : undefined,
    g0StackHi: g0 ? tryRead(() => readField(mem, g0, g.stackHi)) : undefined,
    g0SchedPc: g0 ? tryRead(() => readField(mem, g0, g.schedPc)) : undefined,
    g0SchedSp: g0 ? tryRead(() => readField(mem, g0, g.schedSp)) : undefined,
    gsignal: readField(mem, addr, o.gsignal),
    curg,
    curgInfo: curg ? tryRead(() => readGoroutine(mem, layout, curg)) : undefined,
    throwing: readFieldNumber(mem, addr, o.throwing),
    mallocing: readFieldNumber(mem, addr, o.mallocing),
    locks: readFieldNumber(mem, addr, o.locks),
    dying: readFieldNumber(mem, addr, o.dying),
    p,
    pId: p ? tryRead(() => readFieldNumber(mem, p, layout.offsets.p.id)) : undefined,
    lockedg: readField(mem, addr, o.lockedg),
  };
}

/** Every M, newest first (allm order), from the address of the runtime.allm variable. */
export function walkMs(mem: Memory, layout: RuntimeLayout, allmAddr: bigint, opts: WalkMsOptions = {}): MInfo[] {
  const max = opts.max ?? 100_000;
  const out: MInfo[] = [];
  const seen = new Set<bigint>();
  let mp = mem.readPtr(allmAddr);
  while (mp !== 0n) {
    if (seen.has(mp)) throw new CoreReadError('corrupt', '<memory>', `runtime.allm list loops at m ${hex(mp)}`);
    if (out.length >= max) throw new CoreReadError('corrupt', '<memory>', `runtime.allm has more than ${max} Ms`);
    seen.add(mp);
    out.push(readM(mem, layout, mp));
    mp = mem.readPtr(mp + BigInt(layout.offsets.m.alllink.offset));
  }
  return out;
}
