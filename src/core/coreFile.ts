// A Linux ELF64 core dump: its PT_LOAD segments (the memory map; bytes are read lazily by
// Memory) and its notes: threads (NT_PRSTATUS), process (NT_PRPSINFO), signal (NT_SIGINFO),
// auxiliary vector (NT_AUXV) and mapped files (NT_FILE).
import { CoreReadError, hex } from './errors.js';
import { ElfFile, ET_CORE, ET_DYN, ET_EXEC, PT_LOAD, type Arch, type ElfNote } from './elf.js';
import {
  AT_ENTRY,
  NT_AUXV,
  NT_FILE,
  NT_PRPSINFO,
  NT_PRSTATUS,
  NT_SIGINFO,
  parseAuxv,
  parseNtFile,
  parsePrpsinfo,
  parsePrstatus,
  parseSiginfo,
  type AuxEntry,
  type MappedFile,
  type ProcessInfo,
  type SignalInfo,
  type ThreadStatus,
} from './notes.js';
import { openSource, type ByteSource } from './source.js';
import { rangeIndex } from './ranges.js';

export * from './notes.js';

export interface CoreSegment {
  index: number;
  vaddr: bigint;
  /** Size in memory. */
  memsz: bigint;
  /** Offset of the dumped bytes in the core file. */
  offset: number;
  /** Bytes present in the core (0 when the kernel did not dump the mapping, e.g. file-backed text). */
  filesz: number;
  /** PF_R | PF_W | PF_X */
  flags: number;
  /**
   * Bytes of the segment the program header promises but the file lacks (a truncated core): the
   * segment's last `missing` dumped bytes are cut off; `filesz` counts only the bytes present.
   */
  missing: number;
}

/** What a core cut short lacks (cores written to a full disk or past `ulimit -c`). */
export interface CoreTruncation {
  /** The size the program headers call for: the end of the last segment's bytes. */
  expectedBytes: number;
  /** The file's size. */
  actualBytes: number;
  /** Segments whose bytes are cut off, wholly or in part, in address order. */
  missingSegments: readonly CoreSegment[];
}

export interface OpenCoreOptions {
  /** Label for a Buffer input. */
  name?: string;
  /**
   * Accept a core whose segments extend past the end of the file (reads of the missing bytes then
   * fail with 'truncated'). Default false: such a core is rejected at open.
   */
  allowTruncated?: boolean;
}

export class CoreFile {
  readonly elf: ElfFile;
  readonly arch: Arch;
  readonly segments: readonly CoreSegment[];
  /** Threads in note order (the kernel writes the thread that dumped the core first). */
  readonly threads: readonly ThreadStatus[];
  readonly process: ProcessInfo | undefined;
  readonly signal: SignalInfo | undefined;
  readonly auxv: readonly AuxEntry[];
  readonly files: readonly MappedFile[];
  /** Every note, undecoded (for NT_PRFPREG, NT_X86_XSTATE, ...). */
  readonly notes: readonly ElfNote[];
  /** Set when the file is shorter than its segments need (opened with allowTruncated). */
  readonly truncation: CoreTruncation | undefined;

  static open(input: string | Buffer, opts: OpenCoreOptions = {}): CoreFile {
    const src = openSource(input, opts.name);
    try {
      return new CoreFile(src, opts);
    } catch (e) {
      src.close();
      throw e;
    }
  }

  constructor(source: ByteSource, opts: OpenCoreOptions = {}) {
    const elf = new ElfFile(source);
    this.elf = elf;
    const name = source.name;
    const h = elf.header;
    if (h.type !== ET_CORE) {
      const what =
        h.type === ET_EXEC || h.type === ET_DYN ? 'an executable or shared object' : `an ELF file of type ${h.type}`;
      throw new CoreReadError(
        'not-core',
        name,
        `${name} is ${what}, not a core dump; open the core file (often named core or core.<pid>) and pass this file as the binary`,
      );
    }
    if (h.arch === 'unknown') {
      throw new CoreReadError(
        'unsupported',
        name,
        `${name} is a core for ELF machine ${h.machine}; only amd64 and arm64 are supported`,
      );
    }
    this.arch = h.arch;
    const segs: CoreSegment[] = [];
    let expected = 0;
    for (const p of elf.programHeaders) {
      if (p.type !== PT_LOAD) continue;
      expected = Math.max(expected, p.offset + p.filesz);
      if (!opts.allowTruncated && p.offset + p.filesz > source.size) {
        throw new CoreReadError(
          'truncated',
          name,
          `${name} is truncated: segment ${p.index} (${hex(p.vaddr)}) ends at byte ${hex(p.offset + p.filesz)} but the file has ` +
            `${hex(source.size)} bytes; the dump was probably cut short (disk full or a core size limit), re-collect it with \`ulimit -c unlimited\``,
        );
      }
      const present = Math.max(0, Math.min(p.filesz, source.size - p.offset));
      segs.push({
        index: p.index,
        vaddr: p.vaddr,
        memsz: p.memsz,
        offset: p.offset,
        filesz: present,
        flags: p.flags,
        missing: p.filesz - present,
      });
    }
    segs.sort((a, b) => (a.vaddr < b.vaddr ? -1 : a.vaddr > b.vaddr ? 1 : 0));
    this.segments = segs;
    const missing = segs.filter((s) => s.missing > 0);
    this.truncation =
      missing.length > 0 ? { expectedBytes: expected, actualBytes: source.size, missingSegments: missing } : undefined;

    const notes = elf.notes('segments');
    this.notes = notes;
    const le = h.littleEndian;
    const threads: ThreadStatus[] = [];
    let process: ProcessInfo | undefined;
    let signal: SignalInfo | undefined;
    let auxv: AuxEntry[] = [];
    let files: MappedFile[] = [];
    for (const n of notes) {
      if (n.name !== 'CORE' && n.name !== 'LINUX') continue;
      switch (n.type) {
        case NT_PRSTATUS:
          if (n.name === 'CORE') threads.push(parsePrstatus(n.desc, this.arch, le, name, threads.length));
          break;
        case NT_PRPSINFO:
          if (n.name === 'CORE') process ??= parsePrpsinfo(n.desc, le, name);
          break;
        case NT_SIGINFO:
          signal ??= parseSiginfo(n.desc, le, name);
          break;
        case NT_AUXV:
          if (auxv.length === 0) auxv = parseAuxv(n.desc, le, name);
          break;
        case NT_FILE:
          if (files.length === 0) files = parseNtFile(n.desc, le, name);
          break;
      }
    }
    if (threads.length === 0) {
      throw new CoreReadError(
        'corrupt',
        name,
        `${name} has no thread state (no NT_PRSTATUS note); it is not a usable process core dump`,
      );
    }
    this.threads = threads;
    this.process = process;
    this.signal = signal;
    this.auxv = auxv;
    this.files = files;
  }

  get name(): string {
    return this.elf.name;
  }

  close(): void {
    this.elf.close();
  }

  /** Value of an auxiliary vector entry (AT_ENTRY, AT_PHDR, AT_BASE, ...). */
  aux(type: number): bigint | undefined {
    return this.auxv.find((a) => a.type === type)?.value;
  }

  /** The program entry point as loaded (AT_ENTRY). */
  get entry(): bigint | undefined {
    return this.aux(AT_ENTRY);
  }

  /**
   * The thread that crashed: the first thread whose NT_PRSTATUS pr_cursig equals NT_SIGINFO's
   * si_signo (the kernel writes the signalled, dumping thread first and stores the fatal signal
   * as its siginfo); without NT_SIGINFO (qemu-user's cores, whose thread order is its own), the
   * first thread with a non-zero pr_cursig; else the first thread.
   */
  get crashingThread(): ThreadStatus {
    const signo = this.signal?.signo;
    return (
      (signo !== undefined && signo !== 0 ? this.threads.find((t) => t.signal === signo) : undefined) ??
      this.threads.find((t) => t.signal !== 0) ??
      this.threads[0]!
    );
  }

  /** The NT_FILE mapping containing an address. */
  mappingFor(addr: bigint): MappedFile | undefined {
    return this.files.find((f) => addr >= f.start && addr < f.end);
  }

  /** The core segment containing an address (by memory size), binary search. */
  segmentFor(addr: bigint): CoreSegment | undefined {
    return this.segments[rangeIndex(this.segments, addr, (s) => s.vaddr, (s) => s.vaddr + s.memsz)];
  }
}
