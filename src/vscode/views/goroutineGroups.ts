// What the Goroutines view shows of the engine's waits model (src/analysis/waits.ts), as plain data
// (no `vscode` here: unit-tested in Node): the groups of one grouping with a filter applied, their
// titles and first user frames, pages of long goroutine lists, and the words for waitSince.
// Every goroutine is in exactly one group of each grouping (the engine's rule); a filter only
// removes goroutines that do not match it, and says how many of how many are shown.
import type { GoroutineWait, WaitFrame, WaitGroupEntry, WaitObject, Waits } from '../../analysis/waits.js';

export type Grouping = 'object' | 'reason' | 'userFrame' | 'creator';

export const GROUPINGS: readonly { id: Grouping; label: string; detail: string }[] = [
  { id: 'object', label: 'Wait object', detail: 'the channel, mutex or WaitGroup each goroutine waits on' },
  { id: 'reason', label: 'Wait reason', detail: 'the status the runtime prints: [chan receive], [sync.Mutex.Lock], …' },
  { id: 'userFrame', label: 'User frame', detail: 'the first frame outside the standard library' },
  { id: 'creator', label: 'Created by', detail: 'the go statement that started each goroutine' },
];

export function isGrouping(s: unknown): s is Grouping {
  return GROUPINGS.some((g) => g.id === s);
}

export function groupingLabel(by: Grouping): string {
  return GROUPINGS.find((g) => g.id === by)!.label;
}

/** Goroutine lists longer than this show their first PAGE items, then "Show 500 more…". */
export const PAGE = 500;

/** `main.waiter:21` (the function and its line). */
export function shortFrame(f: Pick<WaitFrame, 'function' | 'line'>): string {
  return `${f.function}:${f.line}`;
}

export function fileName(path: string): string {
  return path.split('/').pop() ?? path;
}

/** How the filter text is read: a goroutine id (`18`, `#18`, `goroutine 18`) or words to find. */
export function parseFilter(text: string): { goid: number } | { words: string } | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const id = /^(?:#|goroutine\s+)?(\d+)$/i.exec(t);
  if (id) return { goid: Number(id[1]) };
  return { words: t.toLowerCase() };
}

/**
 * Does a goroutine match the filter: its id, or the text found (case-insensitive) in its wait
 * reason or status, the name of any of its frames, or its creator's function.
 */
export function matchesFilter(g: GoroutineWait, framesOf: (goid: number) => readonly WaitFrame[], filter: ReturnType<typeof parseFilter>): boolean {
  if (!filter) return true;
  if ('goid' in filter) return g.goid === filter.goid;
  const w = filter.words;
  if (g.status.toLowerCase().includes(w)) return true;
  if (g.waitReason?.toLowerCase().includes(w)) return true;
  if (g.userFrame?.function.toLowerCase().includes(w)) return true;
  if (g.createdBy?.function.toLowerCase().includes(w)) return true;
  return framesOf(g.goid).some((f) => f.function.toLowerCase().includes(w));
}

export interface ShownGroup {
  /** The engine's group key (for a wait object: the object ids joined by ` | `). */
  key: string;
  /** What the group is: the object's label, the wait reason, the user frame, the creator. */
  title: string;
  /** The group's goroutines that pass the filter (all of them without a filter). */
  goids: number[];
  /** All of the group's goroutines. */
  total: number;
  /** Its first user frame (the most common among its goroutines), or undefined when none has one. */
  userFrame: WaitFrame | undefined;
  /** For a wait-object group: the objects waited on (several for a select). */
  objects: WaitObject[];
}

export interface GroupsView {
  groups: ShownGroup[];
  /** Goroutines shown (passing the filter) and in the core. */
  shown: number;
  total: number;
}

function groupsOf(w: Waits, by: Grouping): WaitGroupEntry[] {
  switch (by) {
    case 'object':
      return w.groups.byObject;
    case 'reason':
      return w.groups.byReason;
    case 'userFrame':
      return w.groups.byUserFrame;
    case 'creator':
      return w.groups.byCreator;
  }
}

/** The title of an engine group (user frames and creators without their long paths). */
function titleOf(e: WaitGroupEntry, by: Grouping, byGoid: ReadonlyMap<number, GoroutineWait>): string {
  const g = byGoid.get(e.goids[0] ?? -1);
  if (by === 'userFrame') return g?.userFrame ? shortFrame(g.userFrame) : e.label;
  if (by === 'creator') return g?.createdBy ? `created by ${shortFrame(g.createdBy)}` : 'no creator (started by the runtime)';
  return e.label;
}

/** The user frame most of the goroutines share (the first one met on a tie). */
function commonUserFrame(goids: readonly number[], byGoid: ReadonlyMap<number, GoroutineWait>): WaitFrame | undefined {
  const counts = new Map<string, { f: WaitFrame; n: number }>();
  let best: { f: WaitFrame; n: number } | undefined;
  for (const id of goids) {
    const f = byGoid.get(id)?.userFrame;
    if (!f) continue;
    const k = `${f.function} ${f.file}:${f.line}`;
    let c = counts.get(k);
    if (!c) counts.set(k, (c = { f, n: 0 }));
    c.n++;
    if (!best || c.n > best.n) best = c;
  }
  return best?.f;
}

/** The groups of a grouping with the filter applied; groups left empty by the filter are dropped. */
export function shownGroups(
  w: Waits,
  by: Grouping,
  filterText: string,
  index: { byGoid: ReadonlyMap<number, GoroutineWait>; objects: ReadonlyMap<string, WaitObject> },
): GroupsView {
  const filter = parseFilter(filterText);
  const groups: ShownGroup[] = [];
  let shown = 0;
  for (const e of groupsOf(w, by)) {
    const goids = filter ? e.goids.filter((id) => { const g = index.byGoid.get(id); return g !== undefined && matchesFilter(g, w.framesOf, filter); }) : e.goids;
    if (goids.length === 0) continue;
    shown += goids.length;
    const objects = by === 'object' ? e.key.split(' | ').map((id) => index.objects.get(id)).filter((o) => o !== undefined) : [];
    groups.push({ key: e.key, title: titleOf(e, by, index.byGoid), goids, total: e.count, userFrame: commonUserFrame(goids, index.byGoid), objects });
  }
  groups.sort((a, b) => b.goids.length - a.goids.length);
  return { groups, shown, total: w.goroutines.length };
}

/**
 * The groups shown before the waits model is ready: the engine's groups by wait reason, read from
 * the runtime snapshot alone (CoreEngine.reasonGroups(): the same groups as waits().groups.byReason),
 * every goroutine in one of them; no user frame and no object yet.
 */
export function reasonPreview(entries: readonly WaitGroupEntry[]): ShownGroup[] {
  return entries.map((e) => ({ key: e.key, title: e.label, goids: e.goids, total: e.count, userFrame: undefined, objects: [] }));
}

/** The first `limit` items and how many are left. */
export function page<T>(items: readonly T[], limit: number): { items: readonly T[]; remaining: number } {
  return items.length <= limit ? { items, remaining: 0 } : { items: items.slice(0, limit), remaining: items.length - limit };
}

/**
 * waitSince said honestly: g.waitsince is stamped by the first garbage collection that saw the
 * goroutine blocked (runtime/mgcmark.go), so it is a lower bound, and absent when no GC ran since.
 */
export function waitSinceText(g: Pick<GoroutineWait, 'waitSince' | 'status'>): string | undefined {
  if (!/^waiting|^leaked/.test(g.status)) return undefined;
  if (g.waitSince === null) return 'waitSince: not stamped (no garbage collection ran since it blocked; the runtime sets it only at a GC)';
  return `waitSince: ${g.waitSince} (nanotime) — a lower bound: the first garbage collection that saw it blocked stamped it`;
}

/** time.Sleep's wake-up, as read from the runtime's timer records. */
export function sleepText(g: Pick<GoroutineWait, 'sleep'>): string | undefined {
  const s = g.sleep;
  if (!s) return undefined;
  return `sleeps until nanotime ${s.until}${s.sinceStart !== null ? ` (${s.sinceStart.toFixed(3)} s after the process started, as time.Now() prints m=+…)` : ''}; from ${s.source}`;
}

/** The rows of a wait object's state: channel length, capacity, closed, element type; mutex; WaitGroup. */
export function objectStateRows(o: WaitObject): { label: string; description: string }[] {
  const rows: { label: string; description: string }[] = [];
  if (o.channel) {
    const c = o.channel;
    rows.push({ label: 'element type', description: c.elemType ?? 'unknown' });
    rows.push({ label: 'len / cap', description: `${c.len} / ${c.cap}${c.cap === 0 ? ' (unbuffered)' : ''}` });
    rows.push({ label: 'closed', description: c.closed ? 'yes' : 'no' });
  }
  if (o.mutex) {
    const m = o.mutex;
    rows.push({ label: 'locked', description: m.locked ? 'yes' : 'no' });
    rows.push({ label: 'waiters', description: `${m.waiters}${m.starving ? ', starving' : ''}${m.woken ? ', woken' : ''}` });
  }
  if (o.rwmutex) {
    const r = o.rwmutex;
    rows.push({ label: 'writer', description: r.writer === 'none' ? 'none' : r.writer === 'waiting' ? `waits for ${r.readersHolding} reader(s) to leave` : 'holds it' });
    rows.push({ label: 'readers', description: `${r.readersHolding} holding, ${r.readersWaiting} waiting (readerCount ${r.readers}, readerWait ${r.departingReaders})` });
    rows.push({ label: 'writer lock', description: `${r.w.locked ? 'locked' : 'unlocked'}, ${r.w.waiters} waiters` });
  }
  if (o.cond) rows.push({ label: 'tickets', description: `wait ${o.cond.wait}, notify ${o.cond.notify} (${o.cond.tickets.length} parked)` });
  if (o.poll) rows.push({ label: 'file descriptor', description: `${o.poll.fd} (pollDesc ${o.address})` });
  for (const h of (o.holders ?? []).filter((x) => x.certainty === 'likely').slice(0, 5)) {
    rows.push({ label: `likely holder`, description: `goroutine ${h.goid}${h.mode ? ` (${h.mode})` : ''}: ${h.function ?? '?'}:${h.line ?? '?'}` });
  }
  if (o.waitGroup) {
    rows.push({ label: 'counter', description: String(o.waitGroup.counter) });
    rows.push({ label: 'waiters', description: String(o.waitGroup.waiters) });
  }
  if (o.symbol) rows.push({ label: 'global', description: o.symbol });
  if (o.note) rows.push({ label: 'note', description: o.note });
  return rows;
}

/** An object's queues as lists of goroutines: receivers and senders of a channel, else its waiters; then who else refers to it. */
export function objectQueues(o: WaitObject): { label: string; goids: number[]; role: 'receive' | 'send' | 'wait' | 'reference' }[] {
  const out: { label: string; goids: number[]; role: 'receive' | 'send' | 'wait' | 'reference' }[] = [];
  if (o.channel) {
    out.push({ label: 'receivers (recvq)', goids: o.channel.recvq, role: 'receive' });
    out.push({ label: 'senders (sendq)', goids: o.channel.sendq, role: 'send' });
  } else {
    out.push({ label: 'waiters', goids: o.waiters, role: 'wait' });
  }
  if (o.referencedBy.length > 0) {
    const mutex = o.kind === 'sync.Mutex' || o.kind === 'sync.RWMutex';
    out.push({ label: mutex ? 'may hold it (its address on their stacks)' : 'also refer to it (on their stacks)', goids: o.referencedBy, role: 'reference' });
  }
  return out;
}
