// The fields of a heap object decoded with its DWARF type (the Heap view's object details, and the
// field named at each step of a retention path): a struct's members (name, offset, type, value),
// or an array's first elements (`[i]`). Values: integers in decimal, pointers in hex, strings
// quoted (at most 64 bytes read), slices as ptr/len/cap, interfaces as their two words.
import type { Dwarf, DwarfEntry } from '../core/dwarf.js';
import { hex } from '../core/errors.js';
import type { Memory } from '../core/memory.js';

export interface HeapField {
  /** `Next`, `Name`, `[3]`, `[3].Owner`. */
  name: string;
  /** Offset from the object's Go address. */
  offset: number;
  type: string;
  value: string;
}

/** At most this many elements of an array object are listed. */
const MAX_ELEMENTS = 32;
const MAX_STRING = 64;

function u64(b: Buffer, off: number): bigint {
  return off + 8 <= b.length ? b.readBigUInt64LE(off) : 0n;
}

function valueOf(mem: Memory, dwarf: Dwarf, t: DwarfEntry, b: Buffer, off: number, size: number): string {
  const kind = dwarf.typeKind(t);
  if (off + Math.min(size, 8) > b.length) return '?';
  switch (kind) {
    case 'ptr':
    case 'map':
    case 'chan':
    case 'func':
    case 'uintptr':
      return hex(u64(b, off));
    case 'bool':
      return b[off] ? 'true' : 'false';
    case 'int':
      return size === 8
        ? b.readBigInt64LE(off).toString()
        : size === 4
          ? String(b.readInt32LE(off))
          : size === 2
            ? String(b.readInt16LE(off))
            : String(b.readInt8(off));
    case 'uint':
      return size === 8
        ? u64(b, off).toString()
        : size === 4
          ? String(b.readUInt32LE(off))
          : size === 2
            ? String(b.readUInt16LE(off))
            : String(b[off]);
    case 'float':
      return size === 8 ? String(b.readDoubleLE(off)) : String(b.readFloatLE(off));
    case 'string': {
      const p = u64(b, off);
      const n = u64(b, off + 8);
      if (n === 0n) return '""';
      if (n > 1n << 40n) return `(string ${hex(p)}, len ${n})`;
      const s = mem.tryRead(p, Number(n < BigInt(MAX_STRING) ? n : BigInt(MAX_STRING)));
      return s
        ? JSON.stringify(s.toString('utf8')) + (n > BigInt(MAX_STRING) ? `… (len ${n})` : '')
        : `(string ${hex(p)}, len ${n}, not in the core)`;
    }
    case 'slice':
      return `{ptr ${hex(u64(b, off))}, len ${u64(b, off + 8)}, cap ${u64(b, off + 16)}}`;
    case 'eface':
    case 'iface':
      return `{${kind === 'eface' ? 'type' : 'itab'} ${hex(u64(b, off))}, data ${hex(u64(b, off + 8))}}`;
    default:
      return size > 0 ? `(${size} bytes)` : '';
  }
}

/** Members of a struct type (resolved through typedefs), or undefined for other kinds. */
function members(dwarf: Dwarf, t: DwarfEntry): { name: string; offset: number; type: DwarfEntry }[] | undefined {
  const under = dwarf.resolveTypedefs(t);
  if (under.tag !== 0x13) return undefined; // DW_TAG_structure_type
  const out: { name: string; offset: number; type: DwarfEntry }[] = [];
  for (const m of dwarf.children(under)) {
    if (m.tag !== 0x0d) continue; // DW_TAG_member
    const mt = dwarf.typeOf(m);
    const name = m.attrs.get(0x03);
    const loc = m.attrs.get(0x38);
    const offset =
      typeof loc === 'bigint'
        ? Number(loc)
        : typeof loc === 'number'
          ? loc
          : loc instanceof Buffer && loc[0] === 0x23
            ? (loc[1] ?? 0) & 0x7f
            : 0;
    if (mt && typeof name === 'string') out.push({ name, offset, type: mt });
  }
  return out;
}

/**
 * The fields of the object of type `t` (or `[N]t` when `room` holds several) at `at`. With
 * `nameOnly`, only the field holding that offset (from the object's Go address) is returned, with
 * no memory read.
 */
export function decodeFields(
  mem: Memory,
  dwarf: Dwarf,
  t: DwarfEntry,
  at: number,
  room: number,
  opts: { nameOnly?: number } = {},
): HeapField[] {
  const size = dwarf.typeSize(t);
  if (size <= 0) return [];
  const reps = Math.max(1, Math.floor(room / size));
  const ms = members(dwarf, t);
  if (opts.nameOnly !== undefined) {
    const off = opts.nameOnly;
    if (off < 0) return [];
    const i = Math.floor(off / size);
    const within = off - i * size;
    const pre = reps > 1 ? `[${i}]` : '';
    let m: { name: string; offset: number } | undefined;
    for (const x of ms ?? []) if (x.offset <= within) m = x;
    const name = m ? `${pre}${pre ? '.' : ''}${m.name}` : pre;
    return name ? [{ name, offset: off, type: '', value: '' }] : [];
  }
  const n = Math.min(reps, MAX_ELEMENTS);
  const buf = mem.tryRead(BigInt(at), Math.min(n * size, 1 << 20));
  if (!buf) return [];
  const out: HeapField[] = [];
  for (let i = 0; i < n; i++) {
    const pre = reps > 1 ? `[${i}]` : '';
    const base = i * size;
    if (ms) {
      for (let j = 0; j < ms.length; j++) {
        const m = ms[j]!;
        const msize = dwarf.typeSize(m.type);
        out.push({
          name: `${pre}${pre ? '.' : ''}${m.name}`,
          offset: base + m.offset,
          type: dwarf.typeName(m.type),
          value: valueOf(mem, dwarf, m.type, buf, base + m.offset, msize),
        });
      }
    } else {
      out.push({
        name: pre || '(value)',
        offset: base,
        type: dwarf.typeName(t),
        value: valueOf(mem, dwarf, t, buf, base, size),
      });
    }
  }
  return out;
}
