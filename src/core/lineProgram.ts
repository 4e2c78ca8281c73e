// The DWARF line-number program (`.debug_line`, DWARF 2–5 §6.2): a unit's header (directories and
// file names, DWARF 5's entry formats included) and its rows, decoded by the state machine of
// §6.2.2 into address → file, line. Used for C compile units (src/core/nativeSource.ts): gcc 12 on
// this machine writes version 5 tables with `.debug_line_str` names; cgo's `#line` directives make
// the preamble's rows name the .go file.
// Bounded: every read is checked against the section (DwarfCursor), a unit ends where its length
// says, rows and table entries are capped; malformed data throws CoreReadError('corrupt').
import { DwarfCursor } from './dwarfForms.js';
import * as F from './dwarfForms.js';
import { lastStartingAtOrBelow } from './ranges.js';

export interface LineRow {
  address: bigint;
  /** Index into `LineTable.files`. */
  file: number;
  line: number;
}

/** One sequence of rows: contiguous addresses [start, end), rows sorted by address. */
export interface LineSequence {
  start: bigint;
  end: bigint;
  rows: LineRow[];
}

export interface LineTable {
  version: number;
  /** File names as full paths where the table gives their directory (index as the unit's DW_AT_call_file / DW_AT_decl_file use). */
  files: (string | undefined)[];
  sequences: LineSequence[];
}

export interface LineSections {
  line: Buffer;
  str?: Buffer;
  lineStr?: Buffer;
}

const MAX_ROWS = 2_000_000;
const MAX_ENTRIES = 100_000;

const DW_LNCT_path = 1;
const DW_LNCT_directory_index = 2;

function join(dir: string | undefined, name: string): string {
  if (name.startsWith('/') || !dir) return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/**
 * The line table at `offset` of `.debug_line`. `compDir` and `cuName` stand for directory 0 and
 * file 0 of a DWARF 2–4 table (which lists neither).
 */
export function parseLineTable(s: LineSections, offset: number, file: string, opts: { compDir?: string; cuName?: string; addrSize?: number } = {}): LineTable {
  const c = new DwarfCursor(s.line, offset, file, '.debug_line');
  let len = c.u32();
  let is64 = false;
  if (len === 0xffffffff) {
    is64 = true;
    len = c.u64n();
  } else if (len >= 0xfffffff0) c.fail(`reserved unit length ${len}`);
  const end = c.pos + len;
  if (end > s.line.length) c.fail(`line table of ${len} bytes runs past the end of the section`);
  const version = c.u16();
  if (version < 2 || version > 5) c.fail(`unsupported line table version ${version}`);
  let addrSize = opts.addrSize ?? 8;
  if (version >= 5) {
    addrSize = c.u8();
    c.u8(); // segment selector size
  }
  const headerLen = c.offset(is64);
  const programStart = c.pos + headerLen;
  if (programStart > end) c.fail('header runs past the end of its unit');
  const minInst = c.u8();
  if (version >= 4) c.u8(); // maximum operations per instruction (VLIW only; 1 on amd64 and arm64)
  const defaultIsStmt = c.u8() !== 0;
  void defaultIsStmt;
  const lineBase = (c.u8() << 24) >> 24;
  const lineRange = c.u8();
  if (lineRange === 0) c.fail('line_range is 0');
  const opcodeBase = c.u8();
  if (opcodeBase === 0) c.fail('opcode_base is 0');
  const stdLengths: number[] = [0];
  for (let i = 1; i < opcodeBase; i++) stdLengths.push(c.u8());

  const dirs: (string | undefined)[] = [];
  const files: (string | undefined)[] = [];
  if (version >= 5) {
    const readEntries = (what: string): { path?: string; dir?: number }[] => {
      const fmtCount = c.u8();
      const fmt: [number, number][] = [];
      for (let i = 0; i < fmtCount; i++) fmt.push([c.ulebn(), c.ulebn()]);
      const count = c.ulebn();
      if (count > MAX_ENTRIES) c.fail(`more than ${MAX_ENTRIES} ${what}`);
      const out: { path?: string; dir?: number }[] = [];
      for (let i = 0; i < count; i++) {
        const e: { path?: string; dir?: number } = {};
        for (const [type, form] of fmt) {
          const v = readForm(c, form, is64, s);
          if (type === DW_LNCT_path && typeof v === 'string') e.path = v;
          else if (type === DW_LNCT_directory_index && typeof v === 'number') e.dir = v;
        }
        out.push(e);
      }
      return out;
    };
    for (const d of readEntries('directories')) dirs.push(d.path);
    for (const f of readEntries('file names')) files.push(f.path === undefined ? undefined : join(dirs[f.dir ?? 0], f.path));
  } else {
    dirs.push(opts.compDir);
    for (;;) {
      const d = c.cstring();
      if (d === '') break;
      if (dirs.length > MAX_ENTRIES) c.fail(`more than ${MAX_ENTRIES} directories`);
      dirs.push(join(opts.compDir, d));
    }
    files.push(opts.cuName === undefined ? undefined : join(opts.compDir, opts.cuName));
    for (;;) {
      const name = c.cstring();
      if (name === '') break;
      const dir = c.ulebn();
      c.uleb(); // modification time
      c.uleb(); // length
      if (files.length > MAX_ENTRIES) c.fail(`more than ${MAX_ENTRIES} file names`);
      files.push(join(dirs[dir], name));
    }
  }

  // The state machine (§6.2.2). op_index is ignored: maximum_operations_per_instruction is 1 here.
  c.pos = programStart;
  const sequences: LineSequence[] = [];
  let rows: LineRow[] = [];
  let total = 0;
  let address = 0n;
  let fileIdx = 1;
  let line = 1;
  const reset = () => {
    address = 0n;
    fileIdx = 1;
    line = 1;
  };
  const emit = () => {
    if (++total > MAX_ROWS) c.fail(`more than ${MAX_ROWS} rows`);
    rows.push({ address, file: fileIdx, line });
  };
  const addrMask = addrSize === 4 ? 0xffffffffn : 0xffffffffffffffffn;
  const advance = (n: bigint) => {
    address = (address + n * BigInt(minInst)) & addrMask;
  };
  while (c.pos < end) {
    const op = c.u8();
    if (op >= opcodeBase) {
      const adj = op - opcodeBase;
      advance(BigInt(Math.floor(adj / lineRange)));
      line += lineBase + (adj % lineRange);
      emit();
      continue;
    }
    switch (op) {
      case 0: {
        const n = c.ulebn();
        if (n === 0) break;
        const next = c.pos + n;
        if (next > end) c.fail('extended opcode runs past the end of its unit');
        const sub = c.u8();
        if (sub === 1) {
          // DW_LNE_end_sequence: the row closes the sequence.
          emit();
          const first = rows[0];
          if (first && address > first.address) sequences.push({ start: first.address, end: address, rows: rows.slice(0, -1) });
          rows = [];
          reset();
        } else if (sub === 2) {
          address = addrSize === 4 ? BigInt(c.u32()) : c.u64();
        } else if (sub === 3 && version < 5) {
          const name = c.cstring();
          const dir = c.ulebn();
          if (files.length > MAX_ENTRIES) c.fail(`more than ${MAX_ENTRIES} file names`);
          files.push(join(dirs[dir], name));
        }
        c.pos = next;
        break;
      }
      case 1: // DW_LNS_copy
        emit();
        break;
      case 2: // DW_LNS_advance_pc
        advance(c.uleb());
        break;
      case 3: // DW_LNS_advance_line
        line += Number(BigInt.asIntN(32, c.sleb()));
        break;
      case 4: // DW_LNS_set_file
        fileIdx = c.ulebn();
        break;
      case 5: // DW_LNS_set_column
      case 12: // DW_LNS_set_isa
        c.uleb();
        break;
      case 8: // DW_LNS_const_add_pc
        advance(BigInt(Math.floor((255 - opcodeBase) / lineRange)));
        break;
      case 9: // DW_LNS_fixed_advance_pc
        address = (address + BigInt(c.u16())) & addrMask;
        break;
      case 6: // negate_stmt
      case 7: // set_basic_block
      case 10: // set_prologue_end
      case 11: // set_epilogue_begin
        break;
      default:
        // An opcode this reader does not know: skip its operands as the header says.
        for (let i = 0; i < (stdLengths[op] ?? 0); i++) c.uleb();
    }
  }
  sequences.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  return { version, files, sequences };
}

function readForm(c: DwarfCursor, form: number, is64: boolean, s: LineSections): string | number | undefined {
  const strAt = (buf: Buffer | undefined, off: number, what: string): string | undefined => {
    if (!buf) return undefined;
    return new DwarfCursor(buf, off, c.file, what).cstring();
  };
  switch (form) {
    case F.DW_FORM_string:
      return c.cstring();
    case F.DW_FORM_line_strp:
      return strAt(s.lineStr, c.offset(is64), '.debug_line_str');
    case F.DW_FORM_strp:
      return strAt(s.str, c.offset(is64), '.debug_str');
    case F.DW_FORM_udata:
      return c.ulebn();
    case F.DW_FORM_data1:
      return c.u8();
    case F.DW_FORM_data2:
      return c.u16();
    case F.DW_FORM_data4:
      return c.u32();
    case F.DW_FORM_data8:
      c.u64();
      return undefined;
    case F.DW_FORM_data16:
      c.advance(16);
      return undefined;
    case F.DW_FORM_block:
      c.advance(c.ulebn());
      return undefined;
    case F.DW_FORM_strx:
    case F.DW_FORM_strx1:
    case F.DW_FORM_strx2:
    case F.DW_FORM_strx3:
    case F.DW_FORM_strx4:
      // Needs the unit's str_offsets_base, which a line table does not know: skip the index.
      if (form === F.DW_FORM_strx) c.uleb();
      else c.advance(form === F.DW_FORM_strx1 ? 1 : form === F.DW_FORM_strx2 ? 2 : form === F.DW_FORM_strx3 ? 3 : 4);
      return undefined;
    default:
      return c.fail(`unsupported form ${form} in a line table entry format`);
  }
}

/** The row covering `addr` (the last of rows at the same address, as addr2line reports), or undefined. */
export function lineAt(t: LineTable, addr: bigint): { file: string | undefined; line: number } | undefined {
  // Sequences may overlap in broken tables: take the last starting at or below addr that covers it.
  const best = lastStartingAtOrBelow(t.sequences, addr, (s) => s.start);
  for (let i = best; i >= 0 && i > best - 8; i--) {
    const seq = t.sequences[i]!;
    if (addr >= seq.end) continue;
    const rows = seq.rows;
    let l = 0;
    let h = rows.length - 1;
    let r = -1;
    while (l <= h) {
      const m = (l + h) >> 1;
      if (rows[m]!.address <= addr) {
        r = m;
        l = m + 1;
      } else h = m - 1;
    }
    if (r < 0) continue;
    const row = rows[r]!;
    return { file: t.files[row.file], line: row.line };
  }
  return undefined;
}
