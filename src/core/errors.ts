// Typed errors. `InspectorError` is the one base of every error of ours: the file it is about, what
// is wrong (the message, one sentence a user can act on), and what to do, worded per surface (a
// command line names flags, the editor names commands and pickers). `formatError` is the one
// formatter both surfaces use. CoreReadError is the readers' error (cores and binaries).

/** What to do about an error, in the words of the surface that shows it. */
export interface ErrorHint {
  /** For `go-core` (flags, e.g. "pass it with --binary <path>"). */
  cli?: string;
  /** For VS Code (commands, pickers, settings). */
  editor?: string;
}

export type Surface = keyof ErrorHint;

export class InspectorError extends Error {
  /** The file the error is about, when there is one (a path, or a label such as `<buffer>`). */
  readonly file: string | undefined;
  /** What to do, per surface. */
  readonly hint: ErrorHint;

  constructor(message: string, opts: { file?: string; hint?: ErrorHint; cause?: unknown } = {}) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'InspectorError';
    this.file = opts.file;
    this.hint = opts.hint ?? {};
  }
}

/**
 * One error as a surface shows it: our errors as their message plus the hint for that surface; any
 * other error with its name (an unexpected one). `oneLine` folds the text for a terminal line.
 */
export function formatError(e: unknown, surface: Surface, opts: { oneLine?: boolean } = {}): string {
  let text: string;
  if (e instanceof InspectorError) {
    const hint = e.hint[surface];
    text = hint ? `${e.message.replace(/[.;:]?\s*$/, '')}; ${hint}` : e.message;
  } else if (e instanceof Error) text = `${e.name}: ${e.message}`;
  else text = String(e);
  return opts.oneLine ? text.replace(/\s*\n\s*/g, ' ') : text;
}

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
  | 'not-regular' // a FIFO, device, socket or directory was given where a file is read (refused before opening)
  | 'too-large' // decompressed data (or a download) would pass its size bound
  | 'io'; // the operating system refused to read the file

export class CoreReadError extends InspectorError {
  readonly kind: CoreErrorKind;
  /** The file the error is about (a path, or a label such as `<buffer>` for in-memory sources). */
  declare readonly file: string;

  constructor(kind: CoreErrorKind, file: string, message: string, options?: { cause?: unknown; hint?: ErrorHint }) {
    super(message, { file, ...(options?.hint ? { hint: options.hint } : {}), ...(options?.cause !== undefined ? { cause: options.cause } : {}) });
    this.name = 'CoreReadError';
    this.kind = kind;
  }
}

/**
 * No executable matching the core was found: where it was looked for (the path the core records,
 * the same name beside the core) and every candidate file rejected, with why, so that a surface
 * can say where it looked.
 */
export class ExecutableMissingError extends CoreReadError {
  constructor(
    file: string,
    message: string,
    /** The executable's path as the core records it (NT_FILE / the mapping of its entry point). */
    readonly recordedPath: string | undefined,
    /** Candidate files that exist but are not the executable. */
    readonly rejected: readonly { path: string; reason: string }[],
    hint: ErrorHint,
    /** The build IDs to look for (the core's). */
    readonly buildIds: { go?: string; gnu?: string } = {},
  ) {
    super('not-found', file, message, { hint });
    this.name = 'ExecutableMissingError';
  }

  /** The same error with more said (e.g. what debuginfod answered). */
  withMessage(message: string): ExecutableMissingError {
    return new ExecutableMissingError(this.file, message, this.recordedPath, this.rejected, this.hint, this.buildIds);
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
        `"${coreBuildId}" but ${binaryFile} has build ID "${binaryBuildId}"`,
      {
        hint: {
          cli: 'pass the exact binary that crashed (same build) with --binary <path>',
          editor: 'choose the exact binary that crashed (the same build)',
        },
      },
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
