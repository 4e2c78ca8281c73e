// DWARF 4/5 .debug_info reader, as much as Go binaries need: compile units, abbreviations, every
// attribute form, an index of top-level named entries, struct layouts (members with offsets, type
// names, sizes and kinds, following typedefs), Go constants and global variable addresses.
// Bounded: every read is checked against its section, each DIE advances the cursor, nesting and
// counts are capped; malformed data throws CoreReadError('corrupt') naming the file.
import { CoreReadError, hex } from './errors.js';
import type { ElfFile } from './elf.js';
import * as F from './dwarfForms.js';
import { DwarfCursor } from './dwarfForms.js';
import { rangeIndex } from './ranges.js';

// Local bindings: a module-namespace property read per form in the hot loop is measurably slow.
const {
  DW_AT_addr_base,
  DW_AT_byte_size,
  DW_AT_const_value,
  DW_AT_data_member_location,
  DW_AT_go_kind,
  DW_AT_location,
  DW_AT_name,
  DW_AT_str_offsets_base,
  DW_AT_type,
  DW_FORM_addr,
  DW_FORM_addrx,
  DW_FORM_addrx1,
  DW_FORM_addrx2,
  DW_FORM_addrx3,
  DW_FORM_addrx4,
  DW_FORM_block,
  DW_FORM_block1,
  DW_FORM_block2,
  DW_FORM_block4,
  DW_FORM_data1,
  DW_FORM_data16,
  DW_FORM_data2,
  DW_FORM_data4,
  DW_FORM_data8,
  DW_FORM_exprloc,
  DW_FORM_flag,
  DW_FORM_flag_present,
  DW_FORM_implicit_const,
  DW_FORM_indirect,
  DW_FORM_line_strp,
  DW_FORM_loclistx,
  DW_FORM_ref1,
  DW_FORM_ref2,
  DW_FORM_ref4,
  DW_FORM_ref8,
  DW_FORM_ref_addr,
  DW_FORM_ref_sig8,
  DW_FORM_ref_sup4,
  DW_FORM_ref_sup8,
  DW_FORM_ref_udata,
  DW_FORM_rnglistx,
  DW_FORM_sdata,
  DW_FORM_sec_offset,
  DW_FORM_string,
  DW_FORM_strp,
  DW_FORM_strp_sup,
  DW_FORM_strx,
  DW_FORM_strx1,
  DW_FORM_strx2,
  DW_FORM_strx3,
  DW_FORM_strx4,
  DW_FORM_udata,
  DW_OP_addr,
  DW_OP_addrx,
  DW_OP_plus_uconst,
  DW_TAG_array_type,
  DW_TAG_base_type,
  DW_TAG_constant,
  DW_TAG_member,
  DW_TAG_pointer_type,
  DW_TAG_structure_type,
  DW_TAG_subprogram,
  DW_TAG_subroutine_type,
  DW_TAG_typedef,
  DW_TAG_variable,
} = F;

export interface DwarfSections {
  info: Buffer;
  abbrev: Buffer;
  str?: Buffer;
  lineStr?: Buffer;
  addr?: Buffer;
  strOffsets?: Buffer;
}

interface AttrSpec {
  attr: number;
  form: number;
  implicit: bigint | undefined;
}

interface Abbrev {
  tag: number;
  hasChildren: boolean;
  specs: AttrSpec[];
}

export interface DwarfUnit {
  /** Offset of the unit header in .debug_info. */
  offset: number;
  /** Offset just past the unit. */
  end: number;
  version: number;
  is64: boolean;
  addrSize: number;
  /** Offset of the unit's first DIE. */
  firstDie: number;
  abbrevs: Map<number, Abbrev>;
  /** DW_AT_addr_base / DW_AT_str_offsets_base of the unit DIE (DWARF 5), resolved lazily. */
  addrBase: number | undefined;
  strOffsetsBase: number | undefined;
}

/** A reference to another DIE: absolute .debug_info offset. */
export class DieRef {
  constructor(readonly offset: number) {}
}

/** An address given as an index into .debug_addr (DW_FORM_addrx*), resolved with the unit's base. */
export class AddrIndex {
  constructor(readonly index: number) {}
}

/**
 * Attribute values: constants and addresses are bigint, strings are string, blocks/exprlocs are
 * Buffer, flags are boolean, references DieRef, section offsets number.
 */
export type AttrValue = bigint | number | string | Buffer | boolean | DieRef | AddrIndex;

export interface DwarfEntry {
  offset: number;
  tag: number;
  hasChildren: boolean;
  attrs: Map<number, AttrValue>;
  unit: DwarfUnit;
  /** Offset just past this DIE's attributes (its first child, or its next sibling). */
  next: number;
}

/** A struct member as the layouts need it. */
export interface DwarfMember {
  name: string;
  offset: number;
  size: number;
  kind: DwarfKind;
  type: string;
}

export type DwarfKind =
  | 'ptr'
  | 'bool'
  | 'int'
  | 'uint'
  | 'uintptr'
  | 'float'
  | 'complex'
  | 'array'
  | 'chan'
  | 'func'
  | 'eface'
  | 'iface'
  | 'map'
  | 'slice'
  | 'string'
  | 'struct'
  | 'unknown';

export interface DwarfStruct {
  name: string;
  size: number;
  members: DwarfMember[];
}

export interface DwarfVariable {
  name: string;
  /** Static address from DW_OP_addr / DW_OP_addrx (link-time; add the load bias for PIE). */
  address: bigint | undefined;
  typeOffset: number | undefined;
}

const MAX_UNITS = 1_000_000;
const MAX_SPECS = 512;
const MAX_DEPTH = 512;
const MAX_TYPEDEF_CHAIN = 32;

const INDEXED_TAGS = new Set([
  DW_TAG_structure_type,
  DW_TAG_typedef,
  DW_TAG_base_type,
  DW_TAG_pointer_type,
  DW_TAG_variable,
  DW_TAG_constant,
  // Functions, by name (their locals: src/core/dwarfLocals.ts).
  DW_TAG_subprogram,
]);

export class Dwarf {
  readonly file: string;
  readonly units: readonly DwarfUnit[];
  private readonly s: DwarfSections;
  private readonly abbrevCache = new Map<number, Map<number, Abbrev>>();
  private readonly entryCache = new Map<number, DwarfEntry>();
  private index: Map<string, number[]> | undefined;

  /** The DWARF of an ELF file, or undefined when it has no .debug_info (stripped with -w). */
  static fromElf(elf: ElfFile): Dwarf | undefined {
    const info = elf.sectionData('.debug_info');
    const abbrev = elf.sectionData('.debug_abbrev');
    if (!info || info.length === 0) return undefined;
    if (!abbrev) {
      throw new CoreReadError('corrupt', elf.name, `${elf.name}: has .debug_info but no .debug_abbrev; the DWARF is unusable`);
    }
    return new Dwarf(
      {
        info,
        abbrev,
        str: elf.sectionData('.debug_str'),
        lineStr: elf.sectionData('.debug_line_str'),
        addr: elf.sectionData('.debug_addr'),
        strOffsets: elf.sectionData('.debug_str_offsets'),
      },
      elf.name,
    );
  }

  constructor(sections: DwarfSections, file = '<dwarf>') {
    this.s = sections;
    this.file = file;
    this.units = this.parseUnits();
  }

  private cursor(buf: Buffer | undefined, pos: number, what: string): DwarfCursor {
    if (!buf) throw new CoreReadError('corrupt', this.file, `${this.file}: DWARF refers to ${what}, which the file does not have`);
    return new DwarfCursor(buf, pos, this.file, what);
  }

  private parseUnits(): DwarfUnit[] {
    const units: DwarfUnit[] = [];
    const c = this.cursor(this.s.info, 0, '.debug_info');
    while (c.pos < c.buf.length) {
      if (units.length >= MAX_UNITS) c.fail(`more than ${MAX_UNITS} compilation units`);
      const offset = c.pos;
      let len = c.u32();
      let is64 = false;
      if (len === 0xffffffff) {
        is64 = true;
        len = c.u64n();
      } else if (len >= 0xfffffff0) {
        c.fail(`reserved unit length ${hex(len)}`);
      }
      const start = c.pos;
      const end = start + len;
      if (end > c.buf.length) c.fail(`unit of ${len} bytes runs past the end of the section`);
      const version = c.u16();
      let abbrevOff: number;
      let addrSize: number;
      if (version === 5) {
        const unitType = c.u8();
        addrSize = c.u8();
        abbrevOff = c.offset(is64);
        if (unitType === 2 || unitType === 6) c.advance(8 + (is64 ? 8 : 4)); // type units: signature + type offset
        else if (unitType === 4 || unitType === 5) c.advance(8); // skeleton / split: dwo id
      } else if (version >= 2 && version <= 4) {
        abbrevOff = c.offset(is64);
        addrSize = c.u8();
      } else {
        return c.fail(`unsupported DWARF version ${version} (DWARF 2-5 are read)`);
      }
      if (addrSize !== 4 && addrSize !== 8) c.fail(`unsupported address size ${addrSize}`);
      units.push(this.lazyUnit({ offset, end, version, is64, addrSize, firstDie: c.pos }, abbrevOff));
      c.pos = end;
    }
    return units;
  }

  /**
   * A unit whose abbreviations and DWARF 5 bases (DW_AT_addr_base / DW_AT_str_offsets_base of the
   * unit DIE) are read on first use: a C library's thousands of units each have their own
   * abbreviation table, and most are never looked at.
   */
  private lazyUnit(head: Omit<DwarfUnit, 'abbrevs' | 'addrBase' | 'strOffsetsBase'>, abbrevOff: number): DwarfUnit {
    const unit = head as DwarfUnit;
    let abbrevs: Map<number, Abbrev> | undefined;
    let bases: { addr?: number; str?: number } | undefined;
    let reading = false;
    const basesOf = (): { addr?: number; str?: number } => {
      if (bases) return bases;
      // While the unit DIE itself is read, its strx forms use the default base (as before).
      if (reading || unit.version < 5 || unit.firstDie >= unit.end) return bases ?? (unit.version < 5 ? (bases = {}) : {});
      reading = true;
      try {
        const top = this.readEntry(unit, unit.firstDie);
        const ab = top?.attrs.get(DW_AT_addr_base);
        const sb = top?.attrs.get(DW_AT_str_offsets_base);
        bases = { ...(typeof ab === 'number' ? { addr: ab } : {}), ...(typeof sb === 'number' ? { str: sb } : {}) };
      } finally {
        reading = false;
      }
      return bases;
    };
    Object.defineProperties(unit, {
      abbrevs: { get: () => (abbrevs ??= this.abbrevsAt(abbrevOff)), enumerable: true },
      addrBase: { get: () => basesOf().addr, enumerable: true },
      strOffsetsBase: { get: () => basesOf().str, enumerable: true },
    });
    return unit;
  }

  private abbrevsAt(off: number): Map<number, Abbrev> {
    const cached = this.abbrevCache.get(off);
    if (cached) return cached;
    const c = this.cursor(this.s.abbrev, off, '.debug_abbrev');
    const map = new Map<number, Abbrev>();
    for (;;) {
      const code = c.ulebn();
      if (code === 0) break;
      const tag = c.ulebn();
      const hasChildren = c.u8() !== 0;
      const specs: AttrSpec[] = [];
      for (;;) {
        const attr = c.ulebn();
        const form = c.ulebn();
        if (attr === 0 && form === 0) break;
        const implicit = form === DW_FORM_implicit_const ? c.sleb() : undefined;
        specs.push({ attr, form, implicit });
        if (specs.length > MAX_SPECS) c.fail(`abbreviation ${code} has more than ${MAX_SPECS} attributes`);
      }
      map.set(code, { tag, hasChildren, specs });
    }
    this.abbrevCache.set(off, map);
    return map;
  }

  private unitAt(offset: number): DwarfUnit {
    const u = this.units[rangeIndex(this.units, offset, (x) => x.offset, (x) => x.end)];
    if (u) return u;
    throw new CoreReadError('corrupt', this.file, `${this.file}: DWARF reference ${hex(offset)} is outside every compilation unit`);
  }

  /** The DIE at an absolute .debug_info offset (null for a null entry). */
  entryAt(offset: number): DwarfEntry | null {
    const cached = this.entryCache.get(offset);
    if (cached) return cached;
    const e = this.readEntry(this.unitAt(offset), offset);
    if (e && this.entryCache.size < 100_000) this.entryCache.set(offset, e);
    return e;
  }

  private readEntry(u: DwarfUnit, offset: number): DwarfEntry | null {
    const c = this.cursor(this.s.info, offset, '.debug_info');
    const code = c.ulebn();
    if (code === 0) return null;
    const ab = u.abbrevs.get(code);
    if (!ab) return c.fail(`unknown abbreviation code ${code}`);
    const attrs = new Map<number, AttrValue>();
    for (const spec of ab.specs) {
      const v = this.readForm(c, u, spec.form, spec.implicit, 0);
      if (!attrs.has(spec.attr)) attrs.set(spec.attr, v);
    }
    if (c.pos > u.end) c.fail('entry runs past the end of its unit');
    return { offset, tag: ab.tag, hasChildren: ab.hasChildren, attrs, unit: u, next: c.pos };
  }

  private readForm(c: DwarfCursor, u: DwarfUnit, form: number, implicit: bigint | undefined, depth: number): AttrValue {
    switch (form) {
      case DW_FORM_addr:
        return u.addrSize === 8 ? c.u64() : BigInt(c.u32());
      case DW_FORM_block1:
        return c.bytes(c.u8());
      case DW_FORM_block2:
        return c.bytes(c.u16());
      case DW_FORM_block4:
        return c.bytes(c.u32());
      case DW_FORM_block:
      case DW_FORM_exprloc:
        return c.bytes(c.ulebn());
      case DW_FORM_data1:
        return BigInt(c.u8());
      case DW_FORM_data2:
        return BigInt(c.u16());
      case DW_FORM_data4:
        return BigInt(c.u32());
      case DW_FORM_data8:
        return c.u64();
      case DW_FORM_data16:
        return c.bytes(16);
      case DW_FORM_sdata:
        return c.sleb();
      case DW_FORM_udata:
        return c.uleb();
      case DW_FORM_implicit_const:
        return implicit ?? 0n;
      case DW_FORM_string:
        return c.cstring();
      case DW_FORM_strp:
        return this.strAt(this.s.str, c.offset(u.is64), '.debug_str');
      case DW_FORM_line_strp:
        return this.strAt(this.s.lineStr, c.offset(u.is64), '.debug_line_str');
      case DW_FORM_strp_sup:
      case DW_FORM_sec_offset:
        return c.offset(u.is64);
      case DW_FORM_strx:
        return this.strx(u, c.ulebn());
      case DW_FORM_strx1:
        return this.strx(u, c.u8());
      case DW_FORM_strx2:
        return this.strx(u, c.u16());
      case DW_FORM_strx3:
        return this.strx(u, c.u24());
      case DW_FORM_strx4:
        return this.strx(u, c.u32());
      case DW_FORM_addrx:
        return new AddrIndex(c.ulebn());
      case DW_FORM_addrx1:
        return new AddrIndex(c.u8());
      case DW_FORM_addrx2:
        return new AddrIndex(c.u16());
      case DW_FORM_addrx3:
        return new AddrIndex(c.u24());
      case DW_FORM_addrx4:
        return new AddrIndex(c.u32());
      case DW_FORM_flag:
        return c.u8() !== 0;
      case DW_FORM_flag_present:
        return true;
      case DW_FORM_ref1:
        return new DieRef(u.offset + c.u8());
      case DW_FORM_ref2:
        return new DieRef(u.offset + c.u16());
      case DW_FORM_ref4:
        return new DieRef(u.offset + c.u32());
      case DW_FORM_ref8:
        return new DieRef(u.offset + c.u64n());
      case DW_FORM_ref_udata:
        return new DieRef(u.offset + c.ulebn());
      case DW_FORM_ref_addr:
        // DWARF 2 used an address-sized ref_addr; 3+ use the offset size.
        return new DieRef(u.version === 2 ? (u.addrSize === 8 ? c.u64n() : c.u32()) : c.offset(u.is64));
      case DW_FORM_ref_sig8:
        return c.u64();
      case DW_FORM_ref_sup4:
        return c.u32();
      case DW_FORM_ref_sup8:
        return c.u64n();
      case DW_FORM_loclistx:
      case DW_FORM_rnglistx:
        return c.ulebn();
      case DW_FORM_indirect: {
        if (depth > 4) c.fail('DW_FORM_indirect nested too deeply');
        return this.readForm(c, u, c.ulebn(), implicit, depth + 1);
      }
      default:
        return c.fail(`unknown attribute form ${hex(form)}`);
    }
  }

  private strAt(buf: Buffer | undefined, off: number, what: string): string {
    return this.cursor(buf, off, what).cstring();
  }

  private strx(u: DwarfUnit, index: number): string {
    const base = u.strOffsetsBase ?? 8;
    const size = u.is64 ? 8 : 4;
    const c = this.cursor(this.s.strOffsets, base + index * size, '.debug_str_offsets');
    return this.strAt(this.s.str, c.offset(u.is64), '.debug_str');
  }

  /**
   * The form an attribute of a DIE was written in (DW_AT_high_pc is an address with DW_FORM_addr
   * and an offset from DW_AT_low_pc with a constant form, DWARF 5 §2.17.2), or undefined.
   */
  attrForm(e: DwarfEntry, attr: number): number | undefined {
    const c = this.cursor(this.s.info, e.offset, '.debug_info');
    const ab = e.unit.abbrevs.get(c.ulebn());
    return ab?.specs.find((s) => s.attr === attr)?.form;
  }

  /** Resolve an address attribute value (DW_FORM_addr or addrx). */
  address(u: DwarfUnit, v: AttrValue | undefined): bigint | undefined {
    if (typeof v === 'bigint') return v;
    if (v instanceof AddrIndex) {
      const c = this.cursor(this.s.addr, (u.addrBase ?? 8) + v.index * u.addrSize, '.debug_addr');
      return u.addrSize === 8 ? c.u64() : BigInt(c.u32());
    }
    return undefined;
  }

  /** Every DIE in order, with its nesting depth (0 = unit DIE). */
  *entries(): Generator<{ entry: DwarfEntry; depth: number }> {
    for (const u of this.units) {
      let pos = u.firstDie;
      let depth = 0;
      while (pos < u.end) {
        const e = this.readEntry(u, pos);
        if (!e) {
          pos += 1; // null entry: one ULEB byte 0
          depth--;
          if (depth < 0) break;
          continue;
        }
        yield { entry: e, depth };
        pos = e.next;
        if (e.hasChildren) {
          depth++;
          if (depth > MAX_DEPTH) {
            throw new CoreReadError('corrupt', this.file, `${this.file}: DWARF entries nest deeper than ${MAX_DEPTH} at ${hex(pos)}`);
          }
        }
      }
    }
  }

  /** Direct children of a DIE. */
  children(parent: DwarfEntry): DwarfEntry[] {
    const out: DwarfEntry[] = [];
    if (!parent.hasChildren) return out;
    const u = parent.unit;
    let pos = parent.next;
    let depth = 1;
    while (pos < u.end && depth > 0) {
      const e = this.readEntry(u, pos);
      if (!e) {
        pos += 1;
        depth--;
        continue;
      }
      if (depth === 1) out.push(e);
      pos = e.next;
      if (e.hasChildren) {
        depth++;
        if (depth > MAX_DEPTH) {
          throw new CoreReadError('corrupt', this.file, `${this.file}: DWARF entries nest deeper than ${MAX_DEPTH} at ${hex(pos)}`);
        }
      }
    }
    return out;
  }

  /** name -> offsets of top-level named types, variables and constants (built on first use). */
  private nameIndex(): Map<string, number[]> {
    if (this.index) return this.index;
    const idx = new Map<string, number[]>();
    for (const { entry, depth } of this.entries()) {
      if (depth !== 1 || !INDEXED_TAGS.has(entry.tag)) continue;
      const name = entry.attrs.get(DW_AT_name);
      if (typeof name !== 'string') continue;
      const key = `${entry.tag}:${name}`;
      const list = idx.get(key);
      if (list) list.push(entry.offset);
      else idx.set(key, [entry.offset]);
    }
    this.index = idx;
    return idx;
  }

  /** First top-level DIE with this tag and DW_AT_name. */
  findNamed(tag: number, name: string): DwarfEntry | undefined {
    const off = this.nameIndex().get(`${tag}:${name}`)?.[0];
    return off === undefined ? undefined : (this.entryAt(off) ?? undefined);
  }

  static nameOf(e: DwarfEntry | null | undefined): string | undefined {
    const n = e?.attrs.get(DW_AT_name);
    return typeof n === 'string' ? n : undefined;
  }

  private typeRef(e: DwarfEntry): DwarfEntry | null {
    const t = e.attrs.get(DW_AT_type);
    return t instanceof DieRef ? this.entryAt(t.offset) : null;
  }

  /** Follow typedefs to the underlying type. */
  resolveTypedefs(e: DwarfEntry): DwarfEntry {
    let cur = e;
    for (let i = 0; i < MAX_TYPEDEF_CHAIN && cur.tag === DW_TAG_typedef; i++) {
      const next = this.typeRef(cur);
      if (!next) break;
      cur = next;
    }
    return cur;
  }

  /** Go type name as DWARF spells it; pointers without a name become `*T`. */
  typeName(e: DwarfEntry, depth = 0): string {
    const n = Dwarf.nameOf(e);
    if (n !== undefined) return n;
    if (e.tag === DW_TAG_pointer_type && depth < MAX_TYPEDEF_CHAIN) {
      const t = this.typeRef(e);
      return t ? '*' + this.typeName(t, depth + 1) : 'unsafe.Pointer';
    }
    return '?';
  }

  /** Byte size of a type (typedefs followed; pointers are address-sized). */
  typeSize(e: DwarfEntry): number {
    const r = this.resolveTypedefs(e);
    const s = r.attrs.get(DW_AT_byte_size);
    if (typeof s === 'bigint') return Number(s);
    if (r.tag === DW_TAG_pointer_type) return r.unit.addrSize;
    return -1;
  }

  /** Kind of a type: DW_AT_go_kind where present (typedefs followed), else by tag. */
  typeKind(e: DwarfEntry): DwarfKind {
    const under = this.resolveTypedefs(e);
    if (under.tag === DW_TAG_structure_type) {
      const sn = Dwarf.nameOf(under);
      if (sn === 'runtime.eface') return 'eface';
      if (sn === 'runtime.iface') return 'iface';
    }
    let cur: DwarfEntry | null = e;
    for (let i = 0; cur && i < MAX_TYPEDEF_CHAIN; i++) {
      const k = cur.attrs.get(DW_AT_go_kind);
      if (typeof k === 'bigint') return goKind(Number(k), under);
      if (cur.tag === DW_TAG_pointer_type) return 'ptr';
      if (cur.tag !== DW_TAG_typedef) break;
      cur = this.typeRef(cur);
    }
    switch (under.tag) {
      case DW_TAG_structure_type:
        return 'struct';
      case DW_TAG_array_type:
        return 'array';
      case DW_TAG_subroutine_type:
        return 'func';
      default:
        return 'unknown';
    }
  }

  /** A struct type by name with its members in order, or undefined. */
  struct(name: string): DwarfStruct | undefined {
    const e = this.findNamed(DW_TAG_structure_type, name);
    if (!e) return undefined;
    const size = e.attrs.get(DW_AT_byte_size);
    const members: DwarfMember[] = [];
    for (const m of this.children(e)) {
      if (m.tag !== DW_TAG_member) continue;
      const t = this.typeRef(m);
      members.push({
        name: Dwarf.nameOf(m) ?? '',
        offset: memberOffset(m, this.file),
        size: t ? this.typeSize(t) : -1,
        kind: t ? this.typeKind(t) : 'unknown',
        type: t ? this.typeName(t) : '?',
      });
    }
    return { name, size: typeof size === 'bigint' ? Number(size) : -1, members };
  }

  /** The layout-table view of a struct (src/runtime's DwarfLayoutSource). */
  structTable(name: string): { size: number; fields: [string, number, number, DwarfKind, string][] } | undefined {
    const s = this.struct(name);
    if (!s) return undefined;
    return { size: s.size, fields: s.members.map((m) => [m.name, m.offset, m.size, m.kind, m.type]) };
  }

  /** A Go constant's value (DW_TAG_constant with DW_AT_const_value). */
  constant(name: string): bigint | undefined {
    const v = this.findNamed(DW_TAG_constant, name)?.attrs.get(DW_AT_const_value);
    return typeof v === 'bigint' ? v : undefined;
  }

  /** Names of all constants whose name starts with a prefix, with values. */
  constants(prefix: string): Map<string, bigint> {
    const out = new Map<string, bigint>();
    const pre = `${DW_TAG_constant}:${prefix}`;
    for (const [key, offs] of this.nameIndex()) {
      if (!key.startsWith(pre)) continue;
      const v = this.entryAt(offs[0]!)?.attrs.get(DW_AT_const_value);
      if (typeof v === 'bigint') out.set(key.slice(`${DW_TAG_constant}:`.length), v);
    }
    return out;
  }

  /** A global variable: its static address (DW_OP_addr/DW_OP_addrx location) and type. */
  variable(name: string): DwarfVariable | undefined {
    const e = this.findNamed(DW_TAG_variable, name);
    if (!e) return undefined;
    const t = e.attrs.get(DW_AT_type);
    return { name, address: this.locationAddress(e), typeOffset: t instanceof DieRef ? t.offset : undefined };
  }

  /** Every top-level variable with a static address (the globals of all packages), by name. */
  globalVariables(): DwarfVariable[] {
    const out: DwarfVariable[] = [];
    const pre = `${DW_TAG_variable}:`;
    for (const [key, offs] of this.nameIndex()) {
      if (!key.startsWith(pre)) continue;
      const e = this.entryAt(offs[0]!);
      if (!e) continue;
      const address = this.locationAddress(e);
      if (address === undefined) continue;
      const t = e.attrs.get(DW_AT_type);
      out.push({ name: key.slice(pre.length), address, typeOffset: t instanceof DieRef ? t.offset : undefined });
    }
    return out;
  }

  /** The DIE a DIE's DW_AT_type refers to (a member's, variable's, pointer's or array's type). */
  typeOf(e: DwarfEntry): DwarfEntry | null {
    return this.typeRef(e);
  }

  /** The first top-level type DIE with this Go name (struct, typedef, base or pointer type). */
  typeNamed(name: string): DwarfEntry | undefined {
    for (const tag of [DW_TAG_typedef, DW_TAG_structure_type, DW_TAG_pointer_type, DW_TAG_base_type]) {
      const e = this.findNamed(tag, name);
      if (e) return e;
    }
    return undefined;
  }

  private locationAddress(e: DwarfEntry): bigint | undefined {
    const loc = e.attrs.get(DW_AT_location);
    if (!(loc instanceof Buffer) || loc.length === 0) return undefined;
    const c = new DwarfCursor(loc, 0, this.file, `location of ${Dwarf.nameOf(e) ?? hex(e.offset)}`);
    const op = c.u8();
    if (op === DW_OP_addr) return e.unit.addrSize === 8 ? c.u64() : BigInt(c.u32());
    if (op === DW_OP_addrx) return this.address(e.unit, new AddrIndex(c.ulebn()));
    return undefined;
  }
}

function goKind(k: number, under: DwarfEntry): DwarfKind {
  if (k === 1) return 'bool';
  if (k >= 2 && k <= 6) return 'int';
  if (k >= 7 && k <= 11) return 'uint';
  if (k === 12) return 'uintptr';
  if (k === 13 || k === 14) return 'float';
  if (k === 15 || k === 16) return 'complex';
  switch (k) {
    case 17:
      return 'array';
    case 18:
      return 'chan';
    case 19:
      return 'func';
    case 20:
      return Dwarf.nameOf(under) === 'runtime.iface' ? 'iface' : 'eface';
    case 21:
      return 'map';
    case 22:
    case 26:
      return 'ptr';
    case 23:
      return 'slice';
    case 24:
      return 'string';
    case 25:
      return 'struct';
    default:
      return 'unknown';
  }
}

function memberOffset(m: DwarfEntry, file: string): number {
  const v = m.attrs.get(DW_AT_data_member_location);
  if (v === undefined) return 0; // union-like or first member without location
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Buffer) {
    const c = new DwarfCursor(v, 0, file, 'member location');
    if (c.u8() === DW_OP_plus_uconst) return c.ulebn();
  }
  throw new CoreReadError('unsupported', file, `${file}: member ${Dwarf.nameOf(m) ?? hex(m.offset)} has a location expression we do not evaluate`);
}
