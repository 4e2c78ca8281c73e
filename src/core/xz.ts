// The .xz container with its LZMA2 filter (what `xz` and systemd-coredump's liblzma write),
// decoded incrementally, chunk by chunk: stream header, blocks (block header, LZMA2 chunks,
// padding, check), index, stream footer, stream padding, concatenated streams. Follows the
// .xz file format 1.1.0 (xz-file-format.txt) and the LZMA decoder of xz-embedded
// (linux/lib/xz/xz_dec_lzma2.c), which this mirrors symbol for symbol. An LZMA2 chunk holds at
// most 64 KiB packed and 2 MiB unpacked, so a chunk is decoded only once all its bytes are here:
// the range decoder never has to stop in the middle. Checks (CRC32/CRC64/SHA-256) are skipped, not
// verified; filters other than LZMA2 alone (BCJ, delta) are refused as unsupported.
import { CoreReadError } from './errors.js';
import type { StreamDecoder } from './compressed.js';

const HEADER_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
/** Largest LZMA2 dictionary accepted (xz -9 uses 64 MiB; the format allows 4 GiB). */
export const MAX_XZ_DICT = 768 * 1024 * 1024;
const FILTER_LZMA2 = 0x21;

const STATES = 12;
const POS_STATES_MAX = 16;
const DIST_STATES = 4;
const DIST_SLOTS = 64;
const END_POS_MODEL_INDEX = 14;
const FULL_DISTANCES = 128;
const ALIGN_BITS = 4;
const MATCH_LEN_MIN = 2;
const LIT_STATES = 7;

/** Probability layout (offsets into one Uint16Array). */
const IS_MATCH = 0;
const IS_REP = IS_MATCH + STATES * POS_STATES_MAX;
const IS_REP0 = IS_REP + STATES;
const IS_REP1 = IS_REP0 + STATES;
const IS_REP2 = IS_REP1 + STATES;
const IS_REP0_LONG = IS_REP2 + STATES;
const DIST_SLOT = IS_REP0_LONG + STATES * POS_STATES_MAX;
const DIST_SPECIAL = DIST_SLOT + DIST_STATES * DIST_SLOTS;
const DIST_ALIGN = DIST_SPECIAL + FULL_DISTANCES - END_POS_MODEL_INDEX;
/** A length decoder: choice, choice2, low[16][8], mid[16][8], high[256]. */
const LEN_SIZE = 2 + POS_STATES_MAX * 8 * 2 + 256;
const MATCH_LEN = DIST_ALIGN + (1 << ALIGN_BITS);
const REP_LEN = MATCH_LEN + LEN_SIZE;
const LITERAL = REP_LEN + LEN_SIZE;
const LITERAL_SIZE = 0x300;

function checkSize(check: number): number {
  if (check === 0) return 0;
  return 4 << Math.floor((check - 1) / 3);
}

type Phase =
  | 'streamHeader'
  | 'blockOrIndex'
  | 'chunk'
  | 'blockPadding'
  | 'check'
  | 'index'
  | 'footer'
  | 'streamPadding';

export class XzDecoder implements StreamDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private phase: Phase = 'streamHeader';
  private checkType = 0;
  private streams = 0;
  /** Compressed bytes of the current block after its header (for the padding to 4). */
  private blockBytes = 0;
  private dictSize = 0;
  private dict: Uint8Array = new Uint8Array(0);
  private pos = 0;
  /** Valid bytes in the dictionary (up to its size). */
  private full = 0;
  private needDictReset = true;
  private needProps = true;
  private lc = 0;
  private lp = 0;
  private pb = 0;
  private probs = new Uint16Array(LITERAL + LITERAL_SIZE * 16);
  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;
  /** A match cut by the end of a chunk, finished at the start of the next. */
  private pendingLen = 0;
  /** Bytes output since the last dictionary reset (LZMA's position for pos/literal states). */
  private total = 0;
  // Range decoder over the current chunk.
  private range = 0;
  private code = 0;
  private rin: Buffer = Buffer.alloc(0);
  private rpos = 0;
  private rend = 0;

  constructor(private readonly file: string) {}

  private corrupt(msg: string): CoreReadError {
    return new CoreReadError('corrupt', this.file, `${this.file}: the xz stream is corrupt: ${msg}`);
  }

  push(chunk: Buffer, emit: (out: Buffer) => void): void {
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let p = 0;
    const have = (n: number): boolean => buf.length - p >= n;
    for (;;) {
      if (this.phase === 'streamHeader') {
        if (!have(12)) break;
        if (!buf.subarray(p, p + 6).equals(HEADER_MAGIC)) {
          throw this.corrupt(this.streams === 0 ? 'no xz stream header magic' : 'garbage after a stream');
        }
        if (buf[p + 6] !== 0 || (buf[p + 7]! & 0xf0) !== 0) throw this.corrupt('unsupported stream flags');
        this.checkType = buf[p + 7]! & 0x0f;
        p += 12;
        this.phase = 'blockOrIndex';
      } else if (this.phase === 'blockOrIndex') {
        if (!have(1)) break;
        if (buf[p] === 0) {
          this.phase = 'index';
          continue;
        }
        const size = (buf[p]! + 1) * 4;
        if (!have(size)) break;
        this.blockHeader(buf.subarray(p, p + size));
        p += size;
        this.blockBytes = 0;
        this.needDictReset = true;
        this.needProps = true;
        this.phase = 'chunk';
      } else if (this.phase === 'chunk') {
        if (!have(1)) break;
        const c = buf[p]!;
        if (c === 0) {
          p += 1;
          this.blockBytes += 1;
          this.phase = 'blockPadding';
          continue;
        }
        if (c === 1 || c === 2) {
          if (!have(3)) break;
          const size = buf.readUInt16BE(p + 1) + 1;
          if (!have(3 + size)) break;
          if (c === 1) this.resetDict();
          else if (this.needDictReset) throw this.corrupt('the first chunk does not reset the dictionary');
          this.storeUncompressed(buf.subarray(p + 3, p + 3 + size), emit);
          p += 3 + size;
          this.blockBytes += 3 + size;
          continue;
        }
        if (c < 0x80) throw this.corrupt(`invalid LZMA2 control byte 0x${c.toString(16)}`);
        const reset = (c >> 5) & 3;
        const hdr = reset >= 2 ? 6 : 5;
        if (!have(hdr)) break;
        const unpacked = ((c & 0x1f) << 16) + buf.readUInt16BE(p + 1) + 1;
        const packed = buf.readUInt16BE(p + 3) + 1;
        if (!have(hdr + packed)) break;
        if (reset === 3) this.resetDict();
        else if (this.needDictReset) throw this.corrupt('the first chunk does not reset the dictionary');
        if (reset >= 2) this.setProps(buf[p + 5]!);
        else if (this.needProps) throw this.corrupt('a chunk without properties where they are needed');
        if (reset >= 1) this.resetState();
        this.lzmaChunk(buf, p + hdr, packed, unpacked, emit);
        p += hdr + packed;
        this.blockBytes += hdr + packed;
      } else if (this.phase === 'blockPadding') {
        const pad = (4 - (this.blockBytes % 4)) % 4;
        if (!have(pad)) break;
        for (let i = 0; i < pad; i++) if (buf[p + i] !== 0) throw this.corrupt('non-zero block padding');
        p += pad;
        this.phase = 'check';
      } else if (this.phase === 'check') {
        const n = checkSize(this.checkType);
        if (!have(n)) break;
        p += n;
        this.phase = 'blockOrIndex';
      } else if (this.phase === 'index') {
        const end = this.indexEnd(buf, p);
        if (end === undefined) break;
        p = end;
        this.phase = 'footer';
      } else if (this.phase === 'footer') {
        if (!have(12)) break;
        if (buf[p + 10] !== 0x59 || buf[p + 11] !== 0x5a) throw this.corrupt('bad stream footer magic');
        p += 12;
        this.streams++;
        this.phase = 'streamPadding';
      } else {
        // Stream padding (multiples of four zero bytes), then maybe another stream.
        if (!have(4)) break;
        if (buf.readUInt32LE(p) === 0) p += 4;
        else this.phase = 'streamHeader';
      }
    }
    this.pending = p >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(p));
    // Bounded: a block header is at most 1 KiB, a chunk at most 64 KiB + 6, the index is walked as it comes.
    if (this.pending.length > (1 << 20) + chunk.length) throw this.corrupt('a record larger than the format allows');
  }

  end(): void {
    if (!(this.phase === 'streamPadding' && this.pending.length === 0 && this.streams > 0)) {
      throw new CoreReadError(
        'truncated',
        this.file,
        `${this.file}: the xz stream ends early (in its ${this.phase}); the compressed file was cut short`,
      );
    }
  }

  /** Where the index that starts at p ends, or undefined when not all of it is here yet. */
  private indexEnd(buf: Buffer, start: number): number | undefined {
    let p = start + 1;
    const vli = (): number | undefined => {
      let v = 0;
      for (let i = 0; i < 9; i++) {
        if (p >= buf.length) return undefined;
        const b = buf[p++]!;
        v += (b & 0x7f) * 2 ** (7 * i);
        if ((b & 0x80) === 0) return v;
      }
      throw this.corrupt('an index number longer than 9 bytes');
    };
    const count = vli();
    if (count === undefined) return undefined;
    if (count > 1e9) throw this.corrupt(`an index of ${count} records`);
    for (let i = 0; i < 2 * count; i++) if (vli() === undefined) return undefined;
    p += (4 - ((p - start) % 4)) % 4;
    p += 4; // CRC32
    return p <= buf.length ? p : undefined;
  }

  private blockHeader(h: Buffer): void {
    const flags = h[1]!;
    if (flags & 0x3c) throw this.corrupt('reserved block flags set');
    const filters = (flags & 3) + 1;
    let p = 2;
    const vli = (): number => {
      let v = 0;
      for (let i = 0; i < 9; i++) {
        if (p >= h.length - 4) throw this.corrupt('block header too short');
        const b = h[p++]!;
        v += (b & 0x7f) * 2 ** (7 * i);
        if ((b & 0x80) === 0) return v;
      }
      throw this.corrupt('a block header number longer than 9 bytes');
    };
    if (flags & 0x40) vli(); // compressed size
    if (flags & 0x80) vli(); // uncompressed size
    const id = vli();
    const propsSize = vli();
    if (filters !== 1 || id !== FILTER_LZMA2) {
      throw new CoreReadError(
        'unsupported',
        this.file,
        `${this.file}: the xz stream uses filter 0x${id.toString(16)}${filters > 1 ? ` and ${filters - 1} more` : ''}; only LZMA2 alone is read (decompress it with \`xz -d\`)`,
      );
    }
    if (propsSize !== 1 || p >= h.length - 4) throw this.corrupt('LZMA2 filter properties');
    const bits = h[p]! & 0x3f;
    if (bits > 40) throw this.corrupt('LZMA2 dictionary size');
    const size = bits === 40 ? 0xffffffff : (2 | (bits & 1)) * 2 ** (Math.floor(bits / 2) + 11);
    if (size > MAX_XZ_DICT) {
      throw new CoreReadError(
        'unsupported',
        this.file,
        `${this.file}: the xz stream needs a ${size}-byte dictionary, more than the ${MAX_XZ_DICT} bytes allowed`,
      );
    }
    if (size !== this.dictSize) {
      this.dictSize = size;
      this.dict = new Uint8Array(size);
    }
  }

  private resetDict(): void {
    this.pos = 0;
    this.full = 0;
    this.total = 0;
    this.needDictReset = false;
  }

  private setProps(b: number): void {
    if (b > 4 * 45 + 4 * 9 + 8) throw this.corrupt('LZMA properties');
    this.pb = Math.floor(b / 45);
    b -= this.pb * 45;
    this.lp = Math.floor(b / 9);
    this.lc = b - this.lp * 9;
    if (this.lc + this.lp > 4 || this.pb > 4) throw this.corrupt('LZMA properties (lc + lp > 4)');
    this.needProps = false;
  }

  private resetState(): void {
    this.probs.fill(1024);
    this.state = 0;
    this.rep0 = this.rep1 = this.rep2 = this.rep3 = 0;
    this.pendingLen = 0;
  }

  private storeUncompressed(data: Buffer, emit: (out: Buffer) => void): void {
    for (let i = 0; i < data.length; ) {
      const n = Math.min(data.length - i, this.dictSize - this.pos, this.dictSize - this.unflushed);
      this.dict.set(data.subarray(i, i + n), this.pos);
      this.pos += n;
      i += n;
      if (this.pos === this.dictSize) this.pos = 0;
      this.full = Math.min(this.dictSize, this.full + n);
      this.total += n;
      this.unflushed += n;
      if (this.unflushed === this.dictSize) this.flush(emit);
    }
    this.flush(emit);
  }

  /** Bytes written to the dictionary and not yet emitted (they end at pos). */
  private unflushed = 0;

  /** Emits what was decoded since the last flush (views of the dictionary, valid during the call). */
  private flush(emit: (out: Buffer) => void): void {
    const n = this.unflushed;
    if (n === 0) return;
    this.unflushed = 0;
    const d = this.dict;
    let start = this.pos - n;
    if (start < 0) start += this.dictSize;
    const first = Math.min(n, this.dictSize - start);
    emit(Buffer.from(d.buffer, d.byteOffset + start, first));
    if (first < n) emit(Buffer.from(d.buffer, d.byteOffset, n - first));
  }

  // ---- range decoder ----
  private byte(): number {
    if (this.rpos >= this.rend) throw this.corrupt('an LZMA chunk reads past its packed size');
    return this.rin[this.rpos++]!;
  }
  private bit(i: number): number {
    if (this.range < 0x1000000) {
      this.range *= 256;
      this.code = this.code * 256 + this.byte();
    }
    const p = this.probs[i]!;
    const bound = (this.range >>> 11) * p;
    if (this.code < bound) {
      this.range = bound;
      this.probs[i] = p + ((2048 - p) >> 5);
      return 0;
    }
    this.range -= bound;
    this.code -= bound;
    this.probs[i] = p - (p >> 5);
    return 1;
  }
  private tree(base: number, bits: number): number {
    let m = 1;
    for (let i = 0; i < bits; i++) m = (m << 1) | this.bit(base + m);
    return m - (1 << bits);
  }
  private reverseTree(base: number, bits: number): number {
    let m = 1;
    let sym = 0;
    for (let i = 0; i < bits; i++) {
      const b = this.bit(base + m);
      m = (m << 1) | b;
      sym |= b << i;
    }
    return sym;
  }
  private direct(bits: number): number {
    let v = 0;
    for (let i = 0; i < bits; i++) {
      if (this.range < 0x1000000) {
        this.range *= 256;
        this.code = this.code * 256 + this.byte();
      }
      this.range = this.range >>> 1;
      let b = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        b = 1;
      }
      v = v * 2 + b;
    }
    return v;
  }
  private length(base: number, posState: number): number {
    if (this.bit(base) === 0) return MATCH_LEN_MIN + this.tree(base + 2 + posState * 8, 3);
    if (this.bit(base + 1) === 0) return MATCH_LEN_MIN + 8 + this.tree(base + 2 + POS_STATES_MAX * 8 + posState * 8, 3);
    return MATCH_LEN_MIN + 16 + this.tree(base + 2 + POS_STATES_MAX * 16, 8);
  }

  /** Copies `len` bytes from distance rep0, up to `room`; returns the bytes copied. */
  private copyMatch(len: number, room: number): number {
    const n = Math.min(len, room);
    const d = this.dict;
    const size = this.dictSize;
    let from = this.pos - this.rep0 - 1;
    if (from < 0) from += size;
    let pos = this.pos;
    for (let k = 0; k < n; k++) {
      d[pos++] = d[from++]!;
      if (pos === size) pos = 0;
      if (from === size) from = 0;
    }
    this.pos = pos;
    this.full = Math.min(size, this.full + n);
    this.total += n;
    this.unflushed += n;
    return n;
  }

  private lzmaChunk(buf: Buffer, at: number, packed: number, unpacked: number, emit: (out: Buffer) => void): void {
    this.rin = buf;
    this.rpos = at;
    this.rend = at + packed;
    if (this.byte() !== 0) throw this.corrupt('an LZMA chunk whose range coder does not start with 0');
    this.range = 0xffffffff;
    this.code = 0;
    for (let i = 0; i < 4; i++) this.code = this.code * 256 + this.byte();
    let left = unpacked;
    if (this.pendingLen > 0) {
      const n = this.copyMatch(this.pendingLen, left);
      this.pendingLen -= n;
      left -= n;
    }
    const pbMask = (1 << this.pb) - 1;
    const lpMask = (1 << this.lp) - 1;
    const lc = this.lc;
    const d = this.dict;
    const size = this.dictSize;
    // Flushed before the dictionary could wrap onto bytes not yet emitted (a match is at most 273).
    const flushAt = Math.max(1, size - 512);
    while (left > 0) {
      if (this.unflushed >= flushAt) this.flush(emit);
      const posState = this.total & pbMask;
      const st = this.state;
      if (this.bit(IS_MATCH + st * POS_STATES_MAX + posState) === 0) {
        const prev = this.full > 0 ? d[this.pos === 0 ? size - 1 : this.pos - 1]! : 0;
        const base = LITERAL + LITERAL_SIZE * (((this.total & lpMask) << lc) + (prev >> (8 - lc)));
        let sym = 1;
        if (st < LIT_STATES) {
          while (sym < 0x100) sym = (sym << 1) | this.bit(base + sym);
        } else {
          if (this.rep0 >= this.full) throw this.corrupt('a match reaches before the start of the data');
          let from = this.pos - this.rep0 - 1;
          if (from < 0) from += size;
          let matchByte = d[from]! << 1;
          let offset = 0x100;
          while (sym < 0x100) {
            const matchBit = matchByte & offset;
            matchByte <<= 1;
            if (this.bit(base + offset + matchBit + sym)) {
              sym = (sym << 1) | 1;
              offset = matchBit;
            } else {
              sym <<= 1;
              offset &= ~matchBit;
            }
          }
        }
        d[this.pos++] = sym & 0xff;
        if (this.pos === size) this.pos = 0;
        if (this.full < size) this.full++;
        this.total++;
        this.unflushed++;
        left--;
        this.state = st < 4 ? 0 : st < 10 ? st - 3 : st - 6;
        continue;
      }
      let len: number;
      if (this.bit(IS_REP + st) === 0) {
        this.state = st < LIT_STATES ? 7 : 10;
        len = this.length(MATCH_LEN, posState);
        this.rep3 = this.rep2;
        this.rep2 = this.rep1;
        this.rep1 = this.rep0;
        const lenState = Math.min(len - MATCH_LEN_MIN, DIST_STATES - 1);
        const slot = this.tree(DIST_SLOT + lenState * DIST_SLOTS, 6);
        if (slot < 4) this.rep0 = slot;
        else {
          const bits = (slot >> 1) - 1;
          let dist = (2 | (slot & 1)) * 2 ** bits;
          if (slot < END_POS_MODEL_INDEX) dist += this.reverseTree(DIST_SPECIAL + dist - slot - 1, bits);
          else dist += this.direct(bits - ALIGN_BITS) * 16 + this.reverseTree(DIST_ALIGN, ALIGN_BITS);
          this.rep0 = dist;
        }
      } else {
        if (this.bit(IS_REP0 + st) === 0) {
          if (this.bit(IS_REP0_LONG + st * POS_STATES_MAX + posState) === 0) {
            this.state = st < LIT_STATES ? 9 : 11;
            if (this.rep0 >= this.full) throw this.corrupt('a match reaches before the start of the data');
            left -= this.copyMatch(1, left);
            continue;
          }
        } else {
          let tmp: number;
          if (this.bit(IS_REP1 + st) === 0) tmp = this.rep1;
          else {
            if (this.bit(IS_REP2 + st) === 0) tmp = this.rep2;
            else {
              tmp = this.rep3;
              this.rep3 = this.rep2;
            }
            this.rep2 = this.rep1;
          }
          this.rep1 = this.rep0;
          this.rep0 = tmp;
        }
        this.state = st < LIT_STATES ? 8 : 11;
        len = this.length(REP_LEN, posState);
      }
      if (this.rep0 >= this.full) throw this.corrupt(`a match at distance ${this.rep0 + 1} reaches before the start of the data`);
      const n = this.copyMatch(len, left);
      left -= n;
      this.pendingLen = len - n;
    }
    this.flush(emit);
  }
}
