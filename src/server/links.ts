// Document links from each `\t/path/file.go:123` location (and each `      /path/file.go:123` line
// of a race report's frames) to the file on this machine (through the shared SourcePathMapper:
// substitutePath, workspace copies first, then the exact path). Only
// files that exist get a link, and only inside the workspace folders, the Go module cache and the
// GOROOTs (the server gives the mapper those roots; never a UNC path such as //host/share); the
// target opens at the line (`#L123`).
//
// A large log prints tens of thousands of locations: past TARGETS_UP_TO links, they are sent
// without their target (a file URL each would double the answer) and the client asks for it with
// `documentLink/resolve` when the user follows one. Every link carries `data`, the document's
// number (see LinkData), so any link resolves; the link's own range names the line.
import { pathToFileURL } from 'node:url';
import type { DocumentLink } from 'vscode-languageserver';
import type { LocationLine, Traceback } from '../traceback/types.js';
import type { SourcePathMapper } from '../analysis/pathMapping.js';

/** A link's `data`: the number the server gave the document (see DocumentNumbers). */
export type LinkData = number;

/** The local file a printed path maps to, as a URL opening at the line, or undefined. */
export function linkTarget(resolver: SourcePathMapper, l: LocationLine): string | undefined {
  const local = resolver.map(l.file.value)?.path;
  return local ? `${pathToFileURL(local).href}#L${l.lineNumber.value}` : undefined;
}

/** Documents with more links than this get them without target (resolved on demand). */
export const TARGETS_UP_TO = 5000;

/**
 * One link per location line whose file exists here; with its target when the document has at most
 * TARGETS_UP_TO of them, otherwise without (see resolveDocumentLink).
 */
export function documentLinks(tb: Traceback, resolver: SourcePathMapper, data: LinkData): DocumentLink[] {
  const out: DocumentLink[] = [];
  const locations: LocationLine[] = [];
  // The mapper caches per path too; this saves its lookups on the common case (few distinct files).
  const exists = new Map<string, boolean>();
  for (const l of tb.lines) {
    if (l.kind !== 'location') continue;
    const printed = l.file.value;
    let ok = exists.get(printed);
    if (ok === undefined) {
      ok = resolver.map(printed) !== undefined;
      exists.set(printed, ok);
    }
    if (!ok) continue;
    locations.push(l);
    out.push({
      range: {
        start: { line: l.line, character: l.file.span.start },
        end: { line: l.line, character: l.lineNumber.span.end },
      },
      data,
    });
  }
  if (out.length <= TARGETS_UP_TO) {
    out.forEach((link, i) => {
      const target = linkTarget(resolver, locations[i]!);
      if (target) link.target = target;
    });
  }
  return out;
}

/**
 * The link with its target, when its range is still a location line of `tb` whose file exists;
 * otherwise the link unchanged (the document changed since: the client asks for links again).
 */
export function resolveDocumentLink(tb: Traceback, resolver: SourcePathMapper, link: DocumentLink): DocumentLink {
  const l = tb.lines[link.range.start.line];
  if (l?.kind !== 'location' || l.file.span.start !== link.range.start.character) return link;
  const target = linkTarget(resolver, l);
  return target ? { ...link, target } : link;
}
