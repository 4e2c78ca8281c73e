// Reads the race reports of a -race build's log (`WARNING: DATA RACE`, format in types.ts) line by
// line, for parse.ts: a report opens at `==================` followed by `WARNING: DATA RACE` and
// closes at the next `==================`. Inside it, each access, the heap block and each goroutine
// creation is a section: its header, then frames (`  pkg.f()` and `      /file.go:12 +0x3c`) or
// `  [failed to restore the stack]`, ended by a blank line. Unknown lines inside a report (program
// output interleaved with it) stay in the report; a traceback header (`panic: `, `fatal error: `,
// `goroutine N [`) ends a report that was never closed (a log cut short). Linear in the input.
import {
  RACE_BANNER,
  RACE_NO_STACK,
  RACE_WARNING,
  parseLocation,
  parseRaceAccess,
  parseRaceCall,
  parseRaceCreatedAt,
  parseRaceGlobal,
  parseRaceHeapBlock,
} from './lines.js';
import type { Frame, LocationLine, RaceReport, RaceSection, TracebackLine } from './types.js';

/** Lines that start a Go traceback: an open report ends before them. */
const TRACEBACK_START = /^(panic: |fatal error: |goroutine \d+ )/;

export class RaceReader {
  readonly reports: RaceReport[] = [];
  private report: RaceReport | undefined;
  private section: RaceSection | undefined;
  /** The location line of the last frame, read ahead with its call line. */
  private pendingLocation: LocationLine | undefined;

  constructor(
    private readonly lines: readonly string[],
    /** Builds a frame from a call line and its location line (parse.ts, one rule for both). */
    private readonly frameOf: (call: Frame['call'], location: LocationLine | undefined) => Frame,
  ) {}

  /** Whether a report is open (its lines are the reader's). */
  get open(): boolean {
    return this.report !== undefined;
  }

  /** The parsed line when line `i` belongs to a race report, otherwise undefined. */
  read(s: string, i: number): TracebackLine | undefined {
    const r = this.report;
    if (!r) {
      if (s !== RACE_BANNER || this.lines[i + 1] !== RACE_WARNING) return undefined;
      const open = { kind: 'raceBanner' as const, line: i, text: s };
      const warning = { kind: 'raceWarning' as const, line: i + 1, text: RACE_WARNING };
      this.report = { open, warning, accesses: [], creations: [], sections: [], firstLine: i, lastLine: i };
      this.reports.push(this.report);
      return open;
    }
    if (i === r.warning.line) return this.extend(r, r.warning);
    if (s === RACE_BANNER) {
      const close = { kind: 'raceBanner' as const, line: i, text: s };
      r.close = close;
      r.lastLine = i;
      this.end();
      return close;
    }
    if (TRACEBACK_START.test(s)) {
      this.end();
      return undefined;
    }
    const pending = this.pendingLocation;
    this.pendingLocation = undefined;
    if (pending?.line === i) return this.extend(r, pending);
    if (s === '') {
      this.section = undefined;
      return this.extend(r, { kind: 'blank', line: i, text: s });
    }
    const sec = this.section;
    if (sec) {
      if (s === RACE_NO_STACK) {
        sec.noStack = true;
        return this.extend(r, { kind: 'raceNoStack', line: i, text: s });
      }
      const call = parseRaceCall(s, i);
      if (call) {
        const next = this.lines[i + 1];
        const location = next !== undefined && next.startsWith('    ') ? parseLocation(next, i + 1) : undefined;
        sec.frames.push(this.frameOf(call, location));
        this.pendingLocation = location;
        return this.extend(r, call);
      }
    }
    const access = parseRaceAccess(s, i);
    if (access) {
      const a: RaceSection = {
        kind: 'access',
        header: access,
        write: access.write,
        previous: access.previous,
        address: BigInt(access.address.value),
        goroutine: access.goroutine.id,
        mainGoroutine: access.goroutine.main,
        frames: [],
        noStack: false,
        firstLine: i,
        lastLine: i,
      };
      r.accesses.push(a);
      return this.startSection(r, a);
    }
    const created = parseRaceCreatedAt(s, i);
    if (created) {
      const c: RaceSection = {
        kind: 'creation',
        header: created,
        goroutine: created.goroutine.value,
        running: created.state.value === 'running',
        frames: [],
        noStack: false,
        firstLine: i,
        lastLine: i,
      };
      r.creations.push(c);
      return this.startSection(r, c);
    }
    const heap = parseRaceHeapBlock(s, i);
    if (heap) {
      const h: RaceSection = { kind: 'heapBlock', header: heap, frames: [], noStack: false, firstLine: i, lastLine: i };
      r.heapBlock ??= h;
      return this.startSection(r, h);
    }
    const global = parseRaceGlobal(s, i);
    if (global) {
      r.global ??= global;
      this.section = undefined;
      return this.extend(r, global);
    }
    return this.extend(r, { kind: 'other', line: i, text: s });
  }

  private startSection(r: RaceReport, sec: RaceSection): TracebackLine {
    this.section = sec;
    r.sections.push(sec);
    return this.extend(r, sec.header);
  }

  /** Line `l` belongs to the open report (and to the open section, unless it is a blank line). */
  private extend(r: RaceReport, l: TracebackLine): TracebackLine {
    r.lastLine = l.line;
    if (this.section && l.kind !== 'blank') this.section.lastLine = l.line;
    return l;
  }

  private end(): void {
    this.report = undefined;
    this.section = undefined;
    this.pendingLocation = undefined;
  }
}
