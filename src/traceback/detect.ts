// Whether a text is a Go crash log, for the editor's content detection of .txt and .log files:
// its first non-empty line is a crash header as the runtime prints it (`panic: `, `fatal error: `,
// `goroutine N [`, or a signal header such as `SIGSEGV: segmentation violation`:
// src/runtime/panic.go, signal_unix.go, traceback.go), or it holds a race report of a -race build
// anywhere in its first MiB (`==================` then `WARNING: DATA RACE`: the race detector
// prints its reports as they happen, between the program's own output or a test's).
import { RACE_BANNER, RACE_WARNING } from './lines.js';

const HEADER = /^(panic: |fatal error: |goroutine \d+ (gp=0x[0-9a-f]+ )?.*\[|SIG[A-Z]+: )/;
const RACE_REPORT = new RegExp(`^${RACE_BANNER}\\r?\\n${RACE_WARNING}\\r?$`, 'm');

/** How much of a text is searched for a race report. */
export const RACE_SCAN_BYTES = 1 << 20;

/** True when the text's first non-empty line (within the first 4 KiB) is a Go crash header. */
export function startsWithCrashHeader(text: string): boolean {
  const first = text
    .slice(0, 4096)
    .split(/\r?\n/)
    .find((l) => l.trim() !== '');
  return first !== undefined && HEADER.test(first.replace(/^\uFEFF/, ''));
}

/** True when the text holds a race report's opening (`==================` + `WARNING: DATA RACE`) in its first MiB. */
export function containsRaceReport(text: string): boolean {
  return RACE_REPORT.test(text.length > RACE_SCAN_BYTES ? text.slice(0, RACE_SCAN_BYTES) : text);
}

/** A Go crash log: a crash header first, or a race report anywhere in the first MiB. */
export function looksLikeCrashLog(text: string): boolean {
  return startsWithCrashHeader(text) || containsRaceReport(text);
}
