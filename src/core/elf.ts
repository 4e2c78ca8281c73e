// ELF64 reader over a ByteSource: headers, program/section headers, notes, symbols, section data
// (SHF_COMPRESSED and .zdebug_* handled), virtual address → file offset. Reads lazily by offset;
// everything read from the file is validated against the file size before allocating.
import { inflateSync } from 'node:zlib';
import { ByteReader, toSafeNumber } from './bytes.js';
import { CoreReadError, hex } from './errors.js';
import {
  archOf,
  ELFCOMPRESS_ZLIB,
  ELFCOMPRESS_ZSTD,
  PT_LOAD,
  PT_NOTE,
  SHF_COMPRESSED,
  SHN_XINDEX,
  SHT_NOBITS,
  SHT_NOTE,
  SHT_SYMTAB,
  SHT_DYNSYM,
  type ElfHeader,
  type ElfNote,
  type ElfSymbol,
  type ProgramHeader,
  type SectionHeader,
} from './elfTypes.js';
import { openSource, type ByteSource } from './source.js';

export * from './elfTypes.js';

/** Upper bound for a decompressed section (bounds inflate on corrupt headers). */
export const MAX_SECTION_BYTES = 512 * 1024 * 1024;
/** Upper bound for notes read at once from one PT_NOTE/SHT_NOTE. */
export const MAX_NOTES_BYTES = 256 * 1024 * 1024;
const MAX_NOTE_COUNT = 200_000;

export interface OpenElfOptions {
  /** Label for a Buffer input (default `<buffer>`). */
  name?: string;
}

export class ElfFile {
  readonly source: ByteSource;
  readonly header: ElfHeader;
  readonly programHeaders: readonly ProgramHeader[];
  private sectionCache: SectionHeader[] | undefined;
  private symbolCache: ElfSymbol[] | undefined;
  private dynamicSymbolCache: ElfSymbol[] | undefined;
  private symbolByName: Map<string, ElfSymbol> | undefined;

  /** Opens a file by path (lazy reads) or parses a Buffer. Throws CoreReadError. */
  static open(input: string | Buffer, opts: OpenElfOptions = {}): ElfFile {
    const src = openSource(input, opts.name);
    try {
      return new ElfFile(src);
    } catch (e) {
      src.close();
      throw e;
    }
  }

  /** Parses the headers of an already opened source (the ElfFile owns it: close() closes it). */
  constructor(source: ByteSource) {
    this.source = source;
    this.header = parseHeader(source);
    this.programHeaders = parseProgramHeaders(source, this.header);
  }

  get name(): string {
    return this.source.name;
  }
  get size(): number {
    return this.source.size;
  }
  get littleEndian(): boolean {
    return this.header.littleEndian;
  }

  close(): void {
    this.source.close();
  }

  /** A ByteReader over `buf` with this file's byte order. */
  reader(buf: Buffer, what: string, base: number | bigint = 0): ByteReader {
    return new ByteReader(buf, { littleEndian: this.header.littleEndian, file: this.name, what, base });
  }

  /** Raw bytes at a file offset (bounds-checked against the file size). */
  readFile(offset: number, len: number, what = 'data'): Buffer {
    return this.source.read(offset, len, what);
  }

  /** Section headers with their names (parsed on first use; empty for cores without sections). */
  get sections(): readonly SectionHeader[] {
    if (!this.sectionCache) this.sectionCache = parseSections(this.source, this.header);
    return this.sectionCache;
  }

  section(name: string): SectionHeader | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /**
   * A section's contents, decompressed when SHF_COMPRESSED (zlib) or `.zdebug_*` ("ZLIB" + 8-byte
   * big-endian size). `name` may be given as `.debug_info` for a `.zdebug_info` section too.
   * Returns undefined when no such section exists; SHT_NOBITS sections (no file bytes) give an
   * empty Buffer.
   */
  sectionData(sec: SectionHeader | string, maxBytes = MAX_SECTION_BYTES): Buffer | undefined {
    let s: SectionHeader | undefined;
    if (typeof sec === 'string') {
      s = this.section(sec);
      if (!s && sec.startsWith('.debug_')) s = this.section('.zdebug_' + sec.slice('.debug_'.length));
      if (!s) return undefined;
    } else {
      s = sec;
    }
    if (s.type === SHT_NOBITS) return Buffer.alloc(0);
    if (s.size > maxBytes) {
      throw new CoreReadError(
        'corrupt',
        this.name,
        `${this.name}: section ${s.name} is ${s.size} bytes, more than the ${maxBytes} allowed`,
      );
    }
    const raw = this.source.read(s.offset, s.size, `section ${s.name}`);
    if ((s.flags & SHF_COMPRESSED) !== 0n) return this.decompressChdr(s, raw, maxBytes);
    if (s.name.startsWith('.zdebug_') && raw.length >= 12 && raw.toString('latin1', 0, 4) === 'ZLIB') {
      const size = toSafeNumber(raw.readBigUInt64BE(4), this.name, `uncompressed size of ${s.name}`);
      return this.inflate(s, raw.subarray(12), size, maxBytes);
    }
    return raw;
  }

  private decompressChdr(s: SectionHeader, raw: Buffer, maxBytes: number): Buffer {
    const r = this.reader(raw, `compression header of section ${s.name}`, s.offset);
    const chType = r.u32(0);
    const size = r.u64n(8, 'ch_size');
    if (chType === ELFCOMPRESS_ZSTD) {
      throw new CoreReadError(
        'unsupported',
        this.name,
        `${this.name}: section ${s.name} is zstd-compressed, which is not supported; rebuild with -ldflags=-compressdwarf=false or zlib`,
      );
    }
    if (chType !== ELFCOMPRESS_ZLIB) {
      throw new CoreReadError(
        'corrupt',
        this.name,
        `${this.name}: section ${s.name} has unknown compression type ${chType}`,
      );
    }
    return this.inflate(s, raw.subarray(24), size, maxBytes);
  }

  private inflate(s: SectionHeader, data: Buffer, size: number, maxBytes: number): Buffer {
    if (size > maxBytes) {
      throw new CoreReadError(
        'corrupt',
        this.name,
        `${this.name}: section ${s.name} claims ${size} uncompressed bytes, more than the ${maxBytes} allowed`,
      );
    }
    let out: Buffer;
    try {
      out = inflateSync(data, { maxOutputLength: Math.max(1, size) });
    } catch (e) {
      throw new CoreReadError(
        'corrupt',
        this.name,
        `${this.name}: section ${s.name} does not decompress: ${(e as Error).message}`,
        { cause: e },
      );
    }
    if (out.length !== size) {
      throw new CoreReadError(
        'corrupt',
        this.name,
        `${this.name}: section ${s.name} decompressed to ${out.length} bytes, its header says ${size}`,
      );
    }
    return out;
  }

  /** PT_LOAD program headers, in file order. */
  get loads(): ProgramHeader[] {
    return this.programHeaders.filter((p) => p.type === PT_LOAD);
  }

  /** The PT_LOAD containing a virtual address (memory extent, p_memsz), if any. */
  loadFor(addr: bigint): ProgramHeader | undefined {
    return this.programHeaders.find((p) => p.type === PT_LOAD && addr >= p.vaddr && addr < p.vaddr + p.memsz);
  }

  /**
   * File offset of a virtual address, if the address lies in the file-backed part (p_filesz) of a
   * PT_LOAD, together with how many file bytes follow in that segment.
   */
  vaddrToOffset(addr: bigint): { offset: number; available: number } | undefined {
    for (const p of this.programHeaders) {
      if (p.type !== PT_LOAD || addr < p.vaddr) continue;
      const d = addr - p.vaddr;
      if (d < BigInt(p.filesz)) return { offset: p.offset + Number(d), available: p.filesz - Number(d) };
    }
    return undefined;
  }

  /**
   * Bytes at a virtual address of this file's own PT_LOAD segments (no load bias applied).
   * Bytes in p_memsz beyond p_filesz (bss) read as zeros. Throws 'unmapped' otherwise.
   */
  readVaddr(addr: bigint, len: number): Buffer {
    const out = Buffer.alloc(len);
    let done = 0;
    while (done < len) {
      const a = addr + BigInt(done);
      const p = this.loadFor(a);
      if (!p) {
        throw new CoreReadError('unmapped', this.name, `${this.name}: address ${hex(a)} is not in any PT_LOAD segment`);
      }
      const d = Number(a - p.vaddr);
      const segLeft = Number(p.vaddr + p.memsz - a);
      const n = Math.min(len - done, segLeft);
      if (d < p.filesz) {
        const m = Math.min(n, p.filesz - d);
        this.source.read(p.offset + d, m, `segment ${p.index}`).copy(out, done);
        done += m;
      } else {
        done += n; // zero fill
      }
    }
    return out;
  }

  /**
   * Notes: of PT_NOTE segments when there are any (cores, executables), else of SHT_NOTE
   * sections. Pass `from: 'sections'` to read SHT_NOTE sections (with their section names).
   */
  notes(from: 'segments' | 'sections' | 'auto' = 'auto'): ElfNote[] {
    const out: ElfNote[] = [];
    const segs = this.programHeaders.filter((p) => p.type === PT_NOTE);
    if (from === 'segments' || (from === 'auto' && segs.length > 0)) {
      // No spread into push: a corrupt header can describe hundreds of thousands of empty notes.
      for (const p of segs) {
        for (const n of this.parseNotes(p.offset, p.filesz, p.align === 8n ? 8 : 4, `PT_NOTE segment ${p.index}`)) out.push(n);
        this.checkNoteCount(out.length);
      }
      return out;
    }
    for (const s of this.sections) {
      if (s.type !== SHT_NOTE) continue;
      for (const n of this.parseNotes(s.offset, s.size, s.addralign === 8n ? 8 : 4, `note section ${s.name}`)) out.push(n);
      this.checkNoteCount(out.length);
    }
    return out;
  }

  private checkNoteCount(n: number): void {
    if (n > MAX_NOTE_COUNT) {
      throw new CoreReadError('corrupt', this.name, `${this.name}: the note areas hold more than ${MAX_NOTE_COUNT} notes`);
    }
  }

  /** Notes of one SHT_NOTE section by name ('.note.go.buildid', '.note.gnu.build-id'). */
  sectionNotes(name: string): ElfNote[] {
    const s = this.section(name);
    if (!s || s.type === SHT_NOBITS) return [];
    return this.parseNotes(s.offset, s.size, s.addralign === 8n ? 8 : 4, `note section ${name}`);
  }

  /** Parses a note area at a file offset. */
  parseNotes(offset: number, size: number, align: number, what: string): ElfNote[] {
    if (size > MAX_NOTES_BYTES) {
      throw new CoreReadError(
        'corrupt',
        this.name,
        `${this.name}: ${what} is ${size} bytes, more than the ${MAX_NOTES_BYTES} allowed`,
      );
    }
    const buf = this.source.read(offset, size, what);
    return parseNoteBuffer(buf, this.header.littleEndian, align, this.name, what, offset);
  }

  /** `.symtab` symbols (empty when stripped). */
  symbols(): readonly ElfSymbol[] {
    if (this.symbolCache) return this.symbolCache;
    const symtab = this.sections.find((s) => s.type === SHT_SYMTAB);
    return (this.symbolCache = symtab ? this.readSymbolTable(symtab, '.symtab') : []);
  }

  /** `.dynsym` symbols (the exported ones of a shared library; empty when there is none). */
  dynamicSymbols(): readonly ElfSymbol[] {
    if (this.dynamicSymbolCache) return this.dynamicSymbolCache;
    const dynsym = this.sections.find((s) => s.type === SHT_DYNSYM);
    return (this.dynamicSymbolCache = dynsym ? this.readSymbolTable(dynsym, '.dynsym') : []);
  }

  private readSymbolTable(symtab: SectionHeader, what: string): ElfSymbol[] {
    const strtab = this.sections[symtab.link];
    if (!strtab)
      throw new CoreReadError(
        'corrupt',
        this.name,
        `${this.name}: ${what} links to missing string table section ${symtab.link}`,
      );
    const data = this.sectionData(symtab) ?? Buffer.alloc(0);
    const strs = this.sectionData(strtab) ?? Buffer.alloc(0);
    const strR = this.reader(strs, `string table ${strtab.name}`);
    const r = this.reader(data, what, symtab.offset);
    const entsize = symtab.entsize || 24;
    if (entsize < 24)
      throw new CoreReadError('corrupt', this.name, `${this.name}: ${what} entry size ${entsize} is smaller than 24`);
    const out: ElfSymbol[] = [];
    for (let off = 0; off + 24 <= data.length; off += entsize) {
      const nameOff = r.u32(off);
      const info = r.u8(off + 4);
      out.push({
        name: nameOff < strs.length ? strR.cstring(nameOff, 65536) : '',
        type: info & 0xf,
        bind: info >> 4,
        other: r.u8(off + 5),
        shndx: r.u16(off + 6),
        value: r.u64(off + 8),
        size: r.u64(off + 16),
      });
    }
    return out;
  }

  /** The first `.symtab` symbol with this name. */
  symbol(name: string): ElfSymbol | undefined {
    if (!this.symbolByName) {
      this.symbolByName = new Map();
      for (const s of this.symbols()) if (!this.symbolByName.has(s.name)) this.symbolByName.set(s.name, s);
    }
    return this.symbolByName.get(name);
  }
}

/** Parses notes from a buffer (also used for notes read out of a core's memory). */
export function parseNoteBuffer(
  buf: Buffer,
  littleEndian: boolean,
  align: number,
  file: string,
  what: string,
  baseOffset = 0,
): ElfNote[] {
  const r = new ByteReader(buf, { littleEndian, file, what, base: baseOffset });
  const out: ElfNote[] = [];
  const pad = (n: number) => Math.ceil(n / align) * align;
  let off = 0;
  while (off + 12 <= buf.length) {
    if (out.length >= MAX_NOTE_COUNT)
      throw new CoreReadError('corrupt', file, `${file}: ${what} holds more than ${MAX_NOTE_COUNT} notes`);
    const namesz = r.u32(off);
    const descsz = r.u32(off + 4);
    const type = r.u32(off + 8);
    const nameStart = off + 12;
    const descStart = pad(nameStart + namesz);
    const end = pad(descStart + descsz);
    if (nameStart + namesz > buf.length || descStart + descsz > buf.length) {
      throw new CoreReadError(
        'truncated',
        file,
        `${file}: ${what}: note at offset ${hex(baseOffset + off)} (name size ${namesz}, descriptor size ${descsz}) runs past the end of the note area (${buf.length} bytes)`,
      );
    }
    let nameEnd = nameStart + namesz;
    while (nameEnd > nameStart && buf[nameEnd - 1] === 0) nameEnd--;
    out.push({
      name: buf.toString('latin1', nameStart, nameEnd),
      type,
      desc: buf.subarray(descStart, descStart + descsz),
      descOffset: baseOffset + descStart,
    });
    off = end;
  }
  return out;
}

function parseHeader(src: ByteSource): ElfHeader {
  const name = src.name;
  if (src.size === 0)
    throw new CoreReadError(
      'empty',
      name,
      `${name} is empty (0 bytes); if it is a core, the dump failed: check \`ulimit -c\` and free disk space`,
    );
  const ident = src.read(0, Math.min(src.size, 16), 'ELF identification');
  if (ident.length < 4 && ident.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]).subarray(0, ident.length))) {
    throw new CoreReadError(
      'truncated',
      name,
      `${name} is truncated: it has only ${ident.length} byte(s), the start of an ELF header`,
    );
  }
  if (ident.length < 4 || ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) {
    throw new CoreReadError(
      'not-elf',
      name,
      `${name} is not an ELF file (no \\x7fELF magic at its start); expected a Linux core dump or Go executable`,
    );
  }
  if (ident.length < 16) {
    throw new CoreReadError(
      'truncated',
      name,
      `${name} is truncated: the ELF identification needs 16 bytes but the file has ${src.size}`,
    );
  }
  const cls = ident[4];
  if (cls === 1)
    throw new CoreReadError(
      'elf32',
      name,
      `${name} is a 32-bit ELF file; only 64-bit (amd64, arm64) cores and executables are supported`,
    );
  if (cls !== 2) throw new CoreReadError('corrupt', name, `${name}: unknown ELF class ${cls}`);
  const data = ident[5];
  if (data !== 1 && data !== 2) throw new CoreReadError('corrupt', name, `${name}: unknown ELF data encoding ${data}`);
  const littleEndian = data === 1;
  if (src.size < 64) {
    throw new CoreReadError(
      'truncated',
      name,
      `${name} is truncated: the ELF64 header needs 64 bytes but the file has ${src.size}`,
    );
  }
  const r = new ByteReader(src.read(0, 64, 'ELF header'), { littleEndian, file: name, what: 'ELF header' });
  const machine = r.u16(18);
  const h: ElfHeader = {
    bits: 64,
    littleEndian,
    osabi: ident[7]!,
    type: r.u16(16),
    machine,
    arch: archOf(machine),
    version: r.u32(20),
    entry: r.u64(24),
    phoff: r.u64n(32, 'e_phoff'),
    shoff: r.u64n(40, 'e_shoff'),
    flags: r.u32(48),
    ehsize: r.u16(52),
    phentsize: r.u16(54),
    phnum: r.u16(56),
    shentsize: r.u16(58),
    shnum: r.u16(60),
    shstrndx: r.u16(62),
  };
  if (h.phnum > 0 && h.phentsize < 56)
    throw new CoreReadError('corrupt', name, `${name}: ELF program header size ${h.phentsize} is smaller than 56`);
  if (h.shnum > 0 && h.shentsize < 64)
    throw new CoreReadError('corrupt', name, `${name}: ELF section header size ${h.shentsize} is smaller than 64`);
  return h;
}

function parseProgramHeaders(src: ByteSource, h: ElfHeader): ProgramHeader[] {
  let phnum = h.phnum;
  if (phnum === 0xffff && h.shoff !== 0) {
    // PN_XNUM: the real count is in section header 0's sh_info (large cores).
    const s0 = new ByteReader(src.read(h.shoff, 64, 'section header 0'), {
      littleEndian: h.littleEndian,
      file: src.name,
      what: 'section header 0',
    });
    phnum = s0.u32(44);
  }
  if (phnum === 0) return [];
  const total = phnum * h.phentsize;
  const buf = src.read(h.phoff, total, `program header table (${phnum} entries)`);
  const r = new ByteReader(buf, {
    littleEndian: h.littleEndian,
    file: src.name,
    what: 'program headers',
    base: h.phoff,
  });
  const out: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = i * h.phentsize;
    out.push({
      index: i,
      type: r.u32(o),
      flags: r.u32(o + 4),
      offset: r.u64n(o + 8, 'p_offset'),
      vaddr: r.u64(o + 16),
      paddr: r.u64(o + 24),
      filesz: r.u64n(o + 32, 'p_filesz'),
      memsz: r.u64(o + 40),
      align: r.u64(o + 48),
    });
  }
  return out;
}

function parseSections(src: ByteSource, h: ElfHeader): SectionHeader[] {
  if (h.shoff === 0) return [];
  let shnum = h.shnum;
  let shstrndx = h.shstrndx;
  const first = new ByteReader(src.read(h.shoff, 64, 'section header 0'), {
    littleEndian: h.littleEndian,
    file: src.name,
    what: 'section header 0',
  });
  if (shnum === 0) shnum = first.u64n(32, 'sh_size of section 0'); // SHN_LORESERVE+ sections
  if (shstrndx === SHN_XINDEX) shstrndx = first.u32(40);
  if (shnum === 0) return [];
  const total = shnum * h.shentsize;
  if (!Number.isSafeInteger(total) || h.shoff + total > src.size) {
    throw new CoreReadError(
      'truncated',
      src.name,
      `${src.name} is truncated or corrupt: its ${shnum} section headers end at byte ${hex(h.shoff + total)} but the file has ${hex(src.size)} bytes`,
    );
  }
  const r = new ByteReader(src.read(h.shoff, total, 'section header table'), {
    littleEndian: h.littleEndian,
    file: src.name,
    what: 'section headers',
    base: h.shoff,
  });
  const secs: SectionHeader[] = [];
  for (let i = 0; i < shnum; i++) {
    const o = i * h.shentsize;
    const type = r.u32(o + 4);
    const sec: SectionHeader = {
      index: i,
      name: '',
      nameOffset: r.u32(o),
      type,
      flags: r.u64(o + 8),
      addr: r.u64(o + 16),
      offset: r.u64n(o + 24, 'sh_offset'),
      size: r.u64n(o + 32, 'sh_size'),
      link: r.u32(o + 40),
      info: r.u32(o + 44),
      addralign: r.u64(o + 48),
      entsize: r.u64n(o + 56, 'sh_entsize'),
    };
    if (type !== SHT_NOBITS && type !== 0 && sec.offset + sec.size > src.size) {
      throw new CoreReadError(
        'truncated',
        src.name,
        `${src.name} is truncated: section ${i} ends at byte ${hex(sec.offset + sec.size)} but the file has ${hex(src.size)} bytes`,
      );
    }
    secs.push(sec);
  }
  const strsec = secs[shstrndx];
  if (strsec && strsec.type !== SHT_NOBITS && strsec.size > 0) {
    if (strsec.size > MAX_SECTION_BYTES)
      throw new CoreReadError('corrupt', src.name, `${src.name}: section name table is ${strsec.size} bytes`);
    const strs = new ByteReader(src.read(strsec.offset, strsec.size, 'section name table'), {
      file: src.name,
      what: 'section name table',
    });
    for (const s of secs) s.name = s.nameOffset < strs.length ? strs.cstring(s.nameOffset, 256) : '';
  }
  return secs;
}
