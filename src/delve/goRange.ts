// Go version ranges: which Go releases a Delve supports, and range keys of the dlvPaths setting.

/** An inclusive range of Go minor releases, e.g. { min: 21, max: 24 } for Go 1.21–1.24. */
export interface GoMinorRange {
  min: number;
  max: number;
}

/**
 * Supported Go range of released Delves, from Delve's pkg/goversion/compat.go
 * (MinSupportedVersionOfGoMinor / MaxSupportedVersionOfGoMinor) at each release tag.
 */
const KNOWN: Record<string, GoMinorRange> = {
  '1.20.0': { min: 18, max: 20 },
  '1.20.1': { min: 18, max: 20 },
  '1.20.2': { min: 18, max: 20 },
  '1.21.0': { min: 18, max: 21 },
  '1.21.1': { min: 19, max: 21 },
  '1.21.2': { min: 19, max: 21 },
  '1.22.0': { min: 19, max: 22 },
  '1.22.1': { min: 19, max: 22 },
  '1.23.0': { min: 21, max: 23 },
  '1.23.1': { min: 21, max: 23 },
  '1.24.0': { min: 21, max: 24 },
  '1.24.1': { min: 21, max: 24 },
  '1.24.2': { min: 21, max: 24 },
  '1.25.0': { min: 21, max: 24 },
  '1.25.1': { min: 22, max: 25 },
  '1.25.2': { min: 22, max: 25 },
  '1.26.0': { min: 24, max: 26 },
  '1.26.1': { min: 24, max: 26 },
  '1.26.2': { min: 24, max: 26 },
  '1.26.3': { min: 24, max: 26 },
  '1.27.0': { min: 25, max: 27 },
  '1.27.1': { min: 25, max: 27 },
};

/**
 * The Go minor releases a Delve version supports. Known releases use the table above. Any other
 * Delve 1.N.x follows the rule those releases follow since Delve 1.20: it supports Go 1.(N-2)
 * through Go 1.N (Delve 1.N ships alongside Go 1.N and keeps the two previous releases).
 * Returns undefined for a version string that is not `[v]1.N[.x]`.
 */
export function delveSupportedGoRange(delveVersion: string): GoMinorRange | undefined {
  const m = /^v?(1)\.(\d+)(?:\.(\d+))?/.exec(delveVersion.trim());
  if (!m) return undefined;
  const key = `1.${Number(m[2])}.${Number(m[3] ?? 0)}`;
  const known = KNOWN[key];
  if (known) return { ...known };
  const n = Number(m[2]);
  return { min: Math.max(0, n - 2), max: n };
}

/** The minor number of a Go version: `go1.22.12`, `1.22`, `go1.24rc1` → 22. */
export function goMinor(goVersion: string): number | undefined {
  const m = /^(?:go)?1\.(\d+)/.exec(goVersion.trim());
  return m ? Number(m[1]) : undefined;
}

export function rangeCovers(r: GoMinorRange, minor: number): boolean {
  return minor >= r.min && minor <= r.max;
}

export function formatRange(r: GoMinorRange): string {
  return r.min === r.max ? `Go 1.${r.min}` : `Go 1.${r.min}–1.${r.max}`;
}

/**
 * Parses a range key of the `dlvPaths` setting: `1.21-1.24`, `1.22`, `>=1.25`, `1.25+`, `<=1.20`,
 * `*`. Returns undefined for anything else.
 */
export function parseGoRangeKey(key: string): GoMinorRange | undefined {
  const k = key.trim().replace(/\s+/g, '').replace(/go/gi, '');
  if (k === '*' || k === '') return { min: 0, max: Number.MAX_SAFE_INTEGER };
  let m = /^1\.(\d+)(?:\.\d+)?[-–]1\.(\d+)(?:\.\d+)?$/.exec(k);
  if (m) return { min: Number(m[1]), max: Number(m[2]) };
  m = /^(?:>=1\.(\d+)|1\.(\d+)\+)(?:\.\d+)?$/.exec(k);
  if (m) return { min: Number(m[1] ?? m[2]), max: Number.MAX_SAFE_INTEGER };
  m = /^<=1\.(\d+)(?:\.\d+)?$/.exec(k);
  if (m) return { min: 0, max: Number(m[1]) };
  m = /^1\.(\d+)(?:\.\d+)?$/.exec(k);
  if (m) return { min: Number(m[1]), max: Number(m[1]) };
  return undefined;
}
