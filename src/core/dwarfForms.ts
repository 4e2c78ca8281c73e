// DWARF constants (tags, attributes, forms, expression opcodes) used by dwarf.ts, and a small
// bounds-checked cursor for LEB128-heavy DWARF data (numbers, not bigints, on the hot path).
import { CoreReadError, hex } from './errors.js';

export const DW_TAG_array_type = 0x01;
export const DW_TAG_lexical_block = 0x0b;
export const DW_TAG_member = 0x0d;
export const DW_TAG_pointer_type = 0x0f;
export const DW_TAG_compile_unit = 0x11;
export const DW_TAG_structure_type = 0x13;
export const DW_TAG_subroutine_type = 0x15;
export const DW_TAG_typedef = 0x16;
export const DW_TAG_inlined_subroutine = 0x1d;
export const DW_TAG_base_type = 0x24;
export const DW_TAG_constant = 0x27;
export const DW_TAG_subprogram = 0x2e;
export const DW_TAG_variable = 0x34;

export const DW_AT_location = 0x02;
export const DW_AT_name = 0x03;
export const DW_AT_byte_size = 0x0b;
export const DW_AT_stmt_list = 0x10;
export const DW_AT_low_pc = 0x11;
export const DW_AT_high_pc = 0x12;
export const DW_AT_language = 0x13;
export const DW_AT_comp_dir = 0x1b;
export const DW_AT_const_value = 0x1c;
export const DW_AT_producer = 0x25;
export const DW_AT_abstract_origin = 0x31;
export const DW_AT_data_member_location = 0x38;
export const DW_AT_encoding = 0x3e;
export const DW_AT_specification = 0x47;
export const DW_AT_type = 0x49;
export const DW_AT_ranges = 0x55;
export const DW_AT_call_file = 0x58;
export const DW_AT_call_line = 0x59;
export const DW_AT_linkage_name = 0x6e;
export const DW_AT_str_offsets_base = 0x72;
export const DW_AT_addr_base = 0x73;
export const DW_AT_rnglists_base = 0x74;
/** DW_AT_language value of Go compile units (DW_LANG_Go). */
export const DW_LANG_Go = 0x16;
/** Go extension: reflect.Kind of a type. */
export const DW_AT_go_kind = 0x2900;

export const DW_FORM_addr = 0x01;
export const DW_FORM_block2 = 0x03;
export const DW_FORM_block4 = 0x04;
export const DW_FORM_data2 = 0x05;
export const DW_FORM_data4 = 0x06;
export const DW_FORM_data8 = 0x07;
export const DW_FORM_string = 0x08;
export const DW_FORM_block = 0x09;
export const DW_FORM_block1 = 0x0a;
export const DW_FORM_data1 = 0x0b;
export const DW_FORM_flag = 0x0c;
export const DW_FORM_sdata = 0x0d;
export const DW_FORM_strp = 0x0e;
export const DW_FORM_udata = 0x0f;
export const DW_FORM_ref_addr = 0x10;
export const DW_FORM_ref1 = 0x11;
export const DW_FORM_ref2 = 0x12;
export const DW_FORM_ref4 = 0x13;
export const DW_FORM_ref8 = 0x14;
export const DW_FORM_ref_udata = 0x15;
export const DW_FORM_indirect = 0x16;
export const DW_FORM_sec_offset = 0x17;
export const DW_FORM_exprloc = 0x18;
export const DW_FORM_flag_present = 0x19;
export const DW_FORM_strx = 0x1a;
export const DW_FORM_addrx = 0x1b;
export const DW_FORM_ref_sup4 = 0x1c;
export const DW_FORM_strp_sup = 0x1d;
export const DW_FORM_data16 = 0x1e;
export const DW_FORM_line_strp = 0x1f;
export const DW_FORM_ref_sig8 = 0x20;
export const DW_FORM_implicit_const = 0x21;
export const DW_FORM_loclistx = 0x22;
export const DW_FORM_rnglistx = 0x23;
export const DW_FORM_ref_sup8 = 0x24;
export const DW_FORM_strx1 = 0x25;
export const DW_FORM_strx2 = 0x26;
export const DW_FORM_strx3 = 0x27;
export const DW_FORM_strx4 = 0x28;
export const DW_FORM_addrx1 = 0x29;
export const DW_FORM_addrx2 = 0x2a;
export const DW_FORM_addrx3 = 0x2b;
export const DW_FORM_addrx4 = 0x2c;

export const DW_OP_addr = 0x03;
export const DW_OP_plus_uconst = 0x23;
export const DW_OP_addrx = 0xa1;

/** Little-endian cursor over a DWARF section; every overrun is a 'corrupt' CoreReadError. */
export class DwarfCursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly file: string,
    readonly what: string,
  ) {}

  fail(msg: string): never {
    throw new CoreReadError('corrupt', this.file, `${this.file}: ${this.what} at offset ${hex(this.pos)}: ${msg}`);
  }
  need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) this.fail(`needs ${n} byte(s) but the section ends at ${hex(this.buf.length)}`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u24(): number {
    this.need(3);
    const v = this.buf.readUIntLE(this.pos, 3);
    this.pos += 3;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  /** A u64 that must be a safe JS number (offsets, lengths). */
  u64n(): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`offset ${hex(v)} is out of range`);
    return Number(v);
  }
  /** Offset-sized value: 4 bytes in 32-bit DWARF, 8 in 64-bit DWARF. */
  offset(is64: boolean): number {
    return is64 ? this.u64n() : this.u32();
  }
  uleb(): bigint {
    const b0 = this.u8();
    if ((b0 & 0x80) === 0) return BigInt(b0);
    this.pos--;
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.u8();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    return this.fail('LEB128 number longer than 10 bytes');
  }
  /** Unsigned LEB128 that must fit a safe JS number (fast path for small values). */
  ulebn(): number {
    const b = this.u8();
    if ((b & 0x80) === 0) return b;
    this.pos--;
    const v = this.uleb();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`number ${hex(v)} is out of range`);
    return Number(v);
  }
  sleb(): bigint {
    const b0 = this.u8();
    if ((b0 & 0x80) === 0) return BigInt(b0 & 0x40 ? b0 - 0x80 : b0);
    this.pos--;
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.u8();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) {
        if (b & 0x40) result -= 1n << shift;
        return result;
      }
    }
    return this.fail('LEB128 number longer than 10 bytes');
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  advance(n: number): void {
    this.need(n);
    this.pos += n;
  }
  /** NUL-terminated string (the NUL must be inside the section). */
  cstring(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) this.fail('string without a terminating NUL');
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
}
