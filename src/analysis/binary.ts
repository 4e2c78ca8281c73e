// One Go executable, opened once: its ELF, Go symbols (pclntab, moduledata), buildinfo and build
// IDs, at a load bias (PIE). Every question about a pc of that binary is answered here: the
// function, the source position with its inlined frames (describePc), and the view the SSA mapper
// needs (ssa(), src/ssa/binary.ts). Crash logs and `go-core pc` without a core open it alone
// (openBinary); a core's engine (engine.ts) builds one from the executable it already opened.
import { readBuildIds, type BuildIds } from '../core/buildid.js';
import { readBuildInfo, type BuildInfo } from '../core/buildinfo.js';
import { ElfFile, ET_DYN } from '../core/elf.js';
import { PF_X, PT_LOAD } from '../core/elfTypes.js';
import { NativeModule, type NativeLocation } from '../core/native.js';
import { GoSymbols } from '../core/symbols.js';
import { ssaBinaryOf, type SsaBinary } from '../ssa/binary.js';
import { mapPc, type MapPcRequest, type PcMapping } from '../ssa/pcToSsa.js';
import { instructionPc, lookupPc } from './pcRules.js';

/** One source frame at a pc: innermost (inlined) first, the physical function last. */
export interface PcFrame {
  function: string;
  file: string;
  line: number;
  inlined: boolean;
}

/** What a pc of the binary is, before any rebuild: the answer of pclntab. */
export interface PcDescription {
  /** The runtime address asked about. */
  pc: bigint;
  /** pc−1 for a return address, else pc. */
  lookupPc: bigint;
  /**
   * Where the instruction the pc stands for starts: pc, or for a return address the call before
   * it when instructions have a fixed size (arm64: pc−4); undefined on amd64 (the rebuilt code's
   * listing finds it).
   */
  instructionPc: bigint | undefined;
  returnAddress: boolean;
  /** The physical function holding lookupPc, its entry, and pc − entry. */
  function: string;
  entry: bigint;
  offset: number;
  /** Source frames at lookupPc, innermost (inlined) first, the physical function last. */
  frames: PcFrame[];
}

export interface GoBinary {
  readonly path: string;
  readonly elf: ElfFile;
  readonly syms: GoSymbols;
  /** Undefined when the binary has no readable buildinfo. */
  readonly buildInfo: BuildInfo | undefined;
  readonly buildIds: BuildIds;
  /** Runtime − link-time address (PIE); 0 otherwise. */
  readonly bias: bigint;
  readonly pie: boolean;
  /**
   * The binary carries DWARF (.debug_info, or .zdebug_info as Go before 1.21 compresses it); false
   * when it was stripped (`-ldflags=-w` or `-s -w`): Delve then has no source lines nor variables.
   */
  readonly hasDwarf: boolean;
  /** Runtime entry of a function by its pclntab name. */
  entryOf(func: string): bigint | undefined;
  /** The function and source frames of a runtime pc; undefined when it is in no Go function. */
  describePc(pc: bigint, opts: { returnAddress: boolean }): PcDescription | undefined;
  /**
   * A pc in the binary's own native code (C through cgo, the race runtime) that is in no Go
   * function: its symbol and, from the C units' DWARF, file:line and inlined C functions.
   * Undefined when the pc is in a Go function or outside the binary's code.
   */
  describeNative(pc: bigint, opts: { returnAddress: boolean }): NativeLocation | undefined;
  /** The view the SSA mapper works on (made once). Throws when the binary has no buildinfo. */
  ssa(): SsaBinary;
  /** The instruction and SSA value of a pc of this binary (src/ssa; asks before any rebuild). */
  mapSsa(req: MapPcRequest): Promise<PcMapping>;
  close(): void;
}

export interface BinaryParts {
  path: string;
  elf: ElfFile;
  syms: GoSymbols;
  /** Close the ELF with the binary (false when a core engine owns it). */
  ownsElf: boolean;
}

/** A GoBinary over an already opened executable and its symbols. */
export function goBinaryOf(parts: BinaryParts): GoBinary {
  const { path, elf, syms } = parts;
  let buildInfo: BuildInfo | undefined;
  let buildInfoError: unknown;
  try {
    buildInfo = readBuildInfo(elf);
  } catch (e) {
    buildInfoError = e;
  }
  const buildIds = readBuildIds(elf);
  let ssa: SsaBinary | undefined;
  let native: NativeModule | undefined;
  return {
    path,
    elf,
    syms,
    buildInfo,
    buildIds,
    bias: syms.bias,
    pie: elf.header.type === ET_DYN,
    hasDwarf: elf.section('.debug_info') !== undefined || elf.section('.zdebug_info') !== undefined,
    entryOf: (func) => syms.funcByName(func)?.entry,
    describePc(pc, { returnAddress }) {
      const at = lookupPc(pc, returnAddress);
      const f = syms.funcForPC(at);
      if (!f) return undefined;
      const frames = syms.frames(at).map((fr) => ({ function: fr.function, file: fr.file, line: fr.line, inlined: fr.inlined }));
      return { pc, lookupPc: at, instructionPc: instructionPc(pc, returnAddress, syms.pclntab.arch), returnAddress, function: f.name, entry: f.entry, offset: Number(pc - f.entry), frames };
    },
    describeNative(pc, { returnAddress }) {
      if (syms.funcForPC(lookupPc(pc, returnAddress))) return undefined;
      native ??= new NativeModule(
        path,
        elf.loads.filter((p) => p.type === PT_LOAD && (p.flags & PF_X) !== 0).map((p) => ({ start: p.vaddr + syms.bias, end: p.vaddr + p.memsz + syms.bias })),
        syms.bias,
        () => elf,
      );
      if (!native.contains(pc) || !native.symbolAt(pc)) return undefined;
      return native.describe(pc, { returnAddress });
    },
    ssa() {
      if (!ssa) {
        if (!buildInfo) throw buildInfoError; // the reader's own error, naming the file
        ssa = ssaBinaryOf({ path, elf, syms, info: buildInfo, ids: buildIds });
      }
      return ssa;
    },
    mapSsa(req) {
      return mapPc(this.ssa(), req);
    },
    close() {
      if (parts.ownsElf) elf.close();
    },
  };
}

/** Opens an executable alone (crash logs, `go-core pc --binary`). Throws CoreReadError. */
export function openBinary(path: string, opts: { loadBias?: bigint } = {}): GoBinary {
  const elf = ElfFile.open(path);
  try {
    return goBinaryOf({ path, elf, syms: GoSymbols.load(elf, { bias: opts.loadBias ?? 0n }), ownsElf: true });
  } catch (e) {
    elf.close();
    throw e;
  }
}
