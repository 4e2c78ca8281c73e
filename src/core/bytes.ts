// Bounds-checked reading of integers and strings from a Buffer. Every out-of-range access throws
// a CoreReadError (kind 'truncated' by default) naming the file and what was being read, never a
// RangeError.
import { CoreReadError, hex, type CoreErrorKind } from './errors.js';

export const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export interface ByteReaderOptions {
  littleEndian?: boolean;
  /** File name for messages. */
  file?: string;
  /** Where `buf[0]` lies in the file (or address space), for messages only. */
  base?: number | bigint;
  /** What the bytes are ("section .go.buildinfo", "NT_PRSTATUS note"), for messages. */
  what?: string;
  /** Error kind thrown on an out-of-range read (default 'truncated'). */
  kind?: CoreErrorKind;
}

export interface Varint {
  value: bigint;
  /** Offset just after the encoded number. */
  next: number;
}

/** Random-access reader over a Buffer. Offsets are relative to the buffer. */
export class ByteReader {
  readonly buf: Buffer;
  readonly littleEndian: boolean;
  readonly file: string;
  readonly base: number | bigint;
  readonly what: string;
  readonly kind: CoreErrorKind;

  constructor(buf: Buffer, opts: ByteReaderOptions = {}) {
    this.buf = buf;
    this.littleEndian = opts.littleEndian ?? true;
    this.file = opts.file ?? '<buffer>';
    this.base = opts.base ?? 0;
    this.what = opts.what ?? 'data';
    this.kind = opts.kind ?? 'truncated';
  }

  get length(): number {
    return this.buf.length;
  }

  /** Throws unless [off, off+len) lies inside the buffer. */
  check(off: number, len: number, field = 'value'): void {
    if (!Number.isInteger(off) || !Number.isInteger(len) || off < 0 || len < 0 || off + len > this.buf.length) {
      const at =
        typeof this.base === 'bigint' ? this.base + BigInt(Math.max(0, Math.trunc(off) || 0)) : this.base + off;
      throw new CoreReadError(
        this.kind,
        this.file,
        `${this.file}: ${this.what} is too short: reading ${len} byte(s) of ${field} at offset ${hex(Math.max(0, Math.trunc(off) || 0))} ` +
          `(${hex(at)}) but only ${this.buf.length} byte(s) are present`,
      );
    }
  }

  u8(off: number): number {
    this.check(off, 1);
    return this.buf[off]!;
  }
  u16(off: number): number {
    this.check(off, 2);
    return this.littleEndian ? this.buf.readUInt16LE(off) : this.buf.readUInt16BE(off);
  }
  u32(off: number): number {
    this.check(off, 4);
    return this.littleEndian ? this.buf.readUInt32LE(off) : this.buf.readUInt32BE(off);
  }
  i32(off: number): number {
    this.check(off, 4);
    return this.littleEndian ? this.buf.readInt32LE(off) : this.buf.readInt32BE(off);
  }
  u64(off: number): bigint {
    this.check(off, 8);
    return this.littleEndian ? this.buf.readBigUInt64LE(off) : this.buf.readBigUInt64BE(off);
  }
  i64(off: number): bigint {
    this.check(off, 8);
    return this.littleEndian ? this.buf.readBigInt64LE(off) : this.buf.readBigInt64BE(off);
  }
  /** A u64 that must fit a JS number (sizes, offsets); larger values are 'corrupt'. */
  u64n(off: number, field = 'value'): number {
    return toSafeNumber(this.u64(off), this.file, `${field} in ${this.what}`);
  }
  /** Pointer-sized unsigned value (4 or 8 bytes). */
  uptr(off: number, ptrSize: number): bigint {
    return ptrSize === 8 ? this.u64(off) : BigInt(this.u32(off));
  }
  bytes(off: number, len: number): Buffer {
    this.check(off, len);
    return this.buf.subarray(off, off + len);
  }
  /** NUL-terminated string starting at off, at most `max` bytes; without a NUL, the bytes up to max/end. */
  cstring(off: number, max = 4096): string {
    this.check(off, 0);
    const end = Math.min(this.buf.length, off + max);
    let i = off;
    while (i < end && this.buf[i] !== 0) i++;
    return this.buf.toString('utf8', off, i);
  }
  /** Unsigned LEB128 (also Go's uvarint). At most 10 bytes. */
  uleb(off: number): Varint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.u8(off + i);
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return { value: result, next: off + i + 1 };
      shift += 7n;
    }
    throw new CoreReadError(
      'corrupt',
      this.file,
      `${this.file}: ${this.what}: varint at offset ${hex(off)} is longer than 10 bytes`,
    );
  }
  /** Signed LEB128. */
  sleb(off: number): Varint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.u8(off + i);
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) {
        if (b & 0x40) result -= 1n << shift;
        return { value: result, next: off + i + 1 };
      }
    }
    throw new CoreReadError(
      'corrupt',
      this.file,
      `${this.file}: ${this.what}: varint at offset ${hex(off)} is longer than 10 bytes`,
    );
  }
  /** Unsigned LEB128 that must fit a JS number. */
  ulebn(off: number): { value: number; next: number } {
    const v = this.uleb(off);
    return { value: toSafeNumber(v.value, this.file, `varint in ${this.what}`), next: v.next };
  }
}

/** Sequential reader: a ByteReader with a position. */
export class Cursor {
  readonly r: ByteReader;
  pos: number;

  constructor(r: ByteReader, pos = 0) {
    this.r = r;
    this.pos = pos;
  }
  get remaining(): number {
    return this.r.length - this.pos;
  }
  u8(): number {
    const v = this.r.u8(this.pos);
    this.pos += 1;
    return v;
  }
  u16(): number {
    const v = this.r.u16(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    const v = this.r.u32(this.pos);
    this.pos += 4;
    return v;
  }
  i32(): number {
    const v = this.r.i32(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    const v = this.r.u64(this.pos);
    this.pos += 8;
    return v;
  }
  u64n(field?: string): number {
    const v = this.r.u64n(this.pos, field);
    this.pos += 8;
    return v;
  }
  bytes(n: number): Buffer {
    const v = this.r.bytes(this.pos, n);
    this.pos += n;
    return v;
  }
  uleb(): bigint {
    const v = this.r.uleb(this.pos);
    this.pos = v.next;
    return v.value;
  }
  ulebn(): number {
    const v = this.r.ulebn(this.pos);
    this.pos = v.next;
    return v.value;
  }
  sleb(): bigint {
    const v = this.r.sleb(this.pos);
    this.pos = v.next;
    return v.value;
  }
  advance(n: number): void {
    this.r.check(this.pos, n);
    this.pos += n;
  }
}

export function toSafeNumber(v: bigint, file: string, field: string): number {
  if (v < 0n || v > MAX_SAFE) {
    throw new CoreReadError(
      'corrupt',
      file,
      `${file}: ${field} is ${hex(v)}, larger than any file or memory size; the file is corrupt`,
    );
  }
  return Number(v);
}
