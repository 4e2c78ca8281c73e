// `.go.buildinfo`: the Go version and module/build information the linker embeds (what
// `go version -m` prints). Format: a 32-byte header starting "\xff Go buildinf:", byte 14 the
// pointer size, byte 15 flags (bit 0: big-endian, bit 1: inline strings). Go 1.18+ stores the
// version and the module info inline as uvarint-prefixed strings after the header; older
// binaries store two pointers to Go string headers at offset 16.
import { ByteReader } from './bytes.js';
import { CoreReadError, hex } from './errors.js';
import { ElfFile, PF_W, SHT_NOBITS } from './elf.js';
import type { Memory } from './memory.js';

export const BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
const MAX_STRING = 1 << 20;

export interface Module {
  path: string;
  version: string;
  sum: string;
  /** `=>` replacement recorded for this module. */
  replace?: Module;
}

export interface BuildSetting {
  key: string;
  value: string;
}

export interface BuildInfo {
  /** e.g. "go1.22.12" */
  goVersion: string;
  /** Package path of the main package ("command-line-arguments" for `go build file.go`). */
  path: string;
  main?: Module;
  deps: Module[];
  /** Build settings in recorded order: -buildmode, -compiler, -gcflags, ..., GOARCH, vcs.*. */
  settings: BuildSetting[];
  /** The module info text (without its sentinels), as `go version -m` prints it. */
  modinfo: string;
  ptrSize: number;
  littleEndian: boolean;
  /** Address of the .go.buildinfo blob (in the file's or the process's address space). */
  address: bigint;
}

/** Value of a build setting (last one wins, like Go's debug.BuildInfo users see it). */
export function buildSetting(info: BuildInfo, key: string): string | undefined {
  for (let i = info.settings.length - 1; i >= 0; i--) if (info.settings[i]!.key === key) return info.settings[i]!.value;
  return undefined;
}

/** Reads `len` bytes at a virtual address; must throw CoreReadError on failure. */
export type VaddrReader = (addr: bigint, len: number) => Buffer;

/** Parses the buildinfo blob at `addr` through a reader of the address space. */
export function parseBuildInfoAt(read: VaddrReader, addr: bigint, file: string): BuildInfo {
  const hdr = read(addr, HEADER_SIZE);
  if (!hdr.subarray(0, BUILDINFO_MAGIC.length).equals(BUILDINFO_MAGIC)) {
    throw new CoreReadError('not-go', file, `${file}: no Go buildinfo header at ${hex(addr)}`);
  }
  const ptrSize = hdr[14]!;
  const flags = hdr[15]!;
  const littleEndian = (flags & 1) === 0;
  let version: string;
  let mod: string;
  if (flags & 2) {
    let p = addr + BigInt(HEADER_SIZE);
    const readVarString = (what: string): string => {
      const lenBuf = read(p, 10);
      const v = new ByteReader(lenBuf, { file, what: `length of buildinfo ${what}`, kind: 'corrupt' }).uleb(0);
      if (v.value > BigInt(MAX_STRING))
        throw new CoreReadError('corrupt', file, `${file}: buildinfo ${what} claims ${v.value} bytes`);
      p += BigInt(v.next);
      const s = read(p, Number(v.value)).toString('utf8');
      p += v.value;
      return s;
    };
    version = readVarString('Go version');
    mod = readVarString('module info');
  } else {
    if (ptrSize !== 4 && ptrSize !== 8)
      throw new CoreReadError('corrupt', file, `${file}: buildinfo pointer size ${ptrSize} is neither 4 nor 8`);
    const r = new ByteReader(hdr, { littleEndian, file, what: 'buildinfo header', kind: 'corrupt' });
    const readStringAt = (hdrPtr: bigint, what: string): string => {
      const sh = new ByteReader(read(hdrPtr, 2 * ptrSize), {
        littleEndian,
        file,
        what: `buildinfo ${what} header`,
        kind: 'corrupt',
      });
      const data = sh.uptr(0, ptrSize);
      const len = sh.uptr(ptrSize, ptrSize);
      if (len > BigInt(MAX_STRING))
        throw new CoreReadError('corrupt', file, `${file}: buildinfo ${what} claims ${len} bytes`);
      return len === 0n ? '' : read(data, Number(len)).toString('utf8');
    };
    version = readStringAt(r.uptr(16, ptrSize), 'Go version');
    mod = readStringAt(r.uptr(16 + ptrSize, ptrSize), 'module info');
  }
  // Module info is framed by 16-byte sentinels.
  if (mod.length >= 33 && mod[mod.length - 17] === '\n') mod = mod.slice(16, mod.length - 16);
  else mod = '';
  if (!/^(go|devel)/.test(version)) {
    throw new CoreReadError(
      'corrupt',
      file,
      `${file}: buildinfo Go version ${JSON.stringify(version.slice(0, 40))} is not a Go version`,
    );
  }
  return { goVersion: version, ...parseModInfo(mod), modinfo: mod, ptrSize, littleEndian, address: addr };
}

/** Parses the module info text (`path`, `mod`, `dep`, `=>`, `build` lines). */
export function parseModInfo(text: string): Pick<BuildInfo, 'path' | 'main' | 'deps' | 'settings'> {
  let path = '';
  let main: Module | undefined;
  const deps: Module[] = [];
  const settings: BuildSetting[] = [];
  let last: Module | undefined;
  const module = (rest: string): Module => {
    const f = rest.split('\t');
    return { path: f[0] ?? '', version: f[1] ?? '', sum: f[2] ?? '' };
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('path\t')) path = line.slice(5);
    else if (line.startsWith('mod\t')) last = main = module(line.slice(4));
    else if (line.startsWith('dep\t')) deps.push((last = module(line.slice(4))));
    else if (line.startsWith('=>\t')) {
      if (last) last.replace = module(line.slice(3));
    } else if (line.startsWith('build\t')) {
      const s = parseBuildLine(line.slice(6));
      if (s) settings.push(s);
    }
  }
  return { path, main, deps, settings };
}

/** One `build` line's `key=value`, each possibly Go-quoted. */
export function parseBuildLine(kv: string): BuildSetting | undefined {
  let key: string;
  let rest: string;
  if (kv.startsWith('"') || kv.startsWith('`')) {
    const end = quotedEnd(kv);
    if (end < 0) return undefined;
    key = goUnquote(kv.slice(0, end));
    rest = kv.slice(end);
    if (!rest.startsWith('=')) return undefined;
    rest = rest.slice(1);
  } else {
    const i = kv.indexOf('=');
    if (i <= 0) return undefined;
    key = kv.slice(0, i);
    rest = kv.slice(i + 1);
  }
  const value = rest.startsWith('"') || rest.startsWith('`') ? goUnquote(rest) : rest;
  return { key, value };
}

function quotedEnd(s: string): number {
  const q = s[0];
  for (let i = 1; i < s.length; i++) {
    if (q === '"' && s[i] === '\\') i++;
    else if (s[i] === q) return i + 1;
  }
  return -1;
}

/** strconv.Unquote for the quoting strconv.Quote produces (and raw backquoted strings). */
export function goUnquote(s: string): string {
  if (s.length >= 2 && s[0] === '`' && s[s.length - 1] === '`') return s.slice(1, -1);
  if (s.length < 2 || s[0] !== '"' || s[s.length - 1] !== '"') return s;
  const body = s.slice(1, -1);
  const bytes: number[] = [];
  const pushStr = (t: string) => bytes.push(...Buffer.from(t, 'utf8'));
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34, "'": 39 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      pushStr(c);
      continue;
    }
    const e = body[++i] ?? '';
    if (e in simple) bytes.push(simple[e]!);
    else if (e === 'x') {
      bytes.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      pushStr(String.fromCodePoint(parseInt(body.slice(i + 1, i + 1 + n), 16)));
      i += n;
    } else if (e >= '0' && e <= '7') {
      bytes.push(parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else pushStr(e);
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Address of the buildinfo blob of an executable file: the `.go.buildinfo` section, or (no
 * section headers) the magic found at a 16-byte boundary in the first 64 KiB of the writable
 * PT_LOAD, where the Go linker places it.
 */
export function findBuildInfoAddress(elf: ElfFile): bigint | undefined {
  const sec = elf.section('.go.buildinfo');
  if (sec && sec.type !== SHT_NOBITS) return sec.addr;
  for (const p of elf.loads) {
    if ((p.flags & PF_W) === 0 || p.filesz === 0) continue;
    const buf = elf.readFile(p.offset, Math.min(p.filesz, 65536), 'data segment');
    const i = scanMagic(buf);
    if (i >= 0) return p.vaddr + BigInt(i);
  }
  return undefined;
}

function scanMagic(buf: Buffer): number {
  for (let i = 0; i + BUILDINFO_MAGIC.length <= buf.length; i += 16) {
    if (buf[i] === 0xff && buf.subarray(i, i + BUILDINFO_MAGIC.length).equals(BUILDINFO_MAGIC)) return i;
  }
  return -1;
}

/** Build information of an executable file; throws 'not-go' when it has none. */
export function readBuildInfo(elf: ElfFile): BuildInfo {
  const addr = findBuildInfoAddress(elf);
  if (addr === undefined) {
    throw new CoreReadError(
      'not-go',
      elf.name,
      `${elf.name} has no Go build information (.go.buildinfo); it is not a Go executable (or was built before Go 1.13)`,
    );
  }
  return parseBuildInfoAt((a, n) => elf.readVaddr(a, n), addr, elf.name);
}

/**
 * Build information from a process's memory: searched at 16-byte boundaries in the first 64 KiB
 * of each candidate region (pass the executable's writable mappings; with a known address, use
 * parseBuildInfoAt directly). Undefined when not found.
 */
export function findBuildInfoInMemory(
  mem: Memory,
  regions: readonly { start: bigint; end: bigint }[],
  file: string,
): BuildInfo | undefined {
  for (const r of regions) {
    const len = Number(r.end - r.start < 65536n ? r.end - r.start : 65536n);
    const buf = mem.tryRead(r.start, len);
    if (!buf) continue;
    const i = scanMagic(buf);
    if (i < 0) continue;
    try {
      return parseBuildInfoAt((a, n) => mem.read(a, n), r.start + BigInt(i), file);
    } catch (e) {
      if (!(e instanceof CoreReadError)) throw e;
    }
  }
  return undefined;
}
