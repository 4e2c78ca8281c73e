// The hover of a race report: anywhere in a `WARNING: DATA RACE` report but on its file:line lines
// (those are links), the two accesses side by side: kind, goroutine (running or finished, from the
// report's `created at` sections), address, function and line, the first frame of user code when
// the access is inside the standard library, and where the goroutine was created. Files are linked
// only where the document's links lead (the server's SourcePathMapper: workspace, module cache,
// GOROOTs). Reports whose stacks are the same (raceGroups.ts) are named with links to their lines.
import type { Hover, Position } from 'vscode-languageserver';
import type { SourcePathMapper } from '../analysis/pathMapping.js';
import { creationOf, raceReportAt } from '../traceback/raceReport.js';
import type { Frame, RaceAccess, RaceReport } from '../traceback/types.js';
import type { Analysis } from './analysis.js';
import { topUserFrame } from './goroutineGroups.js';
import { linkTarget } from './links.js';
import { accessGoroutine } from './symbols.js';

function baseName(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i < 0 ? p : p.slice(i + 1);
}

/** `file.go:12`, linked when the file is one the document's links may open. */
function where(f: Frame, resolver: SourcePathMapper): string {
  if (f.file === undefined || !f.location) return '';
  const label = `${baseName(f.file)}:${f.lineNumber ?? '?'}`;
  const target = linkTarget(resolver, f.location);
  return target ? `[${label}](${target})` : `\`${label}\``;
}

function frameCell(f: Frame | undefined, resolver: SourcePathMapper): string {
  if (!f) return '—';
  const at = where(f, resolver);
  return `\`${f.func}\`${at ? ` ${at}` : ''}`;
}

function goroutineCell(r: RaceReport, a: RaceAccess): string {
  if (a.mainGoroutine) return 'main goroutine';
  const c = creationOf(r, a);
  return c ? `${accessGoroutine(a)} (${c.running ? 'running' : 'finished'})` : accessGoroutine(a);
}

function createdCell(r: RaceReport, a: RaceAccess, resolver: SourcePathMapper): string {
  if (a.mainGoroutine) return '— (main goroutine)';
  const c = creationOf(r, a);
  if (!c) return '— (not printed)';
  return c.noStack ? 'stack not restored' : frameCell(c.frames[0], resolver);
}

/** Markdown link to a line of the document itself. */
function lineLink(uri: string, line: number): string {
  return `[line ${line + 1}](${uri}#L${line + 1})`;
}

/** The accesses of a report side by side (a Markdown table), with what else the report says. */
export function raceReportMarkdown(a: Analysis, r: RaceReport, resolver: SourcePathMapper): string {
  const tb = a.traceback;
  const index = tb.races.indexOf(r);
  const parts: string[] = [];
  const found = tb.raceFound ? ` (the log says: ${tb.raceFound.text})` : '';
  parts.push(`**DATA RACE** · report ${index + 1} of ${tb.races.length}${found}${r.close ? '' : ' · _the report is cut short_'}`);
  const group = a.raceGroups.byKey.get(a.raceGroups.keyOf[index]!);
  if (group && group.count > 1) {
    const others = group.lines.filter((l) => l !== r.firstLine).map((l) => lineLink(a.uri, l));
    parts.push(`Same stacks as ${others.length} other report${others.length === 1 ? '' : 's'}: ${others.join(', ')}`);
  }
  const acc = r.accesses;
  if (acc.length > 0) {
    const row = (name: string, cell: (x: RaceAccess) => string): string => `| ${name} | ${acc.map(cell).join(' | ')} |`;
    const rows = [
      `| | ${acc.map((x) => `**${x.header.op.value}**`).join(' | ')} |`,
      `|:--|${acc.map(() => ':--').join('|')}|`,
      row('by', (x) => goroutineCell(r, x)),
      row('address', (x) => `\`${x.header.address.value}\``),
      row('function', (x) => (x.noStack ? 'stack not restored' : frameCell(x.frames[0], resolver))),
    ];
    const user = acc.map((x) => topUserFrame(x.frames));
    if (acc.some((x, i) => user[i] !== undefined && user[i] !== x.frames[0])) {
      rows.push(`| user code | ${user.map((f) => frameCell(f, resolver)).join(' | ')} |`);
    }
    rows.push(row('created at', (x) => createdCell(r, x, resolver)));
    parts.push(rows.join('\n'));
  }
  if (r.heapBlock) {
    const h = r.heapBlock.header;
    const by = h.goroutine.main ? 'main goroutine' : `goroutine ${h.goroutine.id}`;
    parts.push(`Heap block of ${h.size.value} bytes at \`${h.address.value}\`, allocated by ${by} in ${frameCell(r.heapBlock.frames[0], resolver)}`);
  }
  if (r.global) parts.push(`Global variable \`${r.global.name.value}\` (${r.global.size.value} bytes) at \`${r.global.address.value}\``);
  return parts.join('\n\n');
}

/** The hover of a race report at a position, or null outside reports and on file:line lines. */
export function raceHover(a: Analysis, pos: Position, resolver: SourcePathMapper): Hover | null {
  const r = raceReportAt(a.traceback, pos.line);
  const l = a.traceback.lines[pos.line];
  if (!r || !l || l.kind === 'location') return null;
  return {
    range: { start: { line: pos.line, character: 0 }, end: { line: pos.line, character: l.text.length } },
    contents: { kind: 'markdown', value: raceReportMarkdown(a, r, resolver) },
  };
}
