// What the editor annotates on each crash frame, computed once for every surface: the
// instruction at the frame's pc, the SSA value it came from, whether that mapping was verified,
// and the return-address rule applied (src/analysis/pcRules.ts). `go-core report --ssa` renders
// it; the editor's annotator renders the same answers.
//
// Each distinct physical pc is mapped once through engine.mapSsa (src/ssa/pcToSsa.ts) with the
// rule of its physical frame: the inlined frames of one physical frame share its pc and its rule
// (the faulting frame of a signal looks up pc itself, on its inlined frames too; FIELD_NOTES,
// "a non-leaf frame's PC is a return address ... the faulting frame of a signal is the exception").
import type { RebuildPlan } from '../ssa/rebuild.js';
import type { PcMapping } from '../ssa/pcToSsa.js';
import type { CoreEngine } from './engine.js';
import { isRuntimeFunction } from '../traceback/crash.js';
import { originIndex } from './pcRules.js';
import type { ReportFrame } from './report.js';

export interface FrameAnnotation {
  /** Index of the frame in the frames annotated (the report's crash.frames). */
  frame: number;
  function: string;
  file: string;
  line: number;
  inlined: boolean;
  origin: boolean;
  /** The physical frame's pc. */
  pc: string;
  /** The rule applied: pc is a return address (look up pc−1) or the instruction itself. */
  returnAddress: boolean;
  /** Why, in words (the rule of the physical frame, shared by its inlined frames). */
  rule: string;
  /** The address looked up: pc−1 for a return address, else pc. Null when nothing was mapped. */
  lookupPc: string | null;
  /** The physical function rebuilt. */
  physicalFunction: string | null;
  instruction: { pc: string; offset: string; text: string; file: string | null; line: number | null } | null;
  ssaValue: { id: string; op: string; text: string; line: number | null } | null;
  /** When the instruction is a block's control (a branch): that block. */
  ssaBlock: { id: string; kind: string; text: string } | null;
  /** The mapping shown (pc → instruction → SSA value) was checked against the binary. */
  verified: boolean;
  reason: string;
  /** The result came from the SSA cache (no rebuild ran). */
  cached: boolean;
  /** Why this frame has no mapping (no source, rebuild refused, toolchain missing...); null when mapped. */
  error: string | null;
}

export interface AnnotateOptions {
  /** The module root the frames' code is rebuilt from, per frame; undefined: not rebuilt (error says why). */
  sourceRoot: (frame: ReportFrame) => string | undefined;
  /** Why a frame has no source root (for the error), in the words of the surface. */
  noSourceHint?: string;
  /** Folders a rebuild may run in (src/ssa/pcToSsa.ts MapPcRequest.allowedRoots). */
  allowedRoots: readonly string[];
  allowedRootsHint?: string;
  /** Asked before anything is rebuilt; absent: cached results only. */
  confirmRebuild?: (plan: RebuildPlan) => boolean | Promise<boolean>;
  /** False: never run the toolchain (untrusted workspace). Default true. */
  allowRebuild?: boolean;
  goroots?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  rebuild?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /** Also the runtime's frames (default: only frames outside the runtime, as the editor annotates). */
  runtimeFrames?: boolean;
  /**
   * Called as each frame is done (the origin first): its annotation, the mapping it came from (the
   * whole answer: neighbours, genssa listing) or the error that left it unmapped. The editor shows
   * results as they come and stops on a refused rebuild.
   */
  onFrame?: (annotation: FrameAnnotation, mapping: PcMapping | undefined, error: unknown) => void;
}

const hx = (n: bigint | number): string => '0x' + n.toString(16);

/** Why a C frame has no SSA value, in the words every surface shows. */
export function noSsaForC(f: Pick<ReportFrame, 'function' | 'module'>): string {
  return `${f.function} is C code${f.module ? ` (in ${f.module})` : ''}: C code has no SSA; SSA exists only for Go functions built by the Go compiler`;
}

/** The rule of each frame's physical frame, in words. */
function ruleText(frames: readonly ReportFrame[], i: number): string {
  const f = frames[i]!;
  if (f.returnAddress) return 'return address: the instruction before pc (the call) is looked up';
  const samePhysical = frames.filter((x) => x.pc === f.pc && x.sp === f.sp && x.stack === f.stack);
  return samePhysical.some((x) => x.signalFrame)
    ? `the faulting instruction: pc itself (a signal interrupted ${samePhysical[samePhysical.length - 1]!.function}${f.inlined ? ', whose inlined frame this is' : ''})`
    : 'the instruction itself: pc is the thread\'s pc register';
}

/** The instruction of a mapping as the JSON models show it (go-core pc, report --ssa). */
export function instructionJson(m: PcMapping): FrameAnnotation['instruction'] {
  return m.instruction
    ? {
        pc: hx(m.entry + BigInt(m.instruction.offset)),
        offset: hx(m.instruction.offset),
        text: m.instruction.text,
        file: m.instruction.file ?? null,
        line: m.instruction.line ?? null,
      }
    : null;
}

function fromMapping(m: PcMapping): Pick<FrameAnnotation, 'lookupPc' | 'physicalFunction' | 'instruction' | 'ssaValue' | 'ssaBlock' | 'verified' | 'reason' | 'cached'> {
  return {
    lookupPc: hx(m.lookupPc),
    physicalFunction: m.function,
    instruction: instructionJson(m),
    ssaValue: m.ssaValue ? { id: m.ssaValue.id, op: m.ssaValue.op, text: m.ssaValue.text, line: m.ssaValue.line ?? null } : null,
    ssaBlock: m.ssaBlock ? { id: m.ssaBlock.id, kind: m.ssaBlock.kind, text: m.ssaBlock.text } : null,
    verified: m.verified,
    reason: m.reason,
    cached: m.rebuild.cached,
  };
}

/**
 * Annotates crash frames: the origin frame first, then the others innermost first; each distinct
 * (physical pc, rule) is mapped once and its answer given to every logical frame it holds.
 * Returns the annotations in frame order. Never throws for one frame: its `error` says why.
 */
export async function annotateFrames(engine: CoreEngine, frames: readonly ReportFrame[], opts: AnnotateOptions): Promise<FrameAnnotation[]> {
  const origin = originIndex(frames);
  const wanted = frames.map((_, i) => i).filter((i) => opts.runtimeFrames || !isRuntimeFunction(frames[i]!.function));
  const order = [...wanted.filter((i) => i === origin), ...wanted.filter((i) => i !== origin)];
  const results = new Map<string, Promise<PcMapping>>();
  const out = new Map<number, FrameAnnotation>();
  for (const i of order) {
    const f = frames[i]!;
    const base = {
      frame: i,
      function: f.function,
      file: f.file,
      line: f.line,
      inlined: f.inlined,
      origin: i === origin,
      pc: f.pc,
      returnAddress: f.returnAddress,
      rule: ruleText(frames, i),
    };
    const none = { lookupPc: null, physicalFunction: null, instruction: null, ssaValue: null, ssaBlock: null, verified: false, reason: '', cached: false };
    if (f.language === 'c') {
      // Native code (C through cgo, the race runtime, a shared library): no Go compiler, no SSA.
      const a: FrameAnnotation = { ...base, ...none, error: noSsaForC(f) };
      out.set(i, a);
      opts.onFrame?.(a, undefined, undefined);
      continue;
    }
    const root = opts.sourceRoot(f);
    if (root === undefined) {
      const a: FrameAnnotation = { ...base, ...none, error: `no source for ${f.file}${opts.noSourceHint ? `: ${opts.noSourceHint}` : ''}` };
      out.set(i, a);
      opts.onFrame?.(a, undefined, undefined);
      continue;
    }
    const key = `${f.pc}|${f.returnAddress}|${root}`;
    let p = results.get(key);
    if (!p) {
      p = engine.mapSsa({
        pc: BigInt(f.pc),
        isReturnAddress: f.returnAddress,
        sourceRoot: root,
        allowedRoots: opts.allowedRoots,
        ...(opts.allowedRootsHint !== undefined ? { allowedRootsHint: opts.allowedRootsHint } : {}),
        ...(opts.confirmRebuild ? { confirmRebuild: opts.confirmRebuild } : {}),
        ...(opts.allowRebuild !== undefined ? { allowRebuild: opts.allowRebuild } : {}),
        ...(opts.goroots ? { goroots: opts.goroots } : {}),
        ...(opts.env ? { env: opts.env } : {}),
        ...(opts.rebuild ? { rebuild: true } : {}),
        ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.onProgress ? { onProgress: (m: string) => opts.onProgress!(`${f.function}: ${m}`) } : {}),
      });
      results.set(key, p);
    }
    let mapping: PcMapping;
    try {
      mapping = await p;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const a: FrameAnnotation = { ...base, ...none, error: msg.replace(/\s*\n\s*/g, ' ') };
      out.set(i, a);
      opts.onFrame?.(a, undefined, e);
      continue;
    }
    const a: FrameAnnotation = { ...base, ...fromMapping(mapping), error: null };
    out.set(i, a);
    opts.onFrame?.(a, mapping, undefined);
  }
  return [...out.values()].sort((a, b) => a.frame - b.frame);
}
