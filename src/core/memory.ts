// Virtual memory of a crashed process. `Memory` is the interface every reader of process memory
// uses; `CoreMemory` implements it over a core's PT_LOAD segments, falling back, for bytes the
// kernel did not dump (file-backed text and rodata), to the executable and the other files of
// NT_FILE that exist on disk. Reads go through a small page cache; nothing is loaded eagerly.
import { existsSync } from 'node:fs';
import type { CoreFile } from './coreFile.js';
import { CoreReadError, hex, UnmappedAddressError } from './errors.js';
import { ET_DYN, type ElfFile } from './elf.js';
import { FileSource, type ByteSource } from './source.js';

export interface Memory {
  readonly ptrSize: number;
  readonly littleEndian: boolean;
  /** Exactly `len` bytes at `addr`; throws UnmappedAddressError ('unmapped' / 'unavailable'). */
  read(addr: bigint, len: number): Buffer;
  /** Like read, but undefined instead of a CoreReadError. */
  tryRead(addr: bigint, len: number): Buffer | undefined;
  readU8(addr: bigint): number;
  readU16(addr: bigint): number;
  readU32(addr: bigint): number;
  readU64(addr: bigint): bigint;
  readPtr(addr: bigint): bigint;
  /** readU64, or undefined where readU64 would throw a CoreReadError. */
  tryReadU64(addr: bigint): bigint | undefined;
  /** A Go string's bytes (ptr, len) as UTF-8, at most `max` bytes (default 64 KiB) are read. */
  readGoString(ptr: bigint, len: number | bigint, max?: number): string;
  /** Whether at least the byte at addr is readable. */
  isReadable(addr: bigint): boolean;
  /**
   * Reads out.length bytes at addr into out without allocating, when one region of one file holds
   * them all; false when it cannot (the caller then uses tryRead). Optional: bulk readers only.
   */
  readInto?(addr: bigint, out: Buffer): boolean;
}

/** Helpers shared by Memory implementations: everything on top of read(). */
export abstract class MemoryBase implements Memory {
  abstract readonly ptrSize: number;
  abstract readonly littleEndian: boolean;
  abstract read(addr: bigint, len: number): Buffer;

  tryRead(addr: bigint, len: number): Buffer | undefined {
    try {
      return this.read(addr, len);
    } catch (e) {
      if (e instanceof CoreReadError) return undefined;
      throw e;
    }
  }
  readU8(addr: bigint): number {
    return this.read(addr, 1)[0]!;
  }
  readU16(addr: bigint): number {
    const b = this.read(addr, 2);
    return this.littleEndian ? b.readUInt16LE(0) : b.readUInt16BE(0);
  }
  readU32(addr: bigint): number {
    const b = this.read(addr, 4);
    return this.littleEndian ? b.readUInt32LE(0) : b.readUInt32BE(0);
  }
  readU64(addr: bigint): bigint {
    const b = this.read(addr, 8);
    return this.littleEndian ? b.readBigUInt64LE(0) : b.readBigUInt64BE(0);
  }
  readPtr(addr: bigint): bigint {
    return this.ptrSize === 8 ? this.readU64(addr) : BigInt(this.readU32(addr));
  }
  tryReadU64(addr: bigint): bigint | undefined {
    const b = this.tryRead(addr, 8);
    if (!b) return undefined;
    return this.littleEndian ? b.readBigUInt64LE(0) : b.readBigUInt64BE(0);
  }
  readGoString(ptr: bigint, len: number | bigint, max = 65536): string {
    const n = typeof len === 'bigint' ? (len < 0n ? -1 : len > BigInt(max) ? max : Number(len)) : Math.min(len, max);
    if (n < 0) throw new CoreReadError('corrupt', '<memory>', `Go string at ${hex(ptr)} has negative length ${len}`);
    if (n === 0) return '';
    return this.read(ptr, n).toString('utf8');
  }
  isReadable(addr: bigint): boolean {
    return this.tryRead(addr, 1) !== undefined;
  }
}

/** Memory over a single Buffer mapped at a base address (tests, memory snapshots). */
export class BufferMemory extends MemoryBase {
  readonly ptrSize: number;
  readonly littleEndian: boolean;
  constructor(
    readonly base: bigint,
    readonly buf: Buffer,
    opts: { ptrSize?: number; littleEndian?: boolean } = {},
  ) {
    super();
    this.ptrSize = opts.ptrSize ?? 8;
    this.littleEndian = opts.littleEndian ?? true;
  }
  read(addr: bigint, len: number): Buffer {
    const off = addr - this.base;
    if (off < 0n || off + BigInt(len) > BigInt(this.buf.length)) {
      throw new UnmappedAddressError(
        'unmapped',
        '<memory>',
        addr,
        len,
        `address ${hex(addr)} (+${len}) is outside the buffer at ${hex(this.base)}`,
      );
    }
    return this.buf.subarray(Number(off), Number(off) + len);
  }
}

export interface CoreMemoryOptions {
  /** The executable that produced the core (already confirmed to match). */
  executable?: ElfFile;
  /** Load bias of the executable; computed from the core (AT_ENTRY - e_entry) when omitted. */
  bias?: bigint;
  /** Read non-dumped bytes of NT_FILE mappings from the files on disk when they exist (default true). */
  useMappedFiles?: boolean;
  /** NT_FILE paths never to read from disk (e.g. an on-disk executable whose build ID did not match). */
  excludeMappedFiles?: readonly string[];
  /** Pages kept in the cache (4 KiB each, default 1024). */
  cachePages?: number;
}

/** Where the bytes of an address come from. */
export interface ByteOrigin {
  source: ByteSource;
  offset: number;
  /** Contiguous bytes available from this origin. */
  available: number;
  /** 'core' | 'executable' | 'mapped-file' | 'zero' */
  kind: 'core' | 'executable' | 'mapped-file' | 'zero';
}

const PAGE = 4096;
const MAX_READ_LEN = 256 * 1024 * 1024;
/** Page-cache keys are `sourceId * 2^32 + page`: sources up to 16 TiB, 2^20 sources. */
const MAX_KEYED_PAGE = 2 ** 32;
const MAX_KEYED_SOURCE = 2 ** 20;
/** Reads up to this size are copied straight from cached pages. */
const FAST_READ_MAX = 4 * PAGE;
/**
 * Pages read at once on a cache miss: an aligned run of 8 pages (32 KiB). Cached pages are views
 * of their run, so the cache holds at most cachePages runs (32 MiB at the default 1024 pages).
 */
const CHUNK_PAGES = 8;
/** Address ranges remembered with where their bytes come from (most recent first). */
const REGION_MEMO = 8;

/** Addresses [lo, hi) whose bytes are contiguous in `source` from `offset`. */
interface Region {
  lo: bigint;
  hi: bigint;
  source: ByteSource;
  /** Page-cache id of source. */
  id: number;
  offset: number;
}

export class CoreMemory extends MemoryBase {
  readonly core: CoreFile;
  readonly ptrSize = 8;
  readonly littleEndian: boolean;
  readonly executable: ElfFile | undefined;
  /** Load bias of the executable (0 for non-PIE). undefined without an executable. */
  readonly bias: bigint | undefined;
  private readonly useMappedFiles: boolean;
  private readonly mappedSources = new Map<string, ByteSource | null>();
  private readonly cache = new Map<number, Buffer>();
  private readonly cachePages: number;
  /** Pages read at once on a miss (an aligned run). */
  private readonly chunkPages: number;
  private readonly sourceIds = new Map<ByteSource, number>();
  /** Recently used regions, most recent first (saves origin() on every small read). */
  private regions: Region[] = [];
  /** The page and page key of the last cache hit (consecutive reads mostly hit the same page). */
  private lastKey = -1;
  private lastPage: Buffer | undefined;
  /** Set by pageOffset(): the page holding the bytes. */
  private spanPage: Buffer = Buffer.alloc(0);
  private viewPage: Buffer | undefined;
  private view: DataView = new DataView(new ArrayBuffer(0));

  constructor(core: CoreFile, opts: CoreMemoryOptions = {}) {
    super();
    this.core = core;
    this.littleEndian = core.elf.littleEndian;
    this.executable = opts.executable;
    this.useMappedFiles = opts.useMappedFiles ?? true;
    for (const p of opts.excludeMappedFiles ?? []) this.mappedSources.set(p, null);
    this.cachePages = opts.cachePages ?? 1024;
    this.chunkPages = Math.max(1, Math.min(CHUNK_PAGES, Math.floor(this.cachePages / 8)));
    this.bias = opts.bias ?? (opts.executable ? loadBias(core, opts.executable) : undefined);
  }

  /** Releases the files opened for NT_FILE mappings (not the core nor the executable). */
  close(): void {
    for (const s of this.mappedSources.values()) s?.close();
    this.mappedSources.clear();
    this.cache.clear();
    this.regions = [];
    this.lastKey = -1;
    this.lastPage = undefined;
    this.viewPage = undefined;
  }

  read(addr: bigint, len: number): Buffer {
    if (!Number.isSafeInteger(len) || len < 0 || len > MAX_READ_LEN) {
      throw new CoreReadError('corrupt', this.core.name, `refusing to read ${len} bytes of memory at ${hex(addr)}`);
    }
    if (addr < 0n || addr + BigInt(len) > 0xffffffffffffffffn + 1n) {
      throw new UnmappedAddressError(
        'unmapped',
        this.core.name,
        addr,
        len,
        `${this.core.name}: address ${hex(addr)} is outside the address space`,
      );
    }
    if (len <= FAST_READ_MAX && len > 0) {
      const fast = this.copyOut(addr, len);
      if (fast) return fast;
    }
    // A large read from one file region: the file's own fresh buffer, not a second copy (the heap
    // walk reads megabytes at a time: src/analysis/heapGraph.ts).
    if (len > FAST_READ_MAX) {
      const o = this.origin(addr);
      if (o.kind !== 'zero' && o.available >= len && o.source instanceof FileSource) return o.source.read(o.offset, len, 'memory');
    }
    const out = Buffer.alloc(len);
    let done = 0;
    while (done < len) {
      const a = addr + BigInt(done);
      const o = this.origin(a);
      const n = Math.min(len - done, o.available);
      if (o.kind !== 'zero') this.readCached(o.source, o.offset, n).copy(out, done);
      done += n;
    }
    return out;
  }

  readInto(addr: bigint, out: Buffer): boolean {
    try {
      const o = this.origin(addr);
      if (o.kind === 'zero' || o.available < out.length || !(o.source instanceof FileSource)) return false;
      o.source.readInto(o.offset, out, 'memory');
      return true;
    } catch (e) {
      if (e instanceof CoreReadError) return false;
      throw e;
    }
  }

  override tryRead(addr: bigint, len: number): Buffer | undefined {
    if (len <= FAST_READ_MAX && len > 0 && this.tryRegion(addr) !== undefined) {
      const fast = this.copyOut(addr, len);
      if (fast) return fast;
    }
    return super.tryRead(addr, len);
  }

  override readU8(addr: bigint): number {
    const o = this.pageOffset(addr, 1);
    return o >= 0 ? this.spanPage[o]! : super.readU8(addr);
  }
  override readU16(addr: bigint): number {
    const o = this.pageOffset(addr, 2);
    if (o < 0) return super.readU16(addr);
    return this.littleEndian ? this.spanPage.readUInt16LE(o) : this.spanPage.readUInt16BE(o);
  }
  override readU32(addr: bigint): number {
    const o = this.pageOffset(addr, 4);
    if (o < 0) return super.readU32(addr);
    return this.littleEndian ? this.spanPage.readUInt32LE(o) : this.spanPage.readUInt32BE(o);
  }
  override readU64(addr: bigint): bigint {
    const o = this.pageOffset(addr, 8);
    if (o < 0) return super.readU64(addr);
    return this.spanView().getBigUint64(o, this.littleEndian);
  }
  override tryReadU64(addr: bigint): bigint | undefined {
    const r = this.tryRegion(addr);
    if (r === undefined) return super.tryReadU64(addr);
    const o = this.pageOffset(addr, 8, r);
    if (o < 0) return super.tryReadU64(addr);
    return this.spanView().getBigUint64(o, this.littleEndian);
  }

  /**
   * Offset in a cached page of the `len` bytes at addr when one page of one source holds them all
   * (this.spanPage is then that page), else -1 (the caller takes the general path). Throws what
   * origin() throws when addr itself is nowhere.
   */
  private pageOffset(addr: bigint, len: number, region?: Region): number {
    if (addr < 0n) return -1;
    const r = region ?? this.region(addr);
    if (addr + BigInt(len) > r.hi) return -1;
    const off = r.offset + Number(addr - r.lo);
    const p = Math.floor(off / PAGE);
    const o = off - p * PAGE;
    if (o + len > PAGE || r.id >= MAX_KEYED_SOURCE || p >= MAX_KEYED_PAGE) return -1;
    const page = this.page(r.source, r.id, p);
    if (o + len > page.length) return -1;
    this.spanPage = page;
    return o;
  }

  /** A DataView of spanPage (reading 64-bit values through it is much faster than Buffer's). */
  private spanView(): DataView {
    const page = this.spanPage;
    if (this.viewPage !== page) {
      this.view = new DataView(page.buffer, page.byteOffset, page.length);
      this.viewPage = page;
    }
    return this.view;
  }

  private sourceId(src: ByteSource): number {
    let id = this.sourceIds.get(src);
    if (id === undefined) {
      id = this.sourceIds.size;
      this.sourceIds.set(src, id);
    }
    return id;
  }

  /**
   * The `len` bytes at addr copied from cached pages when one region holds them all, else
   * undefined (the caller takes the general path). Throws what origin() throws for addr itself.
   */
  private copyOut(addr: bigint, len: number): Buffer | undefined {
    if (addr < 0n) return undefined;
    const r = this.region(addr);
    if (addr + BigInt(len) > r.hi) return undefined;
    const off = r.offset + Number(addr - r.lo);
    const id = r.id;
    if (id >= MAX_KEYED_SOURCE) return undefined;
    const out = Buffer.allocUnsafe(len);
    let done = 0;
    while (done < len) {
      const p = Math.floor((off + done) / PAGE);
      const o = off + done - p * PAGE;
      if (p >= MAX_KEYED_PAGE) return undefined;
      const page = this.page(r.source, id, p);
      const n = Math.min(len - done, PAGE - o);
      if (o + n > page.length) return undefined;
      page.copy(out, done, o, o + n);
      done += n;
    }
    return out;
  }

  /** The memoised region holding addr, or undefined (no lookup, no error). */
  private tryRegion(addr: bigint): Region | undefined {
    const rs = this.regions;
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i]!;
      if (addr >= r.lo && addr < r.hi) {
        if (i > 0) {
          rs.splice(i, 1);
          rs.unshift(r);
        }
        return r;
      }
    }
    return undefined;
  }

  /** The region holding addr: a dumped core segment whole, else what origin() says from addr on. */
  private region(addr: bigint): Region {
    const hit = this.tryRegion(addr);
    if (hit) return hit;
    let r: Region;
    const seg = this.core.segmentFor(addr);
    if (seg && addr - seg.vaddr < BigInt(seg.filesz)) {
      const source = this.core.elf.source;
      r = { lo: seg.vaddr, hi: seg.vaddr + BigInt(seg.filesz), source, id: this.sourceId(source), offset: seg.offset };
    } else {
      const o = this.origin(addr);
      r = { lo: addr, hi: addr + BigInt(o.available), source: o.source, id: this.sourceId(o.source), offset: o.offset };
    }
    this.regions.unshift(r);
    if (this.regions.length > REGION_MEMO) this.regions.pop();
    return r;
  }

  /** Where the byte at `addr` comes from; throws UnmappedAddressError when nowhere. */
  origin(addr: bigint): ByteOrigin {
    const core = this.core;
    const seg = core.segmentFor(addr);
    if (seg) {
      const d = addr - seg.vaddr;
      if (d < BigInt(seg.filesz)) {
        const off = Number(d);
        return { source: core.elf.source, offset: seg.offset + off, available: seg.filesz - off, kind: 'core' };
      }
    }
    // Not dumped: a file-backed mapping (NT_FILE) whose file we have.
    const segLeft = seg ? seg.vaddr + seg.memsz - addr : undefined;
    const m = core.mappingFor(addr);
    if (m) {
      const src = this.sourceForMapping(m.path);
      if (src) {
        const fo = m.fileOffset + (addr - m.start);
        if (fo < BigInt(src.size)) {
          let avail = Math.min(src.size - Number(fo), Number(m.end - addr));
          if (segLeft !== undefined) avail = Math.min(avail, Number(segLeft));
          const isExe = this.executable && src === this.executable.source;
          return { source: src, offset: Number(fo), available: avail, kind: isExe ? 'executable' : 'mapped-file' };
        }
      }
    }
    // No NT_FILE (e.g. some gcore cores): the executable's own segments, shifted by the bias.
    const exe = this.executable;
    if (exe && this.bias !== undefined) {
      const va = addr - this.bias;
      const fo = exe.vaddrToOffset(va);
      if (fo) {
        let avail = fo.available;
        if (segLeft !== undefined) avail = Math.min(avail, Number(segLeft));
        return { source: exe.source, offset: fo.offset, available: avail, kind: 'executable' };
      }
    }
    if (seg && seg.missing > 0 && addr - seg.vaddr < BigInt(seg.filesz + seg.missing)) {
      throw new UnmappedAddressError(
        'unavailable',
        core.name,
        addr,
        1,
        `${core.name}: address ${hex(addr)} lies in the part of the core that was cut off (segment ${seg.index} at ` +
          `${hex(seg.vaddr)}: the core is truncated at byte ${hex(core.elf.source.size)})`,
      );
    }
    if (seg) {
      throw new UnmappedAddressError(
        'unavailable',
        core.name,
        addr,
        1,
        `${core.name}: address ${hex(addr)} is mapped (segment ${seg.index} at ${hex(seg.vaddr)}) but its bytes are not in the core` +
          (m
            ? ` and the mapped file ${m.path} is not available; pass the executable/library it came from`
            : ' (not dumped)'),
      );
    }
    throw new UnmappedAddressError(
      'unmapped',
      core.name,
      addr,
      1,
      `${core.name}: address ${hex(addr)} is not mapped in the crashed process`,
    );
  }

  private sourceForMapping(path: string): ByteSource | undefined {
    const exe = this.executable;
    if (exe && this.isExecutablePath(path)) return exe.source;
    if (!this.useMappedFiles) return undefined;
    let s = this.mappedSources.get(path);
    if (s === undefined) {
      s = null;
      if (path.startsWith('/') && existsSync(path)) {
        try {
          s = new FileSource(path);
        } catch {
          s = null;
        }
      }
      this.mappedSources.set(path, s);
    }
    return s ?? undefined;
  }

  /** The NT_FILE path of the executable: the mapping containing AT_ENTRY. */
  private exePathCache: string | null | undefined;
  private isExecutablePath(path: string): boolean {
    if (this.exePathCache === undefined) {
      const entry = this.core.entry;
      this.exePathCache = (entry !== undefined ? this.core.mappingFor(entry)?.path : undefined) ?? null;
    }
    return this.exePathCache !== null && path === this.exePathCache;
  }

  private readCached(src: ByteSource, offset: number, len: number): Buffer {
    if (len > FAST_READ_MAX) return src.read(offset, len, 'memory');
    const id = this.sourceId(src);
    const first = Math.floor(offset / PAGE);
    const last = Math.floor((offset + len - 1) / PAGE);
    if (first === last) {
      const page = this.page(src, id, first);
      const o = offset - first * PAGE;
      if (o + len > page.length) return src.read(offset, len, 'memory'); // throws the truncation error
      return page.subarray(o, o + len);
    }
    const out = Buffer.alloc(len);
    let done = 0;
    for (let p = first; p <= last; p++) {
      const page = this.page(src, id, p);
      const o = p === first ? offset - first * PAGE : 0;
      const n = Math.min(len - done, page.length - o);
      if (n <= 0) return src.read(offset, len, 'memory');
      page.copy(out, done, o, o + n);
      done += n;
    }
    if (done < len) return src.read(offset, len, 'memory');
    return out;
  }

  private page(src: ByteSource, id: number, p: number): Buffer {
    const keyed = id < MAX_KEYED_SOURCE && p < MAX_KEYED_PAGE;
    const key = keyed ? id * MAX_KEYED_PAGE + p : -1;
    if (keyed && key === this.lastKey && this.lastPage) return this.lastPage;
    const hit = keyed ? this.cache.get(key) : undefined;
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      this.lastKey = key;
      this.lastPage = hit;
      return hit;
    }
    if (!keyed) {
      const start = p * PAGE;
      return Buffer.from(src.read(start, Math.max(0, Math.min(PAGE, src.size - start)), 'memory page'));
    }
    // A miss reads an aligned run of pages at once: g structs sit side by side in the heap and
    // goroutine stacks (2 KiB and up) side by side in stack spans, so the next reads mostly fall
    // in the same run (one read call and one allocation for many pages).
    const run = this.chunkPages;
    const first = p - (p % run);
    const start = first * PAGE;
    const chunk = src.read(start, Math.max(0, Math.min(run * PAGE, src.size - start)), 'memory page');
    let buf: Buffer | undefined;
    for (let q = first; q < first + run; q++) {
      const o = (q - first) * PAGE;
      if (q !== p && (o >= chunk.length || this.cache.has(id * MAX_KEYED_PAGE + q))) continue;
      const pageBuf = chunk.subarray(Math.min(o, chunk.length), Math.min(o + PAGE, chunk.length));
      if (q === p) buf = pageBuf;
      else this.insert(id * MAX_KEYED_PAGE + q, pageBuf);
    }
    // The page asked for goes in last, so that a small cache never evicts it at once.
    this.insert(key, buf!);
    this.lastKey = key;
    this.lastPage = buf!;
    return buf!;
  }

  private insert(key: number, buf: Buffer): void {
    this.cache.set(key, buf);
    if (this.cache.size > this.cachePages) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}

/**
 * The executable's load bias: 0 for ET_EXEC; for PIE (ET_DYN) AT_ENTRY minus e_entry, or, without
 * AT_ENTRY, the start of the NT_FILE mapping of file offset 0 minus the lowest PT_LOAD address.
 */
export function loadBias(core: CoreFile, exe: ElfFile): bigint {
  if (exe.header.type !== ET_DYN) return 0n;
  const entry = core.entry;
  if (entry !== undefined && entry !== 0n) return entry - exe.header.entry;
  const loads = exe.loads;
  if (loads.length > 0) {
    const base = exe.name.split('/').pop() ?? '';
    const m = core.files.find((f) => f.fileOffset === 0n && f.path.split('/').pop() === base);
    if (m) return m.start - loads.reduce((lo, p) => (p.vaddr < lo ? p.vaddr : lo), loads[0]!.vaddr);
  }
  return 0n;
}
