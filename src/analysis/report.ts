// The headless crash report (schema: schemas/report.schema.json, docs/report-schema.md).
// Addresses are hex strings ("0x4a1b2c"): JSON numbers cannot hold 64-bit values exactly.
import { buildSetting } from '../core/buildinfo.js';
import { signalName } from '../core/notes.js';
import type { PhysicalFrame } from '../core/unwind.js';
import type { CoreAnalysis } from './coreAnalysis.js';
import type { CrashSummary } from './crashSummary.js';
import type { FrameAnnotation } from './annotate.js';
import { isReturnAddress } from './pcRules.js';
import type { WaitsSection, WaitThrower } from './waits.js';
import { moduleRootMapping } from './pathMapping.js';
import { truncationReport, type MissingSegment } from './truncation.js';

/** Delve's answer for the same core (the command line's cross-check), in the report. */
export interface DelveCheck {
  /** The Delve used, and whether its supported Go range covers the binary's version. */
  dlv: { path: string; version: string; inRange: boolean } | null;
  goroutine: number | null;
  frames: { function: string; file: string; line: number }[];
  /** Our readers and Delve name the same crashing goroutine / origin frame (null when unknown). */
  agrees: {
    goroutine: boolean | null;
    origin: boolean | null;
    /** Where the answers differ by design (e.g. Delve does not expand an inlined call at a faulting pc). */
    note?: string | null;
  };
  /** Why Delve gave no answer. */
  error: string | null;
}

export const REPORT_SCHEMA_VERSION = 1;

export interface ReportFrame {
  function: string;
  file: string;
  line: number;
  /** Physical frame's pc (for an inlined frame: the pc of the physical frame that holds it). */
  pc: string;
  sp: string;
  /** The caller's sp (cfa), as the runtime prints `fp=`. */
  fp: string;
  /** Offset of pc from the physical function's entry. */
  offset: string;
  inlined: boolean;
  /** The stack the frame is on: `g0`, `gsignal`, `goroutine N`, or `` when unknown. */
  stack: string;
  /** The physical frame was interrupted by a signal (pc is the faulting instruction); false on its inlined frames. */
  signalFrame: boolean;
  /**
   * The rule for this frame's pc (src/analysis/pcRules.ts, decided once per physical frame): true
   * when pc is a return address (source line, instruction and SSA value are those of pc−1), false
   * when pc is the instruction itself (the faulting frame of a signal, a thread's pc register).
   * Every logical frame of one physical frame has the same value.
   */
  returnAddress: boolean;
  /**
   * How many identical frames this entry stands for (1, or the exact length of the rest of a deep
   * recursion: the walk counts it by return addresses instead of listing it).
   */
  repeat: number;
  /** `c` for a frame of native code (C through cgo, the race runtime, a shared library); absent for Go. */
  language?: 'c';
  /** The file the native frame's code is in (`prog`, `libc.so.6`); absent for Go frames. */
  module?: string;
}

export interface ReportThread {
  tid: number;
  crashing: boolean;
  pc: string;
  sp: string;
  /** `runtime.futex+0x23`, or null when pc is in no Go function. */
  function: string | null;
  /** The g in the g register (R14 on amd64, R28 on arm64) and which g of its M it is; null when it holds no g. */
  g: string | null;
  gKind: 'g0' | 'gsignal' | 'user' | null;
  /** The goroutine the thread runs (its own goid, or its M's curg on g0/gsignal). */
  goroutine: number | null;
}

export interface Report {
  schemaVersion: number;
  core: {
    /** The core as given (a compressed file's own path). */
    path: string;
    pid: number | null;
    command: string | null;
    /** The core's architecture (ELF machine): `amd64` or `arm64`. */
    arch: 'amd64' | 'arm64';
    /** Set when the core was compressed: the format and the decompressed copy that was read. */
    compression: { format: string; decompressedPath: string; decompressedBytes: number; cached: boolean } | null;
  };
  /** Set when the core is shorter than its segments need (cut short): what is missing, and who is in it. */
  truncated: {
    expectedBytes: number;
    actualBytes: number;
    missingSegments: MissingSegment[];
    notes: string[];
  } | null;
  /** The main module was built elsewhere (a container's /app) and its sources are read from this workspace folder. */
  sources: { recordedRoot: string; localRoot: string; module: string; by: 'module' } | null;
  executable: {
    /** How it was found: given, the path in the core, beside the core, a workspace candidate, a build-ID directory, debuginfod. */
    foundBy: string;
    path: string;
    goBuildId: string | null;
    gnuBuildId: string | null;
    /** How the executable was matched to the core. */
    verification: string;
    pie: boolean;
    loadBias: string;
  };
  go: {
    version: string | null;
    mainPath: string | null;
    mainModule: { path: string; version: string } | null;
    settings: Record<string, string>;
  };
  signal: {
    number: number;
    name: string;
    code: number;
    codeName: string | null;
    address: string | null;
    senderPid: number | null;
    /**
     * `siginfo`: NT_SIGINFO. `prstatus`: the core has no NT_SIGINFO (qemu-user's cores): the crashing
     * thread's pr_cursig, with pr_info's code; no address or sender then.
     */
    source: 'siginfo' | 'prstatus';
  } | null;
  threads: ReportThread[];
  crash: {
    tid: number;
    goroutine: number | null;
    /** The thread was on the system stack (g0/gsignal): `frames` holds those frames, then the goroutine's. */
    onSystemStack: boolean;
    frames: ReportFrame[];
    stop: { reason: string; detail: string };
    /** Where the runtime struct layout (g, m, gobuf offsets) came from, or why there is none. */
    layout: string | null;
    /** Why there is no layout (then the g0 → goroutine switch is not followed); null otherwise. */
    layoutProblem: string | null;
  };
  /** What the runtime knew (crash kind, messages, _panic chain, Ms, goroutine groups, waits, throwers); `go-core report` fills it. */
  runtime?: ReportRuntime;
  /** Delve's answer for the same core, or null with --no-delve. */
  delve?: DelveCheck | null;
  /**
   * `go-core report --ssa`: per crash frame outside the runtime, what the editor annotates (the
   * instruction at its pc, the SSA value, verified or not, the return-address rule applied), from
   * the same code path (src/analysis/annotate.ts).
   */
  ssa?: FrameAnnotation[];
}

/** The `runtime` section: the crash summary, what every goroutine waits on (waits.ts), and every goroutine that threw. */
export type ReportRuntime = CrashSummary & { waits?: WaitsSection; throwers?: WaitThrower[] };

const hx = (n: bigint): string => '0x' + n.toString(16);

function codeName(signo: number, code: number): string | null {
  const generic: Record<number, string> = { 0: 'SI_USER', 128: 'SI_KERNEL', [-1]: 'SI_QUEUE', [-6]: 'SI_TKILL' };
  if (code <= 0 || code === 128) return generic[code] ?? null;
  if (signo === 11) return ({ 1: 'SEGV_MAPERR', 2: 'SEGV_ACCERR' } as Record<number, string>)[code] ?? null;
  if (signo === 7) return ({ 1: 'BUS_ADRALN', 2: 'BUS_ADRERR', 3: 'BUS_OBJERR' } as Record<number, string>)[code] ?? null;
  if (signo === 8) return ({ 1: 'FPE_INTDIV', 2: 'FPE_INTOVF' } as Record<number, string>)[code] ?? null;
  return null;
}

function toNum(v: bigint | undefined): number | null {
  return v === undefined ? null : Number(v);
}

/** One logical frame (a function, inlined or not, at its file:line) of a physical frame. */
function logicalFrame(f: PhysicalFrame, l: { function: string; file: string; line: number; inlined: boolean }): ReportFrame {
  return {
    function: l.function,
    file: l.file,
    line: l.line,
    pc: hx(f.pc),
    sp: hx(f.sp),
    fp: hx(f.fp),
    offset: hx(f.pc - f.entry),
    inlined: l.inlined,
    stack: f.stackLabel,
    signalFrame: f.isSignalFrame && !l.inlined,
    returnAddress: isReturnAddress(f),
    repeat: f.repeat,
  };
}

/** Logical frames of physical frames, innermost first. */
export function reportFrames(frames: readonly PhysicalFrame[]): ReportFrame[] {
  const out: ReportFrame[] = [];
  for (const f of frames) {
    if (!f.native) {
      for (const l of f.logical) out.push(logicalFrame(f, l));
      continue;
    }
    // A frame of native code (C): its symbol and module, and where the module's DWARF covers
    // it, file:line and the C functions the C compiler inlined there (innermost first).
    const src = f.native.source ?? [];
    const logical = src.length > 0 ? src : [{ function: f.funcName, file: '', line: 0, inlined: false }];
    for (const l of logical) {
      // The physical frame keeps its symbol's name (DWARF names it too, identically for C).
      const fn = l.inlined && l.function ? l.function : f.funcName;
      out.push({ ...logicalFrame(f, { ...l, function: fn }), language: 'c', module: f.native.module });
    }
  }
  return out;
}

export interface ReportOptions {
  /** Workspace folders (the command line: the working directory), for the "sources from /app" mapping. */
  workspaceFolders?: readonly string[];
}

/** The main module built elsewhere and found in a workspace folder by its module path, or null. */
export function sourcesMapping(a: CoreAnalysis, folders: readonly string[]): Report['sources'] {
  const bi = a.cw.buildInfo;
  if (!bi?.main || !bi.path || folders.length === 0) return null;
  const main = a.syms.funcByName('main.main');
  const frames = main ? a.syms.frames(main.entry) : [];
  const file = frames[frames.length - 1]?.file;
  if (!file) return null;
  const m = moduleRootMapping({ recordedMainFile: file, mainPackage: bi.path, mainModule: bi.main.path, workspaceFolders: folders });
  return m ? { recordedRoot: m.recorded, localRoot: m.local, module: m.module, by: 'module' } : null;
}

export function buildReport(a: CoreAnalysis, opts: ReportOptions = {}): Report {
  const { cw, syms } = a;
  const core = cw.core;
  const bi = cw.buildInfo;
  const crashT = core.crashingThread;
  const settings: Record<string, string> = {};
  for (const s of bi?.settings ?? []) settings[s.key] = s.value;
  const threads: ReportThread[] = core.threads.map((t) => {
    const cur = a.current(t);
    return {
      tid: t.tid,
      crashing: t === crashT,
      pc: hx(t.pc),
      sp: hx(t.sp),
      function: syms.funcForPC(t.pc) ? (syms.nameFor(t.pc) ?? null) : null,
      g: cur ? hx(cur.g) : null,
      gKind: cur?.kind ?? null,
      goroutine: cur ? toNum(cur.kind === 'user' ? cur.goid : cur.curgGoid) : null,
    };
  });
  const st = a.stack(crashT);
  const cur = a.current(crashT);
  const sig = core.signal;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    core: {
      path: a.input.original,
      pid: core.process?.pid ?? null,
      command: core.process?.psargs || null,
      arch: core.arch === 'arm64' ? 'arm64' : 'amd64',
      compression: a.input.decompressed
        ? {
            format: a.input.decompressed.format,
            decompressedPath: a.input.decompressed.path,
            decompressedBytes: a.input.decompressed.bytes,
            cached: a.input.decompressed.cached,
          }
        : null,
    },
    truncated: core.truncation ? truncationReport(a, core.truncation) : null,
    sources: sourcesMapping(a, opts.workspaceFolders ?? []),
    executable: {
      foundBy: a.foundBy,
      path: cw.binary?.name ?? '',
      goBuildId: cw.binaryBuildIds?.go ?? cw.coreBuildIds.go ?? null,
      gnuBuildId: cw.binaryBuildIds?.gnu ?? cw.coreBuildIds.gnu ?? null,
      verification: cw.verification,
      pie: (cw.binary?.header.type ?? 0) === 3,
      loadBias: hx(syms.bias),
    },
    go: {
      version: bi?.goVersion ?? null,
      mainPath: bi?.path ?? null,
      mainModule: bi?.main ? { path: bi.main.path, version: bi.main.version } : null,
      settings: bi ? Object.fromEntries(Object.keys(settings).map((k) => [k, buildSetting(bi, k) ?? ''])) : {},
    },
    signal: sig
      ? {
          number: sig.signo,
          name: signalName(sig.signo),
          code: sig.code,
          codeName: codeName(sig.signo, sig.code),
          address: sig.addr !== undefined ? hx(sig.addr) : null,
          senderPid: sig.senderPid ?? null,
          source: 'siginfo',
        }
      : crashT.signal !== 0
        ? {
            number: crashT.signal,
            name: signalName(crashT.signal),
            code: crashT.infoCode,
            codeName: crashT.infoSigno === crashT.signal ? codeName(crashT.signal, crashT.infoCode) : null,
            address: null,
            senderPid: null,
            source: 'prstatus',
          }
        : null,
    threads,
    crash: {
      tid: crashT.tid,
      goroutine: cur ? toNum(cur.kind === 'user' ? cur.goid : cur.curgGoid) : null,
      onSystemStack: cur !== undefined && cur.kind !== 'user',
      frames: reportFrames(st.frames),
      stop: { reason: st.stop, detail: st.stopDetail },
      layout: a.layout ? a.layout.note : (a.layoutProblem ?? null),
      layoutProblem: a.layout ? null : (a.layoutProblem ?? null),
    },
  };
}
