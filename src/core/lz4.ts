// The LZ4 frame format (lz4 v1.6.0+ `lz4` tool and liblz4's LZ4F API, which systemd-coredump uses
// for `.lz4` cores), decoded incrementally: frame descriptor, blocks (compressed or stored), end
// mark, optional content checksum; skippable frames (magic 0x184D2A5?) are skipped; concatenated
// frames are decoded one after another. Follows lz4's doc/lz4_Frame_format.md and
// doc/lz4_Block_format.md (v1.9.4). Checksums are not verified (the ELF reader validates what it
// reads). Legacy frames (magic 0x184C2102, `lz4 -l`) are decoded too: 8 MiB blocks, no descriptor.
import { CoreReadError } from './errors.js';
import type { StreamDecoder } from './compressed.js';

const MAGIC = 0x184d2204;
const LEGACY_MAGIC = 0x184c2102;
const LEGACY_BLOCK = 8 << 20;
/** Largest history a block may refer to (LZ4's window). */
const WINDOW = 64 * 1024;

type State =
  | { t: 'magic' }
  | { t: 'descriptor'; flg: number }
  | { t: 'block' }
  | { t: 'blockData'; size: number; stored: boolean }
  | { t: 'checksum'; n: number }
  | { t: 'skip'; n: number }
  | { t: 'skipSize' }
  | { t: 'legacyBlock' };

export class Lz4Decoder implements StreamDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private state: State = { t: 'magic' };
  private flg = 0;
  private blockMax = 4 << 20;
  /** The last WINDOW bytes of output (linked blocks refer back into it). */
  private history: Buffer = Buffer.alloc(0);
  private frames = 0;

  constructor(private readonly file: string) {}

  private corrupt(msg: string): CoreReadError {
    return new CoreReadError('corrupt', this.file, `${this.file}: the LZ4 stream is corrupt: ${msg}`);
  }

  push(chunk: Buffer, emit: (out: Buffer) => void): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let p = 0;
    const buf = this.pending;
    const need = (n: number): boolean => buf.length - p >= n;
    for (;;) {
      const s = this.state;
      if (s.t === 'magic') {
        if (!need(4)) break;
        const m = buf.readUInt32LE(p);
        if (m === MAGIC) {
          if (!need(7)) break;
          this.state = { t: 'descriptor', flg: buf[p + 4]! };
          p += 4;
        } else if ((m & 0xfffffff0) === 0x184d2a50) {
          p += 4;
          this.state = { t: 'skipSize' };
        } else if (m === LEGACY_MAGIC) {
          p += 4;
          this.state = { t: 'legacyBlock' };
        } else if (this.frames > 0) {
          throw this.corrupt(`unexpected bytes 0x${m.toString(16)} after frame ${this.frames}`);
        } else throw this.corrupt('no LZ4 frame magic');
      } else if (s.t === 'skipSize') {
        if (!need(4)) break;
        this.state = { t: 'skip', n: buf.readUInt32LE(p) };
        p += 4;
      } else if (s.t === 'skip') {
        const n = Math.min(s.n, buf.length - p);
        p += n;
        if (n < s.n) {
          this.state = { t: 'skip', n: s.n - n };
          break;
        }
        this.state = { t: 'magic' };
      } else if (s.t === 'descriptor') {
        const flg = s.flg;
        if (flg >> 6 !== 1) throw this.corrupt(`unsupported frame version ${flg >> 6}`);
        const len = 3 + (flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0);
        if (!need(len)) break;
        const bd = buf[p + 1]!;
        const bsid = (bd >> 4) & 7;
        if (bsid < 4) throw this.corrupt(`block maximum size id ${bsid}`);
        this.blockMax = 1 << (8 + 2 * bsid);
        this.flg = flg;
        this.history = Buffer.alloc(0);
        p += len;
        this.state = { t: 'block' };
      } else if (s.t === 'block' || s.t === 'legacyBlock') {
        if (!need(4)) break;
        const w = buf.readUInt32LE(p);
        if (s.t === 'legacyBlock') {
          if (w === MAGIC || w === LEGACY_MAGIC || (w & 0xfffffff0) === 0x184d2a50) {
            this.state = { t: 'magic' };
            this.frames++;
            continue;
          }
          p += 4;
          if (w > LEGACY_BLOCK + (LEGACY_BLOCK >> 7) + 64) throw this.corrupt(`legacy block of ${w} bytes`);
          this.state = { t: 'blockData', size: w, stored: false };
          this.legacy = true;
          continue;
        }
        p += 4;
        if (w === 0) {
          this.frames++;
          this.state = this.flg & 0x04 ? { t: 'checksum', n: 4 } : { t: 'magic' };
          continue;
        }
        const size = w & 0x7fffffff;
        if (size > this.blockMax) throw this.corrupt(`block of ${size} bytes, above the frame's ${this.blockMax}`);
        this.state = { t: 'blockData', size: size + (this.flg & 0x10 ? 4 : 0), stored: (w & 0x80000000) !== 0 };
        this.legacy = false;
      } else if (s.t === 'blockData') {
        if (!need(s.size)) break;
        const dataLen = this.legacy ? s.size : s.size - (this.flg & 0x10 ? 4 : 0);
        const data = buf.subarray(p, p + dataLen);
        p += s.size;
        const out = s.stored ? Buffer.from(data) : this.decodeBlock(data, this.legacy ? LEGACY_BLOCK : this.blockMax);
        if (out.length > 0) emit(out);
        // Independent blocks (FLG bit 5) never look back; keeping the window costs little either way.
        this.history =
          out.length >= WINDOW
            ? Buffer.from(out.subarray(out.length - WINDOW))
            : Buffer.concat([this.history, out]).subarray(-WINDOW);
        this.state = this.legacy ? { t: 'legacyBlock' } : { t: 'block' };
      } else if (s.t === 'checksum') {
        if (!need(s.n)) break;
        p += s.n;
        this.state = { t: 'magic' };
      }
    }
    this.pending = p >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(p));
  }

  private legacy = false;

  end(): void {
    const s = this.state;
    const done = (s.t === 'magic' || s.t === 'legacyBlock') && this.pending.length === 0 && this.frames + (s.t === 'legacyBlock' ? 1 : 0) > 0;
    if (!done) {
      throw new CoreReadError(
        'truncated',
        this.file,
        `${this.file}: the LZ4 stream ends in the middle of a frame; the compressed file was cut short`,
      );
    }
  }

  /** One LZ4 block (sequences of literals and matches) into at most `max` bytes. */
  private decodeBlock(src: Buffer, max: number): Buffer {
    const hist = this.history;
    const h = hist.length;
    // Output with the history in front, so matches reach back across blocks.
    const out = Buffer.allocUnsafe(h + max);
    hist.copy(out, 0);
    let o = h;
    let i = 0;
    const n = src.length;
    for (;;) {
      if (i >= n) throw this.corrupt('block ends without its last literals');
      const token = src[i++]!;
      let lit = token >> 4;
      if (lit === 15) {
        let b: number;
        do {
          if (i >= n) throw this.corrupt('literal length runs past the block');
          b = src[i++]!;
          lit += b;
        } while (b === 255);
      }
      if (i + lit > n) throw this.corrupt('literals run past the block');
      if (o + lit > out.length) throw this.corrupt(`a block decodes to more than ${max} bytes`);
      src.copy(out, o, i, i + lit);
      o += lit;
      i += lit;
      if (i === n) break; // the last sequence has literals only
      if (i + 2 > n) throw this.corrupt('match offset runs past the block');
      const off = src[i]! | (src[i + 1]! << 8);
      i += 2;
      if (off === 0 || off > o) throw this.corrupt(`match offset ${off} reaches before the window`);
      let len = (token & 15) + 4;
      if ((token & 15) === 15) {
        let b: number;
        do {
          if (i >= n) throw this.corrupt('match length runs past the block');
          b = src[i++]!;
          len += b;
        } while (b === 255);
      }
      if (o + len > out.length) throw this.corrupt(`a block decodes to more than ${max} bytes`);
      let from = o - off;
      if (off >= len) {
        out.copy(out, o, from, from + len);
        o += len;
      } else {
        for (let k = 0; k < len; k++) out[o++] = out[from++]!;
      }
    }
    return out.subarray(h, o);
  }
}
