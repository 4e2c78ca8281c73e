// Maps source paths recorded in a binary or printed in a traceback (built elsewhere: /build/src/...,
// -trimpath module paths such as example.com/app/main.go, Windows paths) to files on this machine.
// Order: explicit substitutePath pairs (longest recorded prefix first, at a path-segment boundary), then the
// path itself when it lies in a workspace folder, then the main module path matched against
// workspace go.mod files, then the longest existing suffix under a workspace folder, and last the
// path itself outside the workspace (the workspace copy is what the user edits). Only existing
// files are returned; results are cached per mapper. Shared by the views and the language server.
//
// By module (when the binary's main module is known): a file the mapper *guessed* (by module path
// or by suffix under a folder) is the crash's file only when its module, the nearest go.mod above
// it, is the binary's main module, one of its dependencies (buildinfo `dep` lines) or the standard
// library; go.mod files are looked for up to `moduleDepth` folders below each workspace folder, so
// two modules in subfolders each get their own files. `mapFrame` adds a plausibility check of the
// file's content: the frame's function is declared at or above its line and the line lies in that
// declaration's body (`main.pick` at line 11 needs a top-level `func pick` on line 11 or above with
// no closing `}` of a top-level block between them; a method `main.(*T).M` needs `func (… *T) M`;
// a closure `main.main.func1` needs `func main`). A file that fails is not the crash's source: the
// surface says "source not found" instead of annotating another program's file.
//
// With `allowedRoots` (the language server's crash-log links: sourceRoots() below), a path is only
// looked at, and returned, when it lies inside one of the roots, by its text and again once
// symbolic links are resolved; a UNC-like path (`//host/share`, `\\host\share`) never is. A log
// is text from anywhere: its paths must not make us touch network shares or point at any file.
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
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
  /** Module paths the binary depends on (buildinfo `dep` lines): their files are the crash's too. */
  dependencies?: string[];
  /** More folders to search like workspace folders (a source folder the user chose for a core). */
  sourceFolders?: string[];
  /** How many folder levels below each folder are searched for go.mod files (default 3). */
  moduleDepth?: number;
  /** Injected for tests; defaults to reading the file as UTF-8 (undefined when unreadable). */
  readText?: (path: string) => string | undefined;
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

/** A frame whose source is looked for: its recorded file and line and its function (`main.pick`). */
export interface SourceFrame {
  file: string;
  line: number;
  function: string;
}

/** What `explainFrame` found: the file, or nothing and the files that were looked at and why they were not it. */
export interface FrameSource {
  found?: MappedPath;
  rejected: { path: string; by: MappedBy; why: string }[];
}

/** Module paths every Go binary may hold files of besides its own (GOROOT/src and GOROOT/src/cmd). */
const STANDARD_MODULES = ['std', 'cmd'];

/** Folders never searched for go.mod files. */
const SKIPPED_DIRS = new Set(['node_modules', 'vendor', 'testdata']);

/**
 * The top-level declaration a function name comes from: `example.com/a/pkg.(*T).M` → {name: 'M',
 * receiver: 'T'}, `main.main.func1` → {name: 'main'}, `main.pick[...]` → {name: 'pick'}; undefined
 * when there is none to check (package-level closures: `main.glob..func1`, `main.init.func1`).
 */
export function declaredFunction(fn: string): { name: string; receiver?: string } | undefined {
  const base = fn.slice(fn.lastIndexOf('/') + 1).replace(/\[[^\]]*\]/g, '');
  const dot = base.indexOf('.');
  if (dot < 0) return undefined;
  const rest = base.slice(dot + 1);
  const method = /^\(\*?([A-Za-z_]\w*)\)\.([A-Za-z_]\w*)/.exec(rest);
  if (method) return { name: method[2]!, receiver: method[1]! };
  const [name, second] = rest.split('.');
  if (!name || !/^[A-Za-z_]\w*$/.test(name) || name === 'glob' || /^func\d+$/.test(name)) return undefined;
  if (name === 'init' && second !== undefined) return undefined;
  // `main.T.M` is a method with a value receiver; `main.main.func1` a closure inside main.
  if (second && /^[A-Za-z_]\w*$/.test(second) && !/^(func|gowrap|deferwrap)\d+$/.test(second)) return { name: second, receiver: name };
  return { name };
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * True when `text` plausibly holds `fn` at `line` (1-based): see the top of this file. Files other
 * than .go (assembly) and functions with no declaration to check are taken as they are.
 */
export function plausibleSource(text: string, line: number, fn: string, path = 'x.go'): boolean {
  if (!path.endsWith('.go')) return true;
  const lines = text.split('\n');
  if (line < 1 || line > lines.length) return false;
  const decl = declaredFunction(fn);
  if (!decl) return true;
  const declared = decl.receiver
    ? new RegExp(`^func\\s*\\(\\s*(?:\\w+\\s+)?\\*?\\s*${escapeRe(decl.receiver)}\\s*(?:\\[[^\\]]*\\])?\\s*\\)\\s*${escapeRe(decl.name)}\\s*[[(]`)
    : new RegExp(`^func\\s+${escapeRe(decl.name)}\\s*[[(]`);
  // A function pushed into another package with `//go:linkname local pkg.Name` (the runtime's
  // `sync_runtime_Semacquire` is `sync.runtime_Semacquire` in tracebacks) is declared by its local name.
  const linked = new RegExp(`^//go:linkname\\s+(\\w+)\\s+${escapeRe(fn)}\\s*$`, 'm').exec(text)?.[1];
  const wanted = (l: string): boolean => declared.test(l) || (linked !== undefined && new RegExp(`^func\\s+${linked}\\s*[[(]`).test(l));
  for (let i = line - 1; i >= 0; i--) {
    const l = lines[i]!;
    // A top-level block closed between the declaration and the line: the line is outside it.
    if (i < line - 1 && /^\}/.test(l)) return false;
    if (/^func[\s(]/.test(l)) return wanted(l);
  }
  return false;
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
  private readonly frameCache = new Map<string, FrameSource>();
  private readonly folders: string[];
  /** Folders searched for files: the workspace folders, then the chosen source folders. */
  private readonly searched: string[];
  /** go.mod files found below the searched folders (lazily): module path and its directory. */
  private found: { module: string; dir: string }[] | undefined;
  /** Modules whose files are the crash's: main, dependencies, std; undefined when the main module is unknown. */
  private readonly wanted: Set<string> | undefined;
  private readonly readText: (p: string) => string | undefined;
  private readonly texts = new Map<string, string | undefined>();
  private budget: number;
  /** allowedRoots, as given and with links resolved; undefined: every path is allowed. */
  private readonly roots: string[] | undefined;
  /** The allowed roots that are not workspace folders (GOROOTs, the module cache). */
  private toolRoots: string[] = [];
  private readonly realpath: (p: string) => string;

  constructor(private readonly options: PathMappingOptions = {}) {
    this.realpath = options.realpath ?? realpathSync;
    this.folders = options.workspaceFolders ?? [];
    this.searched = [...this.folders, ...(options.sourceFolders ?? [])];
    this.readText =
      options.readText ??
      ((p) => {
        try {
          return readFileSync(p, 'utf8');
        } catch {
          return undefined;
        }
      });
    this.wanted = options.mainModule ? new Set([options.mainModule, ...(options.dependencies ?? []), ...STANDARD_MODULES]) : undefined;
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
    for (const folder of this.searched) {
      const goMod = join(folder, 'go.mod');
      if (!this.exists(goMod)) continue;
      // An unreadable go.mod only removes one guess.
      const module = goModModulePath(this.readText(goMod) ?? '');
      if (module) this.modules.push({ module, dir: folder });
    }
    if (options.mainModule && !this.modules.some((m) => m.module === options.mainModule)) {
      // The main module may live directly in a workspace folder whose go.mod we could not match
      // (the module check below still rejects a file of another module).
      for (const dir of this.searched) this.modules.push({ module: options.mainModule, dir });
    }
  }

  /** go.mod files up to `moduleDepth` levels below the searched folders (hidden, vendor, testdata and node_modules skipped). */
  private subModules(): { module: string; dir: string }[] {
    if (this.found) return this.found;
    const found: { module: string; dir: string }[] = [];
    const depth = this.options.moduleDepth ?? 3;
    let budget = 2000;
    const walk = (dir: string, level: number): void => {
      if (level > depth || budget-- <= 0) return;
      if (level > 0 && this.exists(join(dir, 'go.mod'))) {
        const module = goModModulePath(this.readText(join(dir, 'go.mod')) ?? '');
        if (module) found.push({ module, dir });
      }
      let entries: string[];
      try {
        entries = readdirSync(dir, { withFileTypes: true })
          .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !SKIPPED_DIRS.has(e.name))
          .map((e) => e.name)
          .sort();
      } catch {
        return;
      }
      for (const e of entries) walk(join(dir, e), level + 1);
    };
    for (const folder of this.searched) if (this.allowed(folder)) walk(folder, 0);
    this.found = found;
    return found;
  }

  /** The module of a file: the module path of the nearest go.mod above it ('' when unreadable), undefined when none. */
  moduleOf(file: string): string | undefined {
    let dir = dirname(file);
    for (;;) {
      const goMod = join(dir, 'go.mod');
      if (this.exists(goMod)) return goModModulePath(this.readText(goMod) ?? '') ?? '';
      const up = dirname(dir);
      if (up === dir) return undefined;
      dir = up;
    }
  }

  /** Why a guessed file is not the crash's: its module is not the binary's (undefined when it may be). */
  private moduleMismatch(file: string): string | undefined {
    if (!this.wanted) return undefined;
    const module = this.moduleOf(file);
    if (module === '') return undefined; // an unreadable go.mod: cannot tell
    if (module === undefined) return `no go.mod above it (the binary's module is ${this.options.mainModule})`;
    return this.wanted.has(module) ? undefined : `it belongs to module ${module}, not to ${this.options.mainModule} or its dependencies`;
  }

  private text(p: string): string | undefined {
    if (!this.texts.has(p)) this.texts.set(p, this.readText(p));
    return this.texts.get(p);
  }

  /** True when a path may be checked or returned (by its text: before any file-system access). */
  allowed(p: string): boolean {
    if (!this.roots) return true;
    if (isUncLike(p) || !isAbsolute(p)) return false;
    const abs = resolve(p);
    return this.roots.some((r) => isWithin(r, abs));
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
    if (this.toolRoots.some((r) => isWithin(r, abs))) return true;
    let real: string;
    try {
      real = this.realpath(p);
    } catch {
      return false;
    }
    return this.roots.some((r) => isWithin(r, real));
  }

  /** The local file for a recorded path, or undefined when none exists (module rule applied; content not checked). */
  map(recorded: string): MappedPath | undefined {
    if (this.cache.has(recorded)) return this.cache.get(recorded);
    let result: MappedPath | undefined;
    for (const c of this.candidates(recorded)) {
      if (c.guess && this.moduleMismatch(c.path)) continue;
      result = { path: c.path, by: c.by };
      break;
    }
    this.cache.set(recorded, result);
    return result;
  }

  /** The local source of a frame: `map` plus the content check (see the top); undefined when none passes. */
  mapFrame(frame: SourceFrame): MappedPath | undefined {
    return this.explainFrame(frame).found;
  }

  /** `mapFrame` with the files that were looked at and rejected, for a "source not found" message. */
  explainFrame(frame: SourceFrame): FrameSource {
    const key = `${frame.file}\u0000${frame.line}\u0000${frame.function}`;
    const cached = this.frameCache.get(key);
    if (cached) return cached;
    const out: FrameSource = { rejected: [] };
    for (const c of this.candidates(frame.file)) {
      const mismatch = c.guess ? this.moduleMismatch(c.path) : undefined;
      if (mismatch) {
        out.rejected.push({ path: c.path, by: c.by, why: mismatch });
        continue;
      }
      const text = this.text(c.path);
      if (text !== undefined && !plausibleSource(text, frame.line, frame.function, c.path)) {
        out.rejected.push({ path: c.path, by: c.by, why: `line ${frame.line} is not inside a declaration of ${frame.function}` });
        continue;
      }
      out.found = { path: c.path, by: c.by };
      break;
    }
    this.frameCache.set(key, out);
    return out;
  }

  /**
   * Existing files that may be the recorded one, best first; `guess` when found by module path or
   * suffix (those must pass the module check), not when named by substitutePath or the path itself.
   */
  private *candidates(recorded: string): Generator<MappedPath & { guess: boolean }> {
    const rec = slashes(recorded);
    const subs = [...(this.options.substitutePath ?? [])].sort((a, b) => b.to.length - a.to.length);
    for (const s of subs) {
      const remote = slashes(s.to).replace(/\/+$/, '');
      if (remote && (rec === remote || rec.startsWith(remote + '/'))) {
        const rest = rec.slice(remote.length).replace(/^\/+/, '');
        const candidate = rest ? join(s.from, rest) : s.from;
        if (this.exists(candidate)) yield { path: candidate, by: 'substitutePath', guess: false };
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
    if (exists && inWorkspace) yield { path: recorded, by: 'identity', guess: false };
    for (const c of this.inWorkspace(rec)) yield { ...c, guess: true };
    if (exists && !inWorkspace) yield { path: recorded, by: 'identity', guess: false };
  }

  private *inWorkspace(rec: string): Generator<MappedPath> {
    const seen = new Set<string>();
    const fresh = (p: string): boolean => !seen.has(p) && (seen.add(p), true);
    const subModules = this.wanted ? this.subModules().filter((m) => this.wanted!.has(m.module)) : this.subModules();
    for (const { module, dir } of [...this.modules, ...subModules]) {
      const at = rec.indexOf(module + '/');
      if (at === 0 || (at > 0 && rec[at - 1] === '/')) {
        const candidate = join(dir, rec.slice(at + module.length + 1));
        if (isWithin(dir, candidate) && fresh(candidate) && this.exists(candidate)) yield { path: candidate, by: 'module' };
      }
    }
    const segs = pathSegments(rec);
    // A drive letter (`C:`) is never part of a workspace-relative suffix.
    const first = segs.length > 0 && /^[A-Za-z]:$/.test(segs[0]!) ? 1 : 0;
    // The binary's own modules in subfolders first (two programs side by side), then every folder.
    for (const dirs of [subModules.map((m) => m.dir), this.searched]) {
      for (let k = first + 1; k < segs.length; k++) {
        for (const dir of dirs) {
          if (this.budget-- <= 0) return;
          const candidate = join(dir, ...segs.slice(k));
          if (isWithin(dir, candidate) && fresh(candidate) && this.exists(candidate)) yield { path: candidate, by: 'suffix' };
        }
      }
    }
    // The whole relative path (a -trimpath path that is not under the main module).
    if (first === 0 && !rec.startsWith('/')) {
      for (const dir of this.searched) {
        const candidate = join(dir, ...segs);
        if (isWithin(dir, candidate) && fresh(candidate) && this.exists(candidate)) yield { path: candidate, by: 'suffix' };
      }
    }
  }
}
