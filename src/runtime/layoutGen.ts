// Generates the runtime layout data of one Go release from a binary built by that toolchain with
// DWARF (src/core/dwarf.ts for the structs, the binary's own runtime.gStatusStrings and
// runtime.waitReasonStrings for the names, its pclntab for the moduledata range):
//   src/runtime/layouts/go1.NN.json   the structs READ_FIELDS reaches, and _panic/_defer whole
//   src/runtime/layouts/names.json    status and wait-reason names of every release, each once
//   src/core/moduledataLayout.json    the moduledata fields src/core/moduledata.ts reads
// test/integration/layouts.test.ts checks that the stored data is exactly what this derives.
// Run (docs/adding-a-go-version.md):
//   node --import tsx src/runtime/layoutGen.ts 1.28 [binary]
//   node --import tsx src/runtime/layoutGen.ts 1.28 --goarch arm64 [binary]
// Without `binary`, test/fixtures/programs/index is built with the provisioned toolchain
// ($CACHE/toolchains/go1.NN/root/usr/lib/go-1.NN, see scripts/lib.sh), for linux/arm64 with
// GOARCH=arm64. An arm64 build gives src/runtime/layouts/arm64/go1.NN.json; its names and
// moduledata offsets must equal the amd64 build's (the run fails otherwise: they are stored once).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readBuildInfo } from '../core/buildinfo.js';
import { cacheDir } from '../core/cacheDir.js';
import { Dwarf } from '../core/dwarf.js';
import { ElfFile } from '../core/elf.js';
import { CoreReadError } from '../core/errors.js';
import { MemoryBase } from '../core/memory.js';
import {
  MODULEDATA_FIELDS,
  MODULEDATA_LAYOUTS,
  type ModuleDataField,
  type ModuleDataLayoutEntry,
} from '../core/moduledata.js';
import type { PclntabFormat } from '../core/pclntab.js';
import { GoSymbols } from '../core/symbols.js';
import { goMinor, structsFromSource } from './layout.js';
import { historyOf, minorNumber, namesFromList } from './layoutNames.js';
import type { LayoutTable, NameHistory, StoredLayout, StoredNames } from './layoutTypes.js';
import { TABLES, tablesOf } from './layouts/index.js';
import { readStringArray } from './waitReasons.js';

/** The file's own PT_LOAD bytes as memory (link-time addresses; bss reads as zeros). */
class ElfMemory extends MemoryBase {
  readonly ptrSize = 8;
  readonly littleEndian: boolean;
  constructor(private readonly elf: ElfFile) {
    super();
    this.littleEndian = elf.littleEndian;
  }
  read(addr: bigint, len: number): Buffer {
    return this.elf.readVaddr(addr, len);
  }
}

function dwarfOf(elf: ElfFile): Dwarf {
  const dwarf = Dwarf.fromElf(elf);
  if (!dwarf)
    throw new CoreReadError(
      'not-go',
      elf.name,
      `${elf.name} has no DWARF (built with -w?): cannot derive a layout table`,
    );
  return dwarf;
}

/** A release's table (structs and names) as derived from its binary. */
export function tableFromElf(elf: ElfFile, minor: string, builtWith: string): LayoutTable {
  const dwarf = dwarfOf(elf);
  const structs = structsFromSource(dwarf);
  const mem = new ElfMemory(elf);
  const statuses = readStringArray(mem, dwarf, 'runtime.gStatusStrings') ?? [];
  const gStatus: Record<number, string> = {};
  statuses.forEach((s, i) => {
    if (s !== '') gStatus[i] = s;
  });
  const waitReasons = readStringArray(mem, dwarf, 'runtime.waitReasonStrings') ?? [];
  const goarch = elf.header.arch !== 'amd64' ? elf.header.arch : undefined;
  return { minor, builtWith, ...(goarch ? { goarch } : {}), structs, gStatus, waitReasons };
}

export function tableFromBinary(path: string, minor: string, builtWith: string): LayoutTable {
  const elf = ElfFile.open(path);
  try {
    return tableFromElf(elf, minor, builtWith);
  } finally {
    elf.close();
  }
}

/** The offsets of MODULEDATA_FIELDS in the binary's runtime.moduledata, and its pclntab format. */
export function moduledataFromBinary(path: string): {
  pclntab: PclntabFormat;
  offsets: Record<ModuleDataField, number>;
} {
  const elf = ElfFile.open(path);
  try {
    const md = dwarfOf(elf).structTable('runtime.moduledata');
    if (!md) throw new CoreReadError('not-go', elf.name, `${elf.name}: DWARF has no runtime.moduledata`);
    const offsets = {} as Record<ModuleDataField, number>;
    for (const f of MODULEDATA_FIELDS) {
      const field = md.fields.find(([n]) => n === f);
      if (!field) throw new CoreReadError('not-go', elf.name, `${elf.name}: runtime.moduledata has no field ${f}`);
      offsets[f] = field[1];
    }
    return { pclntab: GoSymbols.load(elf).pclntab.format, offsets };
  } finally {
    elf.close();
  }
}

/** The stored form of a table (go1.NN.json). */
export function storedOf(t: LayoutTable): StoredLayout {
  return { minor: t.minor, builtWith: t.builtWith, ...(t.goarch ? { goarch: t.goarch } : {}), structs: t.structs };
}

/** names.json for the releases of `tables` (names are stored once, with the releases where they change). */
export function namesOf(tables: readonly LayoutTable[]): StoredNames {
  const gStatus = new Map<string, Map<number, string>>();
  const waits = new Map<string, Map<number, string>>();
  for (const t of tables) {
    gStatus.set(t.minor, new Map(Object.entries(t.gStatus).map(([k, v]) => [Number(k), v])));
    waits.set(t.minor, namesFromList(t.waitReasons));
  }
  return { gStatus: historyOf(gStatus), waitReasons: historyOf(waits) };
}

/**
 * moduledataLayout.json with release `minor` in it: unchanged when a range already covers it with
 * the same offsets; the newest range extended when the new release has its offsets; otherwise a new
 * range. Anything else (a covered release that differs, a release older than the newest range)
 * throws: that needs a look by hand.
 */
export function mergeModuleData(
  layouts: readonly ModuleDataLayoutEntry[],
  minor: string,
  found: { pclntab: PclntabFormat; offsets: Record<ModuleDataField, number> },
): ModuleDataLayoutEntry[] {
  const n = minorNumber(minor);
  const same = (l: ModuleDataLayoutEntry): boolean =>
    l.pclntab === found.pclntab && MODULEDATA_FIELDS.every((f) => l.offsets[f] === found.offsets[f]);
  const out = layouts.map((l) => ({ ...l }));
  const covering = out.find((l) => minorNumber(l.from) <= n && n <= minorNumber(l.to));
  if (covering) {
    if (!same(covering))
      throw new Error(`moduledata of Go ${minor} differs from the ${covering.name} range of moduledataLayout.json`);
    return out;
  }
  const last = out[out.length - 1];
  if (last && n < minorNumber(last.to))
    throw new Error(`Go ${minor} is older than the newest moduledata range: edit moduledataLayout.json by hand`);
  if (last && same(last)) last.to = minor;
  else out.push({ name: `go${minor}`, from: minor, to: minor, pclntab: found.pclntab, offsets: found.offsets });
  return out;
}

// Rendering: JSON as Prettier prints it with the project's settings (so `npm run format` leaves it
// alone), one field or name per line, so that a new release's diff shows each change on its own line.

/** A tuple or a small object on one line: `["sp", 0, 8, "uintptr", "uintptr"]`, `{ "1.19": 3 }`. */
function inline(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(inline).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    const e = Object.entries(v);
    return e.length === 0 ? '{}' : `{ ${e.map(([k, x]) => `${JSON.stringify(k)}: ${inline(x)}`).join(', ')} }`;
  }
  return JSON.stringify(v);
}

export function renderLayout(t: StoredLayout): string {
  const L = [
    '{',
    `  "minor": ${JSON.stringify(t.minor)},`,
    `  "builtWith": ${JSON.stringify(t.builtWith)},`,
    ...(t.goarch ? [`  "goarch": ${JSON.stringify(t.goarch)},`] : []),
    '  "structs": {',
  ];
  const structs = Object.entries(t.structs);
  structs.forEach(([name, s], i) => {
    L.push(`    ${JSON.stringify(name)}: {`, `      "size": ${s.size},`);
    L.push(
      '      "fields": [',
      ...s.fields.map((f, j) => `        ${inline(f)}${j < s.fields.length - 1 ? ',' : ''}`),
      '      ]',
    );
    L.push(`    }${i < structs.length - 1 ? ',' : ''}`);
  });
  L.push('  }', '}', '');
  return L.join('\n');
}

function renderHistory(h: NameHistory, indent: string): string[] {
  const entries = Object.entries(h);
  return entries.map(
    ([name, changes], i) => `${indent}${JSON.stringify(name)}: ${inline(changes)}${i < entries.length - 1 ? ',' : ''}`,
  );
}

export function renderNames(n: StoredNames): string {
  return [
    '{',
    '  "gStatus": {',
    ...renderHistory(n.gStatus, '    '),
    '  },',
    '  "waitReasons": {',
    ...renderHistory(n.waitReasons, '    '),
    '  }',
    '}',
    '',
  ].join('\n');
}

export function renderModuleData(layouts: readonly ModuleDataLayoutEntry[]): string {
  const L = ['{', '  "layouts": ['];
  layouts.forEach((l, i) => {
    L.push(
      '    {',
      `      "name": ${JSON.stringify(l.name)},`,
      `      "from": ${JSON.stringify(l.from)},`,
      `      "to": ${JSON.stringify(l.to)},`,
      `      "pclntab": ${JSON.stringify(l.pclntab)},`,
      '      "offsets": {',
      ...MODULEDATA_FIELDS.map(
        (f, j) => `        ${JSON.stringify(f)}: ${l.offsets[f]}${j < MODULEDATA_FIELDS.length - 1 ? ',' : ''}`,
      ),
      '      }',
      `    }${i < layouts.length - 1 ? ',' : ''}`,
    );
  });
  L.push('  ]', '}', '');
  return L.join('\n');
}

/** The repository (this file is src/runtime/layoutGen.ts). */
const REPO = resolve(__dirname, '..', '..');

/** Builds test/fixtures/programs/index with the provisioned Go `minor` (as scripts/make-cores does). */
function buildWithToolchain(minor: string, out: string, goarch: string): string {
  const goroot = join(cacheDir(), 'toolchains', `go${minor}`, 'root', 'usr', 'lib', `go-${minor}`);
  const go = join(goroot, 'bin', 'go');
  if (!existsSync(go))
    throw new Error(`Go ${minor} is not provisioned at ${goroot}: run GCI_GO_VERSIONS=${minor} npm run provision`);
  const env = {
    ...process.env,
    GOTOOLCHAIN: 'local',
    GOCACHE: join(cacheDir(), 'gocache'),
    GOPATH: join(cacheDir(), 'gopath'),
    GOMODCACHE: join(cacheDir(), 'gopath', 'pkg', 'mod'),
    GOFLAGS: '-mod=mod',
    CGO_ENABLED: '0',
    GOOS: 'linux',
    GOARCH: goarch,
  };
  const prog = join(out, 'prog');
  execFileSync(go, ['build', '-o', prog, '.'], {
    cwd: join(REPO, 'test', 'fixtures', 'programs', 'index'),
    env,
    stdio: 'inherit',
  });
  return prog;
}

/** The Go version recorded in a binary's build information (`go1.22.12`). */
function builtWith(prog: string): string {
  const elf = ElfFile.open(prog);
  try {
    return readBuildInfo(elf).goVersion;
  } finally {
    elf.close();
  }
}

/**
 * An arm64 table's names and moduledata against the amd64 data of the same release: they are stored
 * once, so they must be equal; throws naming what differs.
 */
export function checkSharedWithAmd64(table: LayoutTable, prog: string): void {
  const amd64 = tablesOf('amd64').find((t) => t.minor === table.minor);
  if (!amd64) throw new Error(`no amd64 table for Go ${table.minor}: generate it first`);
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(amd64.gStatus, table.gStatus)) throw new Error(`Go ${table.minor}: ${table.goarch} status names differ from amd64's`);
  if (!same(amd64.waitReasons, table.waitReasons)) throw new Error(`Go ${table.minor}: ${table.goarch} wait reasons differ from amd64's`);
  const merged = mergeModuleData(MODULEDATA_LAYOUTS, table.minor, moduledataFromBinary(prog));
  if (!same(merged, MODULEDATA_LAYOUTS)) throw new Error(`Go ${table.minor}: ${table.goarch} moduledata offsets are not in moduledataLayout.json`);
}

/** `layoutGen.ts 1.NN [--goarch arm64] [binary]`: writes the data files for release 1.NN. */
function main(argv: string[]): void {
  const args = [...argv];
  const at = args.indexOf('--goarch');
  const goarch = at >= 0 ? args.splice(at, 2)[1] : 'amd64';
  const [minor, given] = args;
  if (!minor || !/^1\.\d+$/.test(minor) || (goarch !== 'amd64' && goarch !== 'arm64'))
    throw new Error('usage: node --import tsx src/runtime/layoutGen.ts 1.NN [--goarch amd64|arm64] [binary]');
  const tmp = mkdtempSync(join(tmpdir(), 'layoutgen-'));
  try {
    const prog = given ?? buildWithToolchain(minor, tmp, goarch);
    const goVersion = builtWith(prog);
    if (goMinor(goVersion) !== minor) throw new Error(`${prog} was built by ${goVersion}, not Go ${minor}`);
    const table = tableFromBinary(prog, minor, goVersion);
    if ((table.goarch ?? 'amd64') !== goarch) throw new Error(`${prog} is a ${table.goarch ?? 'amd64'} binary, not ${goarch}`);
    const layoutsDir = join(REPO, 'src', 'runtime', 'layouts');
    if (goarch !== 'amd64') {
      checkSharedWithAmd64(table, prog);
      writeFileSync(join(layoutsDir, goarch, `go${minor}.json`), renderLayout(storedOf(table)));
      console.log(`wrote src/runtime/layouts/${goarch}/go${minor}.json (from ${goVersion}); names and moduledata equal amd64's`);
      return;
    }
    writeFileSync(join(layoutsDir, `go${minor}.json`), renderLayout(storedOf(table)));
    const tables = [...TABLES.filter((t) => t.minor !== minor), table];
    writeFileSync(join(layoutsDir, 'names.json'), renderNames(namesOf(tables)));
    const md = mergeModuleData(MODULEDATA_LAYOUTS, minor, moduledataFromBinary(prog));
    writeFileSync(join(REPO, 'src', 'core', 'moduledataLayout.json'), renderModuleData(md));
    const listed = readFileSync(join(layoutsDir, 'index.ts'), 'utf8').includes(`./go${minor}.json`);
    console.log(
      `wrote src/runtime/layouts/go${minor}.json (from ${goVersion}), names.json, src/core/moduledataLayout.json`,
    );
    if (!listed) console.log(`now list ./go${minor}.json in src/runtime/layouts/index.ts`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) main(process.argv.slice(2));
