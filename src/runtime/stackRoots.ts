// The live pointer words of a goroutine's stack, as the garbage collector sees them: per frame, the
// locals and arguments pointer bitmaps (FUNCDATA_LocalsPointerMaps / FUNCDATA_ArgsPointerMaps,
// indexed by PCDATA_StackMapIndex at the call's pc), following runtime/stkframe.go getStackMap
// and traceback.go (varp = fp - return address (amd64 only) - saved frame pointer; argp = fp +
// sys.MinFrameSize: fp on amd64, fp + 8 on arm64) of
// Go 1.19 through 1.27. A dead slot holding a stale copy of a pointer is not a reference.
// Stack objects (address-taken locals, FUNCDATA_StackObjects: runtime/stack.go stackObjectRecord
// {off, size, ptrdata, gcdataoff int32/uint32}, the same 1.19 through 1.27; off < 0 from varp,
// else from argp; the pointer bitmap at moduledata.rodata + gcdataoff, or a GC program when
// ptrdata < 0 before 1.2x, then every word is taken) come from frameStackObjects. Register
// contents of running goroutines are not covered; a frame without stack maps (assembly)
// contributes nothing (frameHasStackMaps says so, for callers that scan such frames otherwise).
import type { Memory } from '../core/memory.js';
import { PCDATA_StackMapIndex, type Pclntab } from '../core/pclntab.js';

const FUNCDATA_ArgsPointerMaps = 0;
const FUNCDATA_LocalsPointerMaps = 1;
const FUNCDATA_StackObjects = 2;
/** At most this many stack objects per frame, and bytes per object, are read. */
const MAX_STACK_OBJECTS = 4096;
const MAX_STACK_OBJECT_SIZE = 1 << 20;
/** runtime/internal/abi: ArgsSizeUnknown. */
const ARGS_SIZE_UNKNOWN = -0x80000000;

export interface RootFrame {
  /** Physical frame pc (a return address unless `exact`). */
  pc: bigint;
  sp: bigint;
  /** The caller's sp (cfa). */
  fp: bigint;
  /** pc is the interrupted instruction (signal frame or a running thread's innermost frame). */
  exact?: boolean;
}

interface StackMap {
  n: number;
  nbit: number;
  /** Bitmap i, or undefined when out of range. */
  bits(i: number): Buffer | undefined;
}

const mapCache = new WeakMap<Pclntab, Map<string, StackMap | null>>();

function stackMap(tab: Pclntab, mem: Memory, funcOff: number, off: number | undefined): StackMap | undefined {
  const gofunc = tab.goFuncAddr;
  if (off === undefined || gofunc === undefined) return undefined;
  let cache = mapCache.get(tab);
  if (!cache) mapCache.set(tab, (cache = new Map()));
  const key = `${funcOff}:${off}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit ?? undefined;
  const base = gofunc + BigInt(off);
  const head = mem.tryRead(base, 8);
  let m: StackMap | null = null;
  if (head) {
    const n = head.readInt32LE(0);
    const nbit = head.readInt32LE(4);
    if (n > 0 && n < 1 << 20 && nbit >= 0 && nbit < 1 << 24) {
      const stride = (nbit + 7) >> 3;
      const data = mem.tryRead(base + 8n, n * stride);
      if (data) m = { n, nbit, bits: (i) => (i >= 0 && i < n ? data.subarray(i * stride, (i + 1) * stride) : undefined) };
    }
  }
  cache.set(key, m);
  return m ?? undefined;
}

/** Per pc: where the frame's live pointer slots are, relative to fp (computed once per pc). */
interface FrameMaps {
  /** Locals: bitmap over nbit words ending at varp (fp - 8, or fp - 16 with a frame pointer). */
  locals: { nbit: number; bits: Buffer } | undefined;
  args: { nbit: number; bits: Buffer } | undefined;
}

const frameCache = new WeakMap<Pclntab, Map<bigint, FrameMaps | null>>();

function frameMaps(tab: Pclntab, mem: Memory, pc: bigint, exact: boolean): FrameMaps | undefined {
  let cache = frameCache.get(tab);
  if (!cache) frameCache.set(tab, (cache = new Map()));
  const key = exact ? -pc : pc;
  const hit = cache.get(key);
  if (hit !== undefined) return hit ?? undefined;
  let out: FrameMaps | null = null;
  const f = tab.funcForPC(pc);
  if (f) {
    let idx = -1;
    if (pc !== f.entry) idx = tab.pcdata(f, PCDATA_StackMapIndex, exact ? pc : pc - 1n) ?? -1;
    if (idx === -1) idx = 0;
    const lm = stackMap(tab, mem, f.funcOff, tab.funcdataOffset(f, FUNCDATA_LocalsPointerMaps));
    const lb = lm && lm.nbit > 0 ? lm.bits(idx) : undefined;
    let args: FrameMaps['args'];
    if (f.args !== ARGS_SIZE_UNKNOWN && f.args > 0) {
      const am = stackMap(tab, mem, f.funcOff, tab.funcdataOffset(f, FUNCDATA_ArgsPointerMaps));
      const ab = am && am.nbit > 0 ? am.bits(idx) : undefined;
      if (am && ab) args = { nbit: Math.min(am.nbit, f.args / 8), bits: ab };
    }
    out = { locals: lm && lb ? { nbit: lm.nbit, bits: lb } : undefined, args };
  }
  if (cache.size > 65_536) cache.clear();
  cache.set(key, out);
  return out ?? undefined;
}

/** Calls `visit` with the address and value of every live pointer slot of the frames. */
export function liveStackPointers(tab: Pclntab, mem: Memory, frames: readonly RootFrame[], visit: (slot: bigint, value: bigint) => void): void {
  for (const fr of frames) {
    if (fr.fp <= fr.sp) continue;
    const m = frameMaps(tab, mem, fr.pc, fr.exact ?? false);
    if (!m) continue;
    const { varp, argp } = frameBases(tab, fr);
    if (m.locals && varp > fr.sp) scanBits(mem, varp - BigInt(m.locals.nbit * 8), m.locals.nbit, m.locals.bits, visit);
    if (m.args) scanBits(mem, argp, m.args.nbit, m.args.bits, visit);
  }
}

/**
 * Where a frame's locals end and its arguments start (traceback.go): varp = fp, less the return
 * address the call pushed (amd64), less the saved frame pointer; argp = fp + sys.MinFrameSize.
 */
function frameBases(tab: Pclntab, fr: RootFrame): { varp: bigint; argp: bigint } {
  let varp = fr.fp - tab.arch.callPushBytes;
  if (varp > fr.sp) varp -= 8n;
  return { varp, argp: fr.fp + tab.arch.minFrameSize };
}

function scanBits(mem: Memory, base: bigint, nbit: number, bits: Buffer, visit: (slot: bigint, value: bigint) => void): void {
  let words: Buffer | undefined;
  for (let i = 0; i < nbit; i++) {
    if ((bits[i >> 3]! & (1 << (i & 7))) === 0) continue;
    words ??= mem.tryRead(base, nbit * 8);
    if (!words) return;
    visit(base + BigInt(i * 8), words.readBigUInt64LE(i * 8));
  }
}

/** Whether the frame's function has a locals pointer map (a Go function, not assembly). */
export function frameHasStackMaps(tab: Pclntab, fr: RootFrame): boolean {
  const f = tab.funcForPC(fr.pc);
  return f !== undefined && tab.goFuncAddr !== undefined && tab.funcdataOffset(f, FUNCDATA_LocalsPointerMaps) !== undefined;
}

export interface StackObject {
  addr: bigint;
  size: number;
  /** Addresses of its pointer words (by its type's pointer bitmap). */
  slots: bigint[];
}

/**
 * The stack objects of a frame (address-taken locals the GC scans by their type), given the
 * address of moduledata.rodata (their pointer bitmaps are at rodata + gcdataoff).
 */
export function frameStackObjects(tab: Pclntab, mem: Memory, fr: RootFrame, rodata: bigint): StackObject[] {
  const f = tab.funcForPC(fr.pc);
  const gofunc = tab.goFuncAddr;
  if (!f || gofunc === undefined || fr.fp <= fr.sp) return [];
  const off = tab.funcdataOffset(f, FUNCDATA_StackObjects);
  if (off === undefined) return [];
  const base = gofunc + BigInt(off);
  const n = mem.tryReadU64(base);
  if (n === undefined || n === 0n || n > BigInt(MAX_STACK_OBJECTS)) return [];
  const recs = mem.tryRead(base + 8n, Number(n) * 16);
  if (!recs) return [];
  const { varp, argp } = frameBases(tab, fr);
  const out: StackObject[] = [];
  for (let i = 0; i < Number(n); i++) {
    const o = recs.readInt32LE(i * 16);
    const size = recs.readInt32LE(i * 16 + 4);
    const ptrdata = recs.readInt32LE(i * 16 + 8);
    const gcdataoff = recs.readUInt32LE(i * 16 + 12);
    if (size <= 0 || size > MAX_STACK_OBJECT_SIZE) continue;
    const addr = (o < 0 ? varp : argp) + BigInt(o);
    const words = Math.floor(Math.min(Math.abs(ptrdata), size) / 8);
    const slots: bigint[] = [];
    const mask = ptrdata > 0 ? mem.tryRead(rodata + BigInt(gcdataoff), Math.ceil(words / 8)) : undefined;
    for (let w = 0; w < words; w++) {
      if (mask && (mask[w >> 3]! & (1 << (w & 7))) === 0) continue;
      slots.push(addr + BigInt(w * 8));
    }
    out.push({ addr, size, slots });
  }
  return out;
}
