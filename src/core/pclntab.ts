// The Go 1.18+ pclntab ("runtime.pcHeader" and the tables after it): function table, `_func`
// records, function names, the compilation-unit and file tables, and pc-value tables (pc→sp delta,
// pc→file, pc→line, pcdata). Addresses handed in and out are *runtime* addresses: link-time
// addresses plus the load bias (non-zero only for PIE).
//
// Layout (runtime/symtab.go, cmd/link/internal/ld/pcln.go):
//   pcHeader: magic u32, pad u8 u8, minLC u8, ptrSize u8, then 8 words: nfunc, nfiles, textStart,
//             funcnameOffset, cuOffset, filetabOffset, pctabOffset, pclnOffset (offsets from the header)
//   pclntable (at pclnOffset): functab [nfunc+1]{entryOff u32, funcOff u32} then the `_func` records
//             (funcOff is relative to pclntable); the last functab entry holds the end of text.
//   _func:    entryOff u32, nameOff i32, args i32, deferreturn u32, pcsp u32, pcfile u32, pcln u32,
//             npcdata u32, cuOffset u32, [startLine i32: 1.20+], funcID u8, flag u8, pad u8,
//             nfuncdata u8, pcdata [npcdata]u32 (offsets into pctab), funcdata [nfuncdata]u32
//             (offsets from moduledata.gofunc, ^0 = none).
import { ByteReader } from './bytes.js';
import { CoreReadError, hex } from './errors.js';
import { decodeInlinedCall, inlinedCallSize } from './inline.js';
import { AMD64, ARM64, archSpec, type ArchSpec } from './arch/index.js';
import type { Arch } from './elfTypes.js';

export const PCLNTAB_MAGIC_116 = 0xfffffffa;
export const PCLNTAB_MAGIC_118 = 0xfffffff0;
export const PCLNTAB_MAGIC_120 = 0xfffffff1;
export const PCLNTAB_MAGIC_12 = 0xfffffffb;

/** pcdata table indexes (internal/abi). */
export const PCDATA_UnsafePoint = 0;
export const PCDATA_StackMapIndex = 1;
export const PCDATA_InlTreeIndex = 2;
/** funcdata indexes (internal/abi). */
export const FUNCDATA_InlTree = 3;

/** Which `_func`/inlinedCall layout the table uses. */
export type PclntabFormat = 'go1.18' | 'go1.20';

export interface PcHeader {
  magic: number;
  format: PclntabFormat;
  minLC: number;
  ptrSize: number;
  nfunc: number;
  nfiles: number;
  /** Link-time start of text, the base of every function's entry offset. */
  textStart: bigint;
  funcnameOffset: number;
  cuOffset: number;
  filetabOffset: number;
  pctabOffset: number;
  pclnOffset: number;
}

/** One `_func` record, decoded. Addresses are runtime addresses. */
export interface FuncInfo {
  /** Index in the function table. */
  index: number;
  name: string;
  entry: bigint;
  /** First address after the function (the next function's entry). */
  end: bigint;
  args: number;
  deferreturn: number;
  pcsp: number;
  pcfile: number;
  pcln: number;
  npcdata: number;
  cuOffset: number;
  /** Line of the `func` keyword (Go 1.20+), else 0. */
  startLine: number;
  funcID: number;
  flag: number;
  nfuncdata: number;
  /** Offset of the `_func` record in the pclntable (for pcdata/funcdata lookups). */
  funcOff: number;
}

export interface FileLine {
  file: string;
  line: number;
}

/** A source-level frame: a physical function or a call inlined into it. */
export interface LogicalFrame {
  function: string;
  file: string;
  line: number;
  /** True for a call the compiler inlined (the runtime prints it with `(...)` and no pc). */
  inlined: boolean;
  funcID: number;
  /** The physical function that holds the code. */
  physical: FuncInfo;
  /** The pc used for the lookup (pc-1 for a return address, entry+parentPc for outer inline levels). */
  lookupPc: bigint;
}

/** Reads `len` bytes at a runtime address (for funcdata that lives outside the pclntab). */
export type AddressReader = (addr: bigint, len: number) => Buffer;

export interface FramesOptions {
  /**
   * The pc is a return address (any frame but the innermost one and the one interrupted by a
   * signal): its call instruction ends just before it, so the lookup uses pc-1.
   */
  isCallReturn?: boolean;
}

export interface PclntabOptions {
  /** File name for messages. */
  file?: string;
  /** Runtime minus link-time address (PIE load bias); 0 by default. */
  bias?: bigint;
  /**
   * Link-time start of text (`runtime.text`, moduledata.text). Go 1.26+ no longer stores it in
   * the header (the field is 0); there it must be given (else entry addresses are offsets).
   */
  textStart?: bigint;
  /**
   * The executable's architecture (its ELF machine). Without it, the header's instruction size
   * quantum decides: 1 for amd64, 4 for arm64 (the two architectures read here).
   */
  arch?: Arch;
}

const MAX_FUNCS = 10_000_000;
/** Entries kept in the per-pc caches (funcForPC, spDelta) before they are cleared. */
const PC_CACHE_SIZE = 16_384;

/** Magic number → format, or a typed error for pre-1.18 / unknown tables. */
export function pclntabFormat(magic: number, file: string): PclntabFormat {
  if (magic === PCLNTAB_MAGIC_118) return 'go1.18';
  if (magic === PCLNTAB_MAGIC_120) return 'go1.20';
  if (magic === PCLNTAB_MAGIC_116 || magic === PCLNTAB_MAGIC_12) {
    throw new CoreReadError(
      'unsupported',
      file,
      `${file}: the pclntab has the Go ${magic === PCLNTAB_MAGIC_116 ? '1.16/1.17' : '1.2–1.15'} format (magic ${hex(magic)}); ` +
        `only binaries built by Go 1.18 or newer are supported`,
    );
  }
  throw new CoreReadError('not-go', file, `${file}: no Go pclntab (magic ${hex(magic)} is not a Go 1.18+ pclntab magic)`);
}

export class Pclntab {
  readonly header: PcHeader;
  readonly file: string;
  readonly bias: bigint;
  /** Architecture of the code the table describes: frame layout and instruction size. */
  readonly arch: ArchSpec;
  private readonly r: ByteReader;
  private readonly funcCache = new Map<number, FuncInfo>();
  private nameIndex: Map<string, number> | undefined;
  private readonly ftabOff: number;
  private readonly textEndOff: number;
  private gofunc: { addr: bigint; read: AddressReader } | undefined;
  private readonly linkTextStart: bigint;
  /** frames() results by pc, for return addresses and for exact pcs: deep recursion and thousands
   * of parked goroutines repeat the same pcs. */
  private readonly framesCacheRet = new Map<bigint, LogicalFrame[]>();
  private readonly framesCacheExact = new Map<bigint, LogicalFrame[]>();
  /** funcIndexForPC results by pc (-1 for none). */
  private readonly pcIndexCache = new Map<bigint, number>();
  /** spDelta results by pc, with the function they were asked for. */
  private readonly spDeltaCache = new Map<bigint, { f: FuncInfo; delta: number | undefined }>();

  /** `data` starts at the pcHeader and holds the whole table (the `.gopclntab` section). */
  constructor(data: Buffer, opts: PclntabOptions = {}) {
    this.file = opts.file ?? '<pclntab>';
    this.bias = opts.bias ?? 0n;
    this.r = new ByteReader(data, { file: this.file, what: 'pclntab', kind: 'corrupt' });
    this.header = parsePcHeader(this.r, this.file);
    this.arch = opts.arch ? archSpec(opts.arch, this.file) : this.header.minLC === 4 ? ARM64 : AMD64;
    this.linkTextStart = this.header.textStart !== 0n ? this.header.textStart : (opts.textStart ?? 0n);
    this.ftabOff = this.header.pclnOffset;
    this.r.check(this.ftabOff, (this.header.nfunc + 1) * 8, 'function table');
    this.textEndOff = this.r.u32(this.ftabOff + this.header.nfunc * 8);
  }

  get format(): PclntabFormat {
    return this.header.format;
  }
  get funcCount(): number {
    return this.header.nfunc;
  }
  /** Runtime address of the start of text (link-time text start + bias). */
  get textStart(): bigint {
    return this.linkTextStart + this.bias;
  }
  /** True when the link-time text start is known (stored in the header, or given). */
  get hasTextStart(): boolean {
    return this.linkTextStart !== 0n;
  }
  get textEnd(): bigint {
    return this.textStart + BigInt(this.textEndOff);
  }

  /** Entry offset (from textStart) of function i; i == nfunc gives the end of text. */
  entryOff(i: number): number {
    return this.r.u32(this.ftabOff + i * 8);
  }

  funcAt(i: number): FuncInfo {
    if (!Number.isInteger(i) || i < 0 || i >= this.header.nfunc) {
      throw new RangeError(`function index ${i} out of range [0, ${this.header.nfunc})`);
    }
    const cached = this.funcCache.get(i);
    if (cached) return cached;
    const funcOff = this.header.pclnOffset + this.r.u32(this.ftabOff + i * 8 + 4);
    const r = this.r;
    const entryOff = r.u32(funcOff);
    const go120 = this.header.format === 'go1.20';
    const tail = funcOff + (go120 ? 40 : 36);
    const f: FuncInfo = {
      index: i,
      name: this.funcName(r.i32(funcOff + 4)),
      entry: this.textStart + BigInt(entryOff),
      end: this.textStart + BigInt(this.entryOff(i + 1)),
      args: r.i32(funcOff + 8),
      deferreturn: r.u32(funcOff + 12),
      pcsp: r.u32(funcOff + 16),
      pcfile: r.u32(funcOff + 20),
      pcln: r.u32(funcOff + 24),
      npcdata: r.u32(funcOff + 28),
      cuOffset: r.u32(funcOff + 32),
      startLine: go120 ? r.i32(funcOff + 36) : 0,
      funcID: r.u8(tail),
      flag: r.u8(tail + 1),
      nfuncdata: r.u8(tail + 3),
      funcOff,
    };
    if (this.funcCache.size > 100_000) this.funcCache.clear();
    this.funcCache.set(i, f);
    return f;
  }

  /** Name at an offset in funcnametab. */
  funcName(nameOff: number): string {
    if (nameOff < 0) return '?';
    return this.r.cstring(this.header.funcnameOffset + nameOff, 4096);
  }

  /** Index of the function containing a runtime pc, or -1. */
  funcIndexForPC(pc: bigint): number {
    const start = this.textStart;
    if (pc < start) return -1;
    const off = pc - start;
    if (off >= BigInt(this.textEndOff)) return -1;
    const o = Number(off);
    let lo = 0;
    let hi = this.header.nfunc - 1;
    if (hi < 0 || this.entryOff(0) > o) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.entryOff(mid) <= o) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  funcForPC(pc: bigint): FuncInfo | undefined {
    let i = this.pcIndexCache.get(pc);
    if (i === undefined) {
      i = this.funcIndexForPC(pc);
      if (this.pcIndexCache.size >= PC_CACHE_SIZE) this.pcIndexCache.clear();
      this.pcIndexCache.set(pc, i);
    }
    return i < 0 ? undefined : this.funcAt(i);
  }

  funcByName(name: string): FuncInfo | undefined {
    if (!this.nameIndex) {
      const m = new Map<string, number>();
      for (let i = 0; i < this.header.nfunc; i++) {
        const funcOff = this.header.pclnOffset + this.r.u32(this.ftabOff + i * 8 + 4);
        const n = this.funcName(this.r.i32(funcOff + 4));
        if (!m.has(n)) m.set(n, i);
      }
      this.nameIndex = m;
    }
    const i = this.nameIndex.get(name);
    return i === undefined ? undefined : this.funcAt(i);
  }

  /** Every function, in address order. */
  *funcs(): IterableIterator<FuncInfo> {
    for (let i = 0; i < this.header.nfunc; i++) yield this.funcAt(i);
  }

  /**
   * Value of the pc-value table at `tableOff` (offset into pctab) for `pc` in function `f`;
   * undefined when the table is absent (offset 0) or does not cover pc.
   */
  pcValue(f: FuncInfo, tableOff: number, pc: bigint): number | undefined {
    if (tableOff === 0 || pc < f.entry || pc >= f.end) return undefined;
    const buf = this.r.buf;
    const n = buf.length;
    const target = Number(pc - f.entry);
    const quantum = this.header.minLC;
    let p = this.header.pctabOffset + tableOff;
    let val = -1;
    let cur = 0;
    for (let first = true; ; first = false) {
      if (p >= n) throw this.pcvalueOverrun(f, tableOff);
      let uv = buf[p]!;
      if (uv === 0 && !first) return undefined;
      if (uv & 0x80) {
        const v = readVarint32(this.r, p);
        uv = v.value;
        p = v.next;
      } else p++;
      val += uv & 1 ? -((uv >>> 1) + 1) : uv >>> 1; // zigzag: -(uv&1) ^ (uv>>1)
      if (p >= n) throw this.pcvalueOverrun(f, tableOff);
      let pcd = buf[p]!;
      if (pcd & 0x80) {
        const v = readVarint32(this.r, p);
        pcd = v.value;
        p = v.next;
      } else p++;
      cur += pcd * quantum;
      if (target < cur) return val;
    }
  }

  private pcvalueOverrun(f: FuncInfo, tableOff: number): CoreReadError {
    return new CoreReadError('corrupt', this.file, `${this.file}: the pc-value table at ${hex(tableOff)} of ${f.name} runs past the end of the pclntab`);
  }

  /** Stack-pointer delta (frame size so far) at pc: pcsp. */
  spDelta(f: FuncInfo, pc: bigint): number | undefined {
    const hit = this.spDeltaCache.get(pc);
    if (hit && hit.f === f) return hit.delta;
    const delta = this.pcValue(f, f.pcsp, pc);
    if (this.spDeltaCache.size >= PC_CACHE_SIZE) this.spDeltaCache.clear();
    this.spDeltaCache.set(pc, { f, delta });
    return delta;
  }

  /** Value of pcdata table `table` at pc, or undefined. */
  pcdata(f: FuncInfo, table: number, pc: bigint): number | undefined {
    if (table >= f.npcdata) return undefined;
    const off = this.r.u32(f.funcOff + (this.header.format === 'go1.20' ? 44 : 40) + table * 4);
    return this.pcValue(f, off, pc);
  }

  /** Offset (from moduledata.gofunc) of funcdata `i`, or undefined. */
  funcdataOffset(f: FuncInfo, i: number): number | undefined {
    if (i >= f.nfuncdata) return undefined;
    const base = f.funcOff + (this.header.format === 'go1.20' ? 44 : 40) + f.npcdata * 4;
    const v = this.r.u32(base + i * 4);
    return v === 0xffffffff ? undefined : v;
  }

  /**
   * Where funcdata lives: the runtime address of moduledata.gofunc (`go:func.*`) and a reader of
   * memory there (the executable or the core). Without it, frames() does not expand inlining.
   */
  setGoFunc(addr: bigint, read: AddressReader): void {
    this.gofunc = { addr, read };
    this.framesCacheRet.clear();
    this.framesCacheExact.clear();
  }
  get goFuncAddr(): bigint | undefined {
    return this.gofunc?.addr;
  }
  get canExpandInlining(): boolean {
    return this.gofunc !== undefined;
  }

  /**
   * Source-level frames at pc, innermost inlined call first, the physical function last.
   * Empty when no function contains pc.
   */
  frames(pc: bigint, opts: FramesOptions = {}): LogicalFrame[] {
    const cache = opts.isCallReturn ? this.framesCacheRet : this.framesCacheExact;
    let out = cache.get(pc);
    if (!out) {
      out = this.computeFrames(pc, opts);
      if (cache.size >= 4096) cache.clear();
      cache.set(pc, out);
    }
    // Copies: callers may annotate their frames.
    const copy = new Array<LogicalFrame>(out.length);
    for (let i = 0; i < out.length; i++) copy[i] = { ...out[i]! };
    return copy;
  }

  private computeFrames(pc: bigint, opts: FramesOptions): LogicalFrame[] {
    const f = this.funcForPC(pc);
    if (!f) return [];
    let lookupPc = opts.isCallReturn && pc > f.entry ? pc - 1n : pc;
    const out: LogicalFrame[] = [];
    const inl = this.gofunc && this.funcdataOffset(f, FUNCDATA_InlTree);
    if (this.gofunc && inl !== undefined) {
      const size = inlinedCallSize(this.header.format);
      for (let depth = 0; depth < 1000; depth++) {
        const ix = this.pcdata(f, PCDATA_InlTreeIndex, lookupPc);
        if (ix === undefined || ix < 0) break;
        const call = decodeInlinedCall(this.gofunc.read(this.gofunc.addr + BigInt(inl) + BigInt(ix * size), size), this.header.format);
        const pos = this.fileLine(f, lookupPc);
        out.push({ function: this.funcName(call.nameOff), ...pos, inlined: true, funcID: call.funcID, physical: f, lookupPc });
        lookupPc = f.entry + BigInt(call.parentPc);
      }
    }
    out.push({ function: f.name, ...this.fileLine(f, lookupPc), inlined: false, funcID: f.funcID, physical: f, lookupPc });
    return out;
  }

  /** File name for a per-CU file index. */
  fileName(f: FuncInfo, fileIndex: number): string {
    if (fileIndex < 0) return '?';
    const cuOff = this.r.u32(this.header.cuOffset + (f.cuOffset + fileIndex) * 4);
    if (cuOff === 0xffffffff) return '?';
    return this.r.cstring(this.header.filetabOffset + cuOff, 4096);
  }

  /** Source position of pc (no return-address adjustment: pass pc-1 for a return address). */
  fileLine(f: FuncInfo, pc: bigint): FileLine {
    const fi = this.pcValue(f, f.pcfile, pc);
    const line = this.pcValue(f, f.pcln, pc);
    return { file: fi === undefined ? '?' : this.fileName(f, fi), line: line ?? 0 };
  }

  /** Every file name of the file table (the `nfiles` NUL-terminated strings). */
  fileTable(): string[] {
    const out: string[] = [];
    let p = this.header.filetabOffset;
    for (let i = 0; i < this.header.nfiles && p < this.r.length; i++) {
      const s = this.r.cstring(p, 4096);
      out.push(s);
      p += Buffer.byteLength(s) + 1;
    }
    return out;
  }
}

function readVarint32(r: ByteReader, p: number): { value: number; next: number } {
  let v = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    const b = r.u8(p + i);
    v |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return { value: v >>> 0, next: p + i + 1 };
    shift += 7;
  }
  throw new CoreReadError('corrupt', r.file, `${r.file}: pclntab varint at offset ${hex(p)} is longer than 5 bytes`);
}

function parsePcHeader(r: ByteReader, file: string): PcHeader {
  if (r.length < 8) throw new CoreReadError('not-go', file, `${file}: the pclntab is only ${r.length} bytes long`);
  const magic = r.u32(0);
  const format = pclntabFormat(magic, file);
  const minLC = r.u8(6);
  const ptrSize = r.u8(7);
  if (r.u8(4) !== 0 || r.u8(5) !== 0 || (minLC !== 1 && minLC !== 2 && minLC !== 4) || (ptrSize !== 4 && ptrSize !== 8)) {
    throw new CoreReadError('corrupt', file, `${file}: the pclntab header is inconsistent (minLC ${minLC}, ptrSize ${ptrSize})`);
  }
  const w = (i: number): bigint => r.uptr(8 + i * ptrSize, ptrSize);
  const n = (i: number, what: string): number => {
    const v = w(i);
    if (v > BigInt(r.length) && what !== 'nfunc') {
      throw new CoreReadError('corrupt', file, `${file}: pclntab ${what} ${hex(v)} lies beyond the table (${r.length} bytes)`);
    }
    return Number(v);
  };
  const nfuncBig = w(0);
  if (nfuncBig > BigInt(MAX_FUNCS) || nfuncBig * 8n > BigInt(r.length)) {
    throw new CoreReadError('corrupt', file, `${file}: pclntab claims ${nfuncBig} functions, more than the table can hold`);
  }
  return {
    magic,
    format,
    minLC,
    ptrSize,
    nfunc: Number(nfuncBig),
    nfiles: n(1, 'nfiles'),
    textStart: w(2),
    funcnameOffset: n(3, 'funcnameOffset'),
    cuOffset: n(4, 'cuOffset'),
    filetabOffset: n(5, 'filetabOffset'),
    pctabOffset: n(6, 'pctabOffset'),
    pclnOffset: n(7, 'pclnOffset'),
  };
}
