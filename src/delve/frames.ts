// Reading Delve's stack frames: which frames mark a crash, which belong to the runtime, and where
// the crash came from.
import type { DebugProtocol } from '@vscode/debugprotocol';

export type CrashRule = 'stopped-event' | 'selected-goroutine' | 'stack-search';

export interface CrashingGoroutine {
  id: number;
  /** How it was found (see CoreSession.crashingGoroutine()). */
  rule: CrashRule;
  /** Its first frames (up to 64). */
  frames: DebugProtocol.StackFrame[];
  /** Index in `frames` of the first crash frame (gopanic, fatalpanic, throw, ...), -1 if none. */
  crashFrameIndex: number;
  /**
   * Index in `frames` of the origin frame: the first frame after the crash frame that is not in
   * the runtime (see isRuntimeFrame) and that Delve could name (not `???`: a pc in C code without
   * DWARF or symbols, such as the race runtime), i.e. the user code that panicked, threw or
   * faulted; -1 if none.
   */
  originFrameIndex: number;
}

/** Functions whose presence on a goroutine's stack marks it as the one that crashed. */
export const CRASH_FUNCTIONS = [
  'runtime.gopanic',
  'runtime.fatalpanic',
  'runtime.throw',
  'runtime.fatalthrow',
  'runtime.fatal',
  'runtime.sigpanic',
  'runtime.panicmem',
  'runtime.crash',
  'runtime.dieFromSignal',
  'runtime.raise',
  'runtime.newstack',
];

/** The name Delve gives a frame, minus any `(...)` arguments. */
function frameFunction(f: DebugProtocol.StackFrame): string {
  return f.name.replace(/\(.*$/, '').trim();
}

function isCrashFrame(f: DebugProtocol.StackFrame): boolean {
  return CRASH_FUNCTIONS.includes(frameFunction(f));
}

/**
 * Whether a Delve frame is in the Go runtime: its function is in package runtime or its internal
 * packages, or its source file is in GOROOT's runtime tree (Delve prints internal/runtime/maps.fatal
 * as `maps.fatal`, so the name alone is not enough).
 */
export function isRuntimeFrame(f: DebugProtocol.StackFrame): boolean {
  const fn = frameFunction(f);
  if (/^(runtime\.|runtime\/internal\/|internal\/runtime\/)/.test(fn)) return true;
  const path = f.source?.path ?? '';
  return /\/src\/(internal\/)?runtime\/[^/]+\.(go|s)$/.test(path) && /^[a-z]+\./.test(fn) && !fn.startsWith('main.');
}

export function crashInfo(id: number, rule: CrashRule, frames: DebugProtocol.StackFrame[]): CrashingGoroutine {
  const crashFrameIndex = frames.findIndex(isCrashFrame);
  const originFrameIndex =
    crashFrameIndex < 0 ? -1 : frames.findIndex((f, i) => i > crashFrameIndex && !isRuntimeFrame(f) && frameFunction(f) !== '???');
  return { id, rule, frames, crashFrameIndex, originFrameIndex };
}
