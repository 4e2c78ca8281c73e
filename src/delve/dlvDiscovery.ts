// Finding Delve: candidates in a fixed order, their versions (`dlv version`, cached per path and
// mtime), and the pick for a Go version: an in-range Delve if any, else an out-of-range one that
// must then run with --check-go-version=false.
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { devCacheDir } from '../core/cacheDir.js';
import { DelveNotFoundError } from './errors.js';
import {
  delveSupportedGoRange,
  formatRange,
  goMinor,
  parseGoRangeKey,
  rangeCovers,
  type GoMinorRange,
} from './goRange.js';

/** Where a candidate came from, in search order. */
export type DelveSource = 'setting' | 'alternateTools' | 'PATH' | 'GOPATH' | 'homeGoBin' | 'devCache';

export interface DelveCandidate {
  path: string;
  source: DelveSource;
  /** For entries of a per-range setting: the Go range its key names. */
  declaredRange?: GoMinorRange;
}

export interface DelveInfo extends DelveCandidate {
  /** `1.24.0`, as `dlv version` prints it. */
  version: string;
  /** The Go releases this Delve supports. */
  goRange: GoMinorRange;
}

export interface DelveDiscoveryOptions {
  /** The extension setting: one path, or paths keyed by Go range (`1.21-1.24`, `>=1.25`, `1.22`). */
  dlvPath?: string | Record<string, string>;
  /** vscode-go's `go.alternateTools.dlv` value (a path, or a name looked up on PATH). */
  alternateToolsDlv?: string;
  /** Read PATH, GOPATH and GO_CORE_INSPECTOR_CACHE from here (default process.env). When
   * GO_CORE_INSPECTOR_CACHE is set, its Delves ($CACHE/delve/<version>/root/usr/bin/dlv) are searched last. */
  env?: NodeJS.ProcessEnv;
  homeDir?: string;
  /** Timeout of each `dlv version` (default 10 000 ms). */
  versionTimeoutMs?: number;
}

export interface DelveDiscovery {
  delves: DelveInfo[];
  /** Every place looked at, in order (for the not-found message). */
  searched: string[];
  /** Candidates that exist but whose `dlv version` failed. */
  failures: { path: string; error: string }[];
}

export interface DelvePick extends DelveInfo {
  /** The Go version covered by the Delve's supported range. When false, run with --check-go-version=false. */
  inRange: boolean;
  /** One sentence for the log and the views. */
  reason: string;
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function lookPath(name: string, env: NodeJS.ProcessEnv, searched: string[]): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    searched.push(p);
    if (isExecutableFile(p)) return p;
  }
  return undefined;
}

/** Existing, executable Delve candidates in search order, de-duplicated by real path. */
export function findDelveCandidates(opts: DelveDiscoveryOptions = {}, searched: string[] = []): DelveCandidate[] {
  const env = opts.env ?? process.env;
  const home = opts.homeDir ?? homedir();
  const out: DelveCandidate[] = [];
  const seen = new Set<string>();
  const add = (p: string | undefined, source: DelveSource, declaredRange?: GoMinorRange): void => {
    if (!p) return;
    if (!searched.includes(p)) searched.push(p);
    if (!isExecutableFile(p)) return;
    let real = p;
    try {
      real = realpathSync(p);
    } catch {
      // keep p
    }
    if (seen.has(real)) return;
    seen.add(real);
    out.push(declaredRange ? { path: p, source, declaredRange } : { path: p, source });
  };
  if (typeof opts.dlvPath === 'string' && opts.dlvPath.trim()) add(opts.dlvPath.trim(), 'setting');
  if (opts.dlvPath && typeof opts.dlvPath === 'object') {
    for (const [key, p] of Object.entries(opts.dlvPath)) {
      if (typeof p === 'string' && p.trim()) add(p.trim(), 'setting', parseGoRangeKey(key));
    }
  }
  const alt = opts.alternateToolsDlv?.trim();
  if (alt) add(alt.includes('/') ? alt : lookPath(alt, env, searched), 'alternateTools');
  add(lookPath('dlv', env, searched), 'PATH');
  for (const gp of (env.GOPATH ?? '').split(delimiter)) if (gp) add(join(gp, 'bin', 'dlv'), 'GOPATH');
  add(join(home, 'go', 'bin', 'dlv'), 'homeGoBin');
  const dev = devCacheDir(env);
  if (dev) {
    const root = join(dev, 'delve');
    if (existsSync(root)) {
      for (const v of readdirSync(root).sort(compareVersionsDesc))
        add(join(root, v, 'root', 'usr', 'bin', 'dlv'), 'devCache');
    } else {
      searched.push(join(root, '*', 'root', 'usr', 'bin', 'dlv'));
    }
  }
  return out;
}

function compareVersionsDesc(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pb[i] ?? 0) - (pa[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

const versionCache = new Map<string, string>();

/** Runs `dlv version` (with a timeout) and returns its version, e.g. `1.24.0`. Cached per path+mtime. */
export async function delveVersion(dlvPath: string, timeoutMs = 10_000): Promise<string> {
  const st = statSync(dlvPath);
  const key = `${dlvPath}\0${st.mtimeMs}\0${st.size}`;
  const cached = versionCache.get(key);
  if (cached) return cached;
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(dlvPath, ['version'], { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 }, (err, out) => {
      if (err) reject(new Error(`\`${dlvPath} version\` failed: ${err.message}`));
      else resolve(out);
    });
  });
  const m = /Version:\s*v?(\d+\.\d+(?:\.\d+)?)/.exec(stdout);
  if (!m) throw new Error(`\`${dlvPath} version\` printed no version: ${JSON.stringify(stdout.slice(0, 200))}`);
  versionCache.set(key, m[1]!);
  return m[1]!;
}

/** Finds the candidates and asks each its version. Never throws for a broken candidate. */
export async function discoverDelves(opts: DelveDiscoveryOptions = {}): Promise<DelveDiscovery> {
  const searched: string[] = [];
  const candidates = findDelveCandidates(opts, searched);
  const delves: DelveInfo[] = [];
  const failures: { path: string; error: string }[] = [];
  for (const c of candidates) {
    try {
      const version = await delveVersion(c.path, opts.versionTimeoutMs);
      const goRange = delveSupportedGoRange(version);
      if (!goRange) throw new Error(`unrecognised Delve version ${version}`);
      delves.push({ ...c, version, goRange });
    } catch (e) {
      failures.push({ path: c.path, error: (e as Error).message });
    }
  }
  return { delves, searched, failures };
}

/**
 * Picks the Delve for a Go version (`go1.22.12`, `1.22`; undefined when unknown). Order: Delves
 * whose supported range covers it, in discovery order, those from a per-range setting entry whose
 * key covers it first. With none in range: a per-range setting entry whose key covers it, else
 * the Delve whose range is nearest to it (fewest minor releases away; the newer on a tie),
 * `inRange: false`.
 * Throws DelveNotFoundError when `delves` is empty.
 */
export function pickDelve(goVersion: string | undefined, delves: DelveInfo[], searched: string[] = []): DelvePick {
  if (delves.length === 0) throw new DelveNotFoundError(searched);
  const minor = goVersion ? goMinor(goVersion) : undefined;
  const declaredCovers = (d: DelveInfo): boolean =>
    minor !== undefined && d.declaredRange !== undefined && rangeCovers(d.declaredRange, minor);
  if (minor === undefined) {
    const d = [...delves].sort((a, b) => compareVersionsDesc(a.version, b.version))[0]!;
    return {
      ...d,
      inRange: false,
      reason: `the program's Go version is unknown; using the newest Delve found, ${d.version} (${d.path}), without its Go version check`,
    };
  }
  const inRange = delves.filter((d) => rangeCovers(d.goRange, minor));
  if (inRange.length) {
    const d = inRange.find(declaredCovers) ?? inRange[0]!;
    return {
      ...d,
      inRange: true,
      reason: `Delve ${d.version} (${d.path}, from ${d.source}) supports ${formatRange(d.goRange)}, which covers go1.${minor}`,
    };
  }
  const declared = delves.find(declaredCovers);
  const distance = (r: GoMinorRange): number => (minor > r.max ? minor - r.max : r.min - minor);
  const nearest =
    declared ??
    [...delves].sort((a, b) => distance(a.goRange) - distance(b.goRange) || b.goRange.max - a.goRange.max)[0]!;
  return {
    ...nearest,
    inRange: false,
    reason:
      `no Delve found supports go1.${minor}; using Delve ${nearest.version} (${nearest.path}, supports ` +
      `${formatRange(nearest.goRange)}) with --check-go-version=false: frames and variables may be incomplete. ` +
      'Install a matching Delve with `go install github.com/go-delve/delve/cmd/dlv@latest`.',
  };
}

/** discoverDelves + pickDelve; throws DelveNotFoundError (with what was searched) when none works. */
export async function findDelveFor(
  goVersion: string | undefined,
  opts: DelveDiscoveryOptions = {},
): Promise<DelvePick> {
  const d = await discoverDelves(opts);
  if (d.delves.length === 0) {
    const detail = d.failures.length ? d.failures.map((f) => f.error).join('; ') : undefined;
    throw new DelveNotFoundError(d.searched, detail);
  }
  return pickDelve(goVersion, d.delves, d.searched);
}
