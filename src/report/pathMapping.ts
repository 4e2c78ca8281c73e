// Maps source paths recorded in a binary (built elsewhere: /build/src/..., or -trimpath module paths
// such as example.com/app/main.go) to files on this machine: explicit substitutePath pairs first, then
// the path itself when it lies in a workspace folder, then the main module path matched against
// workspace go.mod files, then the longest existing suffix under a workspace folder, and last the
// path itself outside the workspace (the workspace copy is what the user edits).
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

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
  /** Injected for tests; defaults to fs.existsSync. */
  exists?: (path: string) => boolean;
}

export type MappedBy = 'substitutePath' | 'identity' | 'module' | 'suffix';

export interface MappedPath {
  path: string;
  by: MappedBy;
}

/** The module path a go.mod declares, or undefined. */
export function goModModulePath(goModText: string): string | undefined {
  const m = /^\s*module\s+("?)([^\s"]+)\1\s*$/m.exec(goModText);
  return m?.[2];
}

export class SourcePathMapper {
  private readonly exists: (p: string) => boolean;
  private readonly modules: { module: string; dir: string }[] = [];
  private readonly cache = new Map<string, MappedPath | undefined>();

  constructor(private readonly options: PathMappingOptions = {}) {
    this.exists = options.exists ?? existsSync;
    for (const folder of options.workspaceFolders ?? []) {
      const goMod = join(folder, 'go.mod');
      if (!this.exists(goMod)) continue;
      try {
        const module = goModModulePath(readFileSync(goMod, 'utf8'));
        if (module) this.modules.push({ module, dir: folder });
      } catch {
        // An unreadable go.mod only removes one guess.
      }
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
    const subs = [...(this.options.substitutePath ?? [])].sort((a, b) => b.from.length - a.from.length);
    for (const s of subs) {
      if (s.from && (recorded === s.from || recorded.startsWith(s.from.endsWith('/') ? s.from : s.from + '/'))) {
        const candidate = s.to + recorded.slice(s.from.length);
        if (this.exists(candidate)) return { path: candidate, by: 'substitutePath' };
      }
    }
    const folders = this.options.workspaceFolders ?? [];
    const exists = recorded.startsWith('/') && this.exists(recorded);
    const inWorkspace = folders.length === 0 || folders.some((f) => recorded.startsWith(f.endsWith('/') ? f : f + '/'));
    if (exists && inWorkspace) return { path: recorded, by: 'identity' };
    const fromWorkspace = this.inWorkspace(recorded);
    if (fromWorkspace) return fromWorkspace;
    return exists ? { path: recorded, by: 'identity' } : undefined;
  }

  private inWorkspace(recorded: string): MappedPath | undefined {
    const modules = [...this.modules];
    if (this.options.mainModule && !modules.some((m) => m.module === this.options.mainModule)) {
      // The main module may live directly in a workspace folder without its own go.mod match.
      for (const dir of this.options.workspaceFolders ?? []) modules.push({ module: this.options.mainModule, dir });
    }
    for (const { module, dir } of modules) {
      const at = recorded.indexOf(module + '/');
      if (at === 0 || (at > 0 && recorded[at - 1] === '/')) {
        const candidate = join(dir, recorded.slice(at + module.length + 1));
        if (this.exists(candidate)) return { path: candidate, by: 'module' };
      }
    }
    const parts = recorded.split('/').filter(Boolean);
    for (let take = parts.length - 1; take >= 1; take--) {
      const suffix = posix.join(...parts.slice(parts.length - take));
      for (const dir of this.options.workspaceFolders ?? []) {
        const candidate = join(dir, suffix);
        if (this.exists(candidate)) return { path: candidate, by: 'suffix' };
      }
    }
    return undefined;
  }
}
