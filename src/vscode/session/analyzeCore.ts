// The engine behind Open Core Dump: openCoreAsync (src/analysis, plain Node, no Delve: a compressed
// core decompressed with progress, the executable looked for by build ID in local directories and
// on debuginfod servers) with the report and the crash summary made before the views show them.
// The views render that model as it is.
import { openCoreAsync, type CoreEngine } from '../../analysis/engine.js';
import { ExecutableMissingError } from '../../core/errors.js';
import { ExecutableNotFoundError, type Analyzer } from './analyzer.js';

export const analyzeCore: Analyzer = async (corePath, binaryPath, options) => {
  let engine: CoreEngine;
  try {
    engine = await openCoreAsync(corePath, {
      ...(binaryPath !== undefined ? { binary: binaryPath } : {}),
      candidates: options.candidates,
      ...(options.buildIdDirs ? { buildIdDirs: options.buildIdDirs } : {}),
      ...(options.debuginfod ? { debuginfod: options.debuginfod } : {}),
      ...(options.workspaceFolders ? { workspaceFolders: options.workspaceFolders } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (e) {
    if (e instanceof ExecutableMissingError && !binaryPath) throw new ExecutableNotFoundError(corePath, e.rejected, e);
    throw e;
  }
  try {
    engine.report();
    engine.crash();
    return engine;
  } catch (e) {
    engine.close();
    throw e;
  }
};
