// Questions asked of parsed race reports (types.ts RaceReport): which report holds a line, which
// `created at` section belongs to an access, and the stack signature reports are grouped by (the
// one rule of crash.ts stackSignature, which groups goroutines too).
import { stackSignature } from './crash.js';
import type { RaceAccess, RaceCreation, RaceReport, Traceback } from './types.js';
import { rangeIndex } from '../core/ranges.js';

/** The report whose lines (opening banner to closing banner) hold `line`, or undefined. */
export function raceReportAt(tb: Traceback, line: number): RaceReport | undefined {
  return tb.races[rangeIndex(tb.races, line, (r) => r.firstLine, (r) => r.lastLine + 1)];
}

/**
 * Where the goroutine of an access was created: its `Goroutine N (…) created at:` section.
 * Undefined for the main goroutine (TSan's PrintThread skips it) or when it was not printed.
 */
export function creationOf(r: RaceReport, access: RaceAccess): RaceCreation | undefined {
  return access.mainGoroutine ? undefined : r.creations.find((c) => c.goroutine === access.goroutine);
}

/**
 * The signature reports are grouped by: for each access in printed order, its kind (`…read`,
 * `…previous write`) then the functions of its stack, innermost first (`…no stack` when it could
 * not be restored). Goroutine ids, addresses, lines and creation sites are not part of it: the same
 * racing code reached again (other goroutines, other objects, another field) is one group.
 */
export function raceSignature(r: RaceReport): string {
  return stackSignature(
    r.accesses.flatMap((a) => [
      { marker: a.header.op.value.toLowerCase() },
      ...(a.noStack ? [{ marker: 'no stack' }] : a.frames.map((f) => f.func)),
    ]),
  );
}
