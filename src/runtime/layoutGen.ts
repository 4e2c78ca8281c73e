// Builds a LayoutTable from a Go binary with DWARF: struct layouts (src/core/dwarf.ts), status and
// wait-reason names from the binary's own runtime.gStatusStrings / runtime.waitReasonStrings
// (statically initialised data, read from the file). This is how src/runtime/layouts/go1NN.ts are
// made, and the tests compare each table with it. To regenerate a table (e.g. for a new release):
//   node --import tsx -e "import('./src/runtime/layoutGen.ts').then(m => process.stdout.write(
//     m.renderTable(m.tableFromBinary('prog', '1.28', 'go1.28.0'))))" > src/runtime/layouts/go128.ts
// with `prog` any program built by that toolchain without -w, then add it to TABLES in layout.ts.
import { Dwarf } from '../core/dwarf.js';
import { ElfFile } from '../core/elf.js';
import { CoreReadError } from '../core/errors.js';
import { MemoryBase } from '../core/memory.js';
import { LAYOUT_STRUCTS } from './layout.js';
import type { FieldTuple, LayoutTable, StructTable } from './layoutTypes.js';
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

export function tableFromElf(elf: ElfFile, minor: string, builtWith: string): LayoutTable {
  const dwarf = Dwarf.fromElf(elf);
  if (!dwarf) throw new CoreReadError('not-go', elf.name, `${elf.name} has no DWARF (built with -w?): cannot derive a layout table`);
  const structs: Record<string, StructTable> = {};
  for (const name of LAYOUT_STRUCTS) {
    const s = dwarf.structTable(name);
    if (s) structs[name] = { size: s.size, fields: s.fields.map((f) => [...f] as FieldTuple) };
  }
  const mem = new ElfMemory(elf);
  const statuses = readStringArray(mem, dwarf, 'runtime.gStatusStrings') ?? [];
  const gStatus: Record<number, string> = {};
  statuses.forEach((s, i) => {
    if (s !== '') gStatus[i] = s;
  });
  const waitReasons = readStringArray(mem, dwarf, 'runtime.waitReasonStrings') ?? [];
  return { minor, builtWith, structs, gStatus, waitReasons };
}

export function tableFromBinary(path: string, minor: string, builtWith: string): LayoutTable {
  const elf = ElfFile.open(path);
  try {
    return tableFromElf(elf, minor, builtWith);
  } finally {
    elf.close();
  }
}

/** TypeScript source of a table module (the format of src/runtime/layouts/go1NN.ts). */
export function renderTable(t: LayoutTable): string {
  const id = `GO${t.minor.replace('.', '_')}`;
  const L: string[] = [
    `// Generated from the DWARF and runtime data of a linux/amd64 binary built by ${t.builtWith}`,
    '// (src/runtime/layoutGen.ts). Checked by test/integration/layouts.test.ts.',
    "import type { LayoutTable } from '../layoutTypes.js';",
    '',
    `export const ${id}: LayoutTable = {`,
    `  minor: '${t.minor}',`,
    `  builtWith: '${t.builtWith}',`,
    '  structs: {',
  ];
  for (const [name, s] of Object.entries(t.structs)) {
    L.push(`    '${name}': {`, `      size: ${s.size},`, '      fields: [');
    for (const [n, off, size, kind, type] of s.fields) {
      L.push(`        [${JSON.stringify(n)}, ${off}, ${size}, '${kind}', ${JSON.stringify(type)}],`);
    }
    L.push('      ],', '    },');
  }
  L.push('  },', '  gStatus: {');
  for (const [k, v] of Object.entries(t.gStatus)) L.push(`    ${k}: ${JSON.stringify(v)},`);
  L.push('  },', '  waitReasons: [');
  for (const w of t.waitReasons) L.push(`    ${w === null ? 'null' : JSON.stringify(w)},`);
  L.push('  ],', '};', '');
  return L.join('\n');
}
