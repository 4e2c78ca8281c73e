// Reading layout fields from process memory: by the field's size and signedness.
import type { Memory } from '../core/memory.js';
import type { FieldRef, StructLayout } from './layout.js';

/** An unsigned (or, for kind 'int', sign-extended) integer field of the struct at `base`. */
export function readField(mem: Memory, base: bigint, f: FieldRef): bigint {
  const addr = base + BigInt(f.offset);
  switch (f.size) {
    case 1: {
      const v = mem.readU8(addr);
      return BigInt(f.kind === 'int' && v >= 0x80 ? v - 0x100 : v);
    }
    case 2: {
      const v = mem.readU16(addr);
      return BigInt(f.kind === 'int' && v >= 0x8000 ? v - 0x10000 : v);
    }
    case 4: {
      const v = mem.readU32(addr);
      return BigInt(f.kind === 'int' && v >= 0x80000000 ? v - 0x100000000 : v);
    }
    case 8: {
      const v = mem.readU64(addr);
      return f.kind === 'int' && v >= 1n << 63n ? v - (1n << 64n) : v;
    }
    default:
      throw new RangeError(`field of ${f.size} bytes is not an integer`);
  }
}

/**
 * An integer field from a DataView over the struct's bytes (one memory read for many fields): for
 * hot loops (thousands of g's), where DataView's 64-bit reads are several times faster than Buffer's.
 */
export function readFieldFromView(view: DataView, f: FieldRef, littleEndian = true): bigint {
  return readFieldAt(view, 0, f, littleEndian);
}

/**
 * readFieldFromView for a struct at byte `at` of the view (many structs in one buffer). A zero
 * 64-bit word is the shared 0n (no BigInt allocated: most pointer fields of a parked g are nil).
 */
export function readFieldAt(view: DataView, at: number, f: FieldRef, littleEndian = true): bigint {
  const o = at + f.offset;
  if (f.offset < 0 || o + f.size > view.byteLength) throw new RangeError(`field at +${f.offset} (${f.size} bytes) is outside a ${view.byteLength - at}-byte struct`);
  const signed = f.kind === 'int';
  if (f.size === 8 && view.getUint32(o, true) === 0 && view.getUint32(o + 4, true) === 0) return 0n;
  switch (f.size) {
    case 1:
      return BigInt(signed ? view.getInt8(o) : view.getUint8(o));
    case 2:
      return BigInt(signed ? view.getInt16(o, littleEndian) : view.getUint16(o, littleEndian));
    case 4:
      return BigInt(signed ? view.getInt32(o, littleEndian) : view.getUint32(o, littleEndian));
    case 8:
      return signed ? view.getBigInt64(o, littleEndian) : view.getBigUint64(o, littleEndian);
    default:
      throw new RangeError(`field of ${f.size} bytes is not an integer`);
  }
}

export function readFieldNumber(mem: Memory, base: bigint, f: FieldRef): number {
  return Number(readField(mem, base, f));
}

/** One decoded field of a struct, with its offset in this Go version's layout. */
export interface FieldValue {
  name: string;
  offset: number;
  size: number;
  kind: string;
  type: string;
  /** Integer value for scalar fields (pointers, ints, bools as 0/1); undefined for aggregates. */
  value: bigint | undefined;
  /** For eface/iface/string/slice: the two or three words. */
  words: bigint[] | undefined;
  /** For a word that points into code: `function+0xoff` (when a resolver was given). */
  symbol?: string;
}

/** Names code addresses (GoSymbols.funcForPC-based lookups fit: only code should resolve). */
export interface CodeNamer {
  codeName(addr: bigint): string | undefined;
}

/** Every field of a struct instance, in declaration order (aggregates as raw words where useful). */
export function readAllFields(mem: Memory, base: bigint, s: StructLayout, namer?: CodeNamer): FieldValue[] {
  const out: FieldValue[] = [];
  for (const f of s.fields) {
    let value: bigint | undefined;
    let words: bigint[] | undefined;
    const scalar = ['ptr', 'bool', 'int', 'uint', 'uintptr', 'func', 'chan', 'map'].includes(f.kind) ||
      (f.kind === 'struct' && [1, 2, 4, 8].includes(f.size) && /atomic\./.test(f.type));
    if (scalar && [1, 2, 4, 8].includes(f.size)) {
      value = readField(mem, base, f);
    } else if (['eface', 'iface', 'string', 'slice'].includes(f.kind)) {
      const n = f.size / 8;
      words = [];
      for (let i = 0; i < n; i++) words.push(mem.readU64(base + BigInt(f.offset + 8 * i)));
    }
    const fv: FieldValue = { name: f.name, offset: f.offset, size: f.size, kind: f.kind, type: f.type, value, words };
    if (namer && value !== undefined && value !== 0n && f.size === 8 && ['uintptr', 'ptr', 'func'].includes(f.kind)) {
      const sym = namer.codeName(value);
      if (sym !== undefined) fv.symbol = sym;
    }
    out.push(fv);
  }
  return out;
}
