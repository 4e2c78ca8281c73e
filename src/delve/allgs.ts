// Paging over every goroutine of a core, beyond the 1024 that Delve's DAP `threads` lists: reads
// runtime.allgs[i] fields with `evaluate` (about half a millisecond each on a local Delve), so a
// page of 100 goroutines costs 300 small requests and 10,000 goroutines never load at once.
import type { RequestOptions } from './dapClient.js';
import { DapRequestError } from './errors.js';

/** The part of CoreSession this module needs. */
export interface Evaluator {
  evaluate(
    expression: string,
    frameId?: number,
    context?: 'repl',
    opts?: RequestOptions,
  ): Promise<{ result: string } | undefined>;
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
  ev: Evaluator,
  page: { start: number; count: number },
  opts: RequestOptions = {},
): Promise<AllgsPage> {
  const evalText = async (expr: string): Promise<string> =>
    (await ev.evaluate(expr, undefined, 'repl', opts))?.result ?? '';
  const total = firstInt(await evalText('len(runtime.allgs)'));
  const start = Math.max(0, Math.floor(page.start));
  const end = Math.min(total, start + Math.max(0, Math.min(Math.floor(page.count), MAX_ALLGS_PAGE)));
  // atomicstatus is a uint32 before Go 1.20 and an atomic.Uint32 (field `value`) since.
  let statusSuffix = '.atomicstatus.value';
  const entries: AllgsEntry[] = [];
  for (let i = start; i < end; i++) {
    const g = `runtime.allgs[${i}]`;
    const goid = firstInt(await evalText(`${g}.goid`));
    let statusText: string;
    try {
      statusText = await evalText(`${g}${statusSuffix}`);
    } catch (e) {
      if (!(e instanceof DapRequestError) || statusSuffix === '.atomicstatus') throw e;
      statusSuffix = '.atomicstatus';
      statusText = await evalText(`${g}${statusSuffix}`);
    }
    const status = firstInt(statusText);
    const base = status & ~G_SCAN;
    const statusName = (status & G_SCAN ? 'scan' : '') + (G_STATUS_NAMES[base] ?? `status ${base}`);
    const entry: AllgsEntry = { index: i, goid, status, statusName, dead: base === 6 };
    if (base === 4) {
      const w = /^(waitReason\w+)/.exec(await evalText(`${g}.waitreason`).catch(() => ''));
      if (w) entry.waitReason = w[1]!;
    }
    entries.push(entry);
  }
  return { entries, start, total };
}
