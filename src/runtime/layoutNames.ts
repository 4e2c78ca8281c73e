// Status and wait-reason names across Go releases, stored once (src/runtime/layouts/names.json):
// each name with the releases where its value changed (runtime2.go numbers them with iota, and
// releases insert, reorder and rename them: Go 1.26 moved the channel reasons after `sleep`).
// `namesAt` gives one release's value -> name; `historyOf` turns per-release lists back into the
// stored form (layoutGen.ts), so that regenerating is exact and a new release adds only what changed.
import type { NameHistory } from './layoutTypes.js';

/** `1.22` -> 22, for ordering releases. */
export function minorNumber(minor: string): number {
  const m = /^1\.(\d+)$/.exec(minor);
  if (!m) throw new RangeError(`not a Go minor release: ${minor}`);
  return Number(m[1]);
}

function byRelease(a: string, b: string): number {
  return minorNumber(a) - minorNumber(b);
}

/** The value of every name present in `minor` (the latest change at or before it). */
export function namesAt(history: NameHistory, minor: string): Map<number, string> {
  const n = minorNumber(minor);
  const out = new Map<number, string>();
  for (const [name, changes] of Object.entries(history)) {
    let value: number | null = null;
    let at = -1;
    for (const [since, v] of Object.entries(changes)) {
      const s = minorNumber(since);
      if (s <= n && s > at) {
        at = s;
        value = v;
      }
    }
    if (value === null) continue;
    const clash = out.get(value);
    if (clash !== undefined)
      throw new RangeError(`Go ${minor}: names "${clash}" and "${name}" both have value ${value}`);
    out.set(value, name);
  }
  return out;
}

/** `namesAt` as a dense list (index = value; null for a value no name has). */
export function nameListAt(history: NameHistory, minor: string): (string | null)[] {
  const m = namesAt(history, minor);
  const len = m.size === 0 ? 0 : Math.max(...m.keys()) + 1;
  return Array.from({ length: len }, (_, i) => m.get(i) ?? null);
}

/**
 * The stored form of per-release value -> name maps. Names are listed by the first release they
 * appear in, then by their value there; a release appears under a name only when its value changes.
 */
export function historyOf(releases: ReadonlyMap<string, ReadonlyMap<number, string>>): NameHistory {
  const minors = [...releases.keys()].sort(byRelease);
  const valueIn = new Map<string, Map<string, number>>();
  for (const minor of minors) {
    const byName = new Map<string, number>();
    for (const [value, name] of releases.get(minor)!) {
      if (byName.has(name))
        throw new RangeError(`Go ${minor}: name "${name}" has two values (${byName.get(name)} and ${value})`);
      byName.set(name, value);
    }
    valueIn.set(minor, byName);
  }
  const order: { name: string; first: number; value: number }[] = [];
  const seen = new Set<string>();
  minors.forEach((minor, i) => {
    const entries = [...valueIn.get(minor)!].sort((a, b) => a[1] - b[1]);
    for (const [name, value] of entries) {
      if (!seen.has(name)) order.push({ name, first: i, value });
      seen.add(name);
    }
  });
  const out: Record<string, Record<string, number | null>> = {};
  for (const { name } of order) {
    const changes: Record<string, number | null> = {};
    let prev: number | null = null;
    for (const minor of minors) {
      const cur = valueIn.get(minor)!.get(name) ?? null;
      if (cur !== prev) changes[minor] = cur;
      prev = cur;
    }
    out[name] = changes;
  }
  return out;
}

/** A dense list (index = value, '' or null = no name) as a value -> name map, without the names `excluded` picks. */
export function namesFromList(
  list: readonly (string | null)[],
  excluded: (name: string) => boolean = () => false,
): Map<number, string> {
  const m = new Map<number, string>();
  list.forEach((name, i) => {
    if (name !== null && !excluded(name)) m.set(i, name);
  });
  return m;
}
