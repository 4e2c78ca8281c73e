// Resolves PCs printed in a traceback through the executable that printed it, with the Go symbol
// readers of src/core (GoSymbols: pclntab, moduledata for inline trees). `openBinarySymbols` is
// the only adapter between the server and src/core.
//
// PIE binaries run at a load bias the log does not print; it is derived from the log itself: a
// frame printed with its function, `+0x..` offset and `pc=` gives bias = pc - offset - entry.
import { openBinary, type GoBinary } from '../analysis/binary.js';
import { CoreReadError, InspectorError } from '../core/errors.js';
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
  /** `c` for the binary's own C code (cgo, the race runtime): named from .symtab, lines from its C DWARF; no SSA. */
  language?: 'c';
}

/** What the server needs from a binary. */
export interface BinarySymbols {
  readonly path: string;
  /** The engine's view of the binary (SSA mapping), when it is a real executable. */
  readonly binary?: GoBinary;
  /** Link-time entry of a function by its pclntab name. */
  entryOf(func: string): bigint | undefined;
  /** Resolves a link-time pc. `isCallReturn`: the pc is a return address (look up pc-1 for the line). */
  resolve(linkPc: bigint, isCallReturn: boolean): PcResolution | undefined;
  close(): void;
}

export class BinarySymbolsError extends InspectorError {
  constructor(file: string, message: string) {
    super(message, { file });
    this.name = 'BinarySymbolsError';
  }
}

/** Opens an executable through the engine (src/analysis openBinary). Throws BinarySymbolsError with what to do. */
export function openBinarySymbols(path: string): BinarySymbols {
  try {
    return new GoBinarySymbols(openBinary(path));
  } catch (e) {
    if (e instanceof CoreReadError)
      throw new BinarySymbolsError(path, `${e.message}; associate the Go binary that printed the traceback`);
    throw new BinarySymbolsError(
      path,
      `${path}: not a readable ELF executable (${(e as Error).message}); associate the binary that printed the traceback`,
    );
  }
}

class GoBinarySymbols implements BinarySymbols {
  readonly path: string;
  constructor(readonly binary: GoBinary) {
    this.path = binary.path;
  }

  entryOf(func: string): bigint | undefined {
    return this.binary.entryOf(func);
  }

  resolve(linkPc: bigint, isCallReturn: boolean): PcResolution | undefined {
    const d = this.binary.describePc(linkPc, { returnAddress: isCallReturn });
    if (!d) return this.resolveC(linkPc, isCallReturn);
    const physical = d.frames[d.frames.length - 1];
    const f = this.binary.syms.funcForPC(d.lookupPc)!;
    const pos = physical ?? this.binary.syms.pclntab.fileLine(f, d.lookupPc);
    return {
      function: d.function,
      inlined: d.frames.slice(0, -1).map((fr) => ({ function: fr.function, file: fr.file, line: fr.line })),
      offset: d.offset,
      entry: d.entry,
      file: pos.file,
      line: pos.line,
    };
  }

  /** A pc of the binary's C code: its symbol, and from DWARF its line and the C functions inlined there. */
  private resolveC(linkPc: bigint, isCallReturn: boolean): PcResolution | undefined {
    const c = this.binary.describeNative(linkPc, { returnAddress: isCallReturn });
    if (!c) return undefined;
    const src = c.source ?? [];
    const physical = src[src.length - 1];
    return {
      function: c.function,
      inlined: src.slice(0, -1).map((x) => ({ function: x.function, file: x.file, line: x.line })),
      offset: Number(linkPc - c.entry),
      entry: c.entry,
      file: physical?.file ?? '',
      line: physical?.line ?? 0,
      language: 'c',
    };
  }

  close(): void {
    this.binary.close();
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
