// File:line and inlined functions of native (C) code, from the DWARF of its compile units: the
// units that are not Go (DW_AT_language ≠ DW_LANG_Go), their address ranges (DW_AT_low_pc /
// DW_AT_high_pc, DW_AT_ranges in `.debug_ranges` (DWARF 2–4) or `.debug_rnglists` (DWARF 5
// §2.17.3)), the DW_TAG_subprogram / DW_TAG_lexical_block / DW_TAG_inlined_subroutine tree around an
// address, and the unit's line table (src/core/lineProgram.ts). cgo compiles C with `-g`, so the
// executable of a cgo program has these units; gcc's `static inline` functions appear as
// DW_TAG_inlined_subroutine with DW_AT_call_file / DW_AT_call_line.
// Bounded: the tree walk is capped in depth and entries, range lists in length; a unit whose DWARF
// is corrupt answers nothing (the frame keeps its symbol), the error is kept in `problems`.
import { AddrIndex, DieRef, Dwarf, type DwarfEntry, type DwarfUnit } from './dwarf.js';
import * as F from './dwarfForms.js';
import { DwarfCursor } from './dwarfForms.js';
import type { ElfFile } from './elf.js';
import { CoreReadError } from './errors.js';
import { lineAt, parseLineTable, type LineSections, type LineTable } from './lineProgram.js';

/** One source-level frame of native code at an address: innermost inlined call first, the physical function last. */
export interface NativeSourceFrame {
  function: string;
  /** Source file (a cgo preamble's rows name the .go file); '' when the line table has none. */
  file: string;
  line: number;
  inlined: boolean;
}

interface CUnit {
  unit: DwarfUnit;
  top: DwarfEntry;
  ranges: { start: bigint; end: bigint }[];
  lines?: LineTable | null;
}

const MAX_RANGES = 100_000;
const MAX_TREE_DEPTH = 64;
const MAX_ORIGIN_HOPS = 8;

export class NativeSourceIndex {
  /** Why a unit or section could not be read (corrupt DWARF); the frames it covers keep only their symbol. */
  readonly problems: string[] = [];
  private units: CUnit[] | undefined;
  private readonly unitCache = new Map<number, CUnit | undefined>();
  private aranges: { start: bigint; end: bigint; unit: number }[] | undefined;

  private constructor(
    private readonly dwarf: Dwarf,
    private readonly sections: LineSections & { ranges?: Buffer; rnglists?: Buffer; aranges?: Buffer },
    private readonly file: string,
  ) {}

  /** The index of an ELF file's C units, or undefined when it has no DWARF. */
  static fromElf(elf: ElfFile): NativeSourceIndex | undefined {
    const dwarf = Dwarf.fromElf(elf);
    const line = elf.sectionData('.debug_line');
    if (!dwarf || !line) return undefined;
    return new NativeSourceIndex(
      dwarf,
      {
        line,
        str: elf.sectionData('.debug_str'),
        lineStr: elf.sectionData('.debug_line_str'),
        ranges: elf.sectionData('.debug_ranges'),
        rnglists: elf.sectionData('.debug_rnglists'),
        aranges: elf.sectionData('.debug_aranges'),
      },
      elf.name,
    );
  }

  /** For tests: an index over DWARF sections already in memory. */
  static fromSections(dwarf: Dwarf, sections: LineSections & { ranges?: Buffer; rnglists?: Buffer; aranges?: Buffer }, file: string): NativeSourceIndex {
    return new NativeSourceIndex(dwarf, sections, file);
  }

  private guard<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof CoreReadError)) throw e;
      if (this.problems.length < 16) this.problems.push(`${what}: ${e.message}`);
      return undefined;
    }
  }

  /** A C compile unit with its ranges, or undefined (a Go unit, no ranges, corrupt). */
  private cUnit(unit: DwarfUnit): CUnit | undefined {
    const cached = this.unitCache.get(unit.offset);
    if (cached !== undefined || this.unitCache.has(unit.offset)) return cached;
    const cu = this.guard('compile unit', () => {
      const top = this.dwarf.entryAt(unit.firstDie);
      if (!top || top.tag !== F.DW_TAG_compile_unit) return undefined;
      if (top.attrs.get(F.DW_AT_language) === BigInt(F.DW_LANG_Go)) return undefined;
      const ranges = this.rangesOf(top, undefined);
      return ranges.length > 0 ? { unit, top, ranges } : undefined;
    });
    this.unitCache.set(unit.offset, cu);
    return cu;
  }

  private cUnits(): CUnit[] {
    if (this.units) return this.units;
    const out: CUnit[] = [];
    for (const unit of this.dwarf.units) {
      const cu = this.cUnit(unit);
      if (cu) out.push(cu);
    }
    return (this.units = out);
  }

  /**
   * `.debug_aranges` (DWARF 5 §6.1.2): address ranges → unit offset, so that one address reads one
   * unit DIE instead of every unit's (a C library has thousands). Empty when absent or corrupt.
   */
  private arangeIndex(): { start: bigint; end: bigint; unit: number }[] {
    if (this.aranges) return this.aranges;
    const out: { start: bigint; end: bigint; unit: number }[] = [];
    const buf = this.sections.aranges;
    if (buf) {
      this.guard('.debug_aranges', () => {
        const c = new DwarfCursor(buf, 0, this.file, '.debug_aranges');
        while (c.pos < buf.length && out.length < MAX_RANGES) {
          let len = c.u32();
          let is64 = false;
          if (len === 0xffffffff) {
            is64 = true;
            len = c.u64n();
          }
          const end = c.pos + len;
          if (end > buf.length) c.fail('set runs past the end of the section');
          c.u16(); // version 2
          const unit = c.offset(is64);
          const addrSize = c.u8();
          c.u8(); // segment selector size
          if (addrSize !== 4 && addrSize !== 8) c.fail(`address size ${addrSize}`);
          const tuple = 2 * addrSize;
          c.pos += (tuple - ((c.pos - (end - len - (is64 ? 12 : 4))) % tuple)) % tuple;
          while (c.pos + tuple <= end && out.length < MAX_RANGES) {
            const a = addrSize === 8 ? c.u64() : BigInt(c.u32());
            const n = addrSize === 8 ? c.u64() : BigInt(c.u32());
            if (a === 0n && n === 0n) break;
            if (n > 0n) out.push({ start: a, end: a + n, unit });
          }
          c.pos = end;
        }
      });
    }
    return (this.aranges = out);
  }

  /** The C unit whose ranges hold addr: through .debug_aranges when it names one, else by every unit's ranges. */
  private unitFor(addr: bigint): CUnit | undefined {
    for (const r of this.arangeIndex()) {
      if (addr < r.start || addr >= r.end) continue;
      const u = this.guard('compile unit', () => this.dwarf.units.find((x) => x.offset === r.unit));
      const cu = u ? this.cUnit(u) : undefined;
      if (cu && cu.ranges.some((x) => addr >= x.start && addr < x.end)) return cu;
    }
    return this.cUnits().find((u) => u.ranges.some((r) => addr >= r.start && addr < r.end));
  }

  /** The address ranges of a DIE: low_pc/high_pc or DW_AT_ranges (base: the unit's low_pc). */
  private rangesOf(e: DwarfEntry, cuBase: bigint | undefined): { start: bigint; end: bigint }[] {
    const low = this.dwarf.address(e.unit, e.attrs.get(F.DW_AT_low_pc));
    const highV = e.attrs.get(F.DW_AT_high_pc);
    if (low !== undefined && highV !== undefined) {
      const form = this.dwarf.attrForm(e, F.DW_AT_high_pc);
      const isAddr = form === F.DW_FORM_addr || (form !== undefined && form >= F.DW_FORM_addrx1 && form <= F.DW_FORM_addrx4) || form === F.DW_FORM_addrx;
      const high = isAddr ? this.dwarf.address(e.unit, highV) : typeof highV === 'bigint' ? low + highV : undefined;
      return high !== undefined && high > low ? [{ start: low, end: high }] : [];
    }
    const r = e.attrs.get(F.DW_AT_ranges);
    if (r === undefined) return [];
    const base = cuBase ?? low ?? 0n;
    if (e.unit.version >= 5) return this.rnglist(e, r, base);
    return typeof r === 'number' ? this.rangeList(r, base, e.unit.addrSize) : [];
  }

  /** DWARF 2–4 `.debug_ranges`: pairs of addresses, a base-address selection entry, (0, 0) ends. */
  private rangeList(off: number, base: bigint, addrSize: number): { start: bigint; end: bigint }[] {
    if (!this.sections.ranges) return [];
    const c = new DwarfCursor(this.sections.ranges, off, this.file, '.debug_ranges');
    const out: { start: bigint; end: bigint }[] = [];
    const max = addrSize === 8 ? 0xffffffffffffffffn : 0xffffffffn;
    const rd = () => (addrSize === 8 ? c.u64() : BigInt(c.u32()));
    for (let i = 0; i < MAX_RANGES; i++) {
      const a = rd();
      const b = rd();
      if (a === 0n && b === 0n) break;
      if (a === max) {
        base = b;
        continue;
      }
      if (b > a) out.push({ start: base + a, end: base + b });
    }
    return out;
  }

  /** DWARF 5 `.debug_rnglists` (§2.17.3): DW_FORM_sec_offset, or DW_FORM_rnglistx through DW_AT_rnglists_base. */
  private rnglist(e: DwarfEntry, v: unknown, base: bigint): { start: bigint; end: bigint }[] {
    const buf = this.sections.rnglists;
    if (!buf || typeof v !== 'number') return [];
    const u = e.unit;
    let off = v;
    if (this.dwarf.attrForm(e, F.DW_AT_ranges) === F.DW_FORM_rnglistx) {
      const top = this.dwarf.entryAt(u.firstDie);
      const rb = top?.attrs.get(F.DW_AT_rnglists_base);
      const listBase = typeof rb === 'number' ? rb : 12;
      const oc = new DwarfCursor(buf, listBase + v * (u.is64 ? 8 : 4), this.file, '.debug_rnglists');
      off = listBase + oc.offset(u.is64);
    }
    const c = new DwarfCursor(buf, off, this.file, '.debug_rnglists');
    const addr = () => (u.addrSize === 8 ? c.u64() : BigInt(c.u32()));
    const indexed = (i: number) => this.dwarf.address(u, new AddrIndex(i)) ?? 0n;
    const out: { start: bigint; end: bigint }[] = [];
    const push = (a: bigint, b: bigint) => {
      if (b > a) out.push({ start: a, end: b });
    };
    for (let i = 0; i < MAX_RANGES; i++) {
      const kind = c.u8();
      if (kind === 0) break; // DW_RLE_end_of_list
      switch (kind) {
        case 1: // DW_RLE_base_addressx
          base = indexed(c.ulebn());
          break;
        case 2: {
          // DW_RLE_startx_endx
          const a = indexed(c.ulebn());
          push(a, indexed(c.ulebn()));
          break;
        }
        case 3: {
          // DW_RLE_startx_length
          const a = indexed(c.ulebn());
          push(a, a + c.uleb());
          break;
        }
        case 4: {
          // DW_RLE_offset_pair
          const a = c.uleb();
          push(base + a, base + c.uleb());
          break;
        }
        case 5: // DW_RLE_base_address
          base = addr();
          break;
        case 6: {
          // DW_RLE_start_end
          const a = addr();
          push(a, addr());
          break;
        }
        case 7: {
          // DW_RLE_start_length
          const a = addr();
          push(a, a + c.uleb());
          break;
        }
        default:
          return c.fail(`unknown range list entry kind ${kind}`);
      }
    }
    return out;
  }

  private linesOf(cu: CUnit): LineTable | null {
    if (cu.lines !== undefined) return cu.lines;
    const stmt = cu.top.attrs.get(F.DW_AT_stmt_list);
    const compDir = cu.top.attrs.get(F.DW_AT_comp_dir);
    const name = cu.top.attrs.get(F.DW_AT_name);
    cu.lines =
      typeof stmt === 'number'
        ? (this.guard('line table', () =>
            parseLineTable(this.sections, stmt, this.file, {
              compDir: typeof compDir === 'string' ? compDir : undefined,
              cuName: typeof name === 'string' ? name : undefined,
              addrSize: cu.unit.addrSize,
            }),
          ) ?? null)
        : null;
    return cu.lines;
  }

  /** The name of a subprogram or inlined subroutine, through DW_AT_abstract_origin / DW_AT_specification. */
  private nameOf(e: DwarfEntry): string | undefined {
    let cur: DwarfEntry | null = e;
    for (let i = 0; cur && i < MAX_ORIGIN_HOPS; i++) {
      const n = cur.attrs.get(F.DW_AT_name) ?? cur.attrs.get(F.DW_AT_linkage_name);
      if (typeof n === 'string') return n;
      const next: unknown = cur.attrs.get(F.DW_AT_abstract_origin) ?? cur.attrs.get(F.DW_AT_specification);
      cur = next instanceof DieRef ? this.dwarf.entryAt(next.offset) : null;
    }
    return undefined;
  }

  /**
   * The source frames at a file address (already pc−1 for a return address), innermost inlined
   * call first, the physical function last; [] when no C unit covers it.
   */
  framesAt(addr: bigint): NativeSourceFrame[] {
    return this.guard('source frames', () => this.framesAtUnguarded(addr)) ?? [];
  }

  private framesAtUnguarded(addr: bigint): NativeSourceFrame[] {
    const cu = this.unitFor(addr);
    if (!cu) return [];
    const cuBase = this.dwarf.address(cu.unit, cu.top.attrs.get(F.DW_AT_low_pc)) ?? 0n;
    // The chain of subprogram / inlined subroutine DIEs whose ranges hold addr, outermost first.
    const chain: DwarfEntry[] = [];
    let parent: DwarfEntry = cu.top;
    for (let depth = 0; depth < MAX_TREE_DEPTH; depth++) {
      let found: DwarfEntry | undefined;
      for (const child of this.dwarf.children(parent)) {
        const t = child.tag;
        if (t !== F.DW_TAG_subprogram && t !== F.DW_TAG_inlined_subroutine && t !== F.DW_TAG_lexical_block) continue;
        if (this.rangesOf(child, cuBase).some((r) => addr >= r.start && addr < r.end)) {
          found = child;
          break;
        }
      }
      if (!found) break;
      if (found.tag !== F.DW_TAG_lexical_block) chain.push(found);
      parent = found;
    }
    const lines = this.linesOf(cu);
    const at = lines ? lineAt(lines, addr) : undefined;
    const files = lines?.files ?? [];
    const out: NativeSourceFrame[] = [];
    let file = at?.file ?? '';
    let line = at?.line ?? 0;
    for (let i = chain.length - 1; i >= 0; i--) {
      const e = chain[i]!;
      out.push({ function: this.nameOf(e) ?? '?', file, line, inlined: e.tag === F.DW_TAG_inlined_subroutine });
      const cf = e.attrs.get(F.DW_AT_call_file);
      const cl = e.attrs.get(F.DW_AT_call_line);
      file = typeof cf === 'bigint' ? (files[Number(cf)] ?? '') : '';
      line = typeof cl === 'bigint' ? Number(cl) : 0;
    }
    if (out.length === 0 && at) out.push({ function: '', file: at.file ?? '', line: at.line, inlined: false });
    return out;
  }
}
