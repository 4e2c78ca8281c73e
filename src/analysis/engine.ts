// THE ENGINE: a core opened once. `openCore` finds and confirms the executable, reads its symbols,
// buildinfo, layout and memory once, and answers every surface's questions from those, lazily and
// memoised: report() (the model of `go-core report --json`, schemas/report.schema.json), crash()
// (what the runtime knew: kind, messages, _panic chain, Ms, goroutine groups), threads(),
// heap() (objects by type and size class, retention paths), waits() (what each goroutine waits on,
// deadlocks, leaks, throwers: waits.ts), describePc() and the SSA mapping of any pc through the
// binary it already opened. Surfaces
// (src/report, src/server, src/vscode) render what it returns and never open files themselves.
import type { ThreadStatus } from '../core/notes.js';
import type { MapPcRequest, PcMapping } from '../ssa/pcToSsa.js';
import { goBinaryOf, type GoBinary, type PcDescription } from './binary.js';
import type { DecompressProgress } from '../core/compressed.js';
import { analyzeCore, type AnalyzeOptions, type CoreAnalysis } from './coreAnalysis.js';
import { CoreReadError, ExecutableMissingError } from '../core/errors.js';
import { prepareCore } from './coreInput.js';
import { DebuginfodError, fetchExecutable, type DebuginfodOptions } from './debuginfod.js';
import { crashSummary, type CrashSummary, type SummaryOptions } from './crashSummary.js';
import { buildHeap, HeapError, type CoreHeap } from './heap.js';
import { goroutineLeaks, stackEvidenceLeaks, type GoroutineLeaks } from './goroutineLeaks.js';
import { buildReport, type Report } from './report.js';
import { analyzeWaits, analyzeWaitsAsync, reasonGroups, type ReasonGroups, type Waits } from './waits.js';

export interface OpenCoreOptions extends AnalyzeOptions {
  /** How the other goroutines are grouped in crash() (default: all of them, up to 100,000). */
  summary?: SummaryOptions;
  /** Workspace folders: the report says when the sources of a binary built elsewhere are read from one. */
  workspaceFolders?: readonly string[];
}

/** What openCoreAsync is doing, for a progress bar. */
export type OpenCoreProgress =
  | ({ stage: 'decompress' } & DecompressProgress)
  | { stage: 'download'; url: string; receivedBytes: number; totalBytes: number | undefined };

export interface OpenCoreAsyncOptions extends OpenCoreOptions {
  /** Servers to fetch the executable from by GNU build ID when no local file matches. */
  debuginfod?: Omit<DebuginfodOptions, 'onProgress' | 'signal'>;
  onProgress?: (p: OpenCoreProgress) => void;
  signal?: AbortSignal;
}

export interface CoreEngine {
  readonly corePath: string;
  /** The executable, found and confirmed by build ID, opened once (shared with the core's analysis). */
  readonly binary: GoBinary;
  /** The low-level handle: core, memory, symbols, layout, per-thread stacks (for the runtime walkers). */
  readonly analysis: CoreAnalysis;
  /** Bytes of memory the core holds (its dumped segments): at most what a heap walk reads. */
  readonly memoryBytes: number;
  /** The report model (memoised). */
  report(): Report;
  /** What the runtime knew at the crash (memoised). */
  crash(): CrashSummary;
  /** What every goroutine waits on, the objects with their queues, deadlock, leaks, throwers (memoised). */
  waits(): Waits;
  /**
   * waits() computed in slices that give the event loop a turn (for the editor: the extension host
   * stays responsive); shares the memo with waits(). A cancelled call leaves nothing memoised.
   */
  waitsAsync(opts?: { signal?: AbortSignal }): Promise<Waits>;
  /**
   * Leak suspects by heap reachability (goroutineLeaks.ts): walks the heap (heap(), memoised);
   * when the heap cannot be walked, waits()'s stack evidence, saying why (memoised).
   */
  leaks(): GoroutineLeaks;
  /**
   * Every goroutine grouped by wait reason, from the runtime snapshot alone (milliseconds once
   * crash() has read it): waits().groups.byReason, for a view to show before waits() ends (memoised).
   */
  reasonGroups(): ReasonGroups;
  /** The core's threads, the crashing one first. */
  threads(): readonly ThreadStatus[];
  /** The Go heap: objects by type and size class, retention paths (memoised; throws HeapError). */
  heap(): CoreHeap;
  /** A pc of the crashed binary: function, source frames (the return-address rule applied). */
  describePc(pc: bigint, opts: { returnAddress: boolean }): PcDescription | undefined;
  /** The instruction and SSA value of a pc, through the binary this engine opened (src/ssa). */
  mapSsa(req: MapPcRequest): Promise<PcMapping>;
  close(): void;
}

/** Opens a core and its executable once. Throws CoreReadError (what failed, on which file). */
export function openCore(corePath: string, opts: OpenCoreOptions = {}): CoreEngine {
  const a = analyzeCore(corePath, opts);
  try {
    const binary = goBinaryOf({ path: a.cw.binary!.name, elf: a.cw.binary!, syms: a.syms, ownsElf: false });
    let report: Report | undefined;
    let crash: CrashSummary | undefined;
    let heap: CoreHeap | undefined;
    let waits: Waits | undefined;
    let leaks: GoroutineLeaks | undefined;
    let reasons: ReasonGroups | undefined;
    return {
      corePath,
      binary,
      analysis: a,
      memoryBytes: a.cw.core.segments.reduce((n, sg) => n + sg.filesz, 0),
      report: () => (report ??= buildReport(a, { workspaceFolders: opts.workspaceFolders ?? [] })),
      crash() {
        return (crash ??= crashSummary(a, this.report(), opts.summary));
      },
      waits: () => (waits ??= analyzeWaits(a)),
      async waitsAsync(o = {}) {
        if (waits) return waits;
        const w = await analyzeWaitsAsync(a, o.signal ? { signal: o.signal } : {});
        return (waits ??= w);
      },
      leaks() {
        if (leaks) return leaks;
        const w = this.waits();
        let h: CoreHeap;
        try {
          h = this.heap();
        } catch (e) {
          if (!(e instanceof HeapError)) throw e;
          return (leaks = stackEvidenceLeaks(w, e.message));
        }
        let gs;
        try {
          gs = a.snapshot().goroutines.goroutines;
        } catch (e) {
          if (!(e instanceof CoreReadError)) throw e;
          return (leaks = stackEvidenceLeaks(w, `the goroutines could not be read: ${e.message}`));
        }
        return (leaks = goroutineLeaks(w, h, gs));
      },
      reasonGroups: () => (reasons ??= reasonGroups(a)),
      threads() {
        const crashing = a.cw.core.crashingThread;
        return [crashing, ...a.cw.core.threads.filter((t) => t !== crashing)];
      },
      heap: () => (heap ??= buildHeap(a)),
      describePc: (pc, o) => binary.describePc(pc, o),
      mapSsa: (req) => binary.mapSsa(req),
      close() {
        binary.close();
        a.close();
      },
    };
  } catch (e) {
    a.close();
    throw e;
  }
}

/**
 * openCore for the surfaces that can wait: a compressed core is decompressed with progress (and can
 * be cancelled), and when no local file is the executable, the debuginfod servers are asked for it
 * by the core's GNU build ID (the answer is checked to carry that build ID).
 */
export async function openCoreAsync(corePath: string, opts: OpenCoreAsyncOptions = {}): Promise<CoreEngine> {
  const prepared =
    opts.prepared ??
    (await prepareCore(corePath, {
      ...opts.decompress,
      ...(opts.signal ? { signal: opts.signal } : {}),
      onProgress: (p) => opts.onProgress?.({ stage: 'decompress', ...p }),
    }));
  try {
    return openCore(corePath, { ...opts, prepared });
  } catch (e) {
    const urls = opts.debuginfod?.urls ?? [];
    if (!(e instanceof ExecutableMissingError) || opts.binary !== undefined || urls.length === 0) throw e;
    const gnu = e.buildIds.gnu;
    if (!gnu) {
      throw e.withMessage(
        `${e.message}; debuginfod was not asked: the core's executable has no GNU build ID (Go emits one from Go 1.24, older with -ldflags=-B=gobuildid)`,
      );
    }
    let fetched: string;
    try {
      fetched = (
        await fetchExecutable(gnu, {
          ...opts.debuginfod!,
          ...(opts.signal ? { signal: opts.signal } : {}),
          onProgress: (p) => opts.onProgress?.({ stage: 'download', ...p }),
        })
      ).path;
    } catch (d) {
      if (!(d instanceof DebuginfodError)) throw d;
      throw e.withMessage(`${e.message}; ${d.message}`);
    }
    return openCore(corePath, { ...opts, prepared, binary: fetched, binaryFoundBy: 'debuginfod' });
  }
}

export { openBinary, type GoBinary, type PcDescription } from './binary.js';
