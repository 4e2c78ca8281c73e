// Where a goroutine was created, as the runtime's traceback prints it after its frames
// (src/runtime/traceback.go, printcreatedby1: `created by <function of gopc> in goroutine <parentGoid>`,
// then `\t<file>:<line> +0x<gopc − entry>`: the physical function's name, the innermost position at
// gopc−1 like any return address).
// Read from the goroutine's runtime.g (gopc, parentGoid from Go 1.21) through the engine's memory
// and layout; nothing for goroutine 1 (runtime.main is started by the runtime, not by a `go` statement).
import { readGoroutine } from '../runtime/goroutines.js';
import type { CoreEngine } from './engine.js';

export interface CreatedBy {
  function: string;
  file: string;
  line: number;
  /** `0x…`: gopc − the function's entry. */
  offset: string;
  /** The creating goroutine (Go 1.21+), when recorded. */
  goroutine: number | undefined;
}

/** The creator of the goroutine whose runtime.g is at `gAddress`, or undefined when unknown or none. */
export function createdBy(engine: CoreEngine, gAddress: string): CreatedBy | undefined {
  const layout = engine.analysis.layout;
  if (!layout) return undefined;
  try {
    const g = readGoroutine(engine.analysis.cw.memory, layout, BigInt(gAddress));
    if (g.gopc === 0n) return undefined;
    const d = engine.describePc(g.gopc, { returnAddress: true });
    // The physical function's name, the innermost position's file and line (funcline of tracepc).
    const inner = d?.frames[0];
    if (!d || !inner) return undefined;
    return {
      function: d.function,
      file: inner.file,
      line: inner.line,
      offset: '0x' + d.offset.toString(16),
      goroutine: g.parentGoid !== undefined && g.parentGoid > 0n ? Number(g.parentGoid) : undefined,
    };
  } catch {
    return undefined;
  }
}
