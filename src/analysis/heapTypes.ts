// Where the pointers of a Go value are, from the binary's DWARF type (src/core/dwarf.ts): the
// "shape" the heap typing follows from typed roots (globals) and typed objects. The linker's
// synthesised types make maps and channels followable (cmd/link/internal/ld/dwarf.go of each
// release): a map is a pointer to hash<K,V> whose buckets are *bucket<K,V> (Go 1.19–1.23), or to
// map<K,V> whose dirPtr is **table<K,V> and table.groups.data is *group<K,V> (Swiss tables, 1.24+);
// a slice's `array` is *T; a channel is a pointer to hchan<T>, whose buf (unsafe.Pointer in the
// runtime) is followed here as a pointer to T, so that the separate buffer of a channel of
// pointer-holding elements (chan.go makechan: mallocgc(mem, elem, true)) is typed `[N]T`; a
// buffer of pointer-free elements lives inside the hchan object and is not typed. Interfaces are followed through their dynamic type: the type word
// (eface) or itab._type (iface, offset 8 in runtime.itab / internal/abi.ITab 1.19–1.27) names the
// type, looked up in DWARF by that name.
import type { Dwarf, DwarfEntry } from '../core/dwarf.js';

/** One pointer-holding word of a value, at `off` from the value's start. */
export type Slot =
  /** A typed pointer: the pointee's DWARF type (undefined for unsafe.Pointer and the like). */
  | { kind: 'ptr'; off: number; target: DwarfEntry | undefined }
  /** An interface: type word at off (eface) or itab at off (iface); data word at off+8. */
  | { kind: 'eface' | 'iface'; off: number };

export interface Shape {
  name: string;
  size: number;
  slots: Slot[];
  /** The slots were cut at MAX_SLOTS (a huge array of pointers): the rest is untyped. */
  truncated: boolean;
}

/** Bound on the slots of one type (arrays of pointers are expanded up to here). */
const MAX_SLOTS = 1 << 16;
const MAX_DEPTH = 64;

export class ShapeCache {
  private readonly byOffset = new Map<number, Shape>();
  private readonly byName = new Map<string, DwarfEntry | null>();
  constructor(private readonly dwarf: Dwarf) {}

  /** The DWARF type of a Go type name (`main.Node`, `*main.Node`), or undefined. */
  named(name: string): DwarfEntry | undefined {
    let e = this.byName.get(name);
    if (e === undefined) {
      e = this.dwarf.typeNamed(name) ?? null;
      this.byName.set(name, e);
    }
    return e ?? undefined;
  }

  typeName(e: DwarfEntry): string {
    return this.dwarf.typeName(e);
  }

  shape(e: DwarfEntry): Shape {
    let s = this.byOffset.get(e.offset);
    if (!s) {
      const slots: Slot[] = [];
      const st = { truncated: false };
      this.collect(e, 0, slots, 0, st);
      s = { name: this.dwarf.typeName(e), size: this.dwarf.typeSize(e), slots, truncated: st.truncated };
      this.byOffset.set(e.offset, s);
    }
    return s;
  }

  private collect(e: DwarfEntry, base: number, out: Slot[], depth: number, st: { truncated: boolean }): void {
    if (out.length >= MAX_SLOTS || depth > MAX_DEPTH) {
      st.truncated = true;
      return;
    }
    const d = this.dwarf;
    const under = d.resolveTypedefs(e);
    // The linker's synthesised types (hash<K,V>, bucket<K,V>, map<K,V>, their pointers) carry a
    // DW_AT_go_kind of 0: their tag says what they are.
    let kind = d.typeKind(e);
    if (kind === 'unknown') kind = under.tag === 0x0f ? 'ptr' : under.tag === 0x13 ? 'struct' : under.tag === 0x01 ? 'array' : kind;
    switch (kind) {
      case 'ptr': {
        const t = under.tag === 0x0f ? d.typeOf(under) : null; // DW_TAG_pointer_type
        out.push({ kind: 'ptr', off: base, target: t ?? undefined });
        return;
      }
      case 'map':
      case 'chan': {
        // A typedef of a pointer to the synthesised hash<K,V> / map<K,V> / hchan<T>.
        const t = under.tag === 0x0f ? d.typeOf(under) : null;
        out.push({ kind: 'ptr', off: base, target: t ?? undefined });
        return;
      }
      case 'func':
        out.push({ kind: 'ptr', off: base, target: undefined });
        return;
      case 'eface':
      case 'iface':
        out.push({ kind, off: base });
        return;
      case 'string':
        // The bytes are pointer-free (left to the untyped count), but the data word is a pointer
        // the reachability walk follows.
        out.push({ kind: 'ptr', off: base, target: undefined });
        return;
      case 'slice':
      case 'struct': {
        const chanElem = /^hchan<(.*)>$/.exec(d.typeName(under))?.[1];
        for (const child of d.children(under)) {
          if (child.tag !== 0x0d) continue; // DW_TAG_member
          const t = d.typeOf(child);
          if (!t) continue;
          const off = memberOffset(child);
          if (off === undefined) continue;
          if (chanElem !== undefined && child.attrs.get(0x03) === 'buf') {
            out.push({ kind: 'ptr', off: base + off, target: this.named(chanElem) });
            continue;
          }
          this.collect(t, base + off, out, depth + 1, st);
        }
        return;
      }
      case 'array': {
        const elem = d.typeOf(under);
        if (!elem) return;
        const esize = d.typeSize(elem);
        const size = d.typeSize(under);
        if (esize <= 0 || size <= 0) return;
        const inner: Slot[] = [];
        this.collect(elem, 0, inner, depth + 1, st);
        if (inner.length === 0) return;
        const n = Math.floor(size / esize);
        for (let i = 0; i < n; i++) {
          for (const sl of inner) {
            if (out.length >= MAX_SLOTS) {
              st.truncated = true;
              return;
            }
            out.push({ ...sl, off: base + i * esize + sl.off });
          }
        }
        return;
      }
      default:
        return;
    }
  }
}

/** DW_AT_data_member_location as a constant (what Go emits), or undefined. */
function memberOffset(m: DwarfEntry): number | undefined {
  const v = m.attrs.get(0x38);
  if (v === undefined) return 0;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  if (v instanceof Buffer && v.length >= 2 && v[0] === 0x23) {
    // DW_OP_plus_uconst ULEB128
    let r = 0;
    let shift = 0;
    for (let i = 1; i < v.length; i++) {
      r += (v[i]! & 0x7f) * 2 ** shift;
      if ((v[i]! & 0x80) === 0) break;
      shift += 7;
    }
    return r;
  }
  return undefined;
}
