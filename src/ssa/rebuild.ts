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
import type { Toolchain } from './toolchain.js';
import { InspectorError } from '../core/errors.js';

/** What a rebuild will run, decided before anything runs: shown to the user, who allows it. */
export interface RebuildPlan {
  toolchain: Toolchain;
  /** Directory of the main package, inside its module: the build runs there, building `.`. */
  packageDir: string;
  /** Import path of the main package (buildinfo `path`). */
  mainImportPath: string;
  /** Physical function symbol, as pclntab names it (`main.main`, `example.com/p.(*T).M`). */
  functionName: string;
  /** Import path of the package that compiles the function. */
  functionPackage: string;
  /** `go build` arguments; `$TMP` stands for the rebuild's fresh temporary directory. */
  args: string[];
  /** Every environment variable the rebuild sets (over the user's own environment). */
  env: Record<string, string>;
  /** Recorded build settings (or parts) that are not used, each with why. */
  ignoredSettings: string[];
}

export interface PlanRequest {
  toolchain: Toolchain;
  packageDir: string;
  mainImportPath: string;
  functionName: string;
  functionPackage: string;
  /** Buildinfo `build` settings. */
  settings: BuildSetting[];
  /** The rebuild's own Go build cache (never the user's). */
  goCache: string;
}

export interface RebuildOptions {
  /** Base environment (default process.env); the plan's variables override it. */
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
  /** `go build` arguments used (for the report), `$TMP` for the temporary directory. */
  args: string[];
  envOverrides: Record<string, string>;
  ignoredSettings: string[];
  durationMs: number;
  /** Temp dir (already removed unless keepTemp). */
  tempDir: string;
}

export class RebuildError extends InspectorError {
  /**
   * `message`, then the compiler's first error line from `output` when there is one (the whole
   * build log's tail stays in `output` for the log).
   */
  constructor(
    message: string,
    readonly output?: string,
  ) {
    const lines = output?.split('\n') ?? [];
    const first = lines.find((l) => /\.go:\d+(:\d+)?: /.test(l)) ?? lines.find((l) => l.trim() !== '');
    super(first ? `${message}: ${first.trim().slice(0, 300)}` : message);
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

const TMP = '$TMP';

/**
 * Decide what the rebuild runs, without running anything: the recorded settings through the
 * allow-list (buildFlags.ts), our own flags for the target package, and an environment that keeps
 * the build local and private: no workspace file (GOWORK=off), no GOFLAGS or go.env settings
 * (GOENV=off), no toolchain switch (GOTOOLCHAIN=local), no download (GOPROXY=off: the module cache
 * is only read), and a build cache of its own.
 */
export function planRebuild(req: PlanRequest): RebuildPlan {
  const flags = rebuildFlags(req.settings, req.functionPackage, req.mainImportPath, `-S -cpuprofile=${TMP}/cpu.prof`);
  return {
    toolchain: req.toolchain,
    packageDir: req.packageDir,
    mainImportPath: req.mainImportPath,
    functionName: req.functionName,
    functionPackage: req.functionPackage,
    args: ['build', '-toolexec', `${TMP}/toolexec.sh`, ...flags.args, '-o', `${TMP}/rebuilt.bin`, '.'],
    env: {
      ...flags.env,
      GOTOOLCHAIN: 'local',
      GOWORK: 'off',
      GOFLAGS: '',
      GOENV: 'off',
      GOPROXY: 'off',
      GOCACHE: req.goCache,
      GCI_SSA_PKG: req.functionPackage,
      GCI_SSA_FUNC: unescapeSymbol(req.functionName),
      GCI_SSA_DIR: `${TMP}/ssa`,
    },
    ignoredSettings: flags.ignored,
  };
}

/** The plan as the user reads it before allowing it: what runs, where, with what. */
export function describePlan(plan: RebuildPlan): string[] {
  return [
    `toolchain:   ${plan.toolchain.goBinary} (${plan.toolchain.version}, found ${plan.toolchain.source === 'settings' ? 'in the settings' : plan.toolchain.source === 'path' ? 'on PATH' : plan.toolchain.source === 'sdk' ? 'in ~/sdk' : 'in the development cache'})`,
    `directory:   ${plan.packageDir}`,
    `function:    ${plan.functionName} (package ${plan.functionPackage})`,
    `command:     go ${plan.args.join(' ')}`,
    `environment: ${Object.entries(plan.env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    `             ($TMP is a fresh temporary directory, removed afterwards; $TMP/toolexec.sh is the inspector's own wrapper that asks the compiler for the SSA dump of that package only; the built program is never run)`,
    ...(plan.ignoredSettings.length > 0
      ? ['not taken from the binary:', ...plan.ignoredSettings.map((s) => `  ${s}`)]
      : ['not taken from the binary: nothing']),
  ];
}

/** Run a plan: rebuild and collect the function's listing and SSA dump. */
export async function rebuildFunction(plan: RebuildPlan, opts: RebuildOptions = {}): Promise<RebuildResult> {
  const started = Date.now();
  if (!existsSync(plan.packageDir)) throw new RebuildError(`source directory ${plan.packageDir} does not exist`);
  const dir = mkdtempSync(join(tmpdir(), 'gci-ssa-'));
  try {
    if (/\s/.test(dir))
      throw new RebuildError(`temp dir ${dir} contains white space; set TMPDIR to a path without spaces`);
    const ssaDir = join(dir, 'ssa');
    const wrapper = join(dir, 'toolexec.sh');
    writeFileSync(wrapper, WRAPPER);
    chmodSync(wrapper, 0o755);
    const inTmp = (s: string): string => s.split(TMP).join(dir);
    const args = plan.args.map(inTmp);
    const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env) };
    delete env.GOSSAFUNC;
    delete env.GOSSADIR;
    for (const [k, v] of Object.entries(plan.env)) env[k] = inTmp(v);
    opts.onProgress?.(`rebuilding ${plan.functionPackage} with ${plan.toolchain.version}`);
    const log = join(dir, 'build.log');
    const code = await runGo(
      plan.toolchain.goBinary,
      args,
      plan.packageDir,
      env,
      log,
      opts.timeoutMs ?? 180_000,
      opts.signal,
    );
    const size = statSync(log).size;
    if (size > MAX_LOG_BYTES)
      throw new RebuildError(`the build printed ${size} bytes, more than the ${MAX_LOG_BYTES} accepted`);
    const text = readFileSync(log, 'utf8');
    if (code !== 0) {
      throw new RebuildError(`go build (${plan.toolchain.version}) in ${plan.packageDir} failed (exit ${code})`, text);
    }
    opts.onProgress?.('parsing the -S listing and the SSA dump');
    const fns = parseListing(text);
    const listing =
      findListingFunction(fns, plan.functionName) ?? findListingFunction(fns, unescapeSymbol(plan.functionName));
    if (!listing) {
      throw new RebuildError(
        `the rebuilt package ${plan.functionPackage} has no function ${plan.functionName} in its -S listing ` +
          `(${fns.length} functions listed): the source does not match the binary`,
      );
    }
    const htmls = existsSync(ssaDir) ? readdirSync(ssaDir).filter((f) => f.endsWith('.html')) : [];
    if (htmls.length === 0) {
      throw new RebuildError(
        `the compiler wrote no SSA dump for ${plan.functionName} (GOSSAFUNC did not match it)`,
        text,
      );
    }
    let ssa: GenssaListing | undefined;
    for (const h of htmls.sort()) {
      const parsed = parseGenssaHtml(readFileSync(join(ssaDir, h), 'utf8'), join(ssaDir, h));
      if (!ssa || parsed.function === plan.functionName || parsed.function === unescapeSymbol(plan.functionName))
        ssa = parsed;
    }
    return {
      listing,
      ssa: ssa!,
      args: plan.args,
      envOverrides: plan.env,
      ignoredSettings: plan.ignoredSettings,
      durationMs: Date.now() - started,
      tempDir: dir,
    };
  } finally {
    if (!opts.keepTemp) rmSync(dir, { recursive: true, force: true });
  }
}
