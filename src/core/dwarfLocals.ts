// Where a function's locals and arguments live on its stack frame at a pc, from DWARF: the
// subprogram's DW_TAG_variable / DW_TAG_formal_parameter children (lexical blocks included),
// their DW_AT_location either an expression or a location list (.debug_loc, DWARF 4, Go 1.19
// through 1.24; .debug_loclists, DWARF 5, Go 1.25+: cmd/link/internal/dwarf of each release).
// Only stack pieces are kept: Go's frame base is DW_OP_call_frame_cfa and its stack slots are
// `DW_OP_fbreg off` (cfa + off), split in pieces with DW_OP_piece for multi-word values;
// register pieces are dropped (a parked goroutine's registers are not in the frame).
// Everything is bounded: a location list has at most MAX_ENTRIES entries.
import { Dwarf, DieRef, type DwarfEntry } from './dwarf.js';
import { DW_AT_location, DW_AT_name, DW_AT_type, DW_TAG_subprogram } from './dwarfForms.js';
import type { ElfFile } from './elf.js';

const DW_TAG_formal_parameter = 0x05;
const DW_TAG_lexical_block = 0x0b;
const DW_TAG_variable = 0x34;
const DW_OP_call_frame_cfa = 0x9c;
const DW_OP_fbreg = 0x91;
const DW_OP_piece = 0x93;
const MAX_ENTRIES = 4096;
const MAX_LOCALS = 4096;
/** At most this many (function, pc) answers are kept. */
const MAX_AT_CACHE = 1 << 16;

/** One stack piece of a local: `size` bytes at cfa + `cfaOffset`, at `offset` inside the value. */
export interface StackPiece {
  offset: number;
  size: number;
  cfaOffset: number;
}

export interface FrameLocal {
  name: string;
  /** Argument (formal parameter) rather than a local variable. */
  param: boolean;
  type: DwarfEntry | undefined;
  /** The stack pieces at the pc (empty when the value is in registers or nowhere there). */
  pieces: StackPiece[];
}

interface LocalDecl {
  name: string;
  param: boolean;
  type: DwarfEntry | undefined;
  loc: Buffer | number | undefined;
}

export class FrameLocals {
  private readonly decls = new Map<string, LocalDecl[] | null>();
  private readonly atCache = new Map<string, FrameLocal[]>();
  private readonly loc: Buffer | undefined;
  private readonly loclists: Buffer | undefined;

  constructor(
    private readonly dwarf: Dwarf,
    elf: ElfFile,
  ) {
    this.loc = elf.sectionData('.debug_loc');
    this.loclists = elf.sectionData('.debug_loclists');
  }

  /** The locals of function `func` with their stack pieces at `pc` (link-time address). */
  at(func: string, pc: bigint): FrameLocal[] {
    // Thousands of goroutines park at the same few pcs: one answer per function and pc.
    const key = `${func}\u0000${pc}`;
    const hit = this.atCache.get(key);
    if (hit) return hit;
    const out = this.compute(func, pc);
    if (this.atCache.size < MAX_AT_CACHE) this.atCache.set(key, out);
    return out;
  }

  private compute(func: string, pc: bigint): FrameLocal[] {
    const ds = this.declsOf(func);
    const out: FrameLocal[] = [];
    for (const d of ds) {
      let expr: Buffer | undefined;
      if (d.loc instanceof Buffer) expr = d.loc;
      else if (typeof d.loc === 'number') expr = this.listEntry(d.loc, pc);
      if (!expr) continue;
      const pieces = stackPieces(expr);
      if (pieces.length > 0) out.push({ name: d.name, param: d.param, type: d.type, pieces });
    }
    return out;
  }

  private declsOf(func: string): LocalDecl[] {
    const hit = this.decls.get(func);
    if (hit !== undefined) return hit ?? [];
    const sub = this.dwarf.findNamed(DW_TAG_subprogram, func);
    if (!sub) {
      this.decls.set(func, null);
      return [];
    }
    const out: LocalDecl[] = [];
    const walk = (e: DwarfEntry, depth: number): void => {
      for (const c of this.dwarf.children(e)) {
        if (out.length >= MAX_LOCALS) return;
        if (c.tag === DW_TAG_lexical_block && depth < 16) walk(c, depth + 1);
        if (c.tag !== DW_TAG_variable && c.tag !== DW_TAG_formal_parameter) continue;
        const name = c.attrs.get(DW_AT_name);
        if (typeof name !== 'string') continue;
        const t = c.attrs.get(DW_AT_type);
        const loc = c.attrs.get(DW_AT_location);
        out.push({
          name,
          param: c.tag === DW_TAG_formal_parameter,
          type: t instanceof DieRef ? (this.dwarf.entryAt(t.offset) ?? undefined) : undefined,
          loc:
            loc instanceof Buffer ? loc : typeof loc === 'number' || typeof loc === 'bigint' ? Number(loc) : undefined,
        });
      }
    };
    walk(sub, 0);
    this.decls.set(func, out);
    return out;
  }

  /** The expression of the location list at `off` valid at pc, or undefined. */
  private listEntry(off: number, pc: bigint): Buffer | undefined {
    if (this.loclists) return this.loclistsEntry(off, pc);
    const b = this.loc;
    if (!b) return undefined;
    let base = 0n;
    let p = off;
    for (let n = 0; n < MAX_ENTRIES && p + 16 <= b.length; n++) {
      const begin = b.readBigUInt64LE(p);
      const end = b.readBigUInt64LE(p + 8);
      p += 16;
      if (begin === 0n && end === 0n) return undefined;
      if (begin === 0xffffffffffffffffn) {
        base = end;
        continue;
      }
      if (p + 2 > b.length) return undefined;
      const len = b.readUInt16LE(p);
      p += 2;
      if (p + len > b.length) return undefined;
      if (pc >= base + begin && pc < base + end) return b.subarray(p, p + len);
      p += len;
    }
    return undefined;
  }

  private loclistsEntry(off: number, pc: bigint): Buffer | undefined {
    const b = this.loclists!;
    let base = 0n;
    let p = off;
    const uleb = (): number => {
      let r = 0;
      let shift = 0;
      for (let i = 0; i < 10 && p < b.length; i++) {
        const x = b[p++]!;
        r += (x & 0x7f) * 2 ** shift;
        if ((x & 0x80) === 0) break;
        shift += 7;
      }
      return r;
    };
    const expr = (): Buffer | undefined => {
      const len = uleb();
      if (p + len > b.length) return undefined;
      const e = b.subarray(p, p + len);
      p += len;
      return e;
    };
    for (let n = 0; n < MAX_ENTRIES && p < b.length; n++) {
      const kind = b[p++]!;
      let lo: bigint;
      let hi: bigint;
      switch (kind) {
        case 0: // DW_LLE_end_of_list
          return undefined;
        case 4: // DW_LLE_offset_pair
          lo = base + BigInt(uleb());
          hi = base + BigInt(uleb());
          break;
        case 6: // DW_LLE_base_address
          if (p + 8 > b.length) return undefined;
          base = b.readBigUInt64LE(p);
          p += 8;
          continue;
        case 7: // DW_LLE_start_end
          if (p + 16 > b.length) return undefined;
          lo = b.readBigUInt64LE(p);
          hi = b.readBigUInt64LE(p + 8);
          p += 16;
          break;
        case 8: // DW_LLE_start_length
          if (p + 8 > b.length) return undefined;
          lo = b.readBigUInt64LE(p);
          p += 8;
          hi = lo + BigInt(uleb());
          break;
        case 5: {
          // DW_LLE_default_location
          return expr();
        }
        default:
          // base_addressx / startx_*: need .debug_addr indexes Go does not emit here.
          return undefined;
      }
      const e = expr();
      if (!e) return undefined;
      if (pc >= lo && pc < hi) return e;
    }
    return undefined;
  }
}

/** Stack pieces of a location expression: fbreg / call_frame_cfa, split by DW_OP_piece. */
export function stackPieces(expr: Buffer): StackPiece[] {
  const out: StackPiece[] = [];
  let p = 0;
  let at: number | undefined;
  let offset = 0;
  const uleb = (): number => {
    let r = 0;
    let shift = 0;
    for (let i = 0; i < 10 && p < expr.length; i++) {
      const x = expr[p++]!;
      r += (x & 0x7f) * 2 ** shift;
      if ((x & 0x80) === 0) break;
      shift += 7;
    }
    return r;
  };
  const sleb = (): number => {
    let r = 0;
    let shift = 0;
    let x = 0;
    for (let i = 0; i < 10 && p < expr.length; i++) {
      x = expr[p++]!;
      r += (x & 0x7f) * 2 ** shift;
      shift += 7;
      if ((x & 0x80) === 0) break;
    }
    if (x & 0x40) r -= 2 ** shift;
    return r;
  };
  let ops = 0;
  while (p < expr.length && ops++ < 256) {
    const op = expr[p++]!;
    if (op === DW_OP_fbreg) at = sleb();
    else if (op === DW_OP_call_frame_cfa) at = 0;
    else if (op === DW_OP_piece) {
      const size = uleb();
      if (at !== undefined) out.push({ offset, size, cfaOffset: at });
      offset += size;
      at = undefined;
    } else if (op >= 0x50 && op <= 0x6f)
      at = undefined; // DW_OP_reg0..31
    else if (op === 0x90) {
      uleb(); // DW_OP_regx
      at = undefined;
    } else return out; // anything else: not a plain stack slot
  }
  if (at !== undefined && offset === 0) out.push({ offset: 0, size: 0, cfaOffset: at });
  return out;
}
