// How the VS Code side opens a core: an Analyzer returns the engine (src/analysis/engine.ts) with
// its report and crash summary made, or says that no executable matching the core was found.
import type { CoreEngine } from '../../analysis/engine.js';
import { InspectorError } from '../../core/errors.js';

export interface AnalyzeOptions {
  /** More places to look for the executable (workspace files). */
  candidates: string[];
}

export type Analyzer = (corePath: string, binaryPath: string | undefined, options: AnalyzeOptions) => Promise<CoreEngine>;

/** Thrown by an analyzer when no executable matching the core was found: the user is asked for one. */
export class ExecutableNotFoundError extends InspectorError {
  override name = 'ExecutableNotFoundError';
  constructor(
    readonly corePath: string,
    readonly rejected: readonly { path: string; reason: string }[],
    /** The engine's error (ExecutableMissingError: the path the core records, the candidates rejected). */
    cause?: unknown,
  ) {
    super(
      `No executable matching ${corePath} was found` +
        (rejected.length ? ` (rejected: ${rejected.map((r) => `${r.path}: ${r.reason}`).join('; ')})` : ''),
      { file: corePath, hint: { editor: 'choose the binary that crashed' }, ...(cause !== undefined ? { cause } : {}) },
    );
  }
}
