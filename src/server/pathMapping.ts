// Maps a source path printed in a traceback (the build machine's path) to a file on this machine:
// 1. substitutePath pairs, in order (prefix replacement, like Delve's substitutePath);
// 2. the path itself, when it exists;
// 3. the longest suffix of the path that exists under a workspace folder
//    (/build/src/x/main.go → <workspace>/x/main.go, else <workspace>/main.go).
// Only files that exist are returned. Results are cached per resolver (one resolver per analysis).
import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { PathMapping } from './protocol.js';

export interface PathResolverOptions {
  /** Local folder paths (not URIs) of the workspace. */
  workspaceFolders: string[];
  substitutePath: PathMapping[];
  /** File existence check (tests may pass another). */
  isFile?: (path: string) => boolean;
}

/** Path segments, split on both separators (a Windows build prints `C:/x/y.go` or `C:\x\y.go`). */
export function pathSegments(p: string): string[] {
  return p.split(/[\\/]+/).filter((s) => s.length > 0);
}

export function defaultIsFile(p: string): boolean {
  try {
    return statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}

function normalizeSlashes(p: string): string {
  return p.replace(/\\/g, '/');
}

/** Applies the first substitutePath pair whose `from` is a prefix of `p` (at a segment boundary). */
export function substitute(p: string, mappings: PathMapping[]): string | undefined {
  const np = normalizeSlashes(p);
  for (const m of mappings) {
    if (!m.from) continue;
    const from = normalizeSlashes(m.from).replace(/\/+$/, '');
    if (np === from || np.startsWith(from + '/')) {
      const rest = np.slice(from.length).replace(/^\/+/, '');
      return rest ? join(m.to, rest) : m.to;
    }
  }
  return undefined;
}

export class PathResolver {
  private readonly cache = new Map<string, string | null>();
  private readonly isFile: (path: string) => boolean;
  /** File-system checks left for workspace suffix searches (bounded: a log may print many paths). */
  private suffixBudget = 50_000;

  constructor(private readonly opts: PathResolverOptions) {
    this.isFile = opts.isFile ?? defaultIsFile;
  }

  /** The local file for a printed path, or undefined when none exists. */
  resolve(printed: string): string | undefined {
    const hit = this.cache.get(printed);
    if (hit !== undefined) return hit ?? undefined;
    const found = this.lookup(printed);
    this.cache.set(printed, found ?? null);
    return found;
  }

  private lookup(printed: string): string | undefined {
    const sub = substitute(printed, this.opts.substitutePath);
    if (sub !== undefined && this.isFile(sub)) return sub;
    if (isAbsolute(printed) && this.isFile(printed)) return printed;
    const segs = pathSegments(printed);
    // A drive letter (`C:`) is never part of a workspace-relative suffix.
    const first = segs.length > 0 && /^[A-Za-z]:$/.test(segs[0]!) ? 1 : 0;
    for (let k = first; k < segs.length; k++) {
      const suffix = segs.slice(k);
      for (const folder of this.opts.workspaceFolders) {
        if (this.suffixBudget-- <= 0) return undefined;
        const candidate = join(folder, ...suffix);
        if (this.isFile(candidate)) return candidate;
      }
    }
    return undefined;
  }
}
