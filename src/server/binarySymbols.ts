// Resolves PCs printed in a traceback through the executable that printed it, with the Go symbol
// readers of src/core (GoSymbols: pclntab, moduledata for inline trees). `openBinarySymbols` is
// the only adapter between the server and src/core.
//
// PIE binaries run at a load bias the log does not print; it is derived from the log itself: a
// frame printed with its function, `+0x..` offset and `pc=` gives bias = pc - offset - entry.
import { ElfFile } from '../core/elf.js';
import { CoreReadError } from '../core/errors.js';
import { GoSymbols } from '../core/symbols.js';
import { lookupPc } from '../core/returnAddress.js';
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

/** Opens an executable and its Go pclntab (src/core GoSymbols). Throws BinarySymbolsError with what to do. */
export function openBinarySymbols(path: string): BinarySymbols {
  let elf: ElfFile;
  try {
    elf = ElfFile.open(path);
  } catch (e) {
    throw new BinarySymbolsError(
      path,
      `${path}: not a readable ELF executable (${(e as Error).message}); associate the binary that printed the traceback`,
    );
  }
  try {
    return new GoBinarySymbols(path, elf, GoSymbols.load(elf));
  } catch (e) {
    elf.close();
    if (e instanceof CoreReadError)
      throw new BinarySymbolsError(path, `${e.message}; associate the Go binary that printed the traceback`);
    throw e;
  }
}

class GoBinarySymbols implements BinarySymbols {
  constructor(
    readonly path: string,
    private readonly elf: ElfFile,
    private readonly syms: GoSymbols,
  ) {}

  entryOf(func: string): bigint | undefined {
    return this.syms.funcByName(func)?.entry;
  }

  resolve(linkPc: bigint, isCallReturn: boolean): PcResolution | undefined {
    const lookup = lookupPc(linkPc, isCallReturn);
    const f = this.syms.funcForPC(lookup);
    if (!f) return undefined;
    const frames = this.syms.frames(lookup);
    const physical = frames[frames.length - 1];
    const pos = physical ?? this.syms.pclntab.fileLine(f, lookup);
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
