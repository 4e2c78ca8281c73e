// Document symbols: the crash header, each `runtime stack:` section and each goroutine
// (`goroutine 7 [chan receive]`, with its top user frame as detail).
import { type DocumentSymbol, type Range, SymbolKind } from 'vscode-languageserver';
import type { Frame, Traceback, TracebackLine } from '../traceback/types.js';
import { topUserFrame } from './goroutineGroups.js';

function lineRange(tb: Traceback, first: number, last: number): Range {
  return { start: { line: first, character: 0 }, end: { line: last, character: tb.lines[last]?.text.length ?? 0 } };
}

function baseName(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i < 0 ? p : p.slice(i + 1);
}

/** `main.lockWait main.go:19`: a frame in one short line. */
export function frameLabel(f: Frame): string {
  return f.file !== undefined ? `${f.func} ${baseName(f.file)}:${f.lineNumber ?? '?'}` : f.func;
}

function headerSymbol(tb: Traceback, l: TracebackLine): DocumentSymbol {
  const r = lineRange(tb, l.line, l.line);
  return { name: l.text.trim() || l.kind, kind: SymbolKind.Event, range: r, selectionRange: r };
}

export function documentSymbols(tb: Traceback): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  const headers: TracebackLine[] = [...tb.runtimeMessages, ...tb.panics, ...tb.fatalErrors];
  if (tb.signal) headers.push(tb.signal);
  for (const h of headers) out.push(headerSymbol(tb, h));
  for (const r of tb.runtimeStacks) {
    const top = topUserFrame(r.frames) ?? r.frames[0];
    out.push({
      name: 'runtime stack',
      detail: top ? frameLabel(top) : undefined,
      kind: SymbolKind.Namespace,
      range: lineRange(tb, r.firstLine, r.lastLine),
      selectionRange: lineRange(tb, r.firstLine, r.firstLine),
    });
  }
  for (const g of tb.goroutines) {
    const top = topUserFrame(g.frames) ?? g.frames[0];
    out.push({
      name: `goroutine ${g.id} [${g.header.state.value}]`,
      detail: top ? frameLabel(top) : undefined,
      kind: SymbolKind.Object,
      range: lineRange(tb, g.firstLine, g.lastLine),
      selectionRange: lineRange(tb, g.firstLine, g.firstLine),
    });
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line);
}
