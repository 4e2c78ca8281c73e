// Code lenses: "Associate binary…" at the top of the document, "N goroutines share this stack"
// on each goroutine whose stack (function list) other goroutines share, and "N race reports share
// these stacks" on each race report whose accesses' stacks other reports share (it peeks at the
// others; the report's hover links to them too).
import type { CodeLens } from 'vscode-languageserver';
import type { Analysis } from './analysis.js';
import { LensCommands } from './protocol.js';

function basename(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i < 0 ? p : p.slice(i + 1);
}

export function codeLenses(a: Analysis, binaryPath: string | undefined): CodeLens[] {
  const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const out: CodeLens[] = [
    {
      range: top,
      command: {
        title: binaryPath ? `Binary: ${basename(binaryPath)} (change…)` : 'Associate binary…',
        command: LensCommands.associateBinary,
        arguments: [a.uri],
      },
    },
  ];
  const { keyOf, byKey } = a.groups;
  a.traceback.goroutines.forEach((g, i) => {
    const group = byKey.get(keyOf[i]!)!;
    if (group.count < 2) return;
    const line = g.header.line;
    out.push({
      range: { start: { line, character: 0 }, end: { line, character: g.header.text.length } },
      command: {
        title: `${group.count} goroutines share this stack`,
        command: LensCommands.showGoroutineGroups,
        arguments: [a.uri, group.key],
      },
    });
  });
  const races = a.raceGroups;
  a.traceback.races.forEach((r, i) => {
    const group = races.byKey.get(races.keyOf[i]!)!;
    if (group.count < 2) return;
    const line = r.warning.line;
    const others = group.lines.filter((l) => l !== r.firstLine).map((l) => l + 1);
    out.push({
      range: { start: { line, character: 0 }, end: { line, character: r.warning.text.length } },
      command: {
        title: `${group.count} race reports share these stacks (also at line${others.length === 1 ? '' : 's'} ${others.join(', ')})`,
        command: LensCommands.showRaceGroup,
        arguments: [a.uri, line, group.reports.map((k) => a.traceback.races[k - 1]!.warning.line)],
      },
    });
  });
  return out;
}
