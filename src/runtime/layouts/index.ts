// The runtime layout data of every release with a table, oldest first: go1.NN.json (structs, made
// by src/runtime/layoutGen.ts from a linux/amd64 binary of that toolchain), arm64/go1.NN.json (the
// same from a linux/arm64 build: struct sizes differ, e.g. runtime.mheap, so each architecture has
// its own, generated, never assumed) and names.json (status and wait-reason names, each stored
// once; layoutGen checks that an arm64 build has the same). Adding a release:
// docs/adding-a-go-version.md.
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
import arm64go119 from './arm64/go1.19.json';
import arm64go122 from './arm64/go1.22.json';
import arm64go124 from './arm64/go1.24.json';
import arm64go127 from './arm64/go1.27.json';
import names from './names.json';

/** Every release, oldest first: one import above and one entry here per release. */
const STORED: readonly unknown[] = [go119, go121, go122, go123, go124, go125, go126, go127];
/** linux/arm64 releases with a table (those with a provisioned toolchain to build and check with). */
const STORED_ARM64: readonly unknown[] = [arm64go119, arm64go122, arm64go124, arm64go127];

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
  if (o.goarch !== undefined && o.goarch !== 'arm64') bad(`Go ${o.minor}: unknown goarch ${JSON.stringify(o.goarch)}`);
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
  return { minor: o.minor, builtWith: o.builtWith, ...(o.goarch ? { goarch: o.goarch } : {}), structs };
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

/** linux/amd64 tables. */
export const TABLES: readonly LayoutTable[] = STORED.map((j) => resolveTable(storedLayout(j)));
/** linux/arm64 tables. */
export const ARM64_TABLES: readonly LayoutTable[] = STORED_ARM64.map((j) => {
  const t = resolveTable(storedLayout(j));
  if (t.goarch !== 'arm64') bad(`arm64/go${t.minor}.json does not say goarch arm64`);
  return t;
});

/** The tables of an architecture (GOARCH), oldest first; none for one without tables. */
export function tablesOf(goarch: string): readonly LayoutTable[] {
  return goarch === 'amd64' ? TABLES : goarch === 'arm64' ? ARM64_TABLES : [];
}
