// src/core/dwarf.ts on hand-assembled DWARF 4 and 5 (struct members, typedef/pointer names and
// kinds, constants, DW_OP_addr / DW_OP_addrx globals) and on garbage (typed errors, no hang).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dwarf } from '../../src/core/dwarf.js';
import * as F from '../../src/core/dwarfForms.js';
import { CoreReadError } from '../../src/core/errors.js';
import { BufferMemory } from '../../src/core/memory.js';
import { decodeEface, valueFields } from '../../src/runtime/panicValue.js';
import { str, sleb, u32, u64, uleb, abbrevSection, type Abbrev } from '../support/dwarfBytes.js';


// code -> [tag, children, [attr, form]...]
const ABBREVS: Abbrev[] = [
  [1, F.DW_TAG_compile_unit, true, [[F.DW_AT_name, F.DW_FORM_string], [F.DW_AT_addr_base, F.DW_FORM_sec_offset]]],
  [2, F.DW_TAG_structure_type, true, [[F.DW_AT_name, F.DW_FORM_string], [F.DW_AT_byte_size, F.DW_FORM_udata], [F.DW_AT_go_kind, F.DW_FORM_data1]]],
  [3, F.DW_TAG_member, false, [[F.DW_AT_name, F.DW_FORM_string], [F.DW_AT_type, F.DW_FORM_ref4], [F.DW_AT_data_member_location, F.DW_FORM_udata]]],
  [4, F.DW_TAG_base_type, false, [[F.DW_AT_name, F.DW_FORM_string], [F.DW_AT_byte_size, F.DW_FORM_udata], [F.DW_AT_go_kind, F.DW_FORM_data1]]],
  [5, F.DW_TAG_pointer_type, false, [[F.DW_AT_name, F.DW_FORM_string], [F.DW_AT_type, F.DW_FORM_ref4], [F.DW_AT_go_kind, F.DW_FORM_data1]]],
  [6, F.DW_TAG_variable, false, [[F.DW_AT_name, F.DW_FORM_string], [F.DW_AT_location, F.DW_FORM_block1]]],
  [7, F.DW_TAG_constant, false, [[F.DW_AT_name, F.DW_FORM_string], [F.DW_AT_const_value, F.DW_FORM_sdata]]],
  [8, F.DW_TAG_typedef, false, [[F.DW_AT_name, F.DW_FORM_string], [F.DW_AT_type, F.DW_FORM_ref4]]],
];


/** One unit: uint64, struct main.T {a uint64; p *main.T; e any}, *main.T, a global and a constant. */
function infoSection(version: 4 | 5, addrx: boolean): Buffer {
  const header = version === 4 ? [4, 0, ...u32(0), 8] : [5, 0, 1, 8, ...u32(0)];
  const body: number[] = [];
  const at = (): number => 4 + header.length + body.length; // CU-relative offset of the next DIE
  body.push(...uleb(1), ...str('main'), ...u32(8));
  const uint64Off = at();
  body.push(...uleb(4), ...str('uint64'), ...uleb(8), 11);
  const efaceOff = at();
  body.push(...uleb(2), ...str('runtime.eface'), ...uleb(16), 25, 0); // no members, null
  const anyOff = at();
  body.push(...uleb(8), ...str('interface {}'), ...u32(efaceOff));
  const structOff = at();
  const ptrOff = structOff + 1 + 'main.T'.length + 1 + 1 + 1 + (1 + 2 + 4 + 1) + (1 + 2 + 4 + 1) + (1 + 2 + 4 + 1) + 1;
  body.push(...uleb(2), ...str('main.T'), ...uleb(32), 25);
  body.push(...uleb(3), ...str('a'), ...u32(uint64Off), ...uleb(0));
  body.push(...uleb(3), ...str('p'), ...u32(ptrOff), ...uleb(8));
  body.push(...uleb(3), ...str('e'), ...u32(anyOff), ...uleb(16));
  body.push(0);
  assert.equal(at(), ptrOff);
  body.push(...uleb(5), ...str('*main.T'), ...u32(structOff), 22);
  const loc = addrx ? [F.DW_OP_addrx, ...uleb(1)] : [F.DW_OP_addr, ...u64(0x5000n)];
  body.push(...uleb(6), ...str('main.v'), loc.length, ...loc);
  body.push(...uleb(7), ...str('main.K'), ...sleb(-5));
  body.push(0);
  return Buffer.from([...u32(header.length + body.length), ...header, ...body]);
}

// .debug_addr (DWARF 5): 8-byte header, then addresses [0x1111, 0x5000].
const ADDR = Buffer.from([...u32(20), 5, 0, 8, 0, ...u64(0x1111n), ...u64(0x5000n)]);

describe('dwarf reader', () => {
  for (const [version, addrx] of [
    [4, false],
    [5, false],
    [5, true],
  ] as const) {
    it(`DWARF ${version}${addrx ? ' with DW_OP_addrx' : ''}: structs, kinds, globals, constants`, () => {
      const d = new Dwarf({ info: infoSection(version, addrx), abbrev: abbrevSection(ABBREVS), addr: ADDR }, 'synthetic');
      assert.equal(d.units.length, 1);
      assert.equal(d.units[0]!.version, version);
      assert.deepEqual(d.structTable('main.T'), {
        size: 32,
        fields: [
          ['a', 0, 8, 'uint', 'uint64'],
          ['p', 8, 8, 'ptr', '*main.T'],
          ['e', 16, 16, 'eface', 'interface {}'],
        ],
      });
      assert.equal(d.structTable('main.Nope'), undefined);
      assert.equal(d.variable('main.v')?.address, 0x5000n);
      assert.equal(d.constant('main.K'), -5n);
      assert.deepEqual([...d.constants('main.')], [['main.K', -5n]]);
    });
  }

  it('rejects truncated and garbage DWARF with CoreReadError, never hangs', () => {
    const info = infoSection(4, false);
    const abbrev = abbrevSection(ABBREVS);
    for (let n = 1; n < info.length; n += 3) {
      try {
        const d = new Dwarf({ info: info.subarray(0, n), abbrev }, 'cut');
        d.structTable('main.T');
      } catch (e) {
        assert.ok(e instanceof CoreReadError, `cut at ${n}: ${String(e)}`);
      }
    }
    let seed = 12345;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    for (let i = 0; i < 300; i++) {
      const junk = Buffer.from(info);
      for (let k = 0; k < 4; k++) junk[4 + (rnd() * 7 + k) % (junk.length - 4)] = rnd();
      try {
        const d = new Dwarf({ info: junk, abbrev }, 'junk');
        d.structTable('main.T');
        d.variable('main.v');
      } catch (e) {
        assert.ok(e instanceof CoreReadError, `junk ${i}: ${String(e)}`);
      }
    }
    assert.throws(() => new Dwarf({ info: Buffer.from([1, 0, 0, 0, 9]), abbrev }, 'x'), CoreReadError);
    assert.throws(() => new Dwarf({ info: Buffer.from([...u32(7), 9, 0, 0, 0, 0, 0, 8]), abbrev }, 'x'), /DWARF version 9/);
  });

  it('renders a panic value of a DWARF-described struct pointer type field by field', () => {
    const d = new Dwarf({ info: infoSection(4, false), abbrev: abbrevSection(ABBREVS) }, 'synthetic');
    const buf = Buffer.alloc(0x2000);
    buf[23] = 22; // kind: ptr
    buf.writeUInt32LE(0x100, 40); // str nameOff from typesBase 0x1000
    buf[0x101] = 7;
    buf.write('*main.T', 0x102);
    buf.writeBigUInt64LE(42n, 0x1000); // value at 0x2000: a = 42
    buf.writeBigUInt64LE(0x2000n, 0x1008); // p = itself
    const mem = new BufferMemory(0x1000n, buf);
    const v = decodeEface(mem, 0x1000n, 0x2000n, 0x1000n);
    assert.equal(v.type?.name, '*main.T');
    assert.equal(v.text, '(*main.T) 0x2000');
    assert.deepEqual(
      valueFields(mem, d, v.type!, 0x2000n)?.map((f) => [f.name, f.offset, f.value]),
      [
        ['a', 0, '42'],
        ['p', 8, '0x2000'],
        ['e', 16, '{0x0, 0x0}'],
      ],
    );
  });
});
