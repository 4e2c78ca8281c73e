// Code lenses: "Associate binary…" at the top of the document, and "N goroutines share this stack"
// on each goroutine whose stack (function list) other goroutines share.
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
  return out;
}
