// The engine behind Open Core Dump: our own readers (no Delve) turned into the views' model.
// Runs in the extension host; everything it calls is plain Node (src/report, src/runtime, src/core).
import { analyzeCore as analyze } from '../../analysis/coreAnalysis.js';
import { buildReport, type ReportFrame } from '../../analysis/report.js';
import { CoreReadError } from '../../core/errors.js';
import { isRuntimeFunction } from '../../traceback/crash.js';
import type { CrashModel, FrameModel, PcDescription, PcInfoProvider } from '../model.js';
import { ExecutableNotFoundError, type Analyzer, type CoreAnalysis } from './analyzer.js';
import { crashRuntimeState } from './runtimeState.js';

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
  let a;
  try {
    a = analyze(corePath, { binary: binaryPath, candidates: options.candidates });
  } catch (e) {
    if (e instanceof CoreReadError && e.kind === 'not-found' && !binaryPath) throw new ExecutableNotFoundError(corePath, []);
    throw e;
  }
  try {
    const report = buildReport(a);
    const { system, goroutine } = toFrameModels(report.crash.frames);
    const state = crashRuntimeState(a, report);
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
    const pcInfo: PcInfoProvider = {
      entryOf: (func) => a.syms.funcByName(func)?.entry,
      describe: async (pc, { isReturnAddress }): Promise<PcDescription | undefined> => {
        const fn = a.syms.funcForPC(pc);
        if (!fn) return undefined;
        const logical = a.syms.frames(pc, { isCallReturn: isReturnAddress });
        const outer = logical[logical.length - 1];
        return {
          pc: '0x' + pc.toString(16),
          func: fn.name,
          offset: Number(pc - fn.entry),
          file: outer?.file,
          line: outer?.line,
          inlined: logical.slice(0, -1).map((l) => ({ func: l.function, file: l.file, line: l.line })),
        };
      },
    };
    const result: CoreAnalysis = {
      model,
      binaryPath: report.executable.path,
      goVersion: report.go.version ?? undefined,
      mainModule: report.go.mainModule?.path ?? report.go.mainPath ?? undefined,
      pcInfo,
      loadBias: a.syms.bias,
      dispose: () => a.close(),
    };
    return result;
  } catch (e) {
    a.close();
    throw e;
  }
};
