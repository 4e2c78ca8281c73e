// Where the tests find provisioned toolchains, Delves and generated crash fixtures.
// Layout (made by scripts/provision and scripts/make-cores, outside the repository):
//   $CACHE/toolchains/go1.NN/root/usr/lib/go-1.NN/bin/go
//   $CACHE/delve/<version>/root/usr/bin/dlv
//   $CACHE/cores/<fixture>/go1.NN/{prog,core,traceback.txt,meta.json,src/}
// A test that cannot find what it needs throws: nothing is skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheDir } from '../../src/core/cacheDir.js';

export interface FixtureMeta {
  /** Fixture name: the program directory, plus `-<variant>` for build variants (`index-pie`). */
  fixture: string;
  /** Program directory name under test/fixtures/programs. */
  program: string;
  /** Build variant: `default`, `stripped`, `pie`, ... */
  variant: string;
  /** Exact toolchain version, as `go version` prints it: `go1.22.12`. */
  goVersion: string;
  /** Minor release: `1.22`. */
  goMinor: string;
  /** GOARCH of the build (`amd64`, `arm64`); absent in fixtures made before arm64 existed. */
  goarch?: string;
  /** Extra `go build` arguments used for this variant. */
  buildArgs: string[];
  /** Exit status of the crashing program (134 for SIGABRT with GOTRACEBACK=crash). */
  exitCode: number;
  /** How the core was written: by the kernel, by gdb's gcore at the crash signal, or by qemu-user
   * for an arm64 program it emulated (no NT_FILE, no NT_SIGINFO, its own thread order). */
  coreSource: 'kernel' | 'gcore' | 'qemu';
  /** Hash of the program source, the variant and the toolchain version: the cache key. */
  key: string;
}

export interface Fixture extends FixtureMeta {
  /** GOARCH of the build, `amd64` when meta.json predates the field. */
  goarch: string;
  dir: string;
  prog: string;
  core: string;
  tracebackPath: string;
  /** The source directory the program was built from (stable path, inside the cache). */
  srcDir: string;
  /** Everything the program printed (stdout and stderr), the oracle. */
  traceback: string;
}

export { cacheDir };

/** The Go toolchain's own caches (build cache, GOPATH, module cache) inside the development cache. */
export function goCacheEnv(): { GOCACHE: string; GOPATH: string; GOMODCACHE: string } {
  const c = cacheDir();
  return { GOCACHE: join(c, 'gocache'), GOPATH: join(c, 'gopath'), GOMODCACHE: join(c, 'gopath', 'pkg', 'mod') };
}

// The product probes the development cache's Delves and toolchains only when
// GO_CORE_INSPECTOR_CACHE names it (src/core/cacheDir.ts devCacheDir): every test and benchmark
// that loads this module names it, for itself and for the processes it starts.
process.env.GO_CORE_INSPECTOR_CACHE ||= cacheDir();

export function goroot(minor: string): string {
  const root = join(cacheDir(), 'toolchains', `go${minor}`, 'root', 'usr', 'lib', `go-${minor}`);
  if (!existsSync(join(root, 'bin', 'go'))) {
    throw new Error(`Go ${minor} is not provisioned at ${root}: run \`npm run provision\``);
  }
  return root;
}

export function goBinary(minor: string): string {
  return join(goroot(minor), 'bin', 'go');
}

/** Go minor versions with a provisioned toolchain, ascending. */
export function provisionedGoVersions(): string[] {
  const dir = join(cacheDir(), 'toolchains');
  const found = existsSync(dir)
    ? readdirSync(dir)
        .filter((d) => /^go1\.\d+$/.test(d) && existsSync(join(dir, d, '.ok')))
        .map((d) => d.slice(2))
    : [];
  if (found.length === 0) throw new Error(`no Go toolchain provisioned under ${dir}: run \`npm run provision\``);
  return found.sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
}

export function dlvPath(version: string): string {
  const p = join(cacheDir(), 'delve', version, 'root', 'usr', 'bin', 'dlv');
  if (!existsSync(p)) throw new Error(`Delve ${version} is not provisioned at ${p}: run \`npm run provision\``);
  return p;
}

/**
 * The build-ID directory holding the separate debug file of this machine's libc (libc6-dbg of the
 * installed libc6, unpacked by scripts/provision): its symbols and DWARF name the libc frames.
 */
export function libcDebugDir(): string {
  const dir = join(cacheDir(), 'debug', 'libc6-dbg', 'root', 'usr', 'lib', 'debug');
  if (!existsSync(join(dir, '.build-id'))) throw new Error(`libc6-dbg is not provisioned at ${dir}: run \`npm run provision\``);
  return dir;
}

/** The provisioned Delve whose supported Go range covers a Go minor version. */
export function dlvForGo(minor: string): string {
  const m = Number(minor.split('.')[1]);
  if (m <= 20) return dlvPath('1.20.2');
  if (m <= 24) return dlvPath('1.24.0');
  return dlvPath('1.27.1');
}

function loadFixture(dir: string): Fixture {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as FixtureMeta;
  const f: Fixture = {
    ...meta,
    goarch: meta.goarch ?? 'amd64',
    dir,
    prog: join(dir, 'prog'),
    core: join(dir, 'core'),
    tracebackPath: join(dir, 'traceback.txt'),
    srcDir: join(dir, 'src'),
    traceback: readFileSync(join(dir, 'traceback.txt'), 'utf8'),
  };
  for (const p of [f.prog, f.core]) {
    if (!existsSync(p)) throw new Error(`fixture ${meta.fixture} go${meta.goMinor} is incomplete: ${p} is missing`);
  }
  return f;
}

/**
 * Every generated fixture, optionally filtered. Throws when nothing matches: a test asking for
 * fixtures that do not exist must fail, not pass vacuously. The crafted `attack-*` fixtures (build
 * info a rebuild must refuse) are listed only when asked for by their exact name.
 */
/** Fixtures of crashes outside Go code (issue 12), listed only when asked for by name. */
export const OUTSIDE_GO = new Set(['cgo-inlined-fault', 'cgo-callback-panic', 'cgo-callback-fatal', 'cgo-libc-fault', 'race-systemstack']);

/** Scale fixtures for the benchmarks (bench/waits.ts), listed only when asked for by name. */
export const SCALE = new Set(['goroutines-1k', 'goroutines-100k']);

/**
 * Crash logs of -race builds (issue 12: race reports, then a panic), listed only when asked for by
 * name: test/integration/raceLogs.test.ts checks them. Besides traceback.txt, each holds
 * race-exit.txt, what `go run -race . exit` printed (the program exits normally: `Found N data
 * race(s)`, `exit status 66`).
 */
export const RACE_LOGS = new Set(['race-reports']);

/**
 * linux/arm64 fixtures (`*-arm64`, run under qemu-user; issue 14) are listed only when asked for:
 * by their exact name, or with `goarch: 'arm64'`.
 */
export function listFixtures(filter: { fixture?: string | RegExp; goMinor?: string; goarch?: string } = {}): Fixture[] {
  const root = join(cacheDir(), 'cores');
  const out: Fixture[] = [];
  const known = madeFixtures();
  if (existsSync(root)) {
    for (const name of readdirSync(root).sort()) {
      // The cache outlives checkouts: only fixtures this checkout's make-cores defines count.
      if (!known.has(name)) continue;
      if (typeof filter.fixture === 'string' && name !== filter.fixture) continue;
      if (name.startsWith('attack-') && filter.fixture !== name) continue;
      // Crashes outside Go code (issue 12) are checked by test/integration/cgoFrames.test.ts; the
      // traceback oracle of the other tests (src/traceback) does not read their header forms yet.
      // Their arm64 variants too (cgoFrames.test.ts, cgoDelve.test.ts), not by the arm64 suites.
      if (OUTSIDE_GO.has(name.replace(/-arm64$/, '')) && filter.fixture !== name) continue;
      if (SCALE.has(name) && filter.fixture !== name) continue;
      if (RACE_LOGS.has(name) && filter.fixture !== name) continue;
      // The heap-scale benchmark cores (50 MB to 1 GB, made on demand for bench/heap.ts), and the
      // heap fixture linked without DWARF (test/integration/heap.test.ts; Delve cannot read it),
      // only by name.
      if ((name.startsWith('heap-scale-') || name === 'heap-population-nodwarf') && filter.fixture !== name) continue;
      const arm64 = name.endsWith('-arm64');
      if (filter.goarch === 'arm64' ? !arm64 : arm64 && filter.fixture !== name) continue;
      if (filter.fixture instanceof RegExp && !filter.fixture.test(name)) continue;
      for (const v of readdirSync(join(root, name)).sort()) {
        if (filter.goMinor && v !== `go${filter.goMinor}`) continue;
        if (existsSync(join(root, name, v, 'meta.json'))) out.push(loadFixture(join(root, name, v)));
      }
    }
  }
  if (out.length === 0) {
    throw new Error(`no crash fixture matches ${JSON.stringify(filter)} under ${root}: run \`npm run make-cores\``);
  }
  return out;
}

/** The repository is above: test/support/ in source, out/vscode-tests/suite/ when bundled. */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'scripts', 'make-cores')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

let made: Set<string> | undefined;
/** Fixture names that scripts/make-cores of this checkout makes (its FIXTURES list). */
function madeFixtures(): Set<string> {
  if (!made) {
    const script = readFileSync(join(repoRoot(), 'scripts', 'make-cores'), 'utf8');
    made = new Set([...script.matchAll(/^\s+"([a-z0-9-]+)\|/gm)].map((m) => m[1]!));
    if (made.size === 0) throw new Error('no fixture found in the FIXTURES list of scripts/make-cores');
  }
  return made;
}

export function fixture(name: string, goMinor: string): Fixture {
  return listFixtures({ fixture: name, goMinor })[0]!;
}

/**
 * Makes the named fixtures for one Go version when they are missing (scripts/make-cores with
 * GCI_FIXTURES: the on-demand benchmark cores are never made by the default run).
 */
export function ensureFixtures(names: string[], goMinor: string): void {
  const has = (n: string): boolean => {
    try {
      return fixture(n, goMinor) !== undefined;
    } catch {
      return false;
    }
  };
  const missing = names.filter((n) => !has(n));
  if (missing.length === 0) return;
  console.log(`making ${missing.join(' ')} with Go ${goMinor} (scripts/make-cores)…`);
  const r = spawnSync('bash', [join(repoRoot(), 'scripts', 'make-cores')], {
    stdio: 'inherit',
    env: { ...process.env, GCI_FIXTURES: missing.join(' '), GCI_GO_VERSIONS: goMinor },
  });
  if (r.status !== 0) throw new Error(`scripts/make-cores failed for ${missing.join(' ')} with Go ${goMinor}`);
}
