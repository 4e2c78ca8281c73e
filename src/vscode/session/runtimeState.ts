// The runtime part of the views' model, from the crash summary of our own readers (src/report).
import type { CoreAnalysis } from '../../analysis/coreAnalysis.js';
import { crashSummary, type CrashSummary, type SummaryG } from '../../analysis/crashSummary.js';
import type { Report } from '../../analysis/report.js';
import { isRuntimeFunction } from '../../traceback/crash.js';
import type { CrashKind, FrameModel, GInfoModel, GoroutineGroupModel, MModel, PanicRecordModel } from '../model.js';

export interface RuntimeState {
  kind: CrashKind;
  messages: string[];
  signal?: { name: string; code?: number; addr?: string; pc?: string };
  otherGoroutines: { total: number; groups: GoroutineGroupModel[] };
  ms: MModel[];
  panics: PanicRecordModel[];
  notes: string[];
}

function gModel(g: SummaryG): GInfoModel {
  return {
    goid: g.goid,
    status: g.status,
    waitReason: g.waitReason ?? undefined,
    schedPc: g.schedPc,
    schedSp: g.schedSp,
    schedFunc: g.schedFunction ?? undefined,
    schedLine: g.schedLine ?? undefined,
    address: g.address,
  };
}

export function modelFromSummary(s: CrashSummary): RuntimeState {
  return {
    kind: s.kind,
    messages: s.messages,
    signal: s.signal ? { name: s.signal.name, code: parseInt(s.signal.code, 16), addr: s.signal.address, pc: s.signal.pc } : undefined,
    otherGoroutines: {
      total: s.goroutines.total,
      groups: s.goroutines.groups.map((g) => ({
        count: g.count,
        ids: g.goids,
        status: g.status,
        frames: g.frames.map(
          (f): FrameModel => ({
            func: f.func,
            file: f.file,
            line: f.line,
            pc: f.pc,
            sp: f.sp,
            offset: f.inlined ? undefined : f.offset,
            inlined: f.inlined,
            runtime: isRuntimeFunction(f.func),
            origin: false,
            stack: 'goroutine',
          }),
        ),
      })),
    },
    ms: s.ms.map((m) => ({
      id: m.id,
      tid: m.tid,
      crashing: m.crashing,
      address: m.address,
      g0:
        m.g0.stackLo && m.g0.stackHi
          ? {
              stackLo: m.g0.stackLo,
              stackHi: m.g0.stackHi,
              schedPc: m.g0.schedPc ?? undefined,
              schedSp: m.g0.schedSp ?? undefined,
              schedFunc: m.g0.schedFunction ?? undefined,
              crashPcOnStack: m.g0.crashPcOnStack,
            }
          : undefined,
      curg: m.curg ? gModel(m.curg) : undefined,
      gsignal: m.gsignal,
      throwing: m.throwing,
      mallocing: m.mallocing,
      locks: m.locks,
      p: m.pId !== null ? `${m.p} (P${m.pId})` : m.p === '0x0' ? 'none' : m.p,
    })),
    panics: s.panics.map((p) => ({
      address: p.address,
      value: p.value,
      recovered: p.recovered,
      aborted: p.aborted ?? false,
      goexit: p.goexit,
      fields: p.fields.map((f) => ({ name: f.name, offset: f.offset, type: f.type, value: f.value, symbol: f.symbol })),
    })),
    notes: s.notes,
  };
}

export function crashRuntimeState(a: CoreAnalysis, report: Report): RuntimeState {
  return modelFromSummary(crashSummary(a, report));
}
