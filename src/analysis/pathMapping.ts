// Maps source paths recorded in a binary or printed in a traceback (built elsewhere: /build/src/...,
// -trimpath module paths such as example.com/app/main.go, Windows paths) to files on this machine.
// Order: explicit substitutePath pairs (longest recorded prefix first, at a path-segment boundary), then the
// path itself when it lies in a workspace folder, then the main module path matched against
// workspace go.mod files, then the longest existing suffix under a workspace folder, and last the
// path itself outside the workspace (the workspace copy is what the user edits). Only existing
// files are returned; results are cached per mapper. Shared by the views and the language server.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isWithin } from '../core/paths.js';

/**
 * vscode-go's and Delve's substitutePath semantics: `from` is the local (workspace) path, `to` the
 * path recorded in the binary (the build machine's). The same setting serves Delve and our readers.
 */
export interface PathSubstitution {
  from: string;
  to: string;
}

export interface PathMappingOptions {
  substitutePath?: PathSubstitution[];
  /** Workspace folders to search, absolute paths. */
  workspaceFolders?: string[];
  /** The main module path from buildinfo (e.g. `example.com/app`). */
  mainModule?: string;
  /** Injected for tests; defaults to "is an existing regular file". */
  exists?: (path: string) => boolean;
  /** File-system checks allowed for suffix searches (a large log prints many paths). */
  suffixBudget?: number;
}

export type MappedBy = 'substitutePath' | 'identity' | 'module' | 'suffix';

export interface MappedPath {
  path: string;
  by: MappedBy;
}

export function isFile(p: string): boolean {
  try {
    return statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}

/** Path segments, split on both separators (a Windows build prints `C:/x/y.go` or `C:\x\y.go`). */
export function pathSegments(p: string): string[] {
  return p.split(/[\\/]+/).filter((s) => s.length > 0);
}

const slashes = (p: string): string => p.replace(/\\/g, '/');

/** The module path a go.mod declares, or undefined. */
export function goModModulePath(goModText: string): string | undefined {
  const m = /^\s*module\s+("?)([^\s"]+)\1\s*$/m.exec(goModText);
  return m?.[2];
}

export class SourcePathMapper {
  private readonly exists: (p: string) => boolean;
  private readonly modules: { module: string; dir: string }[] = [];
  private readonly cache = new Map<string, MappedPath | undefined>();
  private readonly folders: string[];
  private budget: number;

  constructor(private readonly options: PathMappingOptions = {}) {
    this.exists = options.exists ?? isFile;
    this.folders = options.workspaceFolders ?? [];
    this.budget = options.suffixBudget ?? 50_000;
    for (const folder of this.folders) {
      const goMod = join(folder, 'go.mod');
      if (!this.exists(goMod)) continue;
      try {
        const module = goModModulePath(readFileSync(goMod, 'utf8'));
        if (module) this.modules.push({ module, dir: folder });
      } catch {
        // An unreadable go.mod only removes one guess.
      }
    }
    if (options.mainModule && !this.modules.some((m) => m.module === options.mainModule)) {
      // The main module may live directly in a workspace folder whose go.mod we could not match.
      for (const dir of this.folders) this.modules.push({ module: options.mainModule, dir });
    }
  }

  /** The local file for a recorded path, or undefined when none exists. */
  map(recorded: string): MappedPath | undefined {
    if (this.cache.has(recorded)) return this.cache.get(recorded);
    const result = this.compute(recorded);
    this.cache.set(recorded, result);
    return result;
  }

  private compute(recorded: string): MappedPath | undefined {
    const rec = slashes(recorded);
    const subs = [...(this.options.substitutePath ?? [])].sort((a, b) => b.to.length - a.to.length);
    for (const s of subs) {
      const remote = slashes(s.to).replace(/\/+$/, '');
      if (remote && (rec === remote || rec.startsWith(remote + '/'))) {
        const rest = rec.slice(remote.length).replace(/^\/+/, '');
        const candidate = rest ? join(s.from, rest) : s.from;
        if (this.exists(candidate)) return { path: candidate, by: 'substitutePath' };
      }
    }
    const exists = recorded.startsWith('/') && this.exists(recorded);
    const inWorkspace = this.folders.length === 0 || this.folders.some((f) => isWithin(f, recorded));
    if (exists && inWorkspace) return { path: recorded, by: 'identity' };
    const fromWorkspace = this.inWorkspace(rec);
    if (fromWorkspace) return fromWorkspace;
    return exists ? { path: recorded, by: 'identity' } : undefined;
  }

  private inWorkspace(rec: string): MappedPath | undefined {
    for (const { module, dir } of this.modules) {
      const at = rec.indexOf(module + '/');
      if (at === 0 || (at > 0 && rec[at - 1] === '/')) {
        const candidate = join(dir, rec.slice(at + module.length + 1));
        if (isWithin(dir, candidate) && this.exists(candidate)) return { path: candidate, by: 'module' };
      }
    }
    const segs = pathSegments(rec);
    // A drive letter (`C:`) is never part of a workspace-relative suffix.
    const first = segs.length > 0 && /^[A-Za-z]:$/.test(segs[0]!) ? 1 : 0;
    for (let k = first + 1; k < segs.length; k++) {
      for (const dir of this.folders) {
        if (this.budget-- <= 0) return undefined;
        const candidate = join(dir, ...segs.slice(k));
        if (isWithin(dir, candidate) && this.exists(candidate)) return { path: candidate, by: 'suffix' };
      }
    }
    // The whole relative path (a -trimpath path that is not under the main module).
    if (first === 0 && !rec.startsWith('/')) {
      for (const dir of this.folders) {
        const candidate = join(dir, ...segs);
        if (isWithin(dir, candidate) && this.exists(candidate)) return { path: candidate, by: 'suffix' };
      }
    }
    return undefined;
  }
}
