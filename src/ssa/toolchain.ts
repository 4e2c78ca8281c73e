// Find a Go toolchain whose `go version` is exactly the binary's version. Never downloads one:
// every `go` command runs with GOTOOLCHAIN=local. Candidates, in order: the GOROOTs configured
// for that version (settings), `go` on PATH, ~/sdk/<version>/bin/go (golang.org/dl layout), and
// the project's development cache ($CACHE/toolchains/go1.NN/root/usr/lib/go-1.NN/bin/go) when
// GO_CORE_INSPECTOR_CACHE names it.
import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { cacheDir, devCacheDir } from '../core/cacheDir.js';
import { isWithin } from '../core/paths.js';
import { InspectorError } from '../core/errors.js';

export interface Toolchain {
  /** Exact version, as `go version` prints it: `go1.22.12`. */
  version: string;
  /** The `go` command. */
  goBinary: string;
  /** `go env GOROOT`. */
  goroot: string;
  /** Where it was found. */
  source: 'settings' | 'path' | 'sdk' | 'cache';
}

export interface FindToolchainOptions {
  /** Settings: exact version (`go1.22.12`) → GOROOT. */
  goroots?: Record<string, string>;
  /** Environment to read PATH/HOME from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The project cache (GO_CORE_INSPECTOR_CACHE rule); its toolchains are candidates only when GO_CORE_INSPECTOR_CACHE is set in env. */
  cacheDir?: string;
  /** Per `go version` call (default 10 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** No toolchain with the exact version: says which version is needed and where we looked. */
export class ToolchainNotFoundError extends InspectorError {
  constructor(
    readonly version: string,
    readonly searched: Array<{ path: string; found?: string; error?: string }>,
  ) {
    const where = searched
      .map((s) => `  ${s.path}: ${s.found ? `is ${s.found}` : (s.error ?? 'not found')}`)
      .join('\n');
    super(
      `no Go toolchain ${version} found (the binary was built with exactly ${version}; it is needed to rebuild ` +
        `the function byte for byte). Looked at:\n${where}`,
      {
        hint: {
          cli: `install it (e.g. as ~/sdk/${version}) or put its bin directory first on PATH`,
          editor: `install it (e.g. as ~/sdk/${version}) or map "${version}" to its GOROOT in the goCoreInspector.goroots setting`,
        },
      },
    );
    this.name = 'ToolchainNotFoundError';
  }
}

/** The project cache directory (same rule as the tests' fixture locator). */
/** The project cache (the one rule, src/core/cacheDir.ts), honouring $HOME of the given environment. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return cacheDir(env, env.HOME ?? homedir());
}

/**
 * A Go release version as `go version` prints it: `go1.22.12`, `go1.21rc2`, `go1.20`. The version in
 * a binary's buildinfo is text its builder chose (`-X runtime.buildVersion=…`); only a release
 * version may name a toolchain directory.
 */
export const RELEASE_VERSION = /^go1\.\d+(\.\d+)?((rc|beta)\d+)?$/;

/** Thrown when the binary's Go version is not a release version: nothing is looked up or run. */
export class NotAReleaseVersionError extends InspectorError {
  constructor(readonly version: string) {
    super(`the binary's Go version ${JSON.stringify(version.slice(0, 120))} is not a release version: no rebuild`);
    this.name = 'NotAReleaseVersionError';
  }
}

/** `go1.22.12` → `1.22`; undefined for devel or unparsable versions. */
export function goMinor(version: string): string | undefined {
  const m = /^go(1\.\d+)(?:\.\d+|rc\d+|beta\d+)?/.exec(version);
  return m?.[1];
}

/** Environment for every `go` invocation: never download a toolchain. */
export function goEnv(base: NodeJS.ProcessEnv, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...base, GOTOOLCHAIN: 'local', ...extra };
}

/** Run `go version` and return the exact version word (`go1.22.12`). */
export function goVersionOf(
  goBinary: string,
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      goBinary,
      ['version'],
      {
        env: goEnv(opts.env ?? process.env, { GOFLAGS: '' }),
        timeout: opts.timeoutMs ?? 10_000,
        maxBuffer: 64 * 1024,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (err, stdout) => {
        if (err) return reject(err);
        const m = /^go version (\S+) /.exec(stdout);
        if (!m) return reject(new Error(`${goBinary} version printed ${JSON.stringify(stdout.slice(0, 200))}`));
        resolve(m[1]!);
      },
    );
  });
}

function goInGoroot(goroot: string): string {
  return join(goroot, 'bin', 'go');
}

/** Candidate `go` binaries for a version, in search order, without running them. */
export function toolchainCandidates(
  version: string,
  opts: FindToolchainOptions = {},
): Array<{ path: string; source: Toolchain['source'] }> {
  if (!RELEASE_VERSION.test(version)) throw new NotAReleaseVersionError(version);
  const env = opts.env ?? process.env;
  const out: Array<{ path: string; source: Toolchain['source'] }> = [];
  const root = opts.goroots?.[version];
  if (root) out.push({ path: goInGoroot(root), source: 'settings' });
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir) out.push({ path: join(dir, 'go'), source: 'path' });
  }
  const sdk = resolve(env.HOME ?? homedir(), 'sdk');
  const inSdk = resolve(sdk, version, 'bin', 'go');
  if (isWithin(sdk, inSdk)) out.push({ path: inSdk, source: 'sdk' });
  const minor = goMinor(version);
  if (opts.cacheDir && minor && devCacheDir(env)) {
    out.push({
      path: join(opts.cacheDir, 'toolchains', `go${minor}`, 'root', 'usr', 'lib', `go-${minor}`, 'bin', 'go'),
      source: 'cache',
    });
  }
  const seen = new Set<string>();
  return out.filter((c) => (seen.has(c.path) ? false : (seen.add(c.path), true)));
}

/** Find a toolchain whose `go version` equals `version` exactly; throws ToolchainNotFoundError. */
export async function findToolchain(version: string, opts: FindToolchainOptions = {}): Promise<Toolchain> {
  const searched: Array<{ path: string; found?: string; error?: string }> = [];
  let onPath = false;
  for (const c of toolchainCandidates(version, opts)) {
    opts.signal?.throwIfAborted();
    if (c.source === 'path' && existsSync(c.path)) onPath = true;
    if (!existsSync(c.path)) {
      if (c.source !== 'path') searched.push({ path: c.path });
      continue;
    }
    // A toolchain found under a directory named by the version must stay in that directory once
    // its links are resolved (a crafted version cannot reach elsewhere through a link either).
    if (c.source === 'sdk' || c.source === 'cache') {
      const base = dirname(dirname(c.path));
      if (!isWithin(realpathSync(base), realpathSync(c.path))) {
        searched.push({ path: c.path, error: `resolves outside ${base}; not used` });
        continue;
      }
    }
    try {
      const found = await goVersionOf(c.path, {
        ...(opts.env ? { env: opts.env } : {}),
        timeoutMs: opts.timeoutMs ?? 10_000,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      searched.push({ path: c.path, found });
      if (found === version) {
        // bin/go lives at GOROOT/bin/go for every layout we accept
        const real = realpathSync(c.path);
        return { version, goBinary: real, goroot: dirname(dirname(real)), source: c.source };
      }
    } catch (e) {
      opts.signal?.throwIfAborted();
      searched.push({ path: c.path, error: (e as Error).message.split('\n')[0]! });
    }
  }
  if (!onPath) searched.push({ path: '`go` on PATH' });
  throw new ToolchainNotFoundError(version, searched);
}
