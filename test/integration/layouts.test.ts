// Every layout table entry (struct sizes, every stored field's name, offset, size, kind and type,
// every READ_FIELDS path, status names) against the DWARF of a binary built by the same toolchain,
// read with src/core/dwarf.ts; the stored data files against what layoutGen.ts derives (byte for
// byte). A wrong offset fails. Binaries: the `index` crash fixture of each provisioned Go version,
// and for the linux/arm64 tables (src/runtime/layouts/arm64) its `index-arm64` build.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Dwarf } from '../../src/core/dwarf.js';
import { ElfFile } from '../../src/core/elf.js';
import { openCoreWithBinary } from '../../src/core/executable.js';
import { MODULEDATA_LAYOUTS } from '../../src/core/moduledata.js';
import {
  layoutFor,
  layoutFromDwarf,
  resolveField,
  structFromTable,
  tableFor,
  TABLES,
  THROW_TYPES,
  type StructLayout,
  type StructTable,
} from '../../src/runtime/layout.js';
import { readFieldPaths, WHOLE_STRUCTS } from '../../src/runtime/layoutFields.js';
import { checkSharedWithAmd64, moduledataFromBinary, renderLayout, storedOf, tableFromBinary } from '../../src/runtime/layoutGen.js';
import { minorNumber } from '../../src/runtime/layoutNames.js';
import { readStringArray, readWaitReasonStrings } from '../../src/runtime/waitReasons.js';
import { fixture, provisionedGoVersions } from '../support/fixtures.js';

function openDwarf(path: string): Dwarf {
  const elf = ElfFile.open(path);
  try {
    const d = Dwarf.fromElf(elf);
    if (!d) throw new Error(`${path} has no DWARF`);
    return d;
  } finally {
    elf.close();
  }
}

/** A stored table (of an architecture) against the DWARF of that toolchain's build of the index fixture. */
function checkTableAgainstDwarf(minor: string, goarch: 'amd64' | 'arm64'): void {
  const fx = fixture(goarch === 'arm64' ? 'index-arm64' : 'index', minor);
  const table = tableFor(minor, goarch);
  assert.ok(table, `no ${goarch} table for ${minor}`);
  assert.equal(table.builtWith, fx.goVersion, `table for ${minor} was taken from ${table.builtWith}, fixture is ${fx.goVersion}`);
  const dwarf = openDwarf(fx.prog);
  const full = new Map<string, StructLayout>();
  for (const name of Object.keys(table.structs)) {
    const d = dwarf.structTable(name);
    assert.ok(d, `Go ${minor}: DWARF of ${fx.prog} has no struct ${name}`);
    full.set(name, structFromTable(name, d));
    const st: StructTable = table.structs[name]!;
    assert.equal(st.size, d.size, `Go ${minor}: size of ${name}`);
    if ((WHOLE_STRUCTS as readonly string[]).includes(name)) {
      assert.deepEqual(st.fields.map((f) => [...f]), d.fields, `Go ${minor}: fields of ${name} (name, offset, size, kind, type) differ from DWARF`);
    } else {
      for (const f of st.fields) {
        assert.deepEqual([...f], d.fields.find(([n]) => n === f[0]), `Go ${minor}: ${name}.${f[0]} (name, offset, size, kind, type) differs from DWARF`);
      }
    }
  }
  // Every field the code reads: the table resolves it where DWARF does, to the same place.
  const layout = layoutFor(minor, { goarch });
  for (const { struct, path, optional, optionalStruct } of readFieldPaths()) {
    const fromDwarf = resolveField(full, struct, path);
    // An optionalStruct may be absent from a release as a whole (runtime.hmap from 1.24, maps.Map before).
    const absent = optionalStruct && !dwarf.structTable(struct);
    assert.ok(fromDwarf || optional || absent, `Go ${minor}: DWARF has no ${struct}.${path}`);
    assert.deepEqual(resolveField(layout.structs, struct, path), fromDwarf, `Go ${minor}: ${struct}.${path}`);
  }
  // Status names: the constants the table's keys stand for.
  const consts = dwarf.constants('runtime._G');
  for (const [value, label] of Object.entries(table.gStatus)) {
    const names = [...consts].filter(([, v]) => v === BigInt(value)).map(([n]) => n);
    assert.ok(names.length > 0, `Go ${minor}: no runtime._G* constant has value ${value} (${label})`);
  }
  // m.throwing names.
  THROW_TYPES.forEach((n, i) => {
    const cname = `runtime.throwType${n[0]!.toUpperCase()}${n.slice(1)}`;
    assert.equal(dwarf.constant(cname), BigInt(i), `Go ${minor}: ${cname}`);
  });
  // Wait reasons: as many as the DWARF constants say (the names come from that toolchain's sources).
  const waits = dwarf.constants('runtime.waitReason');
  const maxWait = Math.max(...[...waits.values()].map(Number));
  assert.equal(table.waitReasons.length, maxWait + 1, `Go ${minor}: number of wait reasons`);
  // The globals the walkers use have DWARF addresses that match .symtab.
  const elf = ElfFile.open(fx.prog);
  try {
    for (const g of ['runtime.allm', 'runtime.allgs', 'runtime.allglen', 'runtime.firstmoduledata', 'runtime.buildVersion']) {
      const v = dwarf.variable(g);
      assert.ok(v?.address, `Go ${minor}: DWARF has no address for ${g}`);
      assert.equal(v.address, elf.symbol(g)?.value, `Go ${minor}: DWARF and .symtab disagree on ${g}`);
    }
  } finally {
    elf.close();
  }
}

describe('runtime layout tables vs DWARF', () => {
  const versions = provisionedGoVersions();

  it('every provisioned toolchain has a table', () => {
    for (const v of versions) assert.ok(tableFor(v), `no layout table for provisioned Go ${v}`);
  });

  for (const minor of versions) {
    it(`Go ${minor}: every struct size and field equals the binary's DWARF`, () => {
      checkTableAgainstDwarf(minor, 'amd64');
    });

    it(`Go ${minor} linux/arm64: every struct size and field equals the arm64 binary's DWARF`, () => {
      checkTableAgainstDwarf(minor, 'arm64');
    });

    it(`Go ${minor} linux/arm64: the stored data is what layoutGen derives from an arm64 build; names and moduledata equal amd64's`, () => {
      const fx = fixture('index-arm64', minor);
      assert.equal(fx.goarch, 'arm64');
      const derived = tableFromBinary(fx.prog, minor, fx.goVersion);
      assert.deepEqual(derived, tableFor(minor, 'arm64'));
      const file = join(__dirname, '..', '..', 'src', 'runtime', 'layouts', 'arm64', `go${minor}.json`);
      assert.equal(renderLayout(storedOf(derived)), readFileSync(file, 'utf8'), `arm64/go${minor}.json is not what layoutGen writes`);
      checkSharedWithAmd64(derived, fx.prog);
      assert.equal(layoutFor(fx.goVersion, { goarch: 'arm64' }).builtWith, fx.goVersion);
    });

    it(`Go ${minor}: wait reason and status names equal the binary's own tables`, () => {
      const fx = fixture('index', minor);
      const table = tableFor(minor)!;
      const dwarf = openDwarf(fx.prog);
      const c = openCoreWithBinary(fx.core, fx.prog);
      try {
        const strings = readWaitReasonStrings(c.memory, dwarf, c.bias ?? 0n);
        assert.ok(strings, `Go ${minor}: runtime.waitReasonStrings not found`);
        assert.deepEqual(table.waitReasons, strings, `Go ${minor}: wait reasons`);
        const statuses = readStringArray(c.memory, dwarf, 'runtime.gStatusStrings', c.bias ?? 0n);
        assert.ok(statuses, `Go ${minor}: runtime.gStatusStrings not found`);
        const named = Object.fromEntries(statuses.map((s, i) => [i, s]).filter(([, s]) => s !== ''));
        assert.deepEqual(table.gStatus, named, `Go ${minor}: status names`);
      } finally {
        c.close();
      }
    });

    it(`Go ${minor}: the stored data is exactly what layoutGen derives from a binary of that toolchain`, () => {
      const fx = fixture('index', minor);
      const derived = tableFromBinary(fx.prog, minor, fx.goVersion);
      assert.deepEqual(derived, tableFor(minor));
      const file = join(__dirname, '..', '..', 'src', 'runtime', 'layouts', `go${minor}.json`);
      assert.equal(renderLayout(storedOf(derived)), readFileSync(file, 'utf8'), `go${minor}.json is not what layoutGen writes`);
      const md = moduledataFromBinary(fx.prog);
      const range = MODULEDATA_LAYOUTS.find((l) => minorNumber(l.from) <= minorNumber(minor) && minorNumber(minor) <= minorNumber(l.to));
      assert.ok(range, `src/core/moduledataLayout.json has no range for Go ${minor}`);
      assert.equal(range.pclntab, md.pclntab, `Go ${minor}: pclntab format`);
      assert.deepEqual(range.offsets, md.offsets, `Go ${minor}: moduledata offsets (${range.name})`);
    });

    it(`Go ${minor}: the DWARF fallback gives the same offsets as the table`, () => {
      const fx = fixture('index', minor);
      const dwarf = openDwarf(fx.prog);
      const fromTable = layoutFor(fx.goVersion);
      const fromDwarf = layoutFromDwarf(dwarf, fx.goVersion);
      assert.equal(fromTable.source, 'table');
      assert.equal(fromDwarf.source, 'dwarf');
      assert.deepEqual(fromDwarf.offsets, fromTable.offsets);
      assert.deepEqual([...fromDwarf.gStatus].sort(), [...fromTable.gStatus].sort());
    });
  }

  it('an arm64 release without a checked table falls back to DWARF, never to the amd64 table', () => {
    assert.throws(() => layoutFor('go1.23.1', { goarch: 'arm64' }), /no verified runtime layout for Go 1\.23 on arm64/);
    const dwarf = openDwarf(fixture('index-arm64', '1.22').prog);
    assert.equal(layoutFor('go1.23.1', { goarch: 'arm64', dwarf }).source, 'dwarf');
  });

  it('an unknown version falls back to DWARF and says so; without DWARF it throws', () => {
    const newest = TABLES[TABLES.length - 1]!;
    const dwarf = openDwarf(fixture('index', newest.minor).prog);
    const l = layoutFor('go1.99.1', { dwarf });
    assert.equal(l.source, 'dwarf');
    assert.match(l.note, /no layout table for go1\.99\.1/);
    assert.throws(() => layoutFor('go1.99.1'), /no verified runtime layout for Go 1\.99/);
    assert.throws(() => layoutFor('go1.20.14'), /Go 1\.20/);
  });
});
