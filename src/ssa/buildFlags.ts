// Turn the build settings recorded in a binary's buildinfo into `go build` arguments and
// environment for a rebuild, and add the per-package compiler flags for one package.
//
// `-gcflags` semantics (cmd/go/internal/load/flag.go): each value is `[pattern=]flags`; for a
// package, the LAST value whose pattern matches wins (values are not merged); no pattern means
// "the packages named on the command line". Buildinfo records only the last raw value given.

/** One `build` line of buildinfo: `-gcflags` → `all=-N -l`, `CGO_ENABLED` → `1`, ... */
export interface BuildSetting {
  key: string;
  value: string;
}

export interface RebuildFlags {
  /** `go build` arguments before the package pattern (without -o). */
  args: string[];
  /** Environment overrides (GOARCH, GOAMD64, CGO_ENABLED, GOEXPERIMENT, ...). */
  env: Record<string, string>;
  /** Recorded settings that were ignored, with the reason (for the report). */
  ignored: string[];
}

/** Environment variables recorded in buildinfo that select the code generated. */
const ENV_SETTINGS = new Set([
  'CGO_ENABLED',
  'CGO_CFLAGS',
  'CGO_CPPFLAGS',
  'CGO_CXXFLAGS',
  'CGO_LDFLAGS',
  'GOARCH',
  'GOOS',
  'GOAMD64',
  'GOARM',
  'GOARM64',
  'GO386',
  'GOMIPS',
  'GOMIPS64',
  'GOPPC64',
  'GORISCV64',
  'GOWASM',
  'GOEXPERIMENT',
]);

/** A `[pattern=]flags` value split; pattern undefined when there is none. */
export function splitPerPackageFlag(raw: string): { pattern?: string; flags: string } {
  const v = raw.trim();
  if (v === '' || v[0] === '-' || v[0] === "'" || v[0] === '"') return { flags: v };
  const i = v.indexOf('=');
  if (i < 0) return { flags: v };
  return { pattern: v.slice(0, i), flags: v.slice(i + 1) };
}

function isStd(importPath: string): boolean {
  const first = importPath.split('/')[0] ?? '';
  return !first.includes('.');
}

function joinImport(base: string, rel: string): string {
  const parts = base.split('/');
  for (const seg of rel.split('/')) {
    if (seg === '.' || seg === '') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}

/**
 * Whether a `-gcflags` pattern applies to a package. `mainImportPath` is the package named on
 * the command line (the main package) and the base of relative patterns.
 */
export function patternMatches(pattern: string | undefined, importPath: string, mainImportPath: string): boolean {
  if (pattern === undefined) return importPath === mainImportPath;
  if (pattern === 'all') return true;
  if (pattern === 'std') return isStd(importPath);
  if (pattern === 'cmd') return importPath === 'cmd' || importPath.startsWith('cmd/');
  let p = pattern;
  if (p === '.' || p.startsWith('./') || p === '..' || p.startsWith('../')) p = joinImport(mainImportPath, p);
  if (!p.includes('...')) return p === importPath;
  const re = new RegExp(
    '^' +
      p
        .split('...')
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*') +
      '$',
  );
  if (re.test(importPath)) return true;
  // `net/...` also matches `net`
  return p.endsWith('/...') && importPath === p.slice(0, -4);
}

/** Quote one compiler flag argument for cmd/go's quoted-field splitting. */
export function quoteFlagArg(s: string): string {
  if (!/[\s'"]/.test(s)) return s;
  if (!s.includes("'")) return `'${s}'`;
  if (!s.includes('"')) return `"${s}"`;
  throw new Error(`cannot quote ${JSON.stringify(s)} as a compiler flag`);
}

/**
 * Arguments and environment that reproduce the recorded build, plus `extraGcflags` (already
 * quoted, e.g. `-S -cpuprofile=/tmp/x`) for `targetImportPath` only.
 */
export function rebuildFlags(
  settings: BuildSetting[],
  targetImportPath: string,
  mainImportPath: string,
  extraGcflags: string,
  fileExists: (p: string) => boolean = () => true,
): RebuildFlags {
  const args: string[] = [];
  const env: Record<string, string> = {};
  const ignored: string[] = [];
  let gcflags: string | undefined;
  for (const { key, value } of settings) {
    switch (key) {
      case '-buildmode':
        args.push(`-buildmode=${value}`);
        break;
      case '-compiler':
        if (value !== 'gc') ignored.push(`-compiler=${value}: only gc is supported`);
        break;
      case '-gcflags':
        gcflags = value;
        break;
      case '-asmflags':
        args.push(`-asmflags=${value}`);
        break;
      case '-tags':
        args.push(`-tags=${value}`);
        break;
      case '-trimpath':
      case '-race':
      case '-msan':
      case '-asan':
        if (value === 'true') args.push(key);
        break;
      case '-pgo':
        if (fileExists(value)) args.push(`-pgo=${value}`);
        else ignored.push(`-pgo=${value}: the profile is not there, so the code may differ`);
        break;
      case '-ldflags':
        ignored.push('-ldflags: does not change the compiled code');
        break;
      case '-cover':
        if (value === 'true') args.push('-cover');
        break;
      case '-covermode':
        args.push(`-covermode=${value}`);
        break;
      default:
        if (ENV_SETTINGS.has(key)) env[key] = value;
        else if (key.startsWith('-')) ignored.push(`${key}=${value}: unknown build flag`);
      // vcs.*, DefaultGODEBUG, ... describe the build but do not change the code
    }
  }
  if (gcflags !== undefined) {
    args.push(`-gcflags=${gcflags}`);
  }
  const { pattern, flags } = splitPerPackageFlag(gcflags ?? '');
  const effective = gcflags !== undefined && patternMatches(pattern, targetImportPath, mainImportPath) ? flags : '';
  args.push(`-gcflags=${targetImportPath}=${[effective, extraGcflags].filter((s) => s !== '').join(' ')}`);
  return { args, env, ignored };
}
