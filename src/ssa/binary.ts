// What the PC→SSA mapping needs from a Go executable, read with our own readers (src/core):
// buildinfo (exact Go version, main package, build settings), the Go build ID (cache key),
// pclntab (function for a PC, its entry/end, source position, inlined frames) and the code bytes.
// The engine (src/analysis/binary.ts) opens the file once and hands its parts here.
import type { BuildIds } from '../core/buildid.js';
import type { BuildInfo } from '../core/buildinfo.js';
import { ET_DYN, type ElfFile } from '../core/elf.js';
import type { GoSymbols } from '../core/symbols.js';
import type { BuildSetting } from './buildFlags.js';
import type { FunctionResolver } from './verify.js';

export interface SsaFrame {
  function: string;
  file: string;
  line: number;
  inlined: boolean;
}

export interface SsaFunction {
  name: string;
  /** Runtime addresses. */
  entry: bigint;
  end: bigint;
}

export interface SsaBinary {
  path: string;
  goVersion: string;
  /** Go build ID (else GNU build ID); undefined when the binary has neither. */
  buildId?: string;
  /** Import path of the main package (buildinfo `path`). */
  mainPath: string;
  /** Main module path (buildinfo `mod`). */
  modulePath?: string;
  /** Build settings; `-buildmode=pie` added for a position-independent binary whose Go (≤1.19) did not record it. */
  settings: BuildSetting[];
  /** Physical function containing a runtime address. */
  functionAt(pc: bigint): SsaFunction | undefined;
  /** Source frames at a lookup pc (already adjusted for return addresses), innermost first. */
  framesAt(lookupPc: bigint): SsaFrame[];
  /** Bytes at a runtime address. */
  read(addr: bigint, len: number): Buffer;
  resolve: FunctionResolver;
}

/** Go 1.19 records no `-buildmode`: a PIE executable (ET_DYN) was built with -buildmode=pie. */
function withBuildMode(settings: BuildSetting[], isDyn: boolean): BuildSetting[] {
  if (!isDyn || settings.some((s) => s.key === '-buildmode')) return settings;
  return [{ key: '-buildmode', value: 'pie' }, ...settings];
}

/** What the engine already opened (src/analysis/binary.ts): nothing is opened here. */
export interface SsaBinaryParts {
  path: string;
  elf: ElfFile;
  syms: GoSymbols;
  info: BuildInfo;
  ids: BuildIds;
}

/** The SSA mapper's view of an opened executable (its load bias is the symbols'). */
export function ssaBinaryOf(parts: SsaBinaryParts): SsaBinary {
  const { path, elf, syms, info, ids } = parts;
  const bias = syms.bias;
  const functionAt = (pc: bigint): SsaFunction | undefined => {
    const f = syms.funcForPC(pc);
    return f ? { name: f.name, entry: f.entry, end: f.end } : undefined;
  };
  const bin: SsaBinary = {
    path,
    goVersion: info.goVersion,
    mainPath: info.path,
    settings: withBuildMode(
      info.settings.map((s) => ({ key: s.key, value: s.value })),
      elf.header.type === ET_DYN,
    ),
    functionAt,
    framesAt: (lookupPc) =>
      syms.frames(lookupPc).map((f) => ({ function: f.function, file: f.file, line: f.line, inlined: f.inlined })),
    read: (addr, len) => elf.readVaddr(addr - bias, len),
    resolve: (addr) => functionAt(addr),
  };
  const buildId = ids.go ?? ids.gnu;
  if (buildId !== undefined) bin.buildId = buildId;
  if (info.main?.path) bin.modulePath = info.main.path;
  return bin;
}
