// Decoding a panic value (an eface: *_type, data) from raw memory, rendered the way the runtime's
// printpanicval prints it. Note: before printing a fatal panic the runtime's preprintpanics has
// already replaced error and Stringer values by their Error()/String() text, so in a core the
// values of printed panics are mostly strings. Error values still unconverted (e.g. a recovered
// panic) are decoded for the types whose Error() we know: *errors.errorString, *fmt.wrapError,
// runtime.boundsError, runtime.plainError, runtime.errorString.
import type { Memory } from '../core/memory.js';
import { CoreReadError, hex } from '../core/errors.js';

/** reflect.Kind values (internal/abi.Kind). */
export const KIND_NAMES = [
  'invalid', 'bool', 'int', 'int8', 'int16', 'int32', 'int64', 'uint', 'uint8', 'uint16', 'uint32', 'uint64',
  'uintptr', 'float32', 'float64', 'complex64', 'complex128', 'array', 'chan', 'func', 'interface', 'map', 'ptr',
  'slice', 'string', 'struct', 'unsafe.Pointer',
] as const;

/** internal/abi.Type on 64-bit (unchanged from Go 1.14 through 1.27). */
const TYPE_SIZE = 0;
const TYPE_TFLAG = 20;
const TYPE_KIND = 23;
const TYPE_STR = 40;
const TFLAG_EXTRA_STAR = 2;
const KIND_MASK = 0x1f;

export interface GoTypeInfo {
  addr: bigint;
  /** reflect kind number and name. */
  kind: number;
  kindName: string;
  size: bigint;
  /** The type's string (`*main.QuotaError`, `string`), when moduledata.types is known and readable. */
  name: string | undefined;
}

export interface DecodedValue {
  type: GoTypeInfo | undefined;
  /** What the runtime would print for this value (printpanicval), when we can render it exactly. */
  text: string | undefined;
  /** Error() text for the error types we know. */
  errorText: string | undefined;
}

function tryDo<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof CoreReadError) return undefined;
    throw e;
  }
}

/** A Go runtime name (1-byte flags, uvarint length, bytes) at addr. */
export function readRuntimeName(mem: Memory, addr: bigint, max = 4096): string {
  let len = 0;
  let shift = 0;
  let i = 1;
  for (;; i++) {
    const b = mem.readU8(addr + BigInt(i));
    len |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
    if (shift > 28) throw new CoreReadError('corrupt', '<memory>', `runtime name at ${hex(addr)} has a bad length`);
  }
  if (len > max) throw new CoreReadError('corrupt', '<memory>', `runtime name at ${hex(addr)} is ${len} bytes long`);
  return mem.read(addr + BigInt(i + 1), len).toString('utf8');
}

/** The type descriptor at `typeAddr`; `typesBase` is moduledata.types (runtime address). */
export function readGoType(mem: Memory, typeAddr: bigint, typesBase: bigint | undefined): GoTypeInfo {
  const kind = mem.readU8(typeAddr + BigInt(TYPE_KIND)) & KIND_MASK;
  const tflag = mem.readU8(typeAddr + BigInt(TYPE_TFLAG));
  const size = mem.readU64(typeAddr + BigInt(TYPE_SIZE));
  let name: string | undefined;
  if (typesBase !== undefined) {
    const off = mem.readU32(typeAddr + BigInt(TYPE_STR)) | 0;
    name = tryDo(() => readRuntimeName(mem, typesBase + BigInt(off)));
    if (name !== undefined && tflag & TFLAG_EXTRA_STAR && name.startsWith('*')) name = name.slice(1);
  }
  return { addr: typeAddr, kind, kindName: KIND_NAMES[kind] ?? `kind${kind}`, size, name };
}

function readString(mem: Memory, at: bigint): string {
  const ptr = mem.readPtr(at);
  const len = mem.readU64(at + 8n);
  return mem.readGoString(ptr, len);
}

const BOUNDS_FMT = [
  'index out of range [%x] with length %y',
  'slice bounds out of range [:%x] with length %y',
  'slice bounds out of range [:%x] with capacity %y',
  'slice bounds out of range [%x:%y]',
  'slice bounds out of range [::%x] with length %y',
  'slice bounds out of range [::%x] with capacity %y',
  'slice bounds out of range [:%x:%y]',
  'slice bounds out of range [%x:%y:]',
  'cannot convert slice with length %x to array or pointer to array with length %y',
];
const BOUNDS_NEG_FMT = [
  'index out of range [%x]',
  'slice bounds out of range [:%x]',
  'slice bounds out of range [:%x]',
  'slice bounds out of range [%x:]',
  'slice bounds out of range [::%x]',
  'slice bounds out of range [::%x]',
  'slice bounds out of range [:%x:]',
  'slice bounds out of range [%x::]',
];

/** runtime.boundsError.Error(): {x int64, y int, signed bool, code uint8}. */
export function formatBoundsError(x: bigint, y: bigint, signed: boolean, code: number): string {
  const neg = signed && x < 0n;
  const fmt = (neg ? BOUNDS_NEG_FMT : BOUNDS_FMT)[code];
  if (fmt === undefined) return `runtime error: bounds error (code ${code})`;
  const xs = signed ? String(x) : String(BigInt.asUintN(64, x));
  return 'runtime error: ' + fmt.replace('%x', xs).replace('%y', String(y));
}

function intValue(mem: Memory, at: bigint, kind: number): bigint | boolean {
  switch (kind) {
    case 1:
      return mem.readU8(at) !== 0;
    case 2:
    case 6:
      return BigInt.asIntN(64, mem.readU64(at));
    case 3:
      return BigInt.asIntN(8, BigInt(mem.readU8(at)));
    case 4:
      return BigInt.asIntN(16, BigInt(mem.readU16(at)));
    case 5:
      return BigInt.asIntN(32, BigInt(mem.readU32(at)));
    case 8:
      return BigInt(mem.readU8(at));
    case 9:
      return BigInt(mem.readU16(at));
    case 10:
      return BigInt(mem.readU32(at));
    default:
      return mem.readU64(at); // uint, uint64, uintptr
  }
}

/** Decode an eface (type pointer, data word). */
export function decodeEface(mem: Memory, typ: bigint, data: bigint, typesBase: bigint | undefined): DecodedValue {
  if (typ === 0n) return { type: undefined, text: 'nil', errorText: undefined };
  const t = tryDo(() => readGoType(mem, typ, typesBase));
  if (!t) return { type: undefined, text: undefined, errorText: undefined };
  const basicName = KIND_NAMES[t.kind];
  const isBasicNamed = t.name !== undefined && t.name !== basicName;
  let text: string | undefined;
  let errorText: string | undefined;
  const v = tryDo(() => {
    if (t.kind === 24) {
      const s = readString(mem, data);
      text = t.name === undefined ? undefined : isBasicNamed ? `${t.name}("${s}")` : s;
      if (t.name === 'runtime.plainError') errorText = s;
      if (t.name === 'runtime.errorString') errorText = 'runtime error: ' + s;
    } else if (t.kind >= 1 && t.kind <= 12) {
      const n = intValue(mem, data, t.kind);
      const s = String(n);
      text = t.name === undefined ? undefined : isBasicNamed ? `${t.name}(${s})` : s;
    } else if (t.name !== undefined) {
      // printanycustomtype's default (and floats/complex, which we do not format): (T) 0xdata
      if (t.kind !== 13 && t.kind !== 14 && t.kind !== 15 && t.kind !== 16) text = `(${t.name}) ${hex(data)}`;
      if (t.name === '*errors.errorString' && data !== 0n) errorText = readString(mem, data);
      else if (t.name === '*fmt.wrapError' && data !== 0n) errorText = readString(mem, data);
      else if (t.name === 'runtime.boundsError') {
        const x = BigInt.asIntN(64, mem.readU64(data));
        const y = BigInt.asIntN(64, mem.readU64(data + 8n));
        errorText = formatBoundsError(x, y, mem.readU8(data + 16n) !== 0, mem.readU8(data + 17n));
      }
    }
    return true;
  });
  if (!v) return { type: t, text: undefined, errorText: undefined };
  return { type: t, text, errorText };
}

/** One field of a panic value whose struct type DWARF describes. */
export interface ValueField {
  name: string;
  offset: number;
  type: string;
  kind: string;
  /** Rendered value: integers in decimal, pointers in hex, strings quoted; aggregates as `{...}`. */
  value: string;
}

/** What valueFields needs from a DWARF reader (src/core/dwarf.ts's Dwarf has it). */
export interface StructSource {
  struct(name: string): { size: number; members: { name: string; offset: number; size: number; kind: string; type: string }[] } | undefined;
}

const TFLAG_DIRECT_IFACE = 0x20; // Go 1.26+
const KIND_DIRECT_IFACE = 0x20; // Go <= 1.25

/**
 * The fields of a panic value of struct type T or *T, read with T's DWARF description; undefined
 * when the type has no name, is not a struct (pointer), or DWARF does not know it.
 */
export function valueFields(mem: Memory, dwarf: StructSource, t: GoTypeInfo, data: bigint, maxFields = 64): ValueField[] | undefined {
  if (!t.name || data === 0n) return undefined;
  let structName: string;
  let addr: bigint;
  if (t.kind === 22 && t.name.startsWith('*')) {
    structName = t.name.slice(1);
    addr = data; // pointers are stored directly in the interface
  } else if (t.kind === 25) {
    structName = t.name;
    const flags = tryDo(() => ({ k: mem.readU8(t.addr + BigInt(TYPE_KIND)), f: mem.readU8(t.addr + BigInt(TYPE_TFLAG)) }));
    const direct = flags ? (flags.k & KIND_DIRECT_IFACE) !== 0 || (flags.f & TFLAG_DIRECT_IFACE) !== 0 : false;
    if (direct) return undefined; // the struct is the pointer word itself; nothing to read
    addr = data;
  } else {
    return undefined;
  }
  const st = dwarf.struct(structName);
  if (!st) return undefined;
  const out: ValueField[] = [];
  for (const m of st.members.slice(0, maxFields)) {
    const at = addr + BigInt(m.offset);
    const v = tryDo(() => renderScalar(mem, at, m.kind, m.size));
    out.push({ name: m.name, offset: m.offset, type: m.type, kind: m.kind, value: v ?? '<unreadable>' });
  }
  return out;
}

function renderScalar(mem: Memory, at: bigint, kind: string, size: number): string {
  const uint = (): bigint =>
    size === 1 ? BigInt(mem.readU8(at)) : size === 2 ? BigInt(mem.readU16(at)) : size === 4 ? BigInt(mem.readU32(at)) : mem.readU64(at);
  switch (kind) {
    case 'bool':
      return mem.readU8(at) !== 0 ? 'true' : 'false';
    case 'int':
      return String(BigInt.asIntN(size * 8, uint()));
    case 'uint':
    case 'uintptr':
      return String(uint());
    case 'ptr':
    case 'func':
    case 'chan':
    case 'map':
      return hex(mem.readPtr(at));
    case 'string':
      return JSON.stringify(readString(mem, at));
    case 'eface':
    case 'iface':
      return `{${hex(mem.readPtr(at))}, ${hex(mem.readPtr(at + 8n))}}`;
    case 'slice':
      return `{ptr ${hex(mem.readPtr(at))}, len ${mem.readU64(at + 8n)}, cap ${mem.readU64(at + 16n)}}`;
    default:
      return '{...}';
  }
}
