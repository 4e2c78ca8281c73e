// Compressed cores: systemd-coredump stores cores as `.zst` by default (`.xz` and `.lz4` by its
// Compress= setting; systemd's src/shared/compress.c), and people copy cores around compressed.
// A compressed core is recognised by its magic (not its name), decompressed once, streaming, into
// the cache ($GO_CORE_INSPECTOR_CACHE or $XDG_CACHE_HOME/go-core-inspector, then decompressed/),
// and read from there like any core. The cache entry is keyed by the compressed file's size,
// mtime and a SHA-256 of its first 64 KiB; it appears (renamed into place) only once complete.
//
// The output is written sparse: a core is mostly zero pages (unpopulated heap and stacks, which
// the kernel writes as holes), so each run of whole zero pages is skipped by seeking, and the
// decompressed file takes the disk space of the original core, not its apparent size.
//
// Bounded: the decompressed size (`maxBytes`, default 64 GiB; a frame header claiming more is
// refused before any work, as is an xz dictionary or zstd window above its limit), the time
// (`timeoutMs`), and the memory (input is read in 1 MiB chunks; the decoders keep at most their
// window). One `Decompression` is stepped one input chunk at a time: by a loop for the synchronous
// open (`decompressCoreSync`) and with a yield to the event loop, progress and cancellation between
// chunks for the editor (`decompressCore`).
import { createHash } from 'node:crypto';
import {
  closeSync,
  ftruncateSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './cacheDir.js';
import { CoreReadError } from './errors.js';
import { Lz4Decoder } from './lz4.js';
import { openRegularFile } from './source.js';
import { XzDecoder } from './xz.js';
import { ZstdDecoder } from './zstd.js';

export type CompressionFormat = 'zstd' | 'xz' | 'lz4';

/** An incremental decoder: bytes in, decoded bytes out through `emit` (views valid during the call). */
export interface StreamDecoder {
  push(chunk: Buffer, emit: (out: Buffer) => void): void;
  /** The input ended: throws 'truncated' when the stream is incomplete. */
  end(emit: (out: Buffer) => void): void;
}

export const DEFAULT_MAX_DECOMPRESSED = 64 * 1024 ** 3;
const CHUNK = 1 << 20;
const PAGE = 4096;
const HEAD_HASHED = 64 * 1024;
const ZERO_PAGE = Buffer.alloc(PAGE);

/** The compression of a file by its first bytes, or undefined for anything else (an ELF core). */
export function compressionOf(head: Uint8Array): CompressionFormat | undefined {
  const u32 = head.length >= 4 ? (head[0]! | (head[1]! << 8) | (head[2]! << 16) | (head[3]! << 24)) >>> 0 : -1;
  if (u32 === 0xfd2fb528) return 'zstd';
  if (u32 === 0x184d2204 || u32 === 0x184c2102) return 'lz4';
  if (head.length >= 6 && head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a && head[5] === 0)
    return 'xz';
  return undefined;
}

/** A decoder for a format (`maxBytes` lets zstd refuse a frame that declares more). */
export function decoderFor(format: CompressionFormat, file: string, maxBytes: number): StreamDecoder {
  switch (format) {
    case 'zstd':
      return new ZstdDecoder(file, maxBytes);
    case 'xz':
      return new XzDecoder(file);
    case 'lz4':
      return new Lz4Decoder(file);
  }
}

/** The compression of a file on disk (reads its first bytes; a non-regular file is refused). */
export function fileCompression(path: string): CompressionFormat | undefined {
  const fd = openRegularFile(path);
  try {
    const head = Buffer.alloc(8);
    const n = readSync(fd, head, 0, 8, 0);
    return compressionOf(head.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

export interface DecompressProgress {
  format: CompressionFormat;
  /** Compressed bytes read so far, of `totalBytes`. */
  readBytes: number;
  totalBytes: number;
  /** Decompressed bytes so far. */
  writtenBytes: number;
}

export interface DecompressOptions {
  /** Directory of decompressed cores (default: cacheDir()/decompressed). */
  dir?: string;
  /** Largest decompressed size accepted (default 64 GiB). */
  maxBytes?: number;
  /** Give up after this long (default: no limit beyond maxBytes). */
  timeoutMs?: number;
  onProgress?: (p: DecompressProgress) => void;
  /** Cancels (decompressCore only). */
  signal?: AbortSignal;
}

export interface DecompressedCore {
  /** The compressed file, as given. */
  original: string;
  format: CompressionFormat;
  /** The decompressed core in the cache. */
  path: string;
  /** Its size. */
  bytes: number;
  /** Found in the cache (nothing was decompressed now). */
  cached: boolean;
  /** Time spent decompressing now (0 when cached). */
  ms: number;
}

export function decompressedDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), 'decompressed');
}

/** The cache entry's name: format, size, mtime and the hash of the first 64 KiB. */
function cacheKey(fd: number, format: CompressionFormat): string {
  const st = fstatSync(fd);
  const head = Buffer.alloc(Math.min(HEAD_HASHED, st.size));
  let done = 0;
  while (done < head.length) {
    const n = readSync(fd, head, done, head.length - done, done);
    if (n === 0) break;
    done += n;
  }
  const h = createHash('sha256')
    .update(`${st.size}:${Math.trunc(st.mtimeMs)}:`)
    .update(head.subarray(0, done))
    .digest('hex');
  return `${h.slice(0, 32)}.${format}.core`;
}

/** One decompression, stepped one input chunk at a time. */
class Decompression {
  readonly out: string;
  private readonly tmp: string;
  private readonly inFd: number;
  private outFd: number | undefined;
  private readonly decoder: StreamDecoder;
  private readonly total: number;
  private readonly started = performance.now();
  private read = 0;
  private written = 0;
  done = false;
  readonly cachedResult: DecompressedCore | undefined;

  constructor(
    private readonly path: string,
    private readonly format: CompressionFormat,
    private readonly opts: DecompressOptions,
  ) {
    const dir = opts.dir ?? decompressedDir();
    this.inFd = openRegularFile(path);
    try {
      this.total = fstatSync(this.inFd).size;
      this.out = join(dir, cacheKey(this.inFd, format));
      this.tmp = `${this.out}.partial-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
      const have = statSync(this.out, { throwIfNoEntry: false });
      if (have?.isFile()) {
        this.cachedResult = { original: path, format, path: this.out, bytes: have.size, cached: true, ms: 0 };
        this.done = true;
        closeSync(this.inFd);
        this.decoder = undefined as unknown as StreamDecoder;
        return;
      }
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.outFd = openSync(this.tmp, 'w', 0o600);
      this.decoder = decoderFor(format, path, this.maxBytes);
    } catch (e) {
      this.abort();
      if (e instanceof CoreReadError) throw e;
      throw new CoreReadError('io', path, `cannot decompress ${path} into ${dir}: ${(e as Error).message}`, { cause: e });
    }
  }

  private get maxBytes(): number {
    return this.opts.maxBytes ?? DEFAULT_MAX_DECOMPRESSED;
  }

  get progress(): DecompressProgress {
    const c = this.cachedResult;
    return { format: this.format, readBytes: c ? this.total : this.read, totalBytes: this.total, writtenBytes: c ? c.bytes : this.written };
  }

  /** The start of a page not yet complete (decoders emit in pieces of any size). */
  private readonly tail = Buffer.alloc(PAGE);
  private tailLen = 0;

  /**
   * Takes decoded bytes: whole pages are written, except zero pages, which stay holes (the file
   * offset is written explicitly, so skipping is seeking); a partial page waits in `tail`.
   */
  private emit = (b: Buffer): void => {
    if (this.written + b.length > this.maxBytes) {
      throw new CoreReadError(
        'too-large',
        this.path,
        `${this.path} decompresses to more than ${this.maxBytes} bytes (the limit); it is not a core this tool will unpack` +
          ' (a decompression bomb, or a core larger than the limit)',
        { hint: { cli: 'decompress it yourself (zstd -d / xz -d / lz4 -d) if it is genuine' } },
      );
    }
    const base = this.written - this.tailLen; // file offset of tail[0], page aligned
    let i = 0;
    if (this.tailLen > 0) {
      const n = Math.min(PAGE - this.tailLen, b.length);
      b.copy(this.tail, this.tailLen, 0, n);
      this.tailLen += n;
      i = n;
      if (this.tailLen === PAGE) {
        if (!this.tail.equals(ZERO_PAGE)) this.writeAt(this.tail, 0, PAGE, base);
        this.tailLen = 0;
      }
    }
    // Whole pages of b from i on: non-zero runs written at once, zero pages skipped.
    const fileAt = (k: number): number => this.written + k; // file offset of b[k]
    let k = i;
    const whole = i + Math.floor((b.length - i) / PAGE) * PAGE;
    while (k < whole) {
      if (b.subarray(k, k + PAGE).equals(ZERO_PAGE)) {
        k += PAGE;
        continue;
      }
      let j = k + PAGE;
      while (j < whole && !b.subarray(j, j + PAGE).equals(ZERO_PAGE)) j += PAGE;
      this.writeAt(b, k, j - k, fileAt(k));
      k = j;
    }
    if (whole < b.length) {
      b.copy(this.tail, this.tailLen, whole);
      this.tailLen += b.length - whole;
    }
    this.written += b.length;
  };

  private writeAt(b: Buffer, from: number, len: number, pos: number): void {
    let off = 0;
    while (off < len) off += writeSync(this.outFd!, b, from + off, len - off, pos + off);
  }

  /** The last, partial page. */
  private flushTail(): void {
    if (this.tailLen > 0 && !this.tail.subarray(0, this.tailLen).equals(ZERO_PAGE.subarray(0, this.tailLen))) {
      this.writeAt(this.tail, 0, this.tailLen, this.written - this.tailLen);
    }
    this.tailLen = 0;
  }

  /** Reads, decodes and writes one input chunk; false when finished. */
  step(): boolean {
    if (this.done) return false;
    const t = this.opts.timeoutMs;
    if (t !== undefined && performance.now() - this.started > t) {
      this.abort();
      throw new CoreReadError('io', this.path, `decompressing ${this.path} took longer than ${t} ms; stopped`);
    }
    try {
      const chunk = Buffer.allocUnsafe(CHUNK);
      const n = readSync(this.inFd, chunk, 0, CHUNK, this.read);
      if (n === 0) {
        this.decoder.end(this.emit);
        this.flushTail();
        ftruncateSync(this.outFd!, this.written); // the trailing hole
        closeSync(this.outFd!);
        this.outFd = undefined;
        closeSync(this.inFd);
        renameSync(this.tmp, this.out);
        this.done = true;
        return false;
      }
      this.read += n;
      this.decoder.push(chunk.subarray(0, n), this.emit);
      return true;
    } catch (e) {
      this.abort();
      if (e instanceof CoreReadError) throw e;
      throw new CoreReadError('io', this.path, `cannot decompress ${this.path}: ${(e as Error).message}`, { cause: e });
    }
  }

  result(): DecompressedCore {
    return (
      this.cachedResult ?? {
        original: this.path,
        format: this.format,
        path: this.out,
        bytes: this.written,
        cached: false,
        ms: Math.round(performance.now() - this.started),
      }
    );
  }

  /** Closes everything and removes the partial output. */
  abort(): void {
    if (this.outFd !== undefined) {
      try {
        closeSync(this.outFd);
      } catch {
        /* already closed */
      }
      this.outFd = undefined;
    }
    try {
      closeSync(this.inFd);
    } catch {
      /* already closed */
    }
    if (this.tmp) rmSync(this.tmp, { force: true });
    this.done = true;
  }
}

/** Decompresses (or finds in the cache) a compressed core, synchronously. */
export function decompressCoreSync(path: string, format: CompressionFormat, opts: DecompressOptions = {}): DecompressedCore {
  const d = new Decompression(path, format, opts);
  let lastReport = 0;
  while (d.step()) {
    if (opts.onProgress && performance.now() - lastReport > 100) {
      lastReport = performance.now();
      opts.onProgress(d.progress);
    }
  }
  const r = d.result();
  opts.onProgress?.(d.progress);
  return r;
}

/**
 * Decompresses (or finds in the cache) a compressed core, yielding to the event loop between
 * chunks: progress at most every 100 ms, cancellation by `signal` (a typed 'io' error).
 */
export async function decompressCore(path: string, format: CompressionFormat, opts: DecompressOptions = {}): Promise<DecompressedCore> {
  const d = new Decompression(path, format, opts);
  let lastReport = 0;
  for (;;) {
    if (opts.signal?.aborted) {
      d.abort();
      throw new CoreReadError('io', path, `decompressing ${path} was cancelled`);
    }
    if (!d.step()) break;
    if (opts.onProgress && performance.now() - lastReport > 100) {
      lastReport = performance.now();
      opts.onProgress(d.progress);
    }
    await new Promise((r) => setImmediate(r));
  }
  opts.onProgress?.(d.progress);
  return d.result();
}
