// Layout selection: version parsing, table vs DWARF fallback (with a DWARF source built from a
// table), nested field resolution, and the errors for versions without a table or DWARF.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  goMinor,
  gStatusName,
  LayoutError,
  layoutFor,
  layoutFromDwarf,
  layoutFromTable,
  resolveField,
  TABLES,
  waitReasonString,
  type DwarfLayoutSource,
  type LayoutTable,
} from '../../src/runtime/layout.js';

function sourceFrom(t: LayoutTable, drop: string[] = []): DwarfLayoutSource {
  const consts: Record<string, bigint> = { 'runtime._Grunning': 2n, 'runtime._Gwaiting': 4n, 'runtime._Gdead': 6n };
  return {
    structTable: (name) => (drop.includes(name) ? undefined : t.structs[name]),
    constant: (name) => consts[name],
  };
}

describe('runtime layouts', () => {
  it('parses Go version strings', () => {
    assert.equal(goMinor('go1.22.12'), '1.22');
    assert.equal(goMinor('1.19'), '1.19');
    assert.equal(goMinor('go1.23rc1'), '1.23');
    assert.equal(goMinor('go1.24.4 X:nocoverageredesign'), '1.24');
    assert.equal(goMinor('go1.3'), '1.3');
    assert.equal(goMinor('devel +abc'), undefined);
    assert.equal(goMinor('go2.0'), undefined);
  });

  it('has one table per supported release with the fields the walkers need', () => {
    assert.deepEqual(
      TABLES.map((t) => t.minor),
      ['1.19', '1.21', '1.22', '1.23', '1.24', '1.25', '1.26', '1.27'],
    );
    for (const t of TABLES) {
      const l = layoutFromTable(t);
      assert.equal(l.source, 'table');
      assert.equal(l.offsets.gobuf.sp.offset, 0);
      assert.equal(l.offsets.g.schedSp.offset, l.offsets.g.sched.offset);
      assert.equal(gStatusName(l, 2), 'running');
      assert.equal(gStatusName(l, 0x1004), 'waiting');
      assert.equal(waitReasonString(l, 0), '');
    }
  });

  it('reports the _panic rewrite of Go 1.22 in its field list', () => {
    const names = (v: string): string[] => layoutFor(v).structs.get('runtime._panic')!.fields.map((f) => f.name);
    assert.ok(names('go1.21.13').includes('aborted'));
    assert.ok(!names('go1.22.12').includes('aborted'));
    assert.ok(names('go1.22.12').includes('deferBitsPtr'));
    assert.equal(layoutFor('1.19').offsets.panic.recovered.offset, 0x30);
    assert.equal(layoutFor('1.22').offsets.panic.recovered.offset, 0x60);
  });

  it('resolves nested fields through struct type names', () => {
    const l = layoutFor('go1.22.12');
    const lo = resolveField(l.structs, 'runtime.g', 'stack.lo');
    assert.deepEqual(lo, { offset: 0, size: 8, kind: 'uintptr' });
    const sp = resolveField(l.structs, 'runtime.g', 'sched.sp')!;
    assert.equal(sp.offset, l.structs.get('runtime.g')!.byName.get('sched')!.offset);
    assert.equal(resolveField(l.structs, 'runtime.g', 'sched.nope'), undefined);
  });

  it('falls back to DWARF for versions without a table, and says so', () => {
    const t = TABLES.find((x) => x.minor === '1.22')!;
    const l = layoutFor('go1.31.0', { dwarf: sourceFrom(t) });
    assert.equal(l.source, 'dwarf');
    assert.match(l.note, /no layout table for go1\.31\.0/);
    assert.deepEqual(l.offsets, layoutFromTable(t).offsets);
    assert.equal(gStatusName(l, 4), 'waiting');
    const pinned = layoutFor('go1.22.12', { dwarf: sourceFrom(t), preferDwarf: true });
    assert.equal(pinned.source, 'dwarf');
  });

  it('throws a LayoutError without table and DWARF, or when DWARF lacks runtime structs', () => {
    assert.throws(() => layoutFor('go1.20.14'), LayoutError);
    assert.throws(() => layoutFor('go1.20.14'), /no verified runtime layout for Go 1\.20/);
    assert.throws(() => layoutFor('weird'), /cannot tell the Go release/);
    const t = TABLES[0]!;
    assert.throws(() => layoutFromDwarf(sourceFrom(t, ['runtime.m']), 'go1.40'), /has no runtime\.m/);
  });
});
