// Delve's goroutine list (DAP `threads`, thread id = goroutine id): its cap and its names.
import type { DebugProtocol } from '@vscode/debugprotocol';

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
