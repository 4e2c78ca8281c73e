// Delve's view of every goroutine of a core, for tests and benchmarks: its goroutine list (DAP
// `threads`, thread id = goroutine id; capped at 1024) paged locally, and paging beyond that cap
// over runtime.allgs, reading runtime.allgs[i] fields with `evaluate` (about half a millisecond each
// on a local Delve), so a page of 100 goroutines costs 300 small requests and 10,000 goroutines
// never load at once.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { CoreSession } from '../../src/delve/coreSession.js';
import type { RequestOptions } from '../../src/delve/dapClient.js';
import { DapRequestError } from '../../src/delve/errors.js';

/** How many goroutines Delve's DAP `threads` returns at most (maxGoroutines in 1.20 to 1.27). */
export const DELVE_GOROUTINE_CAP = 1024;

/** One entry of Delve's goroutine list (DAP `threads`: thread id = goroutine id). */
export interface GoroutineSummary {
  /** Goroutine id (the DAP thread id). */
  id: number;
  /** Delve's name for it: `* [Go 1] main.main (Thread 6594)`. */
  name: string;
  /** Delve's selected goroutine (marked `*`): the one on the thread the core was stopped on. */
  selected: boolean;
  /** The function Delve shows for it (its current user frame). */
  location: string;
  /** The OS thread running it, when it was running. */
  osThreadId?: number;
  /** Delve could not read it (`Unreadable goroutine: ...`). */
  unreadable?: boolean;
}

export interface GoroutinePage {
  goroutines: GoroutineSummary[];
  start: number;
  /** How many goroutines Delve listed. */
  listed: number;
  /**
   * Delve capped its list: every Delve DAP server (1.20 to 1.27 at least) returns at most 1024
   * goroutines from `threads` (plus the selected one) and logs "Too many goroutines, only loaded N".
   * Goroutines beyond the cap are still reachable by id through stackTrace/evaluate.
   */
  truncated: boolean;
}

const THREAD_NAME_RE = /^(\*\s*)?\[Go (\d+)\]\s*(.*?)(?:\s+\(Thread (\d+)\))?\s*$/;

export function parseThreadName(t: DebugProtocol.Thread): GoroutineSummary {
  const m = THREAD_NAME_RE.exec(t.name);
  const selected = /^\s*\*/.test(t.name);
  if (!m) {
    return {
      id: t.id,
      name: t.name,
      selected,
      location: t.name.replace(/^\s*\*\s*/, ''),
      unreadable: /Unreadable/.test(t.name),
    };
  }
  const g: GoroutineSummary = { id: t.id, name: t.name, selected, location: m[3] ?? '' };
  if (m[4]) g.osThreadId = Number(m[4]);
  return g;
}

/**
 * A page of Delve's goroutine list: one `threads` request (Delve logs "Too many goroutines" as an
 * `output` event before it answers), paged locally.
 */
export async function goroutinesPage(
  s: CoreSession,
  page: { start?: number; count?: number } = {},
  opts: RequestOptions = {},
): Promise<GoroutinePage> {
  let tooMany = false;
  const sub = s.client.onEvent('output', (e) => {
    if (/Too many goroutines/.test((e as DebugProtocol.OutputEvent).body.output)) tooMany = true;
  });
  let threads: DebugProtocol.Thread[];
  try {
    threads = (await s.request('threads', undefined, opts)).body.threads;
  } finally {
    sub.dispose();
  }
  const start = Math.max(0, Math.floor(page.start ?? 0));
  const count = Math.max(0, Math.min(Math.floor(page.count ?? 100), 1000));
  return {
    goroutines: threads.slice(start, start + count).map(parseThreadName),
    start,
    listed: threads.length,
    // Delve's cap is exactly 1024 (maxGoroutines): a list that long may be cut.
    truncated: tooMany || threads.length >= DELVE_GOROUTINE_CAP,
  };
}

/** Evaluates a Go expression (Delve syntax) in the `repl` context; the result text. */
async function evalText(s: CoreSession, expression: string, opts: RequestOptions): Promise<string> {
  return (await s.request('evaluate', { expression, context: 'repl' }, opts)).body?.result ?? '';
}

/**
 * The length of runtime.allgs (every goroutine ever created and not freed, dead ones included):
 * how many goroutines exist beyond Delve's list cap. Undefined when Delve cannot evaluate it.
 */
export async function allgsLength(s: CoreSession, opts: RequestOptions = {}): Promise<number | undefined> {
  try {
    const n = Number(await evalText(s, 'len(runtime.allgs)', opts));
    return Number.isSafeInteger(n) ? n : undefined;
  } catch (e) {
    if (e instanceof DapRequestError) return undefined;
    throw e;
  }
}

/** runtime g status values (runtime2.go; the same from Go 1.19 to 1.27). */
export const G_STATUS_NAMES: Record<number, string> = {
  0: 'idle',
  1: 'runnable',
  2: 'running',
  3: 'syscall',
  4: 'waiting',
  5: 'moribund',
  6: 'dead',
  7: 'enqueue',
  8: 'copystack',
  9: 'preempted',
  10: 'leaked',
  11: 'deadextra',
};
const G_SCAN = 0x1000;

export interface AllgsEntry {
  /** Index in runtime.allgs. */
  index: number;
  goid: number;
  /** Raw status (atomicstatus), scan bit included. */
  status: number;
  /** `waiting`, `running`, ... (`scan` prefix when the scan bit is set). */
  statusName: string;
  /** A free g (status dead): not a goroutine any more, Delve does not list it. */
  dead: boolean;
  /** The runtime's wait reason constant, e.g. `waitReasonChanReceive`, for a waiting goroutine. */
  waitReason?: string;
}

export interface AllgsPage {
  entries: AllgsEntry[];
  start: number;
  /** len(runtime.allgs). */
  total: number;
}

export const MAX_ALLGS_PAGE = 500;

const firstInt = (s: string): number => {
  const m = /^-?\d+/.exec(s.trim());
  if (!m) throw new Error(`not an integer: ${JSON.stringify(s.slice(0, 80))}`);
  return Number(m[0]);
};

/** Reads runtime.allgs[start, start+count) (count at most MAX_ALLGS_PAGE). */
export async function readAllgsPage(
  s: CoreSession,
  page: { start: number; count: number },
  opts: RequestOptions = {},
): Promise<AllgsPage> {
  const total = firstInt(await evalText(s, 'len(runtime.allgs)', opts));
  const start = Math.max(0, Math.floor(page.start));
  const end = Math.min(total, start + Math.max(0, Math.min(Math.floor(page.count), MAX_ALLGS_PAGE)));
  // atomicstatus is a uint32 before Go 1.20 and an atomic.Uint32 (field `value`) since.
  let statusSuffix = '.atomicstatus.value';
  const entries: AllgsEntry[] = [];
  for (let i = start; i < end; i++) {
    const g = `runtime.allgs[${i}]`;
    const goid = firstInt(await evalText(s, `${g}.goid`, opts));
    let statusText: string;
    try {
      statusText = await evalText(s, `${g}${statusSuffix}`, opts);
    } catch (e) {
      if (!(e instanceof DapRequestError) || statusSuffix === '.atomicstatus') throw e;
      statusSuffix = '.atomicstatus';
      statusText = await evalText(s, `${g}${statusSuffix}`, opts);
    }
    const status = firstInt(statusText);
    const base = status & ~G_SCAN;
    const statusName = (status & G_SCAN ? 'scan' : '') + (G_STATUS_NAMES[base] ?? `status ${base}`, opts);
    const entry: AllgsEntry = { index: i, goid, status, statusName, dead: base === 6 };
    if (base === 4) {
      const w = /^(waitReason\w+)/.exec(await evalText(s, `${g}.waitreason`, opts).catch(() => ''));
      if (w) entry.waitReason = w[1]!;
    }
    entries.push(entry);
  }
  return { entries, start, total };
}
