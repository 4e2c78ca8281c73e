// Resolves PCs printed in a traceback through the executable that printed it, with the Go pclntab
// reader of src/core. The adapter between the server and src/core is `openBinarySymbols`: it is
// the only function here that knows how a binary's pclntab is found.
//
// PIE binaries run at a load bias the log does not print; it is derived from the log itself: a
// frame printed with its function, `+0x..` offset and `pc=` gives bias = pc - offset - entry.
import { ElfFile } from '../core/elf.js';
import { CoreReadError } from '../core/errors.js';
import { findModuleData, type Region } from '../core/moduledata.js';
import { Pclntab } from '../core/pclntab.js';
import type { Frame } from '../traceback/types.js';

export interface PcResolution {
  /** Physical function containing the PC (the binary's name, with real type arguments). */
  function: string;
  /** Calls inlined at the PC, innermost first (empty when none, or when inline trees are unreadable). */
  inlined: { function: string; file: string; line: number }[];
  /** pc - entry (the runtime's `+0x..`). */
  offset: number;
  entry: bigint;
  /** Position in the physical function (for an inlined call: the call site, as the runtime prints it). */
  file: string;
  line: number;
}

/** What the server needs from a binary. */
export interface BinarySymbols {
  readonly path: string;
  /** Link-time entry of a function by its pclntab name. */
  entryOf(func: string): bigint | undefined;
  /** Resolves a link-time pc. `isCallReturn`: the pc is a return address (look up pc-1 for the line). */
  resolve(linkPc: bigint, isCallReturn: boolean): PcResolution | undefined;
  close(): void;
}

export class BinarySymbolsError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'BinarySymbolsError';
  }
}

const PCLNTAB_SECTIONS = ['.gopclntab', '.data.rel.ro.gopclntab'];

/** Opens an executable and its Go pclntab. Throws BinarySymbolsError with what to do. */
export function openBinarySymbols(path: string): BinarySymbols {
  let elf: ElfFile;
  try {
    elf = ElfFile.open(path);
  } catch (e) {
    throw new BinarySymbolsError(path, `${path}: not a readable ELF executable (${(e as Error).message}); associate the binary that printed the traceback`);
  }
  try {
    let data: Buffer | undefined;
    let addr = 0n;
    for (const name of PCLNTAB_SECTIONS) {
      const sec = elf.section(name);
      data = sec && elf.sectionData(sec);
      if (sec && data && data.length > 0) {
        addr = sec.addr;
        break;
      }
    }
    if (!data || data.length === 0) {
      const sym = elf.symbol('runtime.pclntab');
      if (sym && sym.size > 0n) {
        data = elf.readVaddr(sym.value, Number(sym.size));
        addr = sym.value;
      }
    }
    if (!data || data.length === 0) {
      throw new BinarySymbolsError(path, `${path}: no Go pclntab found (no .gopclntab section or runtime.pclntab symbol); is it a Go binary?`);
    }
    const tab = new Pclntab(data, { file: path });
    enableInlineTrees(elf, tab, addr);
    return new PclntabSymbols(path, elf, tab);
  } catch (e) {
    elf.close();
    if (e instanceof BinarySymbolsError) throw e;
    if (e instanceof CoreReadError) throw new BinarySymbolsError(path, e.message);
    throw e;
  }
}

/**
 * Finds runtime.firstmoduledata (for `gofunc`, the base of inline trees) in .noptrdata, else in
 * the writable PT_LOAD segments. Without it PCs still resolve, only without inlined calls.
 */
function enableInlineTrees(elf: ElfFile, tab: Pclntab, pcHeaderAddr: bigint): void {
  try {
    const regions: Region[] = [];
    const noptr = elf.section('.noptrdata');
    const data = noptr && elf.sectionData(noptr);
    if (noptr && data && data.length > 0) regions.push({ addr: noptr.addr, data });
    else {
      for (const ph of elf.loads) {
        if ((ph.flags & 2) !== 0 && ph.filesz > 0) regions.push({ addr: ph.vaddr, data: elf.readFile(ph.offset, ph.filesz) });
      }
    }
    const md = findModuleData(regions, pcHeaderAddr, tab);
    if (md) tab.setGoFunc(md.gofunc, (a, len) => elf.readVaddr(a, len));
  } catch {
    // Inline trees are an extra: a binary whose moduledata cannot be found still resolves PCs.
  }
}

class PclntabSymbols implements BinarySymbols {
  constructor(
    readonly path: string,
    private readonly elf: ElfFile,
    private readonly tab: Pclntab,
  ) {}

  entryOf(func: string): bigint | undefined {
    return this.tab.funcByName(func)?.entry;
  }

  resolve(linkPc: bigint, isCallReturn: boolean): PcResolution | undefined {
    const lookup = isCallReturn ? linkPc - 1n : linkPc;
    const f = this.tab.funcForPC(lookup);
    if (!f) return undefined;
    const frames = this.tab.frames(lookup);
    const physical = frames[frames.length - 1];
    const pos = physical ?? this.tab.fileLine(f, lookup);
    return {
      function: f.name,
      inlined: frames.slice(0, -1).map((fr) => ({ function: fr.function, file: fr.file, line: fr.line })),
      offset: Number(linkPc - f.entry),
      entry: f.entry,
      file: pos.file,
      line: pos.line,
    };
  }

  close(): void {
    this.elf.close();
  }
}

/** Go prints type arguments as `[...]`; the pclntab has them spelled out. */
export function comparableFuncName(name: string): string {
  let out = '';
  let depth = 0;
  for (const ch of name) {
    if (ch === '[') {
      if (depth === 0) out += '[...]';
      depth++;
    } else if (ch === ']') {
      depth = Math.max(0, depth - 1);
    } else if (depth === 0) {
      out += ch;
    }
  }
  return out;
}

/** The traceback's name and the binary's name denote the same function. */
export function sameFunction(printed: string, binary: string): boolean {
  if (comparableFuncName(printed) === comparableFuncName(binary)) return true;
  // Go 1.21+ prints runtime.gopanic as `panic`.
  return printed === 'panic' && binary === 'runtime.gopanic';
}

/**
 * The load bias (runtime minus link-time address), from frames printed with function, offset and
 * pc. Undefined when no frame allows it or the frames disagree (wrong binary).
 */
export function deriveBias(bin: BinarySymbols, frames: Iterable<Frame>): bigint | undefined {
  const seen = new Map<bigint, number>();
  let tried = 0;
  for (const f of frames) {
    if (f.pc === undefined || f.offset === undefined || f.func.includes('[') || f.func === 'panic') continue;
    const entry = bin.entryOf(f.func);
    if (entry === undefined) continue;
    const bias = f.pc - BigInt(f.offset) - entry;
    seen.set(bias, (seen.get(bias) ?? 0) + 1);
    if (++tried >= 16) break;
  }
  let best: bigint | undefined;
  let bestCount = 0;
  for (const [b, n] of seen) {
    if (n > bestCount) {
      best = b;
      bestCount = n;
    }
  }
  return bestCount * 2 > tried ? best : undefined;
}
