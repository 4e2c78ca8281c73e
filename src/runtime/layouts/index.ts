// The runtime layout data of every release with a table, oldest first: go1.NN.json (structs, made
// by src/runtime/layoutGen.ts from a binary of that toolchain) and names.json (status and
// wait-reason names, each stored once). Adding a release: docs/adding-a-go-version.md.
import type { FieldKind, FieldTuple, LayoutTable, StoredLayout, StoredNames, StructTable } from '../layoutTypes.js';
import { nameListAt, namesAt } from '../layoutNames.js';
import go119 from './go1.19.json';
import go121 from './go1.21.json';
import go122 from './go1.22.json';
import go123 from './go1.23.json';
import go124 from './go1.24.json';
import go125 from './go1.25.json';
import go126 from './go1.26.json';
import go127 from './go1.27.json';
import names from './names.json';

/** Every release, oldest first: one import above and one entry here per release. */
const STORED: readonly unknown[] = [go119, go121, go122, go123, go124, go125, go126, go127];

const KINDS: ReadonlySet<string> = new Set<FieldKind>([
  'ptr',
  'bool',
  'int',
  'uint',
  'uintptr',
  'float',
  'complex',
  'array',
  'chan',
  'func',
  'eface',
  'iface',
  'map',
  'slice',
  'string',
  'struct',
  'unknown',
]);

function bad(what: string): never {
  throw new TypeError(`src/runtime/layouts: ${what}`);
}

/** Checks the shape of a go1.NN.json (it is data: a hand edit or a bad merge must fail loudly). */
export function storedLayout(json: unknown): StoredLayout {
  const o = json as Partial<Record<keyof StoredLayout, unknown>>;
  if (typeof o?.minor !== 'string' || typeof o.builtWith !== 'string' || typeof o.structs !== 'object' || !o.structs) {
    bad('a table lacks minor, builtWith or structs');
  }
  const structs: Record<string, StructTable> = {};
  for (const [name, s] of Object.entries(o.structs as Record<string, { size?: unknown; fields?: unknown }>)) {
    if (typeof s.size !== 'number' || !Array.isArray(s.fields)) bad(`Go ${o.minor}: ${name} lacks size or fields`);
    const fields = s.fields.map((f: unknown): FieldTuple => {
      const ok =
        Array.isArray(f) &&
        f.length === 5 &&
        typeof f[0] === 'string' &&
        typeof f[1] === 'number' &&
        typeof f[2] === 'number' &&
        KINDS.has(f[3] as string) &&
        typeof f[4] === 'string';
      if (!ok) bad(`Go ${o.minor}: ${name} has a malformed field ${JSON.stringify(f)}`);
      return f as unknown as FieldTuple;
    });
    structs[name] = { size: s.size, fields };
  }
  return { minor: o.minor, builtWith: o.builtWith, structs };
}

export const STORED_NAMES: StoredNames = names;

/** A stored release with its names resolved. */
export function resolveTable(stored: StoredLayout, storedNames: StoredNames = STORED_NAMES): LayoutTable {
  return {
    ...stored,
    gStatus: Object.fromEntries(namesAt(storedNames.gStatus, stored.minor)),
    waitReasons: nameListAt(storedNames.waitReasons, stored.minor),
  };
}

export const TABLES: readonly LayoutTable[] = STORED.map((j) => resolveTable(storedLayout(j)));
