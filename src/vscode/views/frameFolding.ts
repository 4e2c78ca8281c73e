// Which frames the Panic Frames view folds (pure; no vscode): runs of consecutive runtime frames,
// and of C frames that are not the program's own C code: cgo's generated glue (`_cgo_*`, `x_cgo_*`,
// crosscall2, `_cgo_export.c`, `cgo-gcc-prolog`) and functions of shared libraries (libc's
// `__strlen_evex`, the dynamic loader); runs of one frame repeated (deep recursion). The origin
// frame is never folded, whatever it is.
import type { ReportFrame } from '../../analysis/report.js';
import { isRuntimeFunction } from '../../traceback/crash.js';

export type FoldedFrame =
  | { frame: ReportFrame }
  /** Consecutive runtime frames and library or cgo-glue C frames. */
  | { runtime: ReportFrame[] }
  /** `count` identical frames (the sum of the engine's `repeat`); `depth` adds the frames of the same function just above (a recursion's top). */
  | { repeat: ReportFrame; count: number; depth: number };

const CGO_GLUE_FUNCTION = /^(_cgo_|x_cgo_|crosscall)/;
const CGO_GLUE_FILE = /(^|\/)(_cgo_export\.c|cgo-gcc-prolog)$/;
/** A shared object's file name: libc.so.6, ld-linux-x86-64.so.2, libfoo.so. */
const SHARED_OBJECT = /\.so(\.\d+)*$/;

/** A C frame of cgo's glue or of a shared library (not the program's own C code). */
export function isLibraryCFrame(f: ReportFrame): boolean {
  if (f.language !== 'c') return false;
  return CGO_GLUE_FUNCTION.test(f.function) || CGO_GLUE_FILE.test(f.file ?? '') || SHARED_OBJECT.test(f.module ?? '');
}

/** Folded with the runtime's frames (cgo's glue in Go assembly too: crosscall2). */
export function isFoldedFrame(f: ReportFrame): boolean {
  if (CGO_GLUE_FUNCTION.test(f.function)) return true;
  return f.language === 'c' ? isLibraryCFrame(f) : isRuntimeFunction(f.function);
}

/** The label of a folded run: `3 runtime frames`, `2 C library frames`, `4 runtime and C library frames`. */
export function foldLabel(frames: readonly ReportFrame[]): string {
  const c = frames.filter((f) => f.language === 'c').length;
  const what = c === 0 ? 'runtime' : c === frames.length ? 'C library' : 'runtime and C library';
  return `${frames.length} ${what} frame${frames.length === 1 ? '' : 's'}`;
}

const sameFrame = (a: ReportFrame, b: ReportFrame) => a.function === b.function && a.line === b.line && a.file === b.file;

/**
 * Splits frames into shown frames, folded runs (isFoldedFrame), and runs of one frame repeated
 * (deep recursion: a stack overflow's walk gives one entry standing for millions of identical
 * frames, `repeat`; the count is the sum of `repeat`, exact). The origin frame is never folded.
 */
export function foldFrames(frames: readonly ReportFrame[], origin: ReportFrame | undefined): FoldedFrame[] {
  const out: FoldedFrame[] = [];
  for (const f of frames) {
    const last = out[out.length - 1];
    const prev = last && 'frame' in last ? last.frame : last && 'repeat' in last ? last.repeat : undefined;
    if (prev && f !== origin && prev !== origin && sameFrame(prev, f)) {
      if (last && 'repeat' in last) last.count += f.repeat;
      else out[out.length - 1] = { repeat: prev, count: prev.repeat + f.repeat, depth: 0 };
      continue;
    }
    if (f.repeat > 1 && f !== origin) {
      out.push({ repeat: f, count: f.repeat, depth: 0 });
    } else if (isFoldedFrame(f) && f !== origin) {
      if (last && 'runtime' in last) last.runtime.push(f);
      else out.push({ runtime: [f] });
    } else {
      out.push({ frame: f });
    }
  }
  // A recursion's depth: the run's count plus the frames of the same function right above it (the
  // innermost call, often the origin on another line), as the runtime counts `...N frames elided...`
  // plus the frames it printed.
  for (let i = 0; i < out.length; i++) {
    const x = out[i]!;
    if (!('repeat' in x)) continue;
    let above = 0;
    for (let j = i - 1; j >= 0; j--) {
      const y = out[j]!;
      if ('frame' in y && y.frame.function === x.repeat.function) above += y.frame.repeat;
      else break;
    }
    x.depth = x.count + above;
  }
  return out;
}
