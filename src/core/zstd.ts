// Zstandard (RFC 8878), systemd-coredump's default compression for cores, decoded incrementally.
//
// The decoder is fzstd (npm `fzstd`, MIT, by the author of fflate): pure JavaScript (no native
// binary or WebAssembly to ship in the .vsix, nothing to build), a synchronous streaming API (push
// a chunk, get the decoded blocks back at once), so one decoding loop serves the command line and
// the editor, with progress and a size bound between chunks. The others were weighed: zstddec and
// @bokuweb/zstd-wasm decode only whole buffers (a core is gigabytes), zstd-codec is a large
// Emscripten build, @mongodb-js/zstd and zstd-napi are native addons. zstd is the one format whose
// decoder is too large to write here (FSE, Huffman, sequences); xz and LZ4 have our own (xz.ts,
// lz4.ts).
//
// fzstd trusts a frame header: it allocates the window it names (up to 2 GiB; for a single-segment
// frame, the whole content size) and keeps going. So every byte goes first through `ZstdFrameGuard`,
// which walks the frame structure (header, block headers, checksum, skippable frames) and refuses a
// window above 128 MiB (zstd's own default decoder limit, ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27) or a
// declared content size above the caller's bound before fzstd sees that frame.
import { Decompress } from 'fzstd';
import { CoreReadError } from './errors.js';
import type { StreamDecoder } from './compressed.js';

export const MAX_ZSTD_WINDOW = 128 * 1024 * 1024;
const MAGIC = 0xfd2fb528;

/** Walks zstd frames as bytes arrive; throws before a frame whose header asks too much. */
export class ZstdFrameGuard {
  private head: number[] = [];
  /** 'magic' → 'header' → 'block' (3-byte header) → skip content → ... → 'checksum'. */
  private phase: 'magic' | 'header' | 'block' | 'skip' | 'skippableSize' = 'magic';
  private skip = 0;
  private afterSkip: 'block' | 'magic' = 'magic';
  private lastBlock = false;
  private checksum = false;
  frames = 0;

  constructor(
    private readonly file: string,
    private readonly maxContent: number,
  ) {}

  private corrupt(msg: string): CoreReadError {
    return new CoreReadError('corrupt', this.file, `${this.file}: the zstd stream is corrupt: ${msg}`);
  }

  /** True when the bytes so far end exactly at a frame boundary. */
  get atBoundary(): boolean {
    return this.phase === 'magic' && this.head.length === 0 && this.frames > 0;
  }

  feed(b: Uint8Array): void {
    let i = 0;
    while (i < b.length) {
      if (this.phase === 'skip') {
        const n = Math.min(this.skip, b.length - i);
        i += n;
        this.skip -= n;
        if (this.skip === 0) this.endSkip();
        continue;
      }
      this.head.push(b[i++]!);
      const h = this.head;
      if (this.phase === 'magic' && h.length === 4) {
        const m = (h[0]! | (h[1]! << 8) | (h[2]! << 16) | (h[3]! << 24)) >>> 0;
        this.head = [];
        if (m === MAGIC) this.phase = 'header';
        else if ((m & 0xfffffff0) >>> 0 === 0x184d2a50) this.phase = 'skippableSize';
        else throw this.corrupt(this.frames === 0 ? 'no zstd frame magic' : `unexpected bytes after frame ${this.frames}`);
      } else if (this.phase === 'skippableSize' && h.length === 4) {
        this.skip = (h[0]! | (h[1]! << 8) | (h[2]! << 16) | (h[3]! << 24)) >>> 0;
        this.head = [];
        this.afterSkip = 'magic';
        this.phase = 'skip';
        if (this.skip === 0) this.endSkip();
      } else if (this.phase === 'header') {
        const fhd = h[0]!;
        const fcsFlag = fhd >> 6;
        const single = (fhd & 0x20) !== 0;
        if (fhd & 0x08) throw this.corrupt('reserved frame header bit set');
        const didSize = [0, 1, 2, 4][fhd & 3]!;
        const fcsSize = fcsFlag === 0 ? (single ? 1 : 0) : [0, 2, 4, 8][fcsFlag]!;
        const size = 1 + (single ? 0 : 1) + didSize + fcsSize;
        if (h.length < size) continue;
        let window = 0;
        if (!single) {
          const wd = h[1]!;
          const base = 2 ** (10 + (wd >> 3));
          window = base + (base / 8) * (wd & 7);
        }
        let fcs: number | undefined;
        if (fcsSize > 0) {
          const at = size - fcsSize;
          fcs = 0;
          for (let k = fcsSize - 1; k >= 0; k--) fcs = fcs * 256 + h[at + k]!;
          if (fcsSize === 2) fcs += 256;
        }
        if (single) window = fcs!;
        if (fcs !== undefined && fcs > this.maxContent) {
          throw new CoreReadError(
            'too-large',
            this.file,
            `${this.file}: the zstd frame declares ${fcs} decompressed bytes, more than the ${this.maxContent} allowed`,
          );
        }
        if (window > MAX_ZSTD_WINDOW) {
          throw new CoreReadError(
            'too-large',
            this.file,
            `${this.file}: the zstd frame needs a ${window}-byte window, more than the ${MAX_ZSTD_WINDOW} bytes allowed ` +
              `(zstd's default decoder limit)`,
          );
        }
        this.checksum = (fhd & 0x04) !== 0;
        this.head = [];
        this.phase = 'block';
      } else if (this.phase === 'block' && h.length === 3) {
        const v = h[0]! | (h[1]! << 8) | (h[2]! << 16);
        this.head = [];
        this.lastBlock = (v & 1) !== 0;
        const type = (v >> 1) & 3;
        const size = v >>> 3;
        if (type === 3) throw this.corrupt('reserved block type');
        if (size > 128 * 1024) throw this.corrupt(`a block of ${size} bytes`);
        this.skip = type === 1 ? 1 : size;
        this.skip += this.lastBlock && this.checksum ? 4 : 0;
        this.afterSkip = this.lastBlock ? 'magic' : 'block';
        this.phase = 'skip';
        if (this.skip === 0) this.endSkip();
      }
    }
  }

  private endSkip(): void {
    if (this.afterSkip === 'magic') this.frames++;
    this.phase = this.afterSkip;
  }
}

export class ZstdDecoder implements StreamDecoder {
  private readonly guard: ZstdFrameGuard;
  private readonly z: Decompress;
  private out: ((b: Buffer) => void) | undefined;

  constructor(
    private readonly file: string,
    maxContent: number,
  ) {
    this.guard = new ZstdFrameGuard(file, maxContent);
    this.z = new Decompress((data) => {
      if (data.length > 0) this.out?.(Buffer.from(data.buffer, data.byteOffset, data.length));
    });
  }

  private wrap(e: unknown): unknown {
    if (e instanceof CoreReadError) return e;
    // fzstd's errors carry a numeric code (ZstdErrorCode); a RangeError is an allocation it could not make.
    const msg = e instanceof Error ? e.message : String(e);
    return new CoreReadError('corrupt', this.file, `${this.file}: the zstd stream is corrupt: ${msg}`, { cause: e });
  }

  push(chunk: Buffer, emit: (out: Buffer) => void): void {
    this.guard.feed(chunk);
    this.out = emit;
    try {
      this.z.push(chunk, false);
    } catch (e) {
      throw this.wrap(e);
    } finally {
      this.out = undefined;
    }
  }

  end(emit: (out: Buffer) => void): void {
    if (!this.guard.atBoundary) {
      throw new CoreReadError(
        'truncated',
        this.file,
        `${this.file}: the zstd stream ends in the middle of a frame; the compressed file was cut short`,
      );
    }
    this.out = emit;
    try {
      this.z.push(new Uint8Array(0), true);
    } catch (e) {
      throw this.wrap(e);
    } finally {
      this.out = undefined;
    }
  }
}
