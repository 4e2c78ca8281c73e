// Opens a core with its executable and unwinds its threads with our own readers (no Delve):
// the data behind `go-core report` and the tests that check the unwinder against the runtime's
// own traceback.
import type { DecompressOptions } from '../core/compressed.js';
import { executableMapping, openCoreWithBinary, type CoreWithBinary, type FoundBy } from '../core/executable.js';
import type { ThreadStatus } from '../core/notes.js';
import { GoSymbols } from '../core/symbols.js';
import { dirname, resolve } from 'node:path';
import { NativeCode, SYSTEM_DEBUG_DIR } from '../core/native.js';
import { CoreReadError, ExecutableMissingError } from '../core/errors.js';
import { currentG, unwindThread, type CurrentG, type ThreadStack } from '../runtime/crashStack.js';
import { layoutFor, LayoutError, type RuntimeLayout } from '../runtime/layout.js';
import { readRuntimeSnapshot, type RuntimeSnapshot } from '../runtime/snapshot.js';
import { prepareCoreSync, type PreparedCore } from './coreInput.js';

export interface AnalyzeOptions {
  /** The executable; found from the core (NT_FILE, build ID) when omitted. */
  binary?: string;
  /** More places to look for the executable when `binary` is not given (e.g. workspace files). */
  candidates?: readonly string[];
  /** Physical frames walked per thread (default 1000). */
  maxFrames?: number;
  /** Local build-ID directories to look in last (settings, $GO_CORE_BUILD_ID_DIRS). */
  buildIdDirs?: readonly string[];
  /** Bounds and progress of decompressing a compressed core. */
  decompress?: DecompressOptions;
  /** The core already checked and decompressed (openCoreAsync does it with progress). */
  prepared?: PreparedCore;
  /** Where `binary` came from when the caller found it (debuginfod). */
  binaryFoundBy?: FoundBy;
}

export interface CoreAnalysis {
  cw: CoreWithBinary;
  /** The core as given, and its decompressed copy when it was compressed. */
  input: PreparedCore;
  /** Where the executable came from. */
  foundBy: FoundBy;
  syms: GoSymbols;
  goVersion: string | undefined;
  /** Runtime struct layout for the binary's Go version, when one is known. */
  layout: RuntimeLayout | undefined;
  /** Why there is no layout (stack switches to the goroutine are then not followed). */
  layoutProblem: string | undefined;
  maxFrames: number;
  /** The g the thread runs (from R14), memoised. */
  current(t: ThreadStatus): CurrentG | undefined;
  /** Native code of the process (C in the executable, shared libraries), built on first use. */
  native(): NativeCode;
  /** The thread's stack (g0 frames, then its goroutine's after a switch), memoised. */
  stack(t: ThreadStatus): ThreadStack;
  /**
   * allm, allgs and the layout read once (src/runtime/snapshot.ts), memoised: crash() and waits()
   * share one walk of every goroutine. Throws what readRuntimeSnapshot throws (LayoutError,
   * CoreReadError), every time it is asked.
   */
  snapshot(): RuntimeSnapshot;
  close(): void;
}

export function analyzeCore(corePath: string, opts: AnalyzeOptions = {}): CoreAnalysis {
  const input = opts.prepared ?? prepareCoreSync(corePath, opts.decompress);
  const cw = openCoreWithBinary(input.path, opts.binary, {
    candidates: opts.candidates ?? [],
    buildIdDirs: opts.buildIdDirs ?? [],
    ...(input.decompressed ? { besideDir: dirname(resolve(input.original)) } : {}),
  });
  try {
    if (!cw.binary) {
      const tried = cw.rejected.map((r) => `${r.path} (${r.reason})`).join('; ');
      const id = cw.coreBuildIds.gnu ?? cw.coreBuildIds.go;
      throw new ExecutableMissingError(
        input.original,
        `cannot find the executable that produced ${input.original}${id ? ` (build ID ${id})` : ''}${tried ? `; rejected: ${tried}` : ''}`,
        executableMapping(cw.core)?.path,
        cw.rejected,
        {
          cli: 'pass it with --binary <path>, or name a build-ID directory ($GO_CORE_BUILD_ID_DIRS) or debuginfod servers ($DEBUGINFOD_URLS)',
          editor: 'choose the executable that crashed',
        },
        cw.coreBuildIds,
      );
    }
    if (cw.core.arch !== 'amd64' && cw.core.arch !== 'arm64') {
      throw new CoreReadError('unsupported', cw.core.name, `${cw.core.name} is an ${cw.core.arch} core; the unwinder supports amd64 only`);
    }
    const syms = GoSymbols.load(cw.binary, { bias: cw.bias ?? 0n });
    const goVersion = cw.buildInfo?.goVersion;
    let layout: RuntimeLayout | undefined;
    let layoutProblem: string | undefined;
    try {
      layout = goVersion ? layoutFor(goVersion, { goarch: cw.core.arch }) : undefined;
      if (!goVersion) layoutProblem = 'the Go version is unknown (no build information)';
    } catch (e) {
      if (!(e instanceof LayoutError)) throw e;
      layoutProblem = e.message;
    }
    const maxFrames = opts.maxFrames ?? 1000;
    const stacks = new Map<ThreadStatus, ThreadStack>();
    let nativeCode: NativeCode | undefined;
    const binary = cw.binary;
    const native = () =>
      (nativeCode ??= NativeCode.forProcess({
        exe: binary,
        exePath: binary.name,
        exeBias: cw.bias ?? 0n,
        files: cw.core.files,
        memory: cw.memory,
        // Separate debug files of shared libraries: the build-ID directories, then the system's.
        debugDirs: [...(opts.buildIdDirs ?? []), SYSTEM_DEBUG_DIR],
      }));
    const currents = new Map<ThreadStatus, CurrentG | undefined>();
    let snap: { ok: RuntimeSnapshot } | { error: unknown } | undefined;
    return {
      cw,
      input,
      foundBy: opts.binaryFoundBy ?? cw.foundBy,
      syms,
      goVersion,
      layout,
      layoutProblem,
      maxFrames,
      native,
      current(t) {
        if (!currents.has(t)) currents.set(t, layout ? currentG(cw.memory, layout, t.regs, syms.pclntab.arch) : undefined);
        return currents.get(t);
      },
      stack(t) {
        let s = stacks.get(t);
        if (!s) {
          s = unwindThread(syms.pclntab, cw.memory, layout, t, maxFrames, native());
          stacks.set(t, s);
        }
        return s;
      },
      snapshot() {
        if (!snap) {
          try {
            if (!goVersion) throw new CoreReadError('unsupported', cw.core.name, 'the Go version is unknown (no build information)');
            snap = { ok: readRuntimeSnapshot({ memory: cw.memory, goVersion, exe: binary, bias: syms.bias, symbols: syms }) };
          } catch (e) {
            snap = { error: e };
          }
        }
        if ('error' in snap) throw snap.error;
        return snap.ok;
      },
      close() {
        cw.close();
      },
    };
  } catch (e) {
    cw.close();
    throw e;
  }
}
