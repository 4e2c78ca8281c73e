// Turn the build settings recorded in a binary's buildinfo into `go build` arguments and
// environment for a rebuild, and add the per-package compiler flags for one package.
//
// Buildinfo is data written by whoever built the binary: a crafted binary can record any text.
// Every recorded setting passes an allow-list of what changes the generated code and can do
// nothing else: flags that take a path (`-cpuprofile=`, `-memprofile=`, `-trace=`, `-json=`,
// `-pgo=`, `-overlay=`, ...), the cgo flags and compilers (`CGO_CFLAGS`, `CC`: gcc's `-wrapper`
// runs any program), `-toolexec`, `-ldflags` (the linker does not change a function's code) and
// anything unknown are never taken from the binary. What was dropped is returned with the reason.
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
  /** Recorded settings (or parts of them) that were not used, each `KEY=VALUE: why`. */
  ignored: string[];
}

/** A recorded setting that is never used for a rebuild, with the reason shown to the user. */
const NEVER_USED: Record<string, string> = {
  '-ldflags': 'the linker does not change the compiled code',
  '-pgo': 'a profile path is never taken from the binary (the rebuild uses the main package\'s default.pgo, as -pgo=auto does)',
  '-toolexec': 'a program to run is never taken from the binary',
  '-overlay': 'a file path is never taken from the binary',
  '-modfile': 'a file path is never taken from the binary',
  '-coverpkg': 'package patterns for coverage are not reproduced',
  CC: 'a compiler is never taken from the binary (cgo code compiles with your own environment)',
  CXX: 'a compiler is never taken from the binary (cgo code compiles with your own environment)',
  CGO_CFLAGS: 'cgo flags are never taken from the binary (cgo code compiles with your own environment)',
  CGO_CPPFLAGS: 'cgo flags are never taken from the binary (cgo code compiles with your own environment)',
  CGO_CXXFLAGS: 'cgo flags are never taken from the binary (cgo code compiles with your own environment)',
  CGO_FFLAGS: 'cgo flags are never taken from the binary (cgo code compiles with your own environment)',
  CGO_LDFLAGS: 'cgo flags are never taken from the binary (cgo code compiles with your own environment)',
};

/** Settings that describe the build but do not change the code: not used, not reported. */
const DESCRIPTIVE = /^(vcs(\..*)?|DefaultGODEBUG)$/;

/** Environment settings that select the generated code, with the values accepted. */
const ENV_VALUES: Record<string, RegExp> = {
  CGO_ENABLED: /^[01]$/,
  GOARCH: /^(386|amd64|arm|arm64|loong64|mips|mipsle|mips64|mips64le|ppc64|ppc64le|riscv64|s390x|wasm)$/,
  GOOS: /^(aix|android|darwin|dragonfly|freebsd|illumos|ios|js|linux|netbsd|openbsd|plan9|solaris|wasip1|windows)$/,
  GOAMD64: /^v[1-4]$/,
  GOARM64: /^v[89]\.\d(,(lse|crypto))*$/,
  GOARM: /^[5-7](,(softfloat|hardfloat))?$/,
  GO386: /^(sse2|softfloat)$/,
  GOMIPS: /^(hardfloat|softfloat)$/,
  GOMIPS64: /^(hardfloat|softfloat)$/,
  GOPPC64: /^power(8|9|10)$/,
  GORISCV64: /^rva2[023]u64$/,
  GOWASM: /^(satconv|signext)(,(satconv|signext))*$/,
  GOEXPERIMENT: /^[a-z0-9,]*$/,
  GOFIPS140: /^(off|latest|inprocess|certified|v\d+\.\d+\.\d+)$/,
};

/** Compiler (`-gcflags`) flags that take no path, by name; the value must match when given. */
const COMPILE_FLAGS: Record<string, RegExp | undefined> = {
  N: /^(true|false)?$/,
  l: /^(true|false|\d)?$/,
  B: /^(true|false)?$/,
  C: /^(true|false)?$/,
  e: /^(true|false)?$/,
  m: /^(true|false|\d)?$/,
  c: /^\d*$/,
  race: /^(true|false)?$/,
  msan: /^(true|false)?$/,
  asan: /^(true|false)?$/,
  shared: /^(true|false)?$/,
  dynlink: /^(true|false)?$/,
  smallframes: /^(true|false)?$/,
  wb: /^(true|false)?$/,
  dwarf: /^(true|false)?$/,
  dwarflocationlists: /^(true|false)?$/,
  dwarfbasentries: /^(true|false)?$/,
  std: /^(true|false)?$/,
  complete: /^(true|false)?$/,
  spectre: /^(all|index|ret)?(,(all|index|ret))*$/,
  d: undefined, // checked item by item against DEBUG_KEYS
};

/** `-d=` debug settings that change the code and write nothing. */
const DEBUG_KEYS = new Set([
  'checkptr',
  'libfuzzer',
  'softfloat',
  'loopvar',
  'panic',
  'nil',
  'disablenil',
  'inlfuncswithclosures',
  'inlstaticinit',
  'closure',
  'typeassert',
  'append',
  'defer',
  'alignhot',
  'dwarfinl',
  'fieldtrack',
  'inlbudgetslack',
  'zerocopy',
  'wrapglobalmapctl',
]);

/** Assembler (`-asmflags`) flags that take no path. */
const ASM_FLAGS: Record<string, RegExp> = {
  shared: /^(true|false)?$/,
  dynlink: /^(true|false)?$/,
  e: /^(true|false)?$/,
  'compiling-runtime': /^(true|false)?$/,
  spectre: /^(all|index|ret)?(,(all|index|ret))*$/,
};

const BOOL = /^(true|false)$/;

/** A `[pattern=]flags` value split; pattern undefined when there is none. */
export function splitPerPackageFlag(raw: string): { pattern?: string; flags: string } {
  const v = raw.trim();
  if (v === '' || v[0] === '-' || v[0] === "'" || v[0] === '"') return { flags: v };
  const i = v.indexOf('=');
  if (i < 0) return { flags: v };
  return { pattern: v.slice(0, i), flags: v.slice(i + 1) };
}

/** cmd/go's quoted-field splitting (cmd/internal/quoted): white space separates, '…' and "…" group. */
export function splitQuotedFields(s: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    const q = s[i];
    if (q === "'" || q === '"') {
      const end = s.indexOf(q, i + 1);
      if (end < 0) return undefined;
      out.push(s.slice(i + 1, end));
      i = end + 1;
      if (i < s.length && !/\s/.test(s[i]!)) return undefined;
      continue;
    }
    let j = i;
    while (j < s.length && !/\s/.test(s[j]!)) j++;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

/** A package pattern as cmd/go accepts them, with nothing that could be a file path outside the module. */
const PATTERN = /^(all|std|cmd|[A-Za-z0-9_.~+-]+(\/[A-Za-z0-9_.~+-]+)*(\/\.\.\.)?|\.\.\.|\.(\/[A-Za-z0-9_.~+-]+)*(\/\.\.\.)?)$/;

/**
 * The recorded `-gcflags`/`-asmflags` flags that pass the allow-list, and the ones dropped. A flag
 * is `-name`, `-name=value` or `--name…`; a flag whose value is separate (`-cpuprofile x`) cannot be
 * told from a path and drops the rest of the value.
 */
function allowFlags(
  flags: string,
  allowed: Record<string, RegExp | undefined>,
): { kept: string[]; dropped: string[] } {
  const fields = splitQuotedFields(flags);
  if (!fields) return { kept: [], dropped: [flags] };
  const kept: string[] = [];
  const dropped: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const m = /^--?([A-Za-z][A-Za-z0-9-]*)(?:=(.*))?$/s.exec(f);
    const name = m?.[1];
    const value = m?.[2] ?? '';
    if (!m || name === undefined || !(name in allowed)) {
      // An unknown flag may take the next field as its value: keep nothing after it.
      dropped.push(fields.slice(i).join(' '));
      break;
    }
    if (name === 'd') {
      const items = value.split(',');
      const bad = items.filter((it) => !DEBUG_KEYS.has(it.split('=')[0]!) || !/^[A-Za-z0-9_=.]*$/.test(it));
      if (value === '' || bad.length > 0) dropped.push(f);
      else kept.push(f);
      continue;
    }
    const re = allowed[name];
    if (re && !re.test(value)) dropped.push(f);
    else kept.push(f);
  }
  return { kept, dropped };
}

/** A recorded `[pattern=]flags` value reduced to its allowed flags (undefined: nothing left). */
function allowPerPackage(
  key: string,
  raw: string,
  allowed: Record<string, RegExp | undefined>,
  ignored: string[],
): string | undefined {
  const { pattern, flags } = splitPerPackageFlag(raw);
  if (pattern !== undefined && !PATTERN.test(pattern)) {
    ignored.push(`${key}=${raw}: the package pattern "${pattern}" is not one cmd/go accepts`);
    return undefined;
  }
  const { kept, dropped } = allowFlags(flags, allowed);
  if (dropped.length > 0) {
    ignored.push(`${key}: ${dropped.join(' ')}: not a flag that only changes the generated code (never taken from the binary)`);
  }
  if (kept.length === 0 && flags.trim() !== '') return undefined;
  return pattern !== undefined ? `${pattern}=${kept.join(' ')}` : kept.join(' ');
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

/**
 * Arguments and environment that reproduce the recorded build as far as the allow-list lets it,
 * plus `extraGcflags` (our own, e.g. `-S -cpuprofile=/tmp/x`) for `targetImportPath` only.
 */
export function rebuildFlags(
  settings: BuildSetting[],
  targetImportPath: string,
  mainImportPath: string,
  extraGcflags: string,
): RebuildFlags {
  const args: string[] = [];
  const env: Record<string, string> = {};
  const ignored: string[] = [];
  let gcflags: string | undefined;
  const bool = (key: string, value: string): void => {
    if (!BOOL.test(value)) ignored.push(`${key}=${value}: not true or false`);
    else if (value === 'true') args.push(key);
  };
  for (const { key, value } of settings) {
    if (DESCRIPTIVE.test(key)) continue;
    const never = NEVER_USED[key];
    if (never !== undefined) {
      if (value !== '') ignored.push(`${key}=${value}: ${never}`);
      continue;
    }
    switch (key) {
      case '-buildmode':
        if (value === 'exe' || value === 'pie' || value === 'default') args.push(`-buildmode=${value}`);
        else ignored.push(`-buildmode=${value}: only exe and pie executables are rebuilt`);
        break;
      case '-compiler':
        if (value !== 'gc') ignored.push(`-compiler=${value}: only gc is supported`);
        break;
      case '-gcflags':
        gcflags = allowPerPackage(key, value, COMPILE_FLAGS, ignored);
        break;
      case '-asmflags': {
        const kept = allowPerPackage(key, value, ASM_FLAGS, ignored);
        if (kept !== undefined) args.push(`-asmflags=${kept}`);
        break;
      }
      case '-tags':
        if (/^[A-Za-z0-9_.,]*$/.test(value)) args.push(`-tags=${value}`);
        else ignored.push(`-tags=${value}: not a list of build tags`);
        break;
      case '-trimpath':
      case '-race':
      case '-msan':
      case '-asan':
      case '-cover':
        bool(key, value);
        break;
      case '-covermode':
        if (/^(set|count|atomic)$/.test(value)) args.push(`-covermode=${value}`);
        else ignored.push(`-covermode=${value}: not set, count or atomic`);
        break;
      default: {
        const re = ENV_VALUES[key];
        if (re?.test(value)) env[key] = value;
        else if (re) ignored.push(`${key}=${value}: not a value of ${key}`);
        else ignored.push(`${key}=${value}: unknown setting, not used`);
      }
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

/** Recorded cgo flags that were not used (a reason the rebuilt code may differ). */
export function droppedCgoFlags(settings: BuildSetting[]): string[] {
  return settings.filter((s) => /^(CGO_[A-Z]+FLAGS|CC|CXX)$/.test(s.key) && s.value.trim() !== '').map((s) => s.key);
}
