// Maps source paths recorded in a binary or printed in a traceback (built elsewhere: /build/src/...,
// -trimpath module paths such as example.com/app/main.go, Windows paths) to files on this machine.
// Order: explicit substitutePath pairs (longest recorded prefix first, at a path-segment boundary), then the
// path itself when it lies in a workspace folder, then the main module path matched against
// workspace go.mod files, then the longest existing suffix under a workspace folder, and last the
// path itself outside the workspace (the workspace copy is what the user edits). Only existing
// files are returned; results are cached per mapper. Shared by the views and the language server.
//
// With `allowedRoots` (the language server's crash-log links: sourceRoots() below), a path is only
// looked at, and returned, when it lies inside one of the roots, by its text and again once
// symbolic links are resolved; a UNC-like path (`//host/share`, `\\host\share`) never is. A log
// is text from anywhere: its paths must not make us touch network shares or point at any file.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
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
  /** When given, only paths inside these directories are checked or returned (see the top). */
  allowedRoots?: string[];
  /** Injected for tests; defaults to fs.realpathSync. */
  realpath?: (path: string) => string;
  /** The main module built elsewhere (moduleRootMapping): its recorded root maps to the workspace folder. */
  moduleRoot?: ModuleRootMapping;
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

/** A Windows UNC or device path (`//host/share`, `\\host\share`, `\\?\C:`, `\\.\pipe`): never opened. */
export function isUncLike(p: string): boolean {
  return /^[\\/]{2}/.test(p);
}

/** True when `p` is `root` or lies under it (the one containment rule, src/core/paths.ts). */
export function isInsideRoot(p: string, root: string): boolean {
  return isWithin(root, p);
}

/**
 * Where a crash log's source paths may lead: the workspace folders, the Go module cache
 * ($GOMODCACHE, else each $GOPATH entry's pkg/mod, else ~/go/pkg/mod), $GOROOT, the GOROOT of the
 * `go` on $PATH (found by its path: nothing is run) and the given GOROOTs (the user's settings).
 */
export function sourceRoots(opts: {
  workspaceFolders: string[];
  goroots?: string[];
  env?: NodeJS.ProcessEnv;
  home?: string;
}): string[] {
  const env = opts.env ?? process.env;
  const roots = [...opts.workspaceFolders, ...(opts.goroots ?? [])];
  if (env.GOMODCACHE) roots.push(env.GOMODCACHE);
  else if (env.GOPATH) roots.push(...env.GOPATH.split(delimiter).filter(Boolean).map((p) => join(p, 'pkg', 'mod')));
  else roots.push(join(opts.home ?? homedir(), 'go', 'pkg', 'mod'));
  if (env.GOROOT) roots.push(env.GOROOT);
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const go = join(dir, 'go');
    if (!isFile(go)) continue;
    try {
      // /usr/bin/go → /usr/lib/go-1.24/bin/go: the GOROOT is the directory above bin.
      const bin = dirname(realpathSync(go));
      if (bin.endsWith(`${sep}bin`)) roots.push(dirname(bin));
    } catch {
      // a broken link names no GOROOT
    }
    break;
  }
  return [...new Set(roots.filter((r) => isAbsolute(r) && !isUncLike(r)).map((r) => resolve(r)))];
}

/** The module path a go.mod declares, or undefined. */
export function goModModulePath(goModText: string): string | undefined {
  const m = /^\s*module\s+("?)([^\s"]+)\1\s*$/m.exec(goModText);
  return m?.[2];
}

/** A binary's module built elsewhere (`/app`, `/go/src/…`) found as a workspace folder by its module path. */
export interface ModuleRootMapping {
  /** The module root as the binary records it (where it was built). */
  recorded: string;
  /** The workspace folder whose go.mod declares the same module. */
  local: string;
  module: string;
}

/**
 * Where the main module was built, from the file main.main was compiled from as the binary records
 * it (`/app/cmd/server/main.go`) and the main package path from buildinfo (`example.com/app/cmd/server`):
 * the package's directory inside the module (`cmd/server`) is cut off the file's directory (`/app`).
 * Undefined when the recorded path does not end with that directory (a -trimpath build records
 * `example.com/app/cmd/server/main.go`: the module path itself, which the mapper already handles).
 */
export function recordedModuleRoot(recordedMainFile: string, mainPackage: string, mainModule: string): string | undefined {
  if (mainPackage !== mainModule && !mainPackage.startsWith(mainModule + '/')) return undefined;
  const file = slashes(recordedMainFile);
  if (!file.startsWith('/') && !/^[A-Za-z]:\//.test(file)) return undefined;
  const dir = file.slice(0, file.lastIndexOf('/'));
  const rel = mainPackage.slice(mainModule.length).replace(/^\//, '');
  if (!rel) return dir || '/';
  if (dir === rel || !dir.endsWith('/' + rel)) return undefined;
  return dir.slice(0, dir.length - rel.length - 1) || '/';
}

/**
 * The workspace folder holding the binary's main module, when the binary was built in another
 * directory (a container's `/app`): found by module path alone (the folder's go.mod declares the
 * binary's main module), no setting needed. Undefined when the binary was built in the workspace.
 */
export function moduleRootMapping(opts: {
  recordedMainFile: string;
  mainPackage: string;
  mainModule: string;
  workspaceFolders: readonly string[];
  readFile?: (p: string) => string | undefined;
}): ModuleRootMapping | undefined {
  const recorded = recordedModuleRoot(opts.recordedMainFile, opts.mainPackage, opts.mainModule);
  if (!recorded) return undefined;
  const read =
    opts.readFile ??
    ((p: string): string | undefined => {
      try {
        return isFile(p) ? readFileSync(p, 'utf8').slice(0, 1 << 20) : undefined;
      } catch {
        return undefined;
      }
    });
  for (const folder of opts.workspaceFolders) {
    const text = read(join(folder, 'go.mod'));
    if (text === undefined || goModModulePath(text) !== opts.mainModule) continue;
    if (resolve(folder) === resolve(recorded)) return undefined; // built right here
    return { recorded, local: folder, module: opts.mainModule };
  }
  return undefined;
}

export class SourcePathMapper {
  private readonly exists: (p: string) => boolean;
  private readonly modules: { module: string; dir: string }[] = [];
  private readonly cache = new Map<string, MappedPath | undefined>();
  private readonly folders: string[];
  private budget: number;
  /** allowedRoots, as given and with links resolved; undefined: every path is allowed. */
  private readonly roots: string[] | undefined;
  /** The allowed roots that are not workspace folders (GOROOTs, the module cache). */
  private toolRoots: string[] = [];
  private readonly realpath: (p: string) => string;

  constructor(private readonly options: PathMappingOptions = {}) {
    this.realpath = options.realpath ?? realpathSync;
    this.folders = options.workspaceFolders ?? [];
    if (options.allowedRoots) {
      const given = options.allowedRoots.filter((r) => isAbsolute(r) && !isUncLike(r)).map((r) => resolve(r));
      const real = given.map((r) => {
        try {
          return this.realpath(r);
        } catch {
          return r;
        }
      });
      this.roots = [...new Set([...given, ...real])];
      const workspace = new Set(this.folders.map((f) => resolve(f)));
      // A folder that is both (a GOROOT opened as the workspace) gets the workspace's stricter check.
      this.toolRoots = given.filter((r) => !workspace.has(r));
    }
    const exists = options.exists ?? isFile;
    // Only allowed paths are ever checked: a UNC path or one outside the roots is not even stat'ed.
    this.exists = (p) => this.allowed(p) && exists(p) && this.allowedReally(p);
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

  /** True when a path may be checked or returned (by its text: before any file-system access). */
  allowed(p: string): boolean {
    if (!this.roots) return true;
    if (isUncLike(p) || !isAbsolute(p)) return false;
    const abs = resolve(p);
    return this.roots.some((r) => isInsideRoot(abs, r));
  }

  /**
   * True when an existing path, its links resolved, still lies inside a root. A path in a root the
   * workspace does not control (a GOROOT, the module cache) is taken as it is: Debian's GOROOT links
   * src/ to /usr/share/go-1.N/src. A path in a workspace folder (a cloned repository, whose links
   * may point anywhere) must resolve into a root.
   */
  private allowedReally(p: string): boolean {
    if (!this.roots) return true;
    const abs = resolve(p);
    if (this.toolRoots.some((r) => isInsideRoot(abs, r))) return true;
    let real: string;
    try {
      real = this.realpath(p);
    } catch {
      return false;
    }
    return this.roots.some((r) => isInsideRoot(real, r));
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
    const mr = this.options.moduleRoot;
    if (mr) {
      const root = slashes(mr.recorded).replace(/\/+$/, '');
      if (rec.startsWith(root + '/')) {
        const candidate = join(mr.local, rec.slice(root.length + 1));
        if (isWithin(mr.local, candidate) && this.exists(candidate)) return { path: candidate, by: 'module' };
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
