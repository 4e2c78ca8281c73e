// What the VS Code side needs from the headless engine for one core: the crash model for the views
// (from our own readers, instantly), the binary that was matched, and PC answers for hovers.
import type { CoreEngine } from '../../analysis/engine.js';
import type { CrashModel, PcInfoProvider } from '../model.js';
import { InspectorError } from '../../core/errors.js';

export interface CoreAnalysis {
  model: CrashModel;
  binaryPath: string;
  goVersion: string | undefined;
  mainModule: string | undefined;
  pcInfo: PcInfoProvider | undefined;
  /** PIE load bias (runtime − link-time addresses). */
  loadBias: bigint;
  /** The engine that opened the core (and its executable) once; every later question goes to it. */
  engine: CoreEngine;
  dispose(): void;
}

export interface AnalyzeOptions {
  /** More places to look for the executable (workspace files). */
  candidates: string[];
}

export type Analyzer = (corePath: string, binaryPath: string | undefined, options: AnalyzeOptions) => Promise<CoreAnalysis>;

/** Thrown by an analyzer when no executable matching the core was found: the user is asked for one. */
export class ExecutableNotFoundError extends InspectorError {
  override name = 'ExecutableNotFoundError';
  constructor(
    readonly corePath: string,
    readonly rejected: { path: string; reason: string }[],
  ) {
    super(
      `No executable matching ${corePath} was found` +
        (rejected.length ? ` (rejected: ${rejected.map((r) => `${r.path}: ${r.reason}`).join('; ')})` : '') +
        '. Choose the binary that crashed.',
    );
  }
}
