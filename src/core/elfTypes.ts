// ELF constants and record types (ELF64; see the System V gABI and <elf.h>).

export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

export const EM_386 = 3;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_PHDR = 6;
export const PT_TLS = 7;

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;

export const SHF_WRITE = 0x1n;
export const SHF_ALLOC = 0x2n;
export const SHF_EXECINSTR = 0x4n;
export const SHF_COMPRESSED = 0x800n;

export const ELFCOMPRESS_ZLIB = 1;
export const ELFCOMPRESS_ZSTD = 2;

export const SHN_UNDEF = 0;
export const SHN_XINDEX = 0xffff;

export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
export const STT_TLS = 6;

export type Arch = 'amd64' | 'arm64' | 'unknown';

export interface ElfHeader {
  /** Always 64 (ELF32 is rejected with kind 'elf32'). */
  bits: 64;
  littleEndian: boolean;
  osabi: number;
  /** ET_EXEC, ET_DYN, ET_CORE, ... */
  type: number;
  machine: number;
  arch: Arch;
  version: number;
  entry: bigint;
  phoff: number;
  shoff: number;
  flags: number;
  ehsize: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

export interface ProgramHeader {
  index: number;
  type: number;
  /** PF_R | PF_W | PF_X */
  flags: number;
  offset: number;
  vaddr: bigint;
  paddr: bigint;
  filesz: number;
  memsz: bigint;
  align: bigint;
}

export interface SectionHeader {
  index: number;
  name: string;
  nameOffset: number;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  /** Size in the file (0 bytes present for SHT_NOBITS). For compressed sections: the compressed size. */
  size: number;
  link: number;
  info: number;
  addralign: bigint;
  entsize: number;
}

export interface ElfNote {
  /** Owner name without the trailing NUL ("CORE", "LINUX", "GNU", "Go"). */
  name: string;
  type: number;
  desc: Buffer;
  /** File offset of the descriptor. */
  descOffset: number;
}

export interface ElfSymbol {
  name: string;
  value: bigint;
  size: bigint;
  /** STT_* */
  type: number;
  /** STB_* */
  bind: number;
  other: number;
  shndx: number;
}

export function archOf(machine: number): Arch {
  if (machine === EM_X86_64) return 'amd64';
  if (machine === EM_AARCH64) return 'arm64';
  return 'unknown';
}
