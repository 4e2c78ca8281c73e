// Finding and confirming the executable of a core. Candidates: caller-supplied paths, the NT_FILE
// mapping that contains AT_ENTRY (the path the kernel recorded), the first word of NT_PRPSINFO's
// psargs and its fname (also looked up next to the core). A candidate is confirmed when its Go
// build ID equals the one read from the core's memory (the kernel dumps the first page of every
// ELF mapping, which holds the .note.go.buildid note). qemu-user's cores (linux/arm64 programs
// run under emulation) hold no text page and no NT_FILE, but dump the read-only data: there a
// candidate is confirmed when its read-only data equals the bytes the core holds at the same
// addresses (`read-only-data`). A candidate of another architecture than the core's is rejected.
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { readBuildIds, readBuildIdsFromMemory, type BuildIds } from './buildid.js';
import { findBuildInfoInMemory, readBuildInfo, type BuildInfo } from './buildinfo.js';
import { CoreFile, AT_ENTRY, AT_PHDR, type OpenCoreOptions } from './coreFile.js';
import { BuildIdMismatchError, CoreReadError } from './errors.js';
import { ElfFile, ET_DYN, ET_EXEC, PF_W, PF_X } from './elf.js';
import { CoreMemory, loadBias } from './memory.js';
import type { ByteSource } from './source.js';

export interface ExecutableMapping {
  /** Path recorded in NT_FILE (may no longer exist, or be a different build). */
  path: string | undefined;
  /** Address where the executable's file offset 0 is mapped. */
  imageBase: bigint;
  /** The executable's mappings from NT_FILE (empty without NT_FILE). */
  regions: { start: bigint; end: bigint; fileOffset: bigint }[];
}

/**
 * The executable's image in the core: the NT_FILE path containing AT_ENTRY (or AT_PHDR) and its
 * offset-0 mapping; without NT_FILE, the page at or below AT_PHDR holding an ELF header.
 */
export function executableMapping(core: CoreFile): ExecutableMapping | undefined {
  const entry = core.aux(AT_ENTRY);
  const phdr = core.aux(AT_PHDR);
  const m =
    (entry !== undefined ? core.mappingFor(entry) : undefined) ??
    (phdr !== undefined ? core.mappingFor(phdr) : undefined);
  if (m) {
    const regions = core.files
      .filter((f) => f.path === m.path)
      .map((f) => ({ start: f.start, end: f.end, fileOffset: f.fileOffset }));
    const zero = regions.find((r) => r.fileOffset === 0n);
    return { path: m.path, imageBase: zero ? zero.start : m.start - m.fileOffset, regions };
  }
  if (phdr !== undefined) {
    const mem = new CoreMemory(core, { useMappedFiles: false });
    for (let page = phdr & ~0xfffn, i = 0; i < 16 && page >= 0n; i++, page -= 0x1000n) {
      const b = mem.tryRead(page, 4);
      if (b && b.readUInt32BE(0) === 0x7f454c46) return { path: undefined, imageBase: page, regions: [] };
    }
  }
  return undefined;
}

/** Build IDs of the executable as found in the core's own bytes (no file on disk is read). */
export function coreBuildIds(core: CoreFile): BuildIds {
  const em = executableMapping(core);
  if (!em) return {};
  const mem = new CoreMemory(core, { useMappedFiles: false });
  return readBuildIdsFromMemory(mem, em.imageBase, core.name);
}

/**
 * Go build information read from the core's own bytes (no executable needed): the buildinfo blob
 * at the start of the executable's dumped writable mapping. Undefined when not found.
 */
export function buildInfoFromCore(core: CoreFile): BuildInfo | undefined {
  const em = executableMapping(core);
  const rw = core.segments
    .filter((s) => (s.flags & PF_W) !== 0 && s.filesz > 0)
    .filter((s) => !em || em.regions.length === 0 || em.regions.some((r) => s.vaddr >= r.start && s.vaddr < r.end))
    .map((s) => ({ start: s.vaddr, end: s.vaddr + s.memsz }));
  const mem = new CoreMemory(core, { useMappedFiles: false });
  return findBuildInfoInMemory(mem, rw.slice(0, 8), core.name);
}

/** Candidate executable paths for a core, most likely first, de-duplicated, existing files only. */
export function executableCandidates(core: CoreFile, extra: readonly string[] = [], besideDir?: string): string[] {
  return labelledCandidates(core, extra, besideDir).map((c) => c.path);
}

function labelledCandidates(
  core: CoreFile,
  extra: readonly string[],
  besideDir: string | undefined,
): { path: string; by: FoundBy }[] {
  const coreDir = besideDir ?? dirname(resolve(core.name));
  const by = new Map<string, FoundBy>();
  for (const p of extra) if (!by.has(resolve(p))) by.set(resolve(p), 'candidate');
  const out: string[] = [...extra];
  const em = executableMapping(core);
  if (em?.path) {
    // The kernel appends " (deleted)" when the file was removed or replaced after exec.
    const p = em.path.replace(/ \(deleted\)$/, '');
    out.push(p, join(coreDir, p.split('/').pop()!));
    if (!by.has(resolve(p))) by.set(resolve(p), 'core-path');
  }
  const ps = core.process;
  if (ps) {
    const first = ps.psargs.split(' ')[0];
    if (first) out.push(isAbsolute(first) ? first : join(coreDir, first));
    if (ps.fname) out.push(join(coreDir, ps.fname));
  }
  const seen = new Set<string>();
  return out
    .filter((p) => {
      const r = resolve(p);
      if (seen.has(r)) return false;
      seen.add(r);
      try {
        return existsSync(r) && statSync(r).isFile();
      } catch {
        return false;
      }
    })
    .map((p) => ({ path: p, by: by.get(resolve(p)) ?? 'beside-core' }));
}

/**
 * Where local build-ID directories may hold the executable, most likely first: for a GNU build ID
 * `ab…` the debuginfod-style `<dir>/ab…/executable`, the distributions' `<dir>/.build-id/ab/….debug`
 * layout (and the link beside it without `.debug`); for a Go build ID (older binaries, no GNU
 * ID) `<dir>/<go build id>/executable` (its `/`s are directory levels). Existing files only.
 */
export function buildIdCandidates(ids: BuildIds, dirs: readonly string[]): string[] {
  const out: string[] = [];
  const gnu = ids.gnu && /^[0-9a-f]{4,128}$/.test(ids.gnu) ? ids.gnu : undefined;
  // A Go build ID is base64url-like text joined by '/': nothing else may reach the file system.
  const go = ids.go && /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+){0,3}$/.test(ids.go) ? ids.go : undefined;
  for (const dir of dirs) {
    if (!dir || !isAbsolute(dir)) continue;
    if (gnu) {
      out.push(join(dir, gnu, 'executable'));
      out.push(join(dir, '.build-id', gnu.slice(0, 2), gnu.slice(2)));
      out.push(join(dir, '.build-id', gnu.slice(0, 2), `${gnu.slice(2)}.debug`));
    }
    if (go) out.push(join(dir, go, 'executable'));
  }
  return out.filter((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
}

function openCoreSource(src: ByteSource, opts: OpenCoreOptions): CoreFile {
  try {
    return new CoreFile(src, opts);
  } catch (e) {
    src.close();
    throw e;
  }
}

/** Opens a file (or source) that must be an ELF executable or PIE (ET_EXEC / ET_DYN). */
export function openExecutable(input: string | ByteSource): ElfFile {
  let elf: ElfFile;
  if (typeof input === 'string') elf = ElfFile.open(input);
  else {
    try {
      elf = new ElfFile(input);
    } catch (e) {
      input.close();
      throw e;
    }
  }
  const path = elf.name;
  const t = elf.header.type;
  if (t !== ET_EXEC && t !== ET_DYN) {
    elf.close();
    throw new CoreReadError(
      'not-executable',
      path,
      t === 4
        ? `${path} is a core dump, not an executable; pass the core as the core and the program as the binary`
        : `${path} is not an executable (ELF type ${t})`,
    );
  }
  return elf;
}

export interface CoreWithBinary {
  core: CoreFile;
  /** The confirmed executable, if one was found. */
  binary: ElfFile | undefined;
  /** Memory of the process, with the executable's bytes filling what the core lacks. */
  memory: CoreMemory;
  /** Build IDs found in the core's memory. */
  coreBuildIds: BuildIds;
  /** Build IDs of the executable file. */
  binaryBuildIds: BuildIds | undefined;
  /**
   * How the binary was matched: 'go-build-id' / 'gnu-build-id', 'read-only-data' (the core holds
   * no ID, but its dumped read-only data equals the binary's), 'unverified' (nothing to compare),
   * or 'none'.
   */
  verification: 'go-build-id' | 'gnu-build-id' | 'read-only-data' | 'unverified' | 'none';
  /** Go build information, from the binary or else from the core's memory. */
  buildInfo: BuildInfo | undefined;
  /** Candidate paths that were looked at and rejected, with the reason. */
  rejected: { path: string; reason: string }[];
  /** Where the executable came from. */
  foundBy: FoundBy;
  /** The executable's load bias (0 for non-PIE). */
  bias: bigint | undefined;
  close(): void;
}

export interface OpenCoreWithBinaryOptions extends OpenCoreOptions {
  /** More places to look for the executable (e.g. workspace files), tried after `binaryPath`. */
  candidates?: readonly string[];
  /** Local build-ID directories, tried after every other candidate (buildIdCandidates). */
  buildIdDirs?: readonly string[];
  /**
   * The directory to look beside for the executable (default: the core's own directory). A core
   * decompressed into the cache is looked for beside the compressed file the user gave.
   */
  besideDir?: string;
}

/** How the executable was found: given, at the path in the core, beside the core, among the extra candidates, in a build-ID directory. */
export type FoundBy = 'given' | 'core-path' | 'beside-core' | 'candidate' | 'build-id-dir' | 'debuginfod' | 'none';

function compare(core: BuildIds, bin: BuildIds): 'go-build-id' | 'gnu-build-id' | 'unverified' | 'mismatch' {
  if (core.go !== undefined && bin.go !== undefined) return core.go === bin.go ? 'go-build-id' : 'mismatch';
  if (core.gnu !== undefined && bin.gnu !== undefined) return core.gnu === bin.gnu ? 'gnu-build-id' : 'mismatch';
  if (core.go !== undefined || core.gnu !== undefined) return 'mismatch';
  return 'unverified';
}

/** Bytes of each dumped read-only segment compared with the executable (bounded). */
const READ_ONLY_COMPARED = 64 * 1024;

/**
 * The core's dumped read-only, non-executable segments (rodata: type data, strings, pclntab)
 * against the executable's bytes at the same addresses: 'match' when at least one segment was
 * compared and all were equal, 'mismatch' when one differs, 'none' when nothing could be compared.
 */
export function compareReadOnlyData(core: CoreFile, exe: ElfFile): 'match' | 'mismatch' | 'none' {
  const bias = loadBias(core, exe);
  const mem = new CoreMemory(core, { useMappedFiles: false });
  let compared = 0;
  for (const s of core.segments) {
    if ((s.flags & (PF_W | PF_X)) !== 0 || s.filesz === 0) continue;
    const n = Math.min(s.filesz, READ_ONLY_COMPARED);
    let file: Buffer;
    try {
      file = exe.readVaddr(s.vaddr - bias, n);
    } catch (e) {
      if (!(e instanceof CoreReadError)) throw e;
      // Inside the executable's own image but not its bytes there: another build.
      const at = s.vaddr - bias;
      if (exe.loads.some((l) => at >= l.vaddr && at < l.vaddr + l.memsz)) return 'mismatch';
      continue; // another mapping
    }
    const dumped = mem.tryRead(s.vaddr, n);
    if (!dumped) continue;
    if (!dumped.equals(file)) return 'mismatch';
    compared++;
  }
  return compared > 0 ? 'match' : 'none';
}

/** Why an executable cannot be the core's: another architecture; undefined when it can. */
function archProblem(core: CoreFile, exe: ElfFile): string | undefined {
  return exe.header.arch !== core.arch ? `it is an ${exe.header.arch} executable and the core is ${core.arch}` : undefined;
}

/** compare() plus, where the core holds no build ID, its read-only data. */
function confirm(core: CoreFile, coreIds: BuildIds, exe: ElfFile, ids: BuildIds): CoreWithBinary['verification'] | 'mismatch' {
  const c = compare(coreIds, ids);
  if (c !== 'unverified') return c;
  const r = compareReadOnlyData(core, exe);
  return r === 'match' ? 'read-only-data' : r === 'mismatch' ? 'mismatch' : 'unverified';
}

/**
 * Opens a core and its executable. With `binaryPath` the binary must match the core (else
 * BuildIdMismatchError naming both IDs and files); without it, the candidates are tried and the
 * first matching one is used. Throws 'not-go' when neither the core nor its executable holds Go
 * build information.
 */
export function openCoreWithBinary(
  corePath: string | Buffer | ByteSource,
  binaryPath?: string | ByteSource,
  opts: OpenCoreWithBinaryOptions = {},
): CoreWithBinary {
  // A core cut short opens with what it has (CoreFile.truncation says what is missing).
  const coreOpts = { ...opts, allowTruncated: opts.allowTruncated ?? true };
  const core =
    typeof corePath === 'string' || Buffer.isBuffer(corePath)
      ? CoreFile.open(corePath, coreOpts)
      : openCoreSource(corePath, coreOpts);
  let binary: ElfFile | undefined;
  try {
    const coreIds = coreBuildIds(core);
    const rejected: { path: string; reason: string }[] = [];
    let binaryIds: BuildIds | undefined;
    let verification: CoreWithBinary['verification'] = 'none';
    let foundBy: FoundBy = 'none';
    if (binaryPath !== undefined) {
      foundBy = 'given';
      binary = openExecutable(binaryPath);
      const binaryName = binary.name;
      binaryIds = readBuildIds(binary);
      const wrongArch = archProblem(core, binary);
      if (wrongArch) throw new CoreReadError('unsupported', binaryName, `${binaryName} cannot be the executable of ${core.name}: ${wrongArch}`);
      const c = confirm(core, coreIds, binary, binaryIds);
      if (c === 'mismatch' && coreIds.go === undefined && coreIds.gnu === undefined) {
        throw new CoreReadError('corrupt', binaryName, `${binaryName} is not the executable of ${core.name}: its read-only data differs from the bytes the core holds at the same addresses`);
      }
      if (c === 'mismatch') {
        const useGo = coreIds.go !== undefined;
        throw new BuildIdMismatchError(
          core.name,
          (useGo ? coreIds.go : coreIds.gnu) ?? '(none)',
          binaryName,
          (useGo ? binaryIds.go : binaryIds.gnu) ?? '(none)',
        );
      }
      verification = c;
    } else {
      const candidates = [
        ...labelledCandidates(core, opts.candidates ?? [], opts.besideDir),
        ...buildIdCandidates(coreIds, opts.buildIdDirs ?? []).map((path) => ({ path, by: 'build-id-dir' as const })),
      ];
      for (const { path: p, by } of candidates) {
        if (binary) break;
        let elf: ElfFile;
        try {
          elf = openExecutable(p);
        } catch (e) {
          if (!(e instanceof CoreReadError)) throw e;
          rejected.push({ path: p, reason: e.message });
          continue;
        }
        const ids = readBuildIds(elf);
        const wrongArch = archProblem(core, elf);
        if (wrongArch) {
          rejected.push({ path: p, reason: wrongArch });
          elf.close();
          continue;
        }
        const c = confirm(core, coreIds, elf, ids);
        if (c === 'mismatch') {
          rejected.push({
            path: p,
            reason:
              coreIds.go === undefined && coreIds.gnu === undefined
                ? 'its read-only data differs from the bytes the core holds at the same addresses'
                : `build ID ${ids.go ?? ids.gnu ?? '(none)'} differs from the core's ${coreIds.go ?? coreIds.gnu}`,
          });
          elf.close();
          continue;
        }
        // A build-ID directory's file must carry the core's build ID, not merely lack one.
        if (by === 'build-id-dir' && c === 'unverified') {
          rejected.push({ path: p, reason: 'it holds no build ID to compare with the core' });
          elf.close();
          continue;
        }
        binary = elf;
        binaryIds = ids;
        verification = c;
        foundBy = by;
      }
    }
    // Without a confirmed executable, never fill memory from the file at the recorded path: it may
    // be a different build.
    const exePath = executableMapping(core)?.path;
    const memory = new CoreMemory(
      core,
      binary
        ? { executable: binary, bias: loadBias(core, binary) }
        : { excludeMappedFiles: [...rejected.map((r) => r.path), ...(exePath ? [exePath] : [])] },
    );
    let buildInfo: BuildInfo | undefined;
    if (binary) {
      try {
        buildInfo = readBuildInfo(binary);
      } catch (e) {
        if (!(e instanceof CoreReadError)) throw e;
      }
    }
    buildInfo ??= buildInfoFromCore(core);
    if (!buildInfo && coreIds.go === undefined && binaryIds?.go === undefined) {
      const exe = binary?.name ?? executableMapping(core)?.path ?? core.process?.fname ?? 'its executable';
      throw new CoreReadError(
        'not-go',
        core.name,
        `${core.name} is not the core of a Go program: neither the core nor ${exe} holds a Go build ID or Go build information`,
      );
    }
    const bias = binary ? memory.bias : undefined;
    const b = binary;
    return {
      core,
      binary,
      memory,
      coreBuildIds: coreIds,
      binaryBuildIds: binaryIds,
      verification,
      buildInfo,
      rejected,
      foundBy,
      bias,
      close() {
        memory.close();
        b?.close();
        core.close();
      },
    };
  } catch (e) {
    binary?.close();
    core.close();
    throw e;
  }
}
