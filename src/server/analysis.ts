// One parsed document: the traceback, and indexes built from it on first use (goroutine groups,
// race report groups, which frame each line belongs to). Analyses are cached per document version.
import { parseTraceback } from '../traceback/parse.js';
import type { Frame, Goroutine, RuntimeStack, Traceback } from '../traceback/types.js';
import { type GroupIndex, groupGoroutines } from './goroutineGroups.js';
import { type RaceGroupIndex, groupRaceReports } from './raceGroups.js';

/** Where a line sits: the frame it belongs to (call or location line), in which stack. */
export interface FrameAt {
  stack: Goroutine | RuntimeStack;
  /** Index of the frame in `stack.frames` (0 = innermost), or -1 for the `created by` frame. */
  index: number;
  /** The frame, or undefined for the `created by` frame (see `createdBy`). */
  frame?: Frame;
  /** The `created by` function, when the line is a created-by line or its location. */
  createdBy?: string;
}

export class Analysis {
  readonly traceback: Traceback;
  /** Time parseTraceback took, in milliseconds. */
  readonly parseMs: number;
  /** CPU time of the process (all its threads: the garbage collector's too) during the parse, in ms. */
  readonly parseCpuMs: number;
  private groupIndex: GroupIndex | undefined;
  private raceGroupIndex: RaceGroupIndex | undefined;
  private frameIndex: Map<number, FrameAt> | undefined;

  constructor(
    readonly uri: string,
    readonly version: number,
    text: string,
  ) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    this.traceback = parseTraceback(text);
    this.parseMs = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    this.parseCpuMs = (cpu.user + cpu.system) / 1000;
  }

  get groups(): GroupIndex {
    this.groupIndex ??= groupGoroutines(this.traceback);
    return this.groupIndex;
  }

  get raceGroups(): RaceGroupIndex {
    this.raceGroupIndex ??= groupRaceReports(this.traceback);
    return this.raceGroupIndex;
  }

  /** Every stack: goroutine blocks and runtime stacks. */
  stacks(): (Goroutine | RuntimeStack)[] {
    return [...this.traceback.runtimeStacks, ...this.traceback.goroutines];
  }

  /** The frame a line (a call line or its location line) belongs to. */
  frameAt(line: number): FrameAt | undefined {
    if (!this.frameIndex) {
      const m = new Map<number, FrameAt>();
      for (const stack of this.stacks()) {
        stack.frames.forEach((frame, index) => {
          const at: FrameAt = { stack, index, frame };
          m.set(frame.call.line, at);
          if (frame.location) m.set(frame.location.line, at);
        });
        if (stack.createdBy) {
          const at: FrameAt = { stack, index: -1, createdBy: stack.createdBy.line.func.value };
          m.set(stack.createdBy.line.line, at);
          if (stack.createdBy.location) m.set(stack.createdBy.location.line, at);
        }
      }
      this.frameIndex = m;
    }
    return this.frameIndex.get(line);
  }

  /** Every frame of every stack, runtime stacks first. */
  *allFrames(): IterableIterator<Frame> {
    for (const s of this.stacks()) yield* s.frames;
  }
}

/** Keeps the latest analysis of each open document. */
export class AnalysisCache {
  private readonly byUri = new Map<string, Analysis>();

  get(uri: string, version: number, text: () => string): Analysis {
    const a = this.byUri.get(uri);
    if (a && a.version === version) return a;
    const fresh = new Analysis(uri, version, text());
    this.byUri.set(uri, fresh);
    return fresh;
  }

  peek(uri: string): Analysis | undefined {
    return this.byUri.get(uri);
  }

  delete(uri: string): void {
    this.byUri.delete(uri);
  }
}
