// Document links from each `\t/path/file.go:123` location to the file on this machine (through
// the shared SourcePathMapper: substitutePath, workspace copies first, then the exact path). Only files that exist
// get a link; the target opens at the line (`#L123`).
import { pathToFileURL } from 'node:url';
import type { DocumentLink } from 'vscode-languageserver';
import type { Traceback } from '../traceback/types.js';
import type { SourcePathMapper } from '../report/pathMapping.js';

export function documentLinks(tb: Traceback, resolver: SourcePathMapper): DocumentLink[] {
  const out: DocumentLink[] = [];
  const urls = new Map<string, string | null>();
  for (const l of tb.lines) {
    if (l.kind !== 'location') continue;
    const printed = l.file.value;
    let url = urls.get(printed);
    if (url === undefined) {
      const local = resolver.map(printed)?.path;
      url = local ? pathToFileURL(local).href : null;
      urls.set(printed, url);
    }
    if (url === null) continue;
    out.push({
      range: {
        start: { line: l.line, character: l.file.span.start },
        end: { line: l.line, character: l.lineNumber.span.end },
      },
      target: `${url}#L${l.lineNumber.value}`,
    });
  }
  return out;
}
