// How the VS Code side opens a core: an Analyzer returns the engine (src/analysis/engine.ts) with
// its report and crash summary made, or says that no executable matching the core was found.
import type { CoreEngine, OpenCoreProgress } from '../../analysis/engine.js';
import { InspectorError } from '../../core/errors.js';

export interface AnalyzeOptions {
  /** More places to look for the executable (workspace files). */
  candidates: string[];
  /** Local build-ID directories and debuginfod servers (src/vscode/productionInputs.ts: user settings only, none when untrusted). */
  buildIdDirs?: readonly string[];
  debuginfod?: { urls: string[] };
  /** Workspace folders: the sources of a binary built elsewhere (a container's /app) are read from the one with its module. */
  workspaceFolders?: readonly string[];
  /** Decompressing a compressed core, downloading the executable. */
  onProgress?: (p: OpenCoreProgress) => void;
  signal?: AbortSignal;
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
