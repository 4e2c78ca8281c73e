// src/core/lineProgram.ts and src/core/nativeSource.ts on hand-assembled DWARF: line programs of
// version 4 (include_directories / file_names) and 5 (entry formats), the rows of the state
// machine (special opcodes, const_add_pc, fixed_advance_pc, several rows at one address), a C unit
// with a subprogram, a lexical block and an inlined subroutine (call_file / call_line), a Go unit
// that is skipped; and fuzzing: cut and mutated tables give a CoreReadError or a partial answer,
// never another exception, never a hang.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dwarf } from '../../src/core/dwarf.js';
import * as F from '../../src/core/dwarfForms.js';
import { CoreReadError } from '../../src/core/errors.js';
import { lineAt, parseLineTable } from '../../src/core/lineProgram.js';
import { NativeSourceIndex } from '../../src/core/nativeSource.js';
import { str, sleb, u16, u32, u64, uleb, abbrevSection, type Abbrev } from '../support/dwarfBytes.js';


const LINE_BASE = -5;
const LINE_RANGE = 14;
const OPCODE_BASE = 13;
const STD_LENGTHS = [0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1];
const special = (addr: number, line: number): number => line - LINE_BASE + LINE_RANGE * addr + OPCODE_BASE;
const setAddress = (a: bigint): number[] => [0, 9, 2, ...u64(a)];
const END_SEQUENCE = [0, 1, 1];

/** A unit of .debug_line: `head` is what follows header_length, `program` the opcodes. */
function lineUnit(version: 4 | 5, head: number[], program: number[]): number[] {
  const common = [1, 1, 1, LINE_BASE & 0xff, LINE_RANGE, OPCODE_BASE, ...STD_LENGTHS];
  const header = [...common, ...head];
  const afterLength = [...u16(version), ...(version === 5 ? [8, 0] : []), ...u32(header.length), ...header, ...program];
  return [...u32(afterLength.length), ...afterLength];
}

// DWARF 5: directories /src, /inc; files main.c (dir 0), main.go (dir 0), util.h (dir 1).
const V5_HEAD = [
  1, ...uleb(1), ...uleb(F.DW_FORM_string), ...uleb(2), ...str('/src'), ...str('/inc'),
  2, ...uleb(1), ...uleb(F.DW_FORM_string), ...uleb(2), ...uleb(F.DW_FORM_udata),
  ...uleb(3), ...str('main.c'), 0, ...str('main.go'), 0, ...str('util.h'), 1,
];
const V5_PROGRAM = [
  ...setAddress(0x1000n),
  3, ...sleb(16), // line 17
  4, ...uleb(1), // main.go
  1, // row 0x1000 main.go:17
  special(8, 1), // row 0x1008 main.go:18
  4, ...uleb(2), // util.h
  3, ...sleb(-10), // line 8
  1, // row 0x1008 util.h:8 (the last row at an address wins)
  2, ...uleb(4), // 0x100c
  ...END_SEQUENCE,
];
const V5 = Buffer.from(lineUnit(5, V5_HEAD, V5_PROGRAM));

// DWARF 4: include directory inc; files main.c (dir 0 = comp dir), util.h (dir 1).
const V4_HEAD = [...str('inc'), 0, ...str('main.c'), 0, 0, 0, ...str('util.h'), 1, 0, 0, 0];
const V4_PROGRAM = [
  ...setAddress(0x2000n),
  1, // row 0x2000 main.c:1
  8, // const_add_pc: (255 - 13) / 14 = 17
  3, ...sleb(4), // line 5
  4, ...uleb(2),
  1, // row 0x2011 util.h:5
  9, ...u16(3), // fixed_advance_pc → 0x2014
  ...END_SEQUENCE,
];
const V4 = Buffer.from(lineUnit(4, V4_HEAD, V4_PROGRAM));

// .debug_info (DWARF 5) with a C unit and a Go unit; abbreviation codes below.
const ABBREVS: Abbrev[] = [
  [1, F.DW_TAG_compile_unit, true, [[F.DW_AT_name, F.DW_FORM_string], [F.DW_AT_language, F.DW_FORM_data1], [F.DW_AT_low_pc, F.DW_FORM_addr], [F.DW_AT_high_pc, F.DW_FORM_data8], [F.DW_AT_stmt_list, F.DW_FORM_sec_offset]]],
  [2, F.DW_TAG_subprogram, true, [[F.DW_AT_name, F.DW_FORM_string], [F.DW_AT_low_pc, F.DW_FORM_addr], [F.DW_AT_high_pc, F.DW_FORM_data8]]],
  [3, F.DW_TAG_subprogram, false, [[F.DW_AT_name, F.DW_FORM_string]]],
  [4, F.DW_TAG_inlined_subroutine, false, [[F.DW_AT_abstract_origin, F.DW_FORM_ref4], [F.DW_AT_low_pc, F.DW_FORM_addr], [F.DW_AT_high_pc, F.DW_FORM_data8], [F.DW_AT_call_file, F.DW_FORM_data1], [F.DW_AT_call_line, F.DW_FORM_data1]]],
  [5, F.DW_TAG_lexical_block, true, [[F.DW_AT_low_pc, F.DW_FORM_addr], [F.DW_AT_high_pc, F.DW_FORM_addr]]],
];


function unit(body: (at: () => number) => number[]): number[] {
  const header = [5, 0, 1, 8, ...u32(0)];
  const out: number[] = [];
  const at = () => 4 + header.length + out.length;
  out.push(...body(at));
  return [...u32(header.length + out.length), ...header, ...out];
}

function infoSection(): Buffer {
  const c = unit((at) => {
    const b: number[] = [];
    const here = () => at() + b.length;
    b.push(1, ...str('main.c'), 0x1d /* DW_LANG_C11 */, ...u64(0x1000n), ...u64(0x20n), ...u32(0));
    const utilOff = here();
    b.push(3, ...str('util'));
    b.push(2, ...str('main_fn'), ...u64(0x1000n), ...u64(0x20n));
    b.push(5, ...u64(0x1004n), ...u64(0x1014n)); // lexical block, high_pc an address
    b.push(4, ...u32(utilOff), ...u64(0x1008n), ...u64(4n), 1, 17); // util inlined at main.go:17
    b.push(0, 0, 0); // ends the block, main_fn and the unit
    return b;
  });
  const go = unit(() => [1, ...str('main'), F.DW_LANG_Go, ...u64(0x3000n), ...u64(0x10n), ...u32(0), 0]);
  return Buffer.from([...c, ...go]);
}

describe('line programs', () => {
  it('DWARF 5: entry formats, special opcodes, the last row at an address', () => {
    const t = parseLineTable({ line: V5 }, 0, 'synthetic');
    assert.equal(t.version, 5);
    assert.deepEqual(t.files, ['/src/main.c', '/src/main.go', '/inc/util.h']);
    assert.deepEqual(lineAt(t, 0x1000n), { file: '/src/main.go', line: 17 });
    assert.deepEqual(lineAt(t, 0x1007n), { file: '/src/main.go', line: 17 });
    assert.deepEqual(lineAt(t, 0x1008n), { file: '/inc/util.h', line: 8 });
    assert.deepEqual(lineAt(t, 0x100bn), { file: '/inc/util.h', line: 8 });
    assert.equal(lineAt(t, 0x100cn), undefined);
    assert.equal(lineAt(t, 0xfffn), undefined);
  });

  it('DWARF 4: include directories from the compile directory, const_add_pc, fixed_advance_pc', () => {
    const t = parseLineTable({ line: V4 }, 0, 'synthetic', { compDir: '/src', cuName: 'main.c' });
    assert.equal(t.version, 4);
    assert.deepEqual(t.files, ['/src/main.c', '/src/main.c', '/src/inc/util.h']);
    assert.deepEqual(lineAt(t, 0x2010n), { file: '/src/main.c', line: 1 });
    assert.deepEqual(lineAt(t, 0x2011n), { file: '/src/inc/util.h', line: 5 });
    assert.equal(lineAt(t, 0x2014n), undefined);
  });

  it('fuzz: cut and mutated tables throw CoreReadError or parse, bounded', () => {
    let seed = 4242;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    const t0 = Date.now();
    for (const base of [V5, V4]) {
      for (let n = 1; n < base.length; n++) {
        try {
          parseLineTable({ line: base.subarray(0, n) }, 0, 'cut');
        } catch (e) {
          assert.ok(e instanceof CoreReadError, `cut at ${n}: ${String(e)}`);
        }
      }
      for (let i = 0; i < 2000; i++) {
        const junk = Buffer.from(base);
        for (let k = 0; k < 1 + (i % 5); k++) junk[rnd() % junk.length] = rnd();
        try {
          const t = parseLineTable({ line: junk }, 0, 'junk', { compDir: '/x' });
          lineAt(t, 0x1008n);
        } catch (e) {
          assert.ok(e instanceof CoreReadError, `junk ${i}: ${String(e)}`);
        }
      }
    }
    for (let i = 0; i < 500; i++) {
      const junk = Buffer.from([...Array(64)].map(() => rnd()));
      try {
        parseLineTable({ line: junk }, 0, 'random');
      } catch (e) {
        assert.ok(e instanceof CoreReadError, `random ${i}: ${String(e)}`);
      }
    }
    assert.ok(Date.now() - t0 < 20_000, 'fuzzing took too long');
  });
});

describe('C source frames (nativeSource)', () => {
  const index = (info: Buffer, line: Buffer) => NativeSourceIndex.fromSections(new Dwarf({ info, abbrev: abbrevSection(ABBREVS) }, 'synthetic'), { line }, 'synthetic');

  it('an inlined C function and its caller, each with file:line; the Go unit is not read', () => {
    const idx = index(infoSection(), V5);
    assert.deepEqual(idx.framesAt(0x1008n), [
      { function: 'util', file: '/inc/util.h', line: 8, inlined: true },
      { function: 'main_fn', file: '/src/main.go', line: 17, inlined: false },
    ]);
    assert.deepEqual(idx.framesAt(0x1004n), [{ function: 'main_fn', file: '/src/main.go', line: 17, inlined: false }]);
    assert.deepEqual(idx.framesAt(0x3000n), []);
    assert.deepEqual(idx.framesAt(0x5000n), []);
    assert.deepEqual(idx.problems, []);
  });

  it('.debug_aranges names the unit to read; a set naming a Go unit or a wrong range falls back to every unit', () => {
    const info = infoSection();
    const goUnit = new Dwarf({ info, abbrev: abbrevSection(ABBREVS) }, 'synthetic').units[1]!.offset;
    // One set per unit (version 2, 8-byte addresses, padded to 16): C unit [0x1000, 0x1020), and a
    // bogus one claiming 0x1000 for the Go unit, listed first.
    const set = (unitOff: number, start: bigint, len: bigint): number[] => {
      const body = [...u16(2), ...u32(unitOff), 8, 0, 0, 0, 0, 0, ...u64(start), ...u64(len), ...u64(0n), ...u64(0n)];
      return [...u32(body.length), ...body];
    };
    const aranges = Buffer.from([...set(goUnit, 0x1000n, 0x20n), ...set(0, 0x1000n, 0x20n)]);
    const idx = NativeSourceIndex.fromSections(new Dwarf({ info, abbrev: abbrevSection(ABBREVS) }, 'synthetic'), { line: V5, aranges }, 'synthetic');
    assert.deepEqual(idx.framesAt(0x1008n).map((f) => `${f.function} ${f.file}:${f.line}`), ['util /inc/util.h:8', 'main_fn /src/main.go:17']);
    assert.deepEqual(idx.framesAt(0x3000n), []);
    // A corrupt aranges section is ignored (noted), the answer comes from the units' own ranges.
    const bad = NativeSourceIndex.fromSections(new Dwarf({ info, abbrev: abbrevSection(ABBREVS) }, 'synthetic'), { line: V5, aranges: Buffer.from([0xff, 0xff, 0xff, 0x7f, 1]) }, 'synthetic');
    assert.equal(bad.framesAt(0x1008n).length, 2);
    assert.equal(bad.problems.length, 1);
  });

  it('fuzz: mutated .debug_info and .debug_line never throw from framesAt and stay bounded', () => {
    let seed = 777;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    const info = infoSection();
    const t0 = Date.now();
    for (let i = 0; i < 1500; i++) {
      const ji = Buffer.from(info);
      const jl = Buffer.from(V5);
      for (let k = 0; k < 1 + (i % 4); k++) {
        if (i % 2) ji[rnd() % ji.length] = rnd();
        else jl[rnd() % jl.length] = rnd();
      }
      let idx: NativeSourceIndex;
      try {
        idx = index(ji, jl);
      } catch (e) {
        // The unit headers themselves are read when the Dwarf is made.
        assert.ok(e instanceof CoreReadError, `junk ${i}: ${String(e)}`);
        continue;
      }
      for (const a of [0x1000n, 0x1008n, 0x100an, 0x3000n]) {
        const frames = idx.framesAt(a);
        assert.ok(frames.length <= 64, `junk ${i}: ${frames.length} frames`);
      }
    }
    assert.ok(Date.now() - t0 < 20_000, 'fuzzing took too long');
  });
});
