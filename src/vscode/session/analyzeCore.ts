// The engine behind Open Core Dump: openCore (src/analysis, plain Node, no Delve) with the report and
// the crash summary made before the views show them. The views render that model as it is.
import { openCore, type CoreEngine } from '../../analysis/engine.js';
import { ExecutableMissingError } from '../../core/errors.js';
import { ExecutableNotFoundError, type Analyzer } from './analyzer.js';

export const analyzeCore: Analyzer = async (corePath, binaryPath, options) => {
  let engine: CoreEngine;
  try {
    engine = openCore(corePath, { binary: binaryPath, candidates: options.candidates });
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
