// Folding ranges: one per goroutine block, per `runtime stack:` section and per register dump; for
// race reports, one per report (banner to banner) and one per section (an access, the heap block,
// a goroutine creation: its header and its frames).
import { type FoldingRange, FoldingRangeKind } from 'vscode-languageserver';
import type { Traceback } from '../traceback/types.js';

export function foldingRanges(tb: Traceback): FoldingRange[] {
  const out: FoldingRange[] = [];
  const add = (startLine: number, endLine: number): void => {
    if (endLine > startLine) out.push({ startLine, endLine, kind: FoldingRangeKind.Region });
  };
  for (const r of tb.runtimeStacks) add(r.firstLine, r.lastLine);
  for (const g of tb.goroutines) add(g.firstLine, g.lastLine);
  for (const d of tb.registerDumps) add(d.firstLine, d.lastLine);
  for (const r of tb.races) {
    add(r.firstLine, r.lastLine);
    for (const s of r.sections) add(s.firstLine, s.lastLine);
  }
  return out.sort((a, b) => a.startLine - b.startLine);
}
