// Path containment, the one rule every "is this inside that folder" question uses: lexical on
// resolved paths (`..` and `.` folded), never a plain string prefix (`/ws-other` is not in `/ws`,
// `/ws/../etc` is not in `/ws`). Callers that must see through links realpath both sides first.
import { isAbsolute, relative, resolve } from 'node:path';

/** Whether `p` is `dir` or lies below it, after resolving both. */
export function isWithin(dir: string, p: string): boolean {
  const rel = relative(resolve(dir), resolve(p));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
