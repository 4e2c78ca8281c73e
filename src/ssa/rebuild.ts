// Rebuild the program holding a function, with the binary's recorded build settings, and collect
// the compiler's `-S` listing and GOSSAFUNC dump for that function's package only.
//
// How the package's compile is forced and scoped without recompiling the standard library:
// - `-toolexec <wrapper>`: cmd/go derives the compiler's tool ID from `<wrapper> compile -V=full`,
//   which the wrapper passes through unchanged, so every other package keeps its cache key. The
//   wrapper sets GOSSAFUNC/GOSSADIR only for the compile whose TOOLEXEC_IMPORTPATH is the target
//   package (GOSSAFUNC/GOSSADIR in go's own environment would enter every package's cache key).
// - `-gcflags=<pkg>=<recorded flags> -S -cpuprofile=<tmp>/cpu.prof`: the profile path is unique
//   per rebuild, so the target package's action ID is new and the compiler really runs (on a
//   cache hit it would replay -S but write no HTML); -cpuprofile does not change the code.
// Output goes to a fresh temp dir (binary, SSA dump, profile, logs), removed afterwards. Nothing
// is written into the source directory and the built binary is never executed.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rebuildFlags, type BuildSetting } from './buildFlags.js';
import { parseGenssaHtml, type GenssaListing } from './genssa.js';
import { findListingFunction, parseListing, type ListingFunction } from './listing.js';
import { goEnv, type Toolchain } from './toolchain.js';

export interface RebuildRequest {
  toolchain: Toolchain;
  /** Directory of the main package (the build runs there, building `.`). */
  packageDir: string;
  /** Import path of the main package (buildinfo `path`). */
  mainImportPath: string;
  /** Physical function symbol, as pclntab names it (`main.main`, `example.com/p.(*T).M`). */
  functionName: string;
  /** Import path of the package that compiles the function. */
  functionPackage: string;
  /** Buildinfo `build` settings. */
  settings: BuildSetting[];
  /** Base environment (default process.env); GOTOOLCHAIN=local is always forced. */
  env?: NodeJS.ProcessEnv;
  /** Whole build (default 180 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Keep the temp dir (debugging). */
  keepTemp?: boolean;
  /** Progress messages. */
  onProgress?: (message: string) => void;
}

export interface RebuildResult {
  /** The function's listing (instructions, object code, relocations). */
  listing: ListingFunction;
  /** The function's genssa/SSA dump. */
  ssa: GenssaListing;
  /** `go build` arguments used (for the report). */
  args: string[];
  envOverrides: Record<string, string>;
  ignoredSettings: string[];
  durationMs: number;
  /** Temp dir (already removed unless keepTemp). */
  tempDir: string;
}

export class RebuildError extends Error {
  constructor(
    message: string,
    readonly output?: string,
  ) {
    super(output ? `${message}\n${output.slice(-4000)}` : message);
    this.name = 'RebuildError';
  }
}

/** Upper bound on the build log we read (the -S listing of a big package). */
const MAX_LOG_BYTES = 256 * 1024 * 1024;

const WRAPPER = `#!/bin/sh
# go-core-inspector: dump SSA for one package's compile only
case "$1" in
  */compile|*/compile.exe)
    if [ "$TOOLEXEC_IMPORTPATH" = "$GCI_SSA_PKG" ]; then
      GOSSAFUNC="$GCI_SSA_FUNC"; GOSSADIR="$GCI_SSA_DIR"; export GOSSAFUNC GOSSADIR
    fi ;;
esac
exec "$@"
`;

/** Import path of the package that defines a function symbol (`main` stays `main`). */
export function packageOfSymbol(symbol: string): string {
  const bracket = symbol.indexOf('[');
  const head = bracket >= 0 ? symbol.slice(0, bracket) : symbol;
  const slash = head.lastIndexOf('/');
  const dot = head.indexOf('.', slash + 1);
  return unescapeSymbol(dot < 0 ? head : head.slice(0, dot));
}

/** Linker symbols escape `.` (and a few others) in a package path's last element as `%2e`. */
export function unescapeSymbol(symbol: string): string {
  return symbol.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function runGo(
  goBinary: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  logPath: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<number | string> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const fd = openSync(logPath, 'w');
    const child = spawn(goBinary, args, { cwd, env, stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    let done = false;
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      kill();
      finish(() => reject(new RebuildError(`go build did not finish within ${timeoutMs / 1000} s; it was stopped`)));
    }, timeoutMs);
    const onAbort = (): void => {
      kill();
      finish(() => reject(signal?.reason ?? new Error('aborted')));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (f: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      f();
    };
    child.on('error', (e) => finish(() => reject(new RebuildError(`cannot run ${goBinary}: ${e.message}`))));
    child.on('exit', (code, sig) => finish(() => resolve(code ?? `signal ${sig}`)));
  });
}

/** Rebuild and collect the function's listing and SSA dump. */
export async function rebuildFunction(req: RebuildRequest): Promise<RebuildResult> {
  const started = Date.now();
  if (!existsSync(join(req.packageDir))) throw new RebuildError(`source directory ${req.packageDir} does not exist`);
  const dir = mkdtempSync(join(tmpdir(), 'gci-ssa-'));
  try {
    const ssaDir = join(dir, 'ssa');
    const wrapper = join(dir, 'toolexec.sh');
    writeFileSync(wrapper, WRAPPER);
    chmodSync(wrapper, 0o755);
    const extra = `-S -cpuprofile=${join(dir, 'cpu.prof')}`;
    if (/\s/.test(dir))
      throw new RebuildError(`temp dir ${dir} contains white space; set TMPDIR to a path without spaces`);
    const flags = rebuildFlags(req.settings, req.functionPackage, req.mainImportPath, extra, existsSync);
    const args = ['build', '-toolexec', wrapper, ...flags.args, '-o', join(dir, 'rebuilt.bin'), '.'];
    const env = goEnv(req.env ?? process.env, {
      ...flags.env,
      GOFLAGS: '',
      GCI_SSA_PKG: req.functionPackage,
      GCI_SSA_FUNC: unescapeSymbol(req.functionName),
      GCI_SSA_DIR: ssaDir,
    });
    delete env.GOSSAFUNC;
    delete env.GOSSADIR;
    req.onProgress?.(`rebuilding ${req.functionPackage} with ${req.toolchain.version}`);
    const log = join(dir, 'build.log');
    const code = await runGo(
      req.toolchain.goBinary,
      args,
      req.packageDir,
      env,
      log,
      req.timeoutMs ?? 180_000,
      req.signal,
    );
    const size = statSync(log).size;
    if (size > MAX_LOG_BYTES)
      throw new RebuildError(`the build printed ${size} bytes, more than the ${MAX_LOG_BYTES} accepted`);
    const text = readFileSync(log, 'utf8');
    if (code !== 0) {
      throw new RebuildError(`go build (${req.toolchain.version}) in ${req.packageDir} failed (exit ${code})`, text);
    }
    req.onProgress?.('parsing the -S listing and the SSA dump');
    const fns = parseListing(text);
    const listing =
      findListingFunction(fns, req.functionName) ?? findListingFunction(fns, unescapeSymbol(req.functionName));
    if (!listing) {
      throw new RebuildError(
        `the rebuilt package ${req.functionPackage} has no function ${req.functionName} in its -S listing ` +
          `(${fns.length} functions listed): the source does not match the binary`,
      );
    }
    const htmls = existsSync(ssaDir) ? readdirSync(ssaDir).filter((f) => f.endsWith('.html')) : [];
    if (htmls.length === 0) {
      throw new RebuildError(
        `the compiler wrote no SSA dump for ${req.functionName} (GOSSAFUNC did not match it)`,
        text,
      );
    }
    let ssa: GenssaListing | undefined;
    for (const h of htmls.sort()) {
      const parsed = parseGenssaHtml(readFileSync(join(ssaDir, h), 'utf8'), join(ssaDir, h));
      if (!ssa || parsed.function === req.functionName || parsed.function === unescapeSymbol(req.functionName))
        ssa = parsed;
    }
    return {
      listing,
      ssa: ssa!,
      args,
      envOverrides: flags.env,
      ignoredSettings: flags.ignored,
      durationMs: Date.now() - started,
      tempDir: dir,
    };
  } finally {
    if (!req.keepTemp) rmSync(dir, { recursive: true, force: true });
  }
}
