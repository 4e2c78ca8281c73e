// Typed errors for everything that reads cores and binaries. Every error names the file, says
// what is wrong with it (`kind`) and, where possible, what the user can do about it.

/** What is wrong with the input. Generic on purpose: other readers (pclntab, DWARF) reuse it. */
export type CoreErrorKind =
  | 'empty' // the file has no bytes
  | 'not-elf' // no ELF magic
  | 'elf32' // a 32-bit ELF: only ELF64 is supported
  | 'unsupported' // valid ELF, but a machine/encoding/format we do not read
  | 'truncated' // a header, table or segment lies (partly) beyond the end of the file
  | 'not-core' // an ELF that is not ET_CORE was given as a core
  | 'not-executable' // a file given as the executable is not an executable / shared object
  | 'not-go' // no Go runtime data (no buildinfo, no Go build ID, no pclntab)
  | 'build-id-mismatch' // the executable is not the one that produced the core
  | 'corrupt' // internally inconsistent data (bad counts, bad lengths, bad compression)
  | 'unmapped' // a virtual address that no segment/mapping covers
  | 'unavailable' // the address is mapped but its bytes are neither in the core nor in a file we have
  | 'not-found' // a file (executable, mapped file) could not be found
  | 'io'; // the operating system refused to read the file

export class CoreReadError extends Error {
  readonly kind: CoreErrorKind;
  /** The file the error is about (a path, or a label such as `<buffer>` for in-memory sources). */
  readonly file: string;

  constructor(kind: CoreErrorKind, file: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CoreReadError';
    this.kind = kind;
    this.file = file;
  }
}

/** Reading a virtual address that is not (readably) mapped. */
export class UnmappedAddressError extends CoreReadError {
  readonly address: bigint;
  readonly length: number;

  constructor(kind: 'unmapped' | 'unavailable', file: string, address: bigint, length: number, message: string) {
    super(kind, file, message);
    this.name = 'UnmappedAddressError';
    this.address = address;
    this.length = length;
  }
}

/** The executable does not belong to the core (different build IDs). */
export class BuildIdMismatchError extends CoreReadError {
  readonly coreFile: string;
  readonly coreBuildId: string;
  readonly binaryFile: string;
  readonly binaryBuildId: string;

  constructor(coreFile: string, coreBuildId: string, binaryFile: string, binaryBuildId: string) {
    super(
      'build-id-mismatch',
      binaryFile,
      `${binaryFile} is not the executable of ${coreFile}: the core was produced by a binary with Go build ID ` +
        `"${coreBuildId}" but ${binaryFile} has build ID "${binaryBuildId}"; pass the exact binary that crashed ` +
        `(same build), e.g. --binary <path>`,
    );
    this.name = 'BuildIdMismatchError';
    this.coreFile = coreFile;
    this.coreBuildId = coreBuildId;
    this.binaryFile = binaryFile;
    this.binaryBuildId = binaryBuildId;
  }
}

/** `0x1f` formatting used in messages. */
export function hex(n: number | bigint): string {
  return '0x' + n.toString(16);
}
