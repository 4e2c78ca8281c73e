// Document symbols: the crash header, each `runtime stack:` section and each goroutine
// (`goroutine 7 [chan receive]`, with its top user frame as detail); each race report
// (`DATA RACE: read in main.lookup / previous write in main.fill`) with its two accesses as
// children, and `Found N data race(s)`.
import { type DocumentSymbol, type Range, SymbolKind } from 'vscode-languageserver';
import type { Frame, RaceAccess, RaceReport, Traceback, TracebackLine } from '../traceback/types.js';
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

/** The frame that names an access: its first frame outside the standard library, else its first. */
export function accessFrame(a: RaceAccess): Frame | undefined {
  return topUserFrame(a.frames) ?? a.frames[0];
}

/** `goroutine 7` or `main goroutine`. */
export function accessGoroutine(a: RaceAccess): string {
  return a.mainGoroutine ? 'main goroutine' : `goroutine ${a.goroutine}`;
}

function raceSymbol(tb: Traceback, r: RaceReport): DocumentSymbol {
  const what = r.accesses.map((a) => `${a.header.op.value.toLowerCase()} in ${accessFrame(a)?.func ?? '(no stack)'}`);
  const children: DocumentSymbol[] = r.accesses.map((a) => {
    const f = accessFrame(a);
    return {
      name: a.header.text.replace(/:$/, ''),
      detail: f ? frameLabel(f) : 'stack not restored',
      kind: SymbolKind.Field,
      range: lineRange(tb, a.firstLine, a.lastLine),
      selectionRange: lineRange(tb, a.firstLine, a.firstLine),
    };
  });
  return {
    name: `DATA RACE: ${what.join(' / ')}`,
    detail: r.accesses.map(accessGoroutine).join(' / '),
    kind: SymbolKind.Event,
    range: lineRange(tb, r.firstLine, r.lastLine),
    selectionRange: lineRange(tb, r.warning.line, r.warning.line),
    children,
  };
}

export function documentSymbols(tb: Traceback): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  const headers: TracebackLine[] = [...tb.runtimeMessages, ...tb.panics, ...tb.fatalErrors];
  if (tb.signal) headers.push(tb.signal);
  if (tb.raceFound) headers.push(tb.raceFound);
  for (const r of tb.races) out.push(raceSymbol(tb, r));
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
