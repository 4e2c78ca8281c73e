// The runtime part of the views' model: crash kind and messages, Ms, other goroutines, the _panic
// chain. Filled from the runtime walkers (src/runtime) on raw core memory.
import type { CoreAnalysis } from '../../report/analyze.js';
import type { Report } from '../../report/report.js';
import type { CrashKind, GoroutineGroupModel, MModel, PanicRecordModel } from '../model.js';

export interface RuntimeState {
  kind: CrashKind;
  messages: string[];
  otherGoroutines: { total: number; groups: GoroutineGroupModel[] };
  ms: MModel[];
  panics: PanicRecordModel[];
  notes: string[];
}

const FATAL = new Set(['runtime.throw', 'runtime.fatalthrow', 'runtime.fatal', 'runtime.fatalsignal']);
const PANIC = new Set(['runtime.gopanic', 'panic', 'runtime.fatalpanic']);

/** Crash kind from the crashing thread's frames: a throw is a fatal error, gopanic a panic. */
export function crashKindOfFrames(funcs: string[], hasSignal: boolean): CrashKind {
  if (funcs.some((f) => FATAL.has(f))) return 'fatal error';
  if (funcs.some((f) => PANIC.has(f))) return 'panic';
  return hasSignal ? 'signal' : 'unknown';
}

export function crashRuntimeState(_a: CoreAnalysis, report: Report): RuntimeState {
  const funcs = report.crash.frames.map((f) => f.function);
  const sig = report.signal && report.signal.name !== 'SIGABRT';
  return {
    kind: crashKindOfFrames(funcs, !!sig),
    messages: [],
    otherGoroutines: { total: 0, groups: [] },
    ms: [],
    panics: [],
    notes: [],
  };
}
