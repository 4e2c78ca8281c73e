// The engine behind Open Core Dump: our own readers (no Delve) turned into the views' model.
// Runs in the extension host; everything it calls is plain Node (src/report, src/runtime, src/core).
import { openCore, type CoreEngine } from '../../analysis/engine.js';
import type { ReportFrame } from '../../analysis/report.js';
import { CoreReadError } from '../../core/errors.js';
import { isRuntimeFunction } from '../../traceback/crash.js';
import type { CrashModel, FrameModel, PcDescription, PcInfoProvider } from '../model.js';
import { ExecutableNotFoundError, type Analyzer, type CoreAnalysis } from './analyzer.js';
import { modelFromSummary } from './runtimeState.js';

/** Frames of the report as the views show them, with the origin frame marked. */
export function toFrameModels(frames: ReportFrame[]): { system: FrameModel[]; goroutine: FrameModel[] } {
  const all: FrameModel[] = frames.map((f) => ({
    func: f.function,
    file: f.file || undefined,
    line: f.line || undefined,
    pc: f.pc,
    sp: f.sp,
    fp: f.fp,
    offset: f.inlined ? undefined : parseInt(f.offset, 16),
    inlined: f.inlined,
    runtime: isRuntimeFunction(f.function),
    origin: false,
    faulting: f.signalFrame,
    stack: f.stack === 'g0' ? 'g0' : f.stack === 'gsignal' ? 'gsignal' : 'goroutine',
  }));
  const origin = all.find((f) => !f.runtime);
  if (origin) origin.origin = true;
  return { system: all.filter((f) => f.stack !== 'goroutine'), goroutine: all.filter((f) => f.stack === 'goroutine') };
}

export const analyzeCore: Analyzer = async (corePath, binaryPath, options) => {
  let engine: CoreEngine;
  try {
    engine = openCore(corePath, { binary: binaryPath, candidates: options.candidates });
  } catch (e) {
    if (e instanceof CoreReadError && e.kind === 'not-found' && !binaryPath) throw new ExecutableNotFoundError(corePath, []);
    throw e;
  }
  const a = engine.analysis;
  try {
    const report = engine.report();
    const { system, goroutine } = toFrameModels(report.crash.frames);
    const state = modelFromSummary(engine.crash());
    const model: CrashModel = {
      corePath,
      binaryPath: report.executable.path,
      goVersion: report.go.version ?? undefined,
      buildId: report.executable.goBuildId ?? undefined,
      kind: state.kind,
      messages: state.messages,
      signal: state.signal,
      goroutineId: report.crash.goroutine ?? undefined,
      systemFrames: system,
      frames: goroutine,
      otherGoroutines: state.otherGoroutines,
      ms: state.ms,
      panics: state.panics,
      notes: [...state.notes, ...(report.crash.layout && !a.layout ? [report.crash.layout] : [])],
      sources: { frames: 'readers', runtime: 'readers' },
    };
    // Hovers ask the engine (pclntab through the binary it opened once; the return-address rule).
    const pcInfo: PcInfoProvider = {
      entryOf: (func) => engine.binary.entryOf(func),
      describe: async (pc, { isReturnAddress }): Promise<PcDescription | undefined> => {
        const d = engine.describePc(pc, { returnAddress: isReturnAddress });
        if (!d) return undefined;
        const outer = d.frames[d.frames.length - 1];
        return {
          pc: '0x' + pc.toString(16),
          func: d.function,
          offset: d.offset,
          file: outer?.file,
          line: outer?.line,
          inlined: d.frames.slice(0, -1).map((l) => ({ func: l.function, file: l.file, line: l.line })),
        };
      },
    };
    const result: CoreAnalysis = {
      model,
      binaryPath: report.executable.path,
      goVersion: report.go.version ?? undefined,
      mainModule: report.go.mainModule?.path ?? report.go.mainPath ?? undefined,
      pcInfo,
      loadBias: engine.binary.bias,
      engine,
      dispose: () => engine.close(),
    };
    return result;
  } catch (e) {
    engine.close();
    throw e;
  }
};
