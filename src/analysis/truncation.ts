// What a truncated core lacks, said in the report's terms: the segments whose bytes were cut off,
// and for each the threads whose stack pointer, the goroutines whose stack (g.stack.lo..hi) or g
// struct, and the crashing thread's frames that fall in it. The goroutine list is read as far as
// the core allows (runtime.allgs may itself be cut off: then only threads and frames are named).
import { CoreReadError } from '../core/errors.js';
import type { CoreTruncation } from '../core/coreFile.js';
import { findRuntimeGlobals } from '../runtime/globals.js';
import { walkGoroutines, type GoroutineInfo } from '../runtime/goroutines.js';
import type { CoreAnalysis } from './coreAnalysis.js';

export interface MissingSegment {
  /** Program header index in the core. */
  index: number;
  address: string;
  /** Size in memory. */
  size: string;
  /** `rwx` letters of p_flags. */
  flags: string;
  /** Bytes the program header promises in the file, and how many are there. */
  fileBytes: number;
  presentBytes: number;
  /** Threads (tid) whose sp lies in the missing part. */
  threads: number[];
  /** Goroutines whose stack or g struct lies (partly) in the missing part. */
  goroutines: number[];
  /** How many of the crashing thread's frames have their sp in the missing part. */
  crashFrames: number;
}

export interface TruncationReport {
  expectedBytes: number;
  actualBytes: number;
  missingSegments: MissingSegment[];
  /** What could not be said (e.g. the goroutine list is itself cut off). */
  notes: string[];
}

const hx = (n: bigint): string => '0x' + n.toString(16);

export function truncationReport(a: CoreAnalysis, t: CoreTruncation): TruncationReport {
  const core = a.cw.core;
  const notes: string[] = [];
  let goroutines: GoroutineInfo[] = [];
  const unreadableGs: bigint[] = [];
  if (a.layout) {
    try {
      const globals = findRuntimeGlobals({ symbols: a.syms, bias: a.cw.bias ?? 0n });
      if (globals.allgs !== undefined) {
        const w = walkGoroutines(a.cw.memory, a.layout, globals.allgs, globals.allglen);
        goroutines = w.goroutines;
        unreadableGs.push(...w.unreadable.map((u) => u.addr));
        if (w.unreadable.length > 0) notes.push(`${w.unreadable.length} goroutine(s) could not be read: their g lies in the missing part`);
      }
    } catch (e) {
      if (!(e instanceof CoreReadError)) throw e;
      notes.push(`the goroutine list could not be read: ${e.message}`);
    }
  } else notes.push('no runtime layout: goroutines are not listed');
  const crashFrames = a.stack(core.crashingThread).frames;
  const missingSegments = t.missingSegments.map((s): MissingSegment => {
    // The missing part: from the first absent byte to the end of the promised bytes.
    const lo = s.vaddr + BigInt(s.filesz);
    const hi = s.vaddr + BigInt(s.filesz + s.missing);
    const inside = (x: bigint): boolean => x >= lo && x < hi;
    const overlaps = (a0: bigint, a1: bigint): boolean => a0 < hi && a1 > lo;
    return {
      index: s.index,
      address: hx(s.vaddr),
      size: hx(s.memsz),
      flags: `${s.flags & 4 ? 'r' : '-'}${s.flags & 2 ? 'w' : '-'}${s.flags & 1 ? 'x' : '-'}`,
      fileBytes: s.filesz + s.missing,
      presentBytes: s.filesz,
      threads: core.threads.filter((th) => inside(th.sp)).map((th) => th.tid),
      goroutines: goroutines
        .filter((g) => overlaps(g.stackLo, g.stackHi) || inside(g.addr))
        .map((g) => Number(g.goid)),
      crashFrames: crashFrames.filter((f) => inside(f.sp)).length,
    };
  });
  const lostGs = unreadableGs.filter((g) => missingSegments.length > 0 && t.missingSegments.some((s) => g >= s.vaddr + BigInt(s.filesz) && g < s.vaddr + s.memsz));
  if (lostGs.length > 0) notes.push(`g's at ${lostGs.slice(0, 8).map(hx).join(', ')}${lostGs.length > 8 ? ', …' : ''} are in the missing part`);
  return { expectedBytes: t.expectedBytes, actualBytes: t.actualBytes, missingSegments, notes };
}
