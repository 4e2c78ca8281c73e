// Layout selection: version parsing, table vs DWARF fallback (with a DWARF source built from a
// table), nested field resolution, and the errors for versions without a table or DWARF. The data
// files: every go1.NN.json listed, holding exactly what READ_FIELDS reaches; names.json and
// src/core/moduledataLayout.json in the form layoutGen.ts writes; the names history's resolution.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MODULEDATA_LAYOUTS } from '../../src/core/moduledata.js';
import { historyOf, minorNumber, nameListAt, namesAt } from '../../src/runtime/layoutNames.js';
import { mergeModuleData, namesOf, renderModuleData, renderNames } from '../../src/runtime/layoutGen.js';
import {
  goMinor,
  gStatusName,
  LayoutError,
  layoutFor,
  layoutFromDwarf,
  layoutFromTable,
  resolveField,
  structsFromSource,
  TABLES,
  completeFromDwarf,
  unresolvedPaths,
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

  it('completes a table that lacks the wait-record structs from DWARF, and says so', () => {
    const full = TABLES.find((x) => x.minor === '1.22')!;
    const old = TABLES.find((x) => x.minor === '1.21')!;
    const l = layoutFromTable(old);
    assert.equal(l.offsets.sudog, undefined, 'the 1.21 table predates the sudog fields');
    assert.equal(l.offsets.g.waiting, undefined);
    assert.ok(unresolvedPaths(l).some((p) => p.struct === 'runtime.sudog'));
    // A 1.21 binary's DWARF: its own runtime.g (with waiting) and the wait-record structs.
    const waiting = full.structs['runtime.g']!.fields.find(([n]) => n === 'waiting')!;
    const oldG = old.structs['runtime.g']!;
    const dwarf: DwarfLayoutSource = {
      structTable: (name) => (name === 'runtime.g' ? { size: oldG.size, fields: [...oldG.fields, waiting] } : full.structs[name]),
      constant: () => undefined,
    };
    const done = completeFromDwarf(l, dwarf);
    assert.deepEqual(done.offsets.sudog, layoutFromTable(full).offsets.sudog);
    assert.deepEqual(done.offsets.g.waiting, { offset: waiting[1], size: 8, kind: 'ptr' });
    assert.deepEqual(done.offsets.g.goid, l.offsets.g.goid, 'fields the table has are kept');
    assert.match(done.note, /runtime\.sudog.*from the binary's DWARF/);
    assert.equal(completeFromDwarf(done, dwarf), done, 'nothing more to add');
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

describe('runtime layout data files', () => {
  const root = join(__dirname, '..', '..');
  const layoutsDir = join(root, 'src', 'runtime', 'layouts');

  it('lists every go1.NN.json in TABLES, oldest first', () => {
    const files = readdirSync(layoutsDir)
      .filter((f) => /^go1\.\d+\.json$/.test(f))
      .map((f) => f.slice(2, -5))
      .sort((a, b) => minorNumber(a) - minorNumber(b));
    assert.deepEqual(TABLES.map((t) => t.minor), files);
  });

  it('stores exactly the structs and fields READ_FIELDS reaches, _panic and _defer whole', () => {
    for (const t of TABLES) {
      const again = structsFromSource({ structTable: (n) => t.structs[n], constant: () => undefined });
      assert.deepEqual(again, t.structs, `Go ${t.minor}`);
      // The required structs always; the wait-record structs (optionalStruct) and the heap walk's
      // structs (HEAP_READ_FIELDS) only in tables generated since they were added (1.21/1.23/1.25/1.26
      // take them from the binary's DWARF).
      const keys = Object.keys(t.structs);
      for (const name of ['runtime._defer', 'runtime._panic', 'runtime.g', 'runtime.gobuf', 'runtime.m', 'runtime.p', 'runtime.stack']) {
        assert.ok(keys.includes(name), `Go ${t.minor}: ${name}`);
      }
      const optional = new Set(['runtime.sudog', 'runtime.hchan', 'runtime.waitq', 'runtime.semaRoot', 'runtime.hmap', 'internal/runtime/maps.Map', 'runtime.maybeTraceablePtr', 'runtime.maybeTraceableChan']);
      for (const name of keys) assert.ok(optional.has(name) || name.startsWith('runtime.') , `Go ${t.minor}: unexpected struct ${name}`);
    }
  });

  it('names.json and moduledataLayout.json are in the form layoutGen writes', () => {
    assert.equal(renderNames(namesOf(TABLES)), readFileSync(join(layoutsDir, 'names.json'), 'utf8'));
    assert.equal(renderModuleData(MODULEDATA_LAYOUTS), readFileSync(join(root, 'src', 'core', 'moduledataLayout.json'), 'utf8'));
  });

  it('resolves a name history per release: moved, added and removed names', () => {
    const releases = new Map([
      ['1.19', new Map([[0, ''], [1, 'a'], [2, 'gone']])],
      ['1.21', new Map([[0, ''], [1, 'a'], [2, 'b']])],
      ['1.26', new Map([[0, ''], [1, 'b'], [2, 'a']])],
    ]);
    const h = historyOf(releases);
    assert.deepEqual(h, { '': { '1.19': 0 }, a: { '1.19': 1, '1.26': 2 }, gone: { '1.19': 2, '1.21': null }, b: { '1.21': 2, '1.26': 1 } });
    for (const [minor, m] of releases) assert.deepEqual(namesAt(h, minor), m);
    assert.deepEqual(nameListAt(h, '1.24'), ['', 'a', 'b'], 'a release without a change of its own');
    assert.throws(() => namesAt({ x: { '1.19': 1 }, y: { '1.19': 1 } }, '1.19'), /both have value 1/);
  });

  it('moduledata ranges: contiguous, and a new release extends the newest or starts a range', () => {
    MODULEDATA_LAYOUTS.forEach((l, i) => {
      assert.ok(minorNumber(l.from) <= minorNumber(l.to), l.name);
      if (i > 0) assert.equal(minorNumber(l.from), minorNumber(MODULEDATA_LAYOUTS[i - 1]!.to) + 1, l.name);
    });
    const last = MODULEDATA_LAYOUTS[MODULEDATA_LAYOUTS.length - 1]!;
    const next = `1.${minorNumber(last.to) + 1}`;
    const same = mergeModuleData(MODULEDATA_LAYOUTS, next, { pclntab: last.pclntab, offsets: { ...last.offsets } });
    assert.equal(same.length, MODULEDATA_LAYOUTS.length);
    assert.equal(same[same.length - 1]!.to, next);
    const moved = mergeModuleData(MODULEDATA_LAYOUTS, next, { pclntab: last.pclntab, offsets: { ...last.offsets, gofunc: 352 } });
    assert.equal(moved[moved.length - 1]!.name, `go${next}`);
    assert.throws(() => mergeModuleData(MODULEDATA_LAYOUTS, last.to, { pclntab: last.pclntab, offsets: { ...last.offsets, gofunc: 8 } }), /differs/);
  });
});
