// What every goroutine waits on, who blocks whom, deadlocks, leak suspects, every goroutine that
// threw and the map of a concurrent map write: the engine's model behind `CoreEngine.waits()` /
// `waitsAsync()`, the `runtime.waits` and `runtime.throwers` sections of `go-core report` and the
// Goroutines view. Built from the runtime's own records (src/runtime/waitRecords.ts: g.waiting
// sudogs, hchan queues, the semaphore table's treaps; src/runtime/syncObjects.ts: the sync object
// of a semaphore; src/runtime/waitDetails.ts: time.Sleep's wake-up, the pollDesc of an I/O wait,
// the notifyList of a sync.Cond) and from stack words (which goroutines' stacks hold an object's
// address; src/runtime/lockHolders.ts: which frames locked a mutex).
//
// Cost: the stacks of parked goroutines are walked once per shape (src/runtime/stackShapes.ts:
// thousands of goroutines in a few call chains), each used stack read once in address order; the
// runtime snapshot (allm, allgs) is shared with crash(); no per-goroutine map keyed by bigint.
// The computation is a generator that yields every 256 goroutines: analyzeWaits runs it at once,
// analyzeWaitsAsync in slices that give the event loop a turn.
//
// Rules, stated once:
// - waitSince: g.waitsince, stamped by the GC the first time it sees the goroutine blocked
//   (mgcmark.go markroot -> scanstack... `gp.waitsince = work.tstart`, Go 1.19-1.27): a lower
//   bound on when it blocked, in nanotime units, and absent (null) when no GC ran since.
// - referencedBy: goroutines whose live stack slots (the GC's stack maps: src/runtime/stackRoots.ts)
//   hold the object's address, other than those queued on it. Heap objects are not followed: an
//   object reachable only through the heap is not seen as referenced. Globals: any word of the
//   data and bss segments (conservative).
// - leak suspect (the idea of Go 1.26's goroutine leak profile, found from the core): LEAK_RULE and
//   LEAK_BASIS below, reported with the suspects.
// - deadlock: when the crash is `all goroutines are asleep` (runtime.checkdead on the crashing
//   thread), one paragraph from the objects: each object with its waiters and state, the channel
//   cycles (A waits on X, which only B also references, and B waits on Y, which only A
//   references), for a mutex its likely holder and what that one waits on, and for a locked mutex
//   that no live stack references, that its locker exited.
// - mutex holders: the runtime does not record them; goroutines whose stacks hold the mutex's
//   address and that are not queued on it are judged from their frames (lockHolders.ts): `likely`
//   when the frame holding the address locked before its current line, else `possible`.
import { Dwarf } from '../core/dwarf.js';
import { CoreReadError } from '../core/errors.js';
import { PF_W } from '../core/elfTypes.js';
import type { Memory } from '../core/memory.js';
import type { Pclntab } from '../core/pclntab.js';
import type { GoroutineInfo } from '../runtime/goroutines.js';
import { G_SCAN, completeFromDwarf, type RuntimeLayout } from '../runtime/layout.js';
import { readGoType } from '../runtime/panicValue.js';
import { attempt, type RuntimeSnapshot } from '../runtime/snapshot.js';
import { liveStackPointers, type RootFrame } from '../runtime/stackRoots.js';
import { rootFrames, StackShapes, type LiveWords, type StackShape, type WalkedStack } from '../runtime/stackShapes.js';
import { parkedStacks, spOrder } from './parkedStacks.js';
import { LockCalls } from '../runtime/lockHolders.js';
import { COND_NOTIFY_OFFSET, pollDescOf, readNotifyList, sleepOf, type NotifyListRecord } from '../runtime/waitDetails.js';
import { readSyncState, syncObjectOf, type MutexState, type RWMutexState, type SyncObjectRef, type WaitGroupState } from '../runtime/syncObjects.js';
import { readChannel, waitingChannels, SEM_TAB_SIZE, walkSemtable, waitOffsets, type ChannelRecord, type QueuedG, type WaitOffsets } from '../runtime/waitRecords.js';
import type { CoreAnalysis } from './coreAnalysis.js';
import { firstPrinter, originOf } from './crashSummary.js';
import { reportFrames, type ReportFrame } from './report.js';
import { rangeIndex } from '../core/ranges.js';

export interface WaitFrame {
  function: string;
  file: string;
  line: number;
}

export interface GoroutineWait {
  goid: number;
  address: string;
  /** Status name as the traceback prints it (`waiting`, `runnable`, `running`, ...). */
  status: string;
  /** The wait reason, for a waiting goroutine; null otherwise. */
  waitReason: string | null;
  /** g.waitsince (nanotime, decimal): a lower bound stamped by the first GC that saw it blocked; null when no GC ran since. */
  waitSince: string | null;
  createdBy: { function: string; file: string; line: number; goid: number | null } | null;
  /** The first frame outside the standard library (innermost first), else the first outside the runtime. */
  userFrame: WaitFrame | null;
  /** Ids of the objects it waits on (several for a select), from the runtime's records. */
  waitsOn: string[];
  /** For a channel operation: which side it is on. */
  direction: 'send' | 'receive' | 'select' | null;
  /**
   * For time.Sleep (wait reason `sleep`): the wake-up time from the runtime's records (nanotime,
   * decimal), and the same as an offset in seconds from the process start (time.startNano: what
   * time.Now() prints as `m=+…`); null otherwise.
   */
  sleep: { until: string; sinceStart: number | null; source: string } | null;
}

export type WaitObjectKind = 'channel' | 'nil channel' | 'sync.Mutex' | 'sync.RWMutex' | 'sync.WaitGroup' | 'sync.Cond' | 'netpoll fd' | 'semaphore';

export interface WaitObject {
  /** `chan 0xc000020060`, `sync.Mutex 0x5a1b20`: unique per object. */
  id: string;
  kind: WaitObjectKind;
  address: string;
  /** The global variable that holds the object (`main.guard`), when it is one. */
  symbol: string | null;
  /** One line: `chan int 0xc000020060 (len 0, cap 0)`, `sync.Mutex 0x5a1b20 (main.guard): locked, 3 waiters`. */
  label: string;
  channel?: { elemType: string | null; len: number; cap: number; closed: boolean; recvq: number[]; sendq: number[] };
  mutex?: MutexState;
  rwmutex?: RWMutexState;
  waitGroup?: WaitGroupState;
  /** sync.Cond: its notifyList's tickets (wait: next to hand out, notify: next to wake) and each parked waiter's ticket, in queue order. */
  cond?: { wait: number; notify: number; tickets: { goid: number; ticket: number }[] };
  /** An I/O wait: the file descriptor of the runtime.pollDesc (address) and who waits to read / write it. */
  poll?: { fd: number; readers: number[]; writers: number[] };
  /** Goroutines queued on it (channel: receivers then senders; semaphore: queue order). */
  waiters: number[];
  /** Goroutines not queued on it whose stacks hold its address (for a mutex: possible holders). */
  referencedBy: number[];
  /**
   * sync.Mutex / RWMutex: the goroutines of referencedBy judged from their frames (the runtime does
   * not record a holder): `likely` when a frame holding the address locked before its current line
   * and did not unlock since, else `possible`; most likely first.
   */
  holders?: MutexHolder[];
  /**
   * Goroutines not queued on it whose stacks hold its address only in words the stack maps do not
   * mark live (a dead slot, a deferred call's saved argument): weaker than referencedBy, but enough
   * not to call the object unreachable. Filled only for objects that would otherwise be leak
   * suspects or unreferenced WaitGroups.
   */
  mentionedBy?: number[];
  /** The object is a global, or a global word holds its address. */
  global: boolean;
  /** For a mutex: that the runtime does not record the holder; other remarks. */
  note: string | null;
}

export interface MutexHolder {
  goid: number;
  /** The frame that holds the mutex's address (null when only a runtime or sync frame does). */
  function: string | null;
  file: string | null;
  line: number | null;
  certainty: 'likely' | 'possible';
  /** For an RWMutex: whether the lock call found is RLock (`read`) or Lock (`write`); null when unknown. */
  mode: 'read' | 'write' | null;
  /** What the judgement rests on, in words. */
  evidence: string;
}

export interface WaitGroupEntry {
  key: string;
  label: string;
  count: number;
  goids: number[];
}

export interface WaitThrower {
  tid: number;
  goroutine: number | null;
  /** The thread that raised the final signal (the core's crashing thread). */
  crashingThread: boolean;
  /** The runtime printed this goroutine's traceback first (with several throwers: the one that is not the crashing thread). */
  printedFirst: boolean | null;
  origin: ReportFrame | null;
  /** The map operation it threw in (`runtime.mapassign_fast64`), for map write races. */
  mapOperation: string | null;
}

export interface MapRace {
  /** The map's address (hmap or Swiss-table Map), or null when it could not be read. */
  map: string | null;
  /** How the address was found, or why not. */
  how: string;
  /** Every goroutine whose stack is inside a map operation on that map (on any map when unknown). */
  goroutines: { goid: number; operation: string; userFrame: WaitFrame | null; threw: boolean }[];
}

/** Leaked goroutines by a stated rule: waits() from stack evidence, CoreEngine.leaks() by heap reachability (goroutineLeaks.ts). */
export interface LeakSuspects {
  rule: string;
  basis: string;
  /** Which walk the suspects come from. */
  method: 'heap reachability' | 'stack evidence';
  suspects: { object: string; goroutines: number[]; explanation: string }[];
  /** Blocked goroutines the walk could not judge (their wait object was not read): counted as live. */
  unjudged: number[];
}

export interface WaitsModel {
  goroutines: GoroutineWait[];
  objects: WaitObject[];
  groups: { byObject: WaitGroupEntry[]; byReason: WaitGroupEntry[]; byUserFrame: WaitGroupEntry[]; byCreator: WaitGroupEntry[] };
  deadlock: { explanation: string; cycles: number[][] } | null;
  leaks: LeakSuspects;
  throwers: WaitThrower[];
  mapRace: MapRace | null;
  /** Where the layout of the wait records came from; what could not be read. */
  notes: string[];
}

/** The model plus each goroutine's frames (not part of the report: fetched per goroutine). */
export interface Waits extends WaitsModel {
  framesOf(goid: number): WaitFrame[];
  /** The sudogs the runtime queued (channel queues, semaphore table): its bookkeeping, not references a program holds. */
  sudogs: readonly bigint[];
}

/** The report's `runtime.waits` (everything but the throwers, which are `runtime.throwers`). */
export type WaitsSection = Omit<WaitsModel, 'throwers'>;

/** The report sections of a waits model (plain data: no functions). */
export function waitsReport(w: WaitsModel): { waits: WaitsSection; throwers: WaitThrower[] } {
  const { throwers, goroutines, objects, groups, deadlock, leaks, mapRace, notes } = w;
  return { waits: { goroutines, objects, groups, deadlock, leaks, mapRace, notes }, throwers };
}

export const WAITSINCE_NOTE =
  'waitSince is g.waitsince: the runtime stamps it at the first garbage collection that sees the goroutine blocked, so it is a lower bound on when it blocked (nanotime), and absent when no GC ran since';
export const LEAK_RULE =
  'an object that goroutines are blocked on and that nothing else can reach to release them: a channel, sync.Cond or WaitGroup (counter above zero) that no other goroutine\'s live stack slots and no global word reference; a locked sync.Mutex/RWMutex that no goroutine outside its queue holds in its frames; a nil channel';
/** What the leak rule does not see (reported with it). */
export const LEAK_BASIS =
  'based on the live stack slots of every goroutine (the GC\'s stack maps) and every word of the data and bss segments; references held only in heap objects are not followed: the heap walk (CoreEngine.heap()) gives one shortest retention path from any root, the runtime\'s own bookkeeping included (allgs -> g -> sudog -> channel), not reachability from the running goroutines alone';

const hx = (n: bigint): string => '0x' + n.toString(16);
const CHAN_REASONS = new Set(['chan receive', 'chan send', 'select', 'chan receive (synctest)', 'chan send (synctest)', 'select (synctest)', 'chan receive (durable)', 'chan send (durable)', 'select (durable)']);
const NIL_CHAN_REASONS = new Set(['chan receive (nil chan)', 'chan send (nil chan)', 'select (no cases)']);
const SEMA_REASONS = new Set(['semacquire', 'sync.Mutex.Lock', 'sync.RWMutex.RLock', 'sync.RWMutex.Lock', 'sync.WaitGroup.Wait']);
const MAP_OP = /^(runtime\.(mapassign|mapaccess|mapdelete|mapiter|mapclear|mapinit|evacuate|growWork)|internal\/runtime\/maps\.(?!fatal$))/;

interface Frame extends WaitFrame {
  sp: bigint;
}

/** What a parked goroutine's shape gives every goroutine of that shape (computed once per shape). */
interface ShapeView {
  logical: { function: string; file: string; line: number; phys: number }[];
  funcs: string[];
  userFrame: WaitFrame | undefined;
}

/** The frames of a goroutine running on a thread (from the thread's own walk). */
interface ThreadFrames {
  frames: Frame[];
  phys: RootFrame[];
  funcs: string[];
  userFrame: WaitFrame | undefined;
}

class GState {
  waitsOn: string[] = [];
  direction: GoroutineWait['direction'] = null;
  sleep: GoroutineWait['sleep'] = null;
  constructor(
    readonly g: GoroutineInfo,
    readonly goid: number,
    /** A parked goroutine's shape walk and what its shape gives (no object per goroutine for them)... */
    private readonly walked: WalkedStack | undefined,
    private readonly view: ShapeView | undefined,
    /** ...or the frames of one running on a thread. */
    private readonly own: ThreadFrames | undefined,
    /** Its live pointer slot values (the GC's stack maps): live [liveAt, liveAt + liveCount). */
    readonly live: LiveWords,
    readonly liveAt: number,
    readonly liveCount: number,
  ) {}
  /** Logical frames, innermost first, each with its physical frame's sp. */
  get frames(): Frame[] {
    if (this.own) return this.own.frames;
    const walked = this.walked!;
    const fr = walked.shape.frames;
    return this.view!.logical.map((l) => ({ function: l.function, file: l.file, line: l.line, sp: walked.sp + BigInt(fr[l.phys]!.spOff) }));
  }
  /** The shape walk of a parked goroutine (undefined for one running on a thread). */
  get shape(): WalkedStack | undefined {
    return this.own ? undefined : this.walked;
  }
  /** Physical frames with their caller's sp, for the live-pointer scan. */
  get phys(): RootFrame[] {
    return this.own ? this.own.phys : rootFrames(this.walked!.shape.frames, this.walked!.sp);
  }
  get funcs(): readonly string[] {
    return this.own ? this.own.funcs : this.view!.funcs;
  }
  get userFrame(): WaitFrame | undefined {
    return this.own ? this.own.userFrame : this.view!.userFrame;
  }
}

const stdCache = new Map<string, boolean>();

/** Standard library: no dot in the first path element, except `main` (the Go rule). */
function isStdFunction(fn: string): boolean {
  let r = stdCache.get(fn);
  if (r === undefined) {
    const slash = fn.lastIndexOf('/');
    const dot = fn.indexOf('.', slash + 1);
    const pkg = dot > 0 ? fn.slice(0, dot) : fn;
    r = pkg !== 'main' && !pkg.split('/')[0]!.includes('.');
    if (stdCache.size > 100_000) stdCache.clear();
    stdCache.set(fn, r);
  }
  return r;
}

export function userFrameOf<F extends { function: string }>(frames: readonly F[]): F | undefined {
  return frames.find((f) => !isStdFunction(f.function)) ?? frames.find((f) => !f.function.startsWith('runtime.') && !f.function.startsWith('internal/'));
}

/** The layout with the wait-record structs, taken from the binary's DWARF when the table lacks them. */
function waitLayout(a: CoreAnalysis, layout: RuntimeLayout, notes: string[]): WaitOffsets | undefined {
  let o = waitOffsets(layout);
  if ('missing' in o && a.cw.binary) {
    const dwarf = attempt(notes, 'DWARF', () => Dwarf.fromElf(a.cw.binary!));
    if (dwarf) {
      const full = completeFromDwarf(layout, dwarf);
      o = waitOffsets(full);
      if (!('missing' in o)) notes.push(`wait records: ${full.note}`);
    }
  }
  if ('missing' in o) {
    notes.push(`wait objects not read: the layout of Go ${layout.minor ?? layout.goVersion} has no ${o.missing.join(', ')} and the binary has no DWARF`);
    return undefined;
  }
  return o;
}

/**
 * Positions of addresses (runtime.g's) in a list, found by binary search over them sorted as
 * numbers (exact below 2^53, as the runtime's heap addresses are): no map of 100,000 entries.
 * The last position of an address listed twice, as a map would keep it.
 */
class AddressIndex {
  private readonly sorted: Float64Array;
  private readonly at: Uint32Array;
  constructor(addrs: readonly bigint[]) {
    const n = addrs.length;
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = Number(addrs[i]!);
    const at = new Uint32Array(n);
    for (let i = 0; i < n; i++) at[i] = i;
    at.sort((x, y) => keys[x]! - keys[y]! || x - y);
    this.at = at;
    this.sorted = new Float64Array(n);
    for (let i = 0; i < n; i++) this.sorted[i] = keys[at[i]!]!;
  }
  /** The position of addr in the list, or -1. */
  find(addr: bigint): number {
    const k = Number(addr);
    const s = this.sorted;
    let lo = 0;
    let hi = s.length;
    // The first position past every key <= k; the last equal key is just before it.
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid]! <= k) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && s[lo - 1] === k ? this.at[lo - 1]! : -1;
  }
}

class DataSymbols {
  private sorted: { start: bigint; end: bigint; name: string }[] | undefined;
  constructor(private readonly a: CoreAnalysis) {}
  at(addr: bigint): string | null {
    if (!this.sorted) {
      const bias = this.a.syms.bias;
      this.sorted = (this.a.cw.binary?.symbols() ?? [])
        .filter((s) => s.type === 1 && s.size > 0n)
        .map((s) => ({ start: s.value + bias, end: s.value + bias + s.size, name: s.name }))
        .sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
    }
    const e = this.sorted[rangeIndex(this.sorted, addr, (x) => x.start, (x) => x.end)];
    if (!e) return null;
    return addr === e.start ? e.name : `${e.name}+${hx(addr - e.start)}`;
  }
}

/** Writable data of the executable (data, bss): [start, end) runtime addresses. */
function dataRanges(a: CoreAnalysis): { start: bigint; end: bigint }[] {
  const exe = a.cw.binary;
  if (!exe) return [];
  const bias = a.syms.bias;
  return exe.loads.filter((p) => (p.flags & PF_W) !== 0 && p.memsz > 0n).map((p) => ({ start: p.vaddr + bias, end: p.vaddr + bias + p.memsz }));
}

/** Which of `targets` each range's words hold: target -> holders. Low 32 bits first (fast path). */
function scanWords(buf: Buffer, targets: ReadonlyMap<number, bigint[]>, hit: (addr: bigint) => void): void {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  for (let o = 0; o + 8 <= buf.length; o += 8) {
    const lo = view.getUint32(o, true);
    const cands = targets.get(lo);
    if (!cands) continue;
    const w = view.getBigUint64(o, true);
    for (const c of cands) if (c === w) hit(c);
  }
}

function lowKey(targets: Iterable<bigint>): Map<number, bigint[]> {
  const m = new Map<number, bigint[]>();
  for (const t of targets) {
    const k = Number(t & 0xffffffffn);
    const l = m.get(k);
    if (l) l.push(t);
    else m.set(k, [t]);
  }
  return m;
}

function group(entries: Map<string, { label: string; goids: number[] }>): WaitGroupEntry[] {
  return [...entries.entries()]
    .map(([key, e]) => ({ key, label: e.label, count: e.goids.length, goids: e.goids.sort((x, y) => x - y) }))
    .sort((x, y) => y.count - x.count || (x.goids[0] ?? 0) - (y.goids[0] ?? 0));
}

function add(m: Map<string, { label: string; goids: number[] }>, key: string, label: string | (() => string), goid: number): void {
  const e = m.get(key);
  if (e) e.goids.push(goid);
  else m.set(key, { label: typeof label === 'string' ? label : label(), goids: [goid] });
}

const verb = (ids: readonly number[], v: string): string => (ids.length === 1 ? `${v}s` : v);
/** Goroutine ids in a sentence: at most 20 named, then how many in all (the lists themselves are in the model). */
const list = (ids: readonly number[]): string =>
  ids.length === 1 ? `goroutine ${ids[0]}` : ids.length <= 20 ? `goroutines ${ids.join(', ')}` : `goroutines ${ids.slice(0, 20).join(', ')} … (${ids.length} in all)`;

export interface WaitsOptions {
  /** Frames unwound per parked goroutine (default 64). */
  maxFrames?: number;
}

/**
 * Goroutines grouped by what the traceback prints in brackets (the wait reason of a waiting
 * goroutine, else its status), all of them, in allgs order: exactly waits().groups.byReason.
 */
export function groupByReason(gs: readonly GoroutineInfo[]): WaitGroupEntry[] {
  const byReason = new Map<string, { label: string; goids: number[] }>();
  for (const g of gs) add(byReason, g.tracebackStatus, g.tracebackStatus, Number(g.goid));
  return group(byReason);
}

/** What can be shown of the goroutines before waits() ends: every goroutine, grouped by wait reason. */
export interface ReasonGroups {
  /** Goroutines read from allgs (dead ones excluded, as in waits()). */
  total: number;
  /** waits().groups.byReason, from the runtime snapshot alone (no stack walked, no wait record read). */
  byReason: WaitGroupEntry[];
  /** Why there are none (the runtime state could not be read). */
  notes: string[];
}

/** The goroutines grouped by wait reason from the runtime snapshot (shared with crash() and waits()). */
export function reasonGroups(a: CoreAnalysis): ReasonGroups {
  const notes: string[] = [];
  if (!a.layout || !a.goVersion) return { total: 0, byReason: [], notes: [`goroutines not read: ${a.layoutProblem ?? 'unknown Go version'}`] };
  const snapshot = attempt(notes, 'runtime state', () => a.snapshot());
  if (!snapshot) return { total: 0, byReason: [], notes };
  const gs = snapshot.goroutines.goroutines;
  return { total: gs.length, byReason: groupByReason(gs), notes };
}

/** What every goroutine waits on, computed at once (blocks until done). */
export function analyzeWaits(a: CoreAnalysis, opts: WaitsOptions = {}): Waits {
  const steps = waitSteps(a, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

export interface WaitsAsyncOptions extends WaitsOptions {
  /** Stops the computation between two slices (rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Longest run without giving the event loop a turn, in ms (default 25). */
  sliceMs?: number;
}

/**
 * analyzeWaits in slices of at most `sliceMs`, giving the event loop a turn between them (the VS
 * Code extension host stays responsive on 100,000 goroutines). Reading allm/allgs (the runtime
 * snapshot, shared with crash()) is one step of its own.
 */
export async function analyzeWaitsAsync(a: CoreAnalysis, opts: WaitsAsyncOptions = {}): Promise<Waits> {
  const slice = opts.sliceMs ?? 25;
  const steps = waitSteps(a, opts);
  let start = performance.now();
  for (;;) {
    opts.signal?.throwIfAborted();
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - start >= slice) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      start = performance.now();
    }
  }
}

/** The computation, yielding every few hundred goroutines (a driver decides when to pause). */
function* waitSteps(a: CoreAnalysis, opts: WaitsOptions): Generator<undefined, Waits, undefined> {
  let ticks = 0;
  const notes: string[] = [WAITSINCE_NOTE];
  const empty: Waits = {
    goroutines: [],
    objects: [],
    groups: { byObject: [], byReason: [], byUserFrame: [], byCreator: [] },
    deadlock: null,
    leaks: { rule: LEAK_RULE, basis: LEAK_BASIS, method: 'stack evidence', suspects: [], unjudged: [] },
    throwers: [],
    mapRace: null,
    notes,
    framesOf: () => [],
    sudogs: [],
  };
  if (!a.layout || !a.goVersion) {
    notes.push(`goroutines not read: ${a.layoutProblem ?? 'unknown Go version'}`);
    return empty;
  }
  const goVersion = a.goVersion;
  const mem = a.cw.memory;
  const syms = a.syms;
  const snapshot: RuntimeSnapshot | undefined = attempt(notes, 'runtime state', () => a.snapshot());
  yield;
  if (!snapshot) return empty;
  notes.push(...snapshot.notes);
  const wo = waitLayout(a, snapshot.layout, notes);
  const dataSyms = new DataSymbols(a);

  // Threads: which goroutine each runs, its frames, and which threads are throwing.
  const crashT = a.cw.core.crashingThread;
  const threadOf = new Map<bigint, (typeof a.cw.core.threads)[number]>();
  // A thread that runs the goroutine itself (R14 is that g) wins over one whose M merely lists it
  // as curg while on g0 (two Ms can name the same curg in a core: the crashing goroutine's M and
  // an M parked on g0 since); the crashing thread wins over others.
  const rank = new Map<bigint, number>();
  for (const t of a.cw.core.threads) {
    const cur = a.current(t);
    const g = cur ? (cur.kind === 'user' ? cur.g : cur.curg) : 0n;
    if (!g) continue;
    const r = (cur!.kind === 'user' ? 2 : 0) + (t === crashT ? 1 : 0);
    if ((rank.get(g) ?? -1) >= r) continue;
    rank.set(g, r);
    threadOf.set(g, t);
  }

  // 0. The channels of g.waiting, read while the g's are fresh in the memory cache. Per-goroutine
  // data is kept by index in allgs (no map keyed by 100,000 addresses); a g's address gives its
  // index through gIndex.
  const gs = snapshot.goroutines.goroutines;
  const gIndex = new AddressIndex(gs.map((g) => g.addr));
  const waitingOn = new Array<bigint[] | undefined>(gs.length);
  if (wo) {
    // The loop's body, a function of its own: optimised on its own (one big generator is
    // deoptimised each time a phase meets code it has not run yet).
    const chansOf = (i: number): void => {
      const g = gs[i]!;
      if ((g.status & ~G_SCAN) !== 4 || !CHAN_REASONS.has(g.waitReasonString ?? '')) return;
      try {
        waitingOn[i] = waitingChannels(mem, wo, g.addr, g.waiting);
      } catch (e) {
        if (!(e instanceof CoreReadError)) throw e;
        notes.push(`goroutine ${g.goid} g.waiting: ${e.message}`);
      }
    };
    for (let i = 0; i < gs.length; i++) {
      if ((++ticks & 255) === 0) yield;
      chansOf(i);
    }
  }

  // 1. Every goroutine: frames, user frame, creator.
  const logicalCache = new Map<bigint, WaitFrame[]>();
  const logicalAt = (pc: bigint, exact: boolean): WaitFrame[] => {
    const key = exact ? -pc : pc;
    let t = logicalCache.get(key);
    if (!t) {
      t = syms.pclntab.frames(pc, { isCallReturn: !exact }).map((l) => ({ function: l.function, file: l.file, line: l.line }));
      logicalCache.set(key, t);
    }
    return t;
  };
  const maxFrames = opts.maxFrames ?? 64;
  const states: GState[] = [];
  let byGoidMap: Map<number, GState> | undefined;
  const byGoid = (): Map<number, GState> => (byGoidMap ??= new Map(states.map((st) => [st.goid, st])));
  // The walks of crash() (parkedStacks.ts: up to 100 frames, from g.sched.lr too) where they are the
  // same as a walk of maxFrames without LR; the others walked here.
  const parked = parkedStacks(syms.pclntab, mem, snapshot);
  yield;
  const shapes = new StackShapes(syms.pclntab, mem, maxFrames);
  const views = new Map<StackShape, ShapeView>();
  const viewOf = (shape: StackShape): ShapeView => {
    let v = views.get(shape);
    if (!v) {
      const logical: ShapeView['logical'] = [];
      shape.frames.forEach((f, i) => {
        for (const l of logicalAt(f.pc, f.exact)) logical.push({ ...l, phys: i });
      });
      v = { logical, funcs: logical.map((l) => l.function), userFrame: userFrameOf(logical) };
      views.set(shape, v);
    }
    return v;
  };
  // The goroutines threads run, by index.
  const threadAt = new Map<number, (typeof a.cw.core.threads)[number]>();
  for (const [g, t] of threadOf) {
    const i = gIndex.find(g);
    if (i >= 0) threadAt.set(i, t);
  }
  // Parked goroutines in stack address order: each used stack is read once, in order.
  const order = spOrder(gs);
  const made: GState[] = new Array<GState>(gs.length);
  // The loop's body, a function of its own: optimised on its own (one big generator is
  // deoptimised each time a phase meets code it has not run yet).
  const stateOf = (i: number): void => {
    const g = gs[i]!;
    const goid = Number(g.goid);
    const t = threadAt.get(i);
    if (t) {
      const all = attempt(notes, `thread ${t.tid}`, () => a.stack(t).frames) ?? [];
      const own = all.filter((f) => f.sp >= g.stackLo && f.sp < g.stackHi);
      const frames = own.flatMap((f) => f.logical.map((l) => ({ function: l.function, file: l.file, line: l.line, sp: f.sp })));
      const phys = own.map((f) => ({ pc: f.pc, sp: f.sp, fp: f.fp, exact: f.isSignalFrame }));
      const liveAt = shapes.live.length;
      liveStackPointers(syms.pclntab, mem, phys, (_slot, v) => shapes.live.pushBig(v));
      made[i] = new GState(g, goid, undefined, undefined, { frames, phys, funcs: frames.map((f) => f.function), userFrame: userFrameOf(frames) }, shapes.live, liveAt, shapes.live.length - liveAt);
      return;
    }
    // A shared walk that stopped before maxFrames is the walk maxFrames would give.
    const shared = parked.fromLr[i] ? undefined : parked.walked[i];
    if (shared && shared.shape.frames.length < maxFrames) {
      made[i] = new GState(g, goid, shared, viewOf(shared.shape), undefined, parked.shapes.live, shared.liveAt, shared.liveCount);
      return;
    }
    // As goroutineStacks.ts goroutineStack: from g.sched (or syscallsp/pc), the innermost pc a return address.
    const start = g.syscallsp !== 0n ? { pc: g.syscallpc, sp: g.syscallsp, bp: g.schedBp, hi: g.stackHi } : { pc: g.schedPc, sp: g.schedSp, bp: g.schedBp, hi: g.stackHi };
    const walked = shapes.walk(start);
    made[i] = new GState(g, goid, walked, viewOf(walked.shape), undefined, shapes.live, walked.liveAt, walked.liveCount);
  };
  for (const i of order) {
    if ((++ticks & 255) === 0) yield;
    stateOf(i);
  }
  for (const st of made) states.push(st);

  // 2. Wait objects from the runtime's records.
  const objects = new Map<string, WaitObject & { addr: bigint }>();
  const channels = new Map<bigint, ChannelRecord>();
  const goidOfG = (g: bigint): number | undefined => {
    const i = gIndex.find(g);
    return i >= 0 ? states[i]!.goid : undefined;
  };
  const goidsOf = (q: readonly QueuedG[]): number[] => q.map((s) => goidOfG(s.g)).filter((x): x is number => x !== undefined);
  const typeName = (t: bigint): string | null => (t ? (attempt(notes, `type ${hx(t)}`, () => readGoType(mem, t, snapshot.typesBase).name) ?? null) : null);
  const chanIds = new Map<number, string>();
  const sudogs: bigint[] = [];
  const channelObject = (addr: bigint): string => {
    let id = chanIds.get(Number(addr));
    if (id !== undefined) return id;
    id = `chan ${hx(addr)}`;
    chanIds.set(Number(addr), id);
    if (objects.has(id) || !wo) return id;
    const c = attempt(notes, `channel ${hx(addr)}`, () => readChannel(mem, wo, addr));
    if (!c) return id;
    channels.set(addr, c);
    for (const q of [c.recvq, c.sendq]) for (const x of q) sudogs.push(x.addr);
    const elemType = typeName(c.elemtype);
    const recvq = goidsOf(c.recvq);
    const sendq = goidsOf(c.sendq);
    const symbol = dataSyms.at(addr);
    objects.set(id, {
      id,
      addr,
      kind: 'channel',
      address: hx(addr),
      symbol,
      label: `chan ${elemType ?? '?'} ${hx(addr)}${symbol ? ` (${symbol})` : ''}: len ${c.qcount}, cap ${c.dataqsiz}${c.closed ? ', closed' : ''}`,
      channel: { elemType, len: Number(c.qcount), cap: Number(c.dataqsiz), closed: c.closed, recvq, sendq },
      waiters: [...recvq, ...sendq],
      referencedBy: [],
      global: false,
      note: null,
    });
    return id;
  };

  // Goroutine i's semaphore queue (by index in allgs).
  const semaAt = new Array<{ sema: bigint; queue: QueuedG[] } | undefined>(gs.length);
  if (wo) {
    const semtable = syms.addressOf('runtime.semtable');
    const size = a.cw.binary?.symbol('runtime.semtable')?.size;
    if (semtable === undefined) notes.push('runtime.semtable not found (no symbol table): semaphore waits have no object');
    else {
      // sema.go: each bucket is a semaRoot padded to cpu.CacheLinePadSize; the symbol's size says how big.
      const bucket = size && size > 0n ? Number(size) / SEM_TAB_SIZE : 64;
      const sems = attempt(notes, 'runtime.semtable', () => walkSemtable(mem, wo, semtable, bucket));
      if (sems) {
        for (const [sema, queue] of sems) {
          const entry = { sema, queue };
          for (const s of queue) {
            sudogs.push(s.addr);
            const i = gIndex.find(s.g);
            if (i >= 0) semaAt[i] = entry;
          }
        }
      }
    }
  }
  yield;

  // Sleep, I/O and sync.Cond records (src/runtime/waitDetails.ts): their structs may come from DWARF.
  const startNanoAddr = syms.addressOf('time.startNano');
  const startNano = startNanoAddr !== undefined ? mem.tryReadU64(startNanoAddr) : undefined;
  let detail: RuntimeLayout | null | undefined;
  const detailLayout = (): RuntimeLayout | undefined => {
    if (detail === undefined) {
      detail = snapshot.layout;
      if ((!detail.offsets.notifyList || !detail.offsets.pollDesc || !detail.offsets.sudog) && a.cw.binary) {
        const dwarf = attempt(notes, 'DWARF', () => Dwarf.fromElf(a.cw.binary!));
        if (dwarf) {
          const full = completeFromDwarf(detail, dwarf);
          if (full !== detail) notes.push(`sleep, I/O and sync.Cond records: ${full.note}`);
          detail = full;
        }
      }
    }
    return detail ?? undefined;
  };
  /** Candidate object addresses of a goroutine: its live pointer values, then every word of its used stack. */
  const stackWords = function* (st: GState): Generator<bigint> {
    const live = st.live;
    for (let i = st.liveAt; i < st.liveAt + st.liveCount; i++) yield live.value(i);
    const sp = st.g.syscallsp !== 0n ? st.g.syscallsp : st.g.schedSp;
    const n = st.g.stackHi > sp ? Math.min(Number(st.g.stackHi - sp), 64 * 1024) : 0;
    const buf = n > 0 ? mem.tryRead(sp, n) : undefined;
    if (buf) for (let o = 0; o + 8 <= buf.length; o += 8) yield buf.readBigUInt64LE(o);
  };
  const fdObjects = new Map<number, WaitObject & { addr: bigint }>();
  const pollObject = (st: GState, dl: RuntimeLayout): string | undefined => {
    const pr = pollDescOf(mem, dl, st.g.addr, stackWords(st));
    if (!pr) return undefined;
    let o = fdObjects.get(Number(pr.pd));
    if (!o) {
      const id = `fd ${pr.fd} ${hx(pr.pd)}`;
      o = { id, addr: pr.pd, kind: 'netpoll fd', address: hx(pr.pd), symbol: null, label: `fd ${pr.fd} (runtime.pollDesc ${hx(pr.pd)})`, poll: { fd: pr.fd, readers: [], writers: [] }, waiters: [], referencedBy: [], global: false, note: 'found on the goroutine\'s stack; pollDesc.rg/wg names the waiting goroutine (netpoll.go)' };
      fdObjects.set(Number(pr.pd), o);
      objects.set(id, o);
    }
    (pr.mode === 'read' ? o.poll!.readers : o.poll!.writers).push(st.goid);
    o.waiters.push(st.goid);
    return o.id;
  };
  /** notifyLists read (null: the word did not point at one), with their waiters' g's and, once one of them asked, their object. */
  const lists = new Map<number, { nl: NotifyListRecord; gs: Set<number>; obj?: WaitObject & { addr: bigint } } | null>();
  /** The lists of `lists` that were read (not null), in the order they were read. */
  const listsRead: { nl: NotifyListRecord; gs: Set<number>; obj?: WaitObject & { addr: bigint } }[] = [];
  const syncRefs = new Map<object, Map<string, Map<readonly string[], { ref: SyncObjectRef; id: string }>>>();
  const condOf = (c: { nl: NotifyListRecord; obj?: WaitObject & { addr: bigint } }): string => {
    if (!c.obj) {
      const nl = c.nl;
      const addr = nl.addr - COND_NOTIFY_OFFSET;
      const symbol = dataSyms.at(addr);
      const tickets = nl.waiters.map((w) => ({ goid: goidOfG(w.g) ?? -1, ticket: w.ticket }));
      c.obj = {
        id: `sync.Cond ${hx(addr)}`,
        addr,
        kind: 'sync.Cond',
        address: hx(addr),
        symbol,
        label: `sync.Cond ${hx(addr)}${symbol ? ` (${symbol})` : ''}: ${nl.waiters.length} waiter${nl.waiters.length === 1 ? '' : 's'}, tickets wait ${nl.wait} notify ${nl.notify}`,
        cond: { wait: nl.wait, notify: nl.notify, tickets },
        waiters: tickets.map((t) => t.goid).filter((g) => g >= 0),
        referencedBy: [],
        global: false,
        note: "found on a waiter's stack; its notifyList (sema.go) queues the waiting goroutines",
      };
      objects.set(c.obj.id, c.obj);
    }
    return c.obj.id;
  };
  const condObject = (st: GState, dl: RuntimeLayout): string | undefined => {
    const me = Number(st.g.addr);
    // A list already read whose queue holds this goroutine: that queue is the proof.
    for (const c of listsRead) if (c.gs.has(me)) return condOf(c);
    for (const w of stackWords(st)) {
      if (w === 0n || w % 8n !== 0n) continue;
      for (const list of [w + COND_NOTIFY_OFFSET, w]) {
        let c = lists.get(Number(list));
        if (c === undefined) {
          const nl = readNotifyList(mem, dl, list);
          c = nl && nl.waiters.length > 0 ? { nl, gs: new Set(nl.waiters.map((x) => Number(x.g))) } : null;
          lists.set(Number(list), c);
          if (c) listsRead.push(c);
        }
        if (c && c.gs.has(me)) return condOf(c);
      }
    }
    return undefined;
  };

  // The loop's body, a function of its own: optimised on its own (one big generator is
  // deoptimised each time a phase meets code it has not run yet).
  const objectsOf = (i: number): void => {
    const st = states[i]!;
    const base = st.g.status & ~G_SCAN;
    if (base !== 4) return;
    const reason = st.g.waitReasonString ?? '';
    if (wo && CHAN_REASONS.has(reason)) {
      for (const c of waitingOn[i] ?? []) st.waitsOn.push(channelObject(c));
      st.direction = reason.startsWith('select') ? 'select' : reason.startsWith('chan send') ? 'send' : 'receive';
    } else if (NIL_CHAN_REASONS.has(reason)) {
      const id = 'nil channel';
      if (!objects.has(id)) {
        objects.set(id, { id, addr: 0n, kind: 'nil channel', address: '0x0', symbol: null, label: 'nil channel (blocks forever)', waiters: [], referencedBy: [], global: false, note: 'an operation on a nil channel, or a select with no cases, never proceeds' });
      }
      objects.get(id)!.waiters.push(st.goid);
      st.waitsOn.push(id);
    } else if (reason === 'sleep') {
      const sl = attempt(notes, `goroutine ${st.goid} timer`, () => sleepOf(mem, snapshot.layout, st.g));
      if (sl) st.sleep = { until: sl.when.toString(), sinceStart: startNano !== undefined ? Number(sl.when - startNano) / 1e9 : null, source: sl.source };
    } else if (reason === 'IO wait' || reason === 'sync.Cond.Wait') {
      const dl = detailLayout();
      if (!dl) return;
      const found = reason === 'IO wait' ? pollObject(st, dl) : condObject(st, dl);
      if (found) st.waitsOn.push(found);
      else notes.push(`goroutine ${st.goid} [${reason}]: no ${reason === 'IO wait' ? 'pollDesc naming it' : 'sync.Cond whose queue holds it'} among its stack words`);
    } else if (SEMA_REASONS.has(reason)) {
      const q = semaAt[i];
      if (!q) {
        if (wo) notes.push(`goroutine ${st.goid} [${reason}] is in no semaphore queue`);
        return;
      }
      // The same object for every goroutine of a queue with the same reason and functions (a shape's).
      let byReason = syncRefs.get(q);
      if (!byReason) syncRefs.set(q, (byReason = new Map()));
      let byFuncs = byReason.get(reason);
      if (!byFuncs) byReason.set(reason, (byFuncs = new Map()));
      let known = byFuncs.get(st.funcs);
      if (!known) {
        const r = syncObjectOf(q.sema, reason, st.funcs);
        byFuncs.set(st.funcs, (known = { ref: r, id: `${r.kind} ${hx(r.addr)}` }));
      }
      const { ref, id } = known;
      st.waitsOn.push(id);
      let obj = objects.get(id);
      if (!obj) {
        obj = syncObject(mem, ref, goVersion, dataSyms, notes);
        objects.set(id, obj);
      }
      obj.waiters.push(st.goid);
    }
  };
  for (let i = 0; i < states.length; i++) {
    if ((++ticks & 255) === 0) yield;
    const known = objects.size + lists.size;
    objectsOf(i);
    // A new object or sync.Cond candidate read a queue (20,000 sudogs on a large core) or DWARF:
    // a step of its own, so that the next ones do not add up before the event loop gets a turn.
    if (objects.size + lists.size !== known) yield;
  }

  // 3. Stack and global references to each object.
  const targets = new Map<bigint, WaitObject>();
  for (const o of objects.values()) if (o.addr) targets.set(o.addr, o);
  const keys = lowKey(targets.keys());
  const waiterSets = new Map<WaitObject, Set<number>>();
  if (targets.size > 0) {
    // The loop's body, a function of its own: optimised on its own (one big generator is
    // deoptimised each time a phase meets code it has not run yet).
    const referencesOf = (st: GState): void => {
      const live = st.live;
      let seen: Set<bigint> | undefined;
      for (let i = st.liveAt; i < st.liveAt + st.liveCount; i++) {
        if (!keys.has(live.lo(i))) continue;
        const v = live.value(i);
        if (targets.has(v)) (seen ??= new Set()).add(v);
      }
      for (const addr of seen ?? []) {
        const o = targets.get(addr)!;
        let ws = waiterSets.get(o);
        if (!ws) waiterSets.set(o, (ws = new Set(o.waiters)));
        if (!ws.has(st.goid)) o.referencedBy.push(st.goid);
      }
    };
    for (const st of states) {
      if ((++ticks & 255) === 0) yield;
      referencesOf(st);
    }
    const ranges = dataRanges(a);
    for (const o of targets.values()) {
      const addr = BigInt(o.address);
      if (ranges.some((r) => addr >= r.start && addr < r.end)) o.global = true;
    }
    for (const r of ranges) {
      const buf = mem.tryRead(r.start, Number(r.end - r.start));
      if (buf) scanWords(buf, keys, (addr) => (targets.get(addr)!.global = true));
    }
  }
  // Mutex holders from the frames (src/runtime/lockHolders.ts): which frame holds the address in a
  // live slot, and whether its code locked a mutex before its current line without unlocking.
  const lockCalls = new LockCalls(syms.pclntab, mem);
  const holdingFrames = (st: GState, addr: bigint): number[] => {
    const out = new Set<number>();
    const phys = st.phys;
    // A slot is frame i's when it lies in its locals [sp, fp) or its incoming arguments (the spill
    // area above fp, in the caller's frame: the register ABI spills arguments there).
    const argsOf = phys.map((f) => BigInt(Math.max(0, syms.pclntab.funcForPC(f.pc)?.args ?? 0)));
    // A frame's own words, and its arguments (from argp = fp + sys.MinFrameSize: the caller's frame holds them).
    const argp0 = syms.pclntab.arch.minFrameSize;
    const frameOf = (slot: bigint): number[] => phys.flatMap((f, i) => ((slot >= f.sp && slot < f.fp) || (slot >= f.fp + argp0 && slot < f.fp + argp0 + argsOf[i]!) ? [i] : []));
    if (st.shape) {
      const sp = st.shape.sp;
      for (let k = 0; k < st.liveCount; k++) {
        if (st.live.value(st.liveAt + k) !== addr) continue;
        for (const i of frameOf(sp + BigInt(st.shape.shape.liveSlots[k]!))) out.add(i);
      }
    } else {
      liveStackPointers(syms.pclntab, mem, phys, (slot, v) => {
        if (v !== addr) return;
        for (const i of frameOf(slot)) out.add(i);
      });
    }
    return [...out].sort((x, y) => x - y);
  };
  for (const o of objects.values()) {
    if (o.kind !== 'sync.Mutex' && o.kind !== 'sync.RWMutex') continue;
    const holders: MutexHolder[] = [];
    // A global mutex: frames whose code refers to it and locked before their current line.
    if (o.symbol !== null) {
      const queued = new Set(o.waiters);
      for (const st of states) {
        if (queued.has(st.goid)) continue;
        const phys = st.phys;
        for (let i = 0; i < phys.length; i++) {
          const pf = phys[i]!;
          if (pf.exact || !lockCalls.refersTo(pf.pc, o.addr)) continue;
          const call = lockCalls.heldAt(pf.pc);
          if (!call) continue;
          const lf = st.frames.find((f) => f.sp === pf.sp) ?? st.frames[st.frames.length - 1];
          if (!lf) continue;
          const at = `${lf.function} (${lf.file}:${lf.line})`;
          holders.push({
            goid: st.goid,
            function: lf.function,
            file: lf.file,
            line: lf.line,
            certainty: 'likely',
            mode: call.kind === 'rlock' ? 'read' : o.kind === 'sync.Mutex' ? 'write' : null,
            evidence: `${at} refers to the global ${o.symbol} in its code and calls ${call.callee} before its current line, with no unlock call in between: it has not returned`,
          });
          break;
        }
      }
    }
    const named = new Set(holders.map((h) => h.goid));
    for (const goid of o.referencedBy) {
      const st = byGoid().get(goid);
      if (!st || named.has(goid)) continue;
      const phys = st.phys;
      const frames = st.frames;
      let best: MutexHolder | undefined;
      for (const i of holdingFrames(st, o.addr)) {
        const pf = phys[i]!;
        const lf = frames.find((f) => f.sp === pf.sp) ?? frames[frames.length - 1];
        if (!lf || lf.function.startsWith('runtime.') || /^(internal\/)?sync\./.test(lf.function)) continue;
        const call = pf.exact ? undefined : lockCalls.heldAt(pf.pc);
        const at = `${lf.function} (${lf.file}:${lf.line})`;
        const h: MutexHolder = call
          ? { goid, function: lf.function, file: lf.file, line: lf.line, certainty: 'likely', mode: call.kind === 'rlock' ? 'read' : o.kind === 'sync.RWMutex' && /RWMutex/.test(call.callee) ? 'write' : o.kind === 'sync.Mutex' ? 'write' : null, evidence: `${at} holds ${o.address} in a live stack slot and calls ${call.callee} before its current line, with no unlock call in between: it has not returned` }
          : { goid, function: lf.function, file: lf.file, line: lf.line, certainty: 'possible', mode: null, evidence: `${at} holds ${o.address} in a live stack slot; no lock call before its current line was found in its code` };
        if (!best || (best.certainty === 'possible' && h.certainty === 'likely')) best = h;
      }
      holders.push(best ?? { goid, function: null, file: null, line: null, certainty: 'possible', mode: null, evidence: `its stack holds ${o.address} in a live slot of a runtime or sync frame` });
    }
    holders.sort((x, y) => (x.certainty === y.certainty ? x.goid - y.goid : x.certainty === 'likely' ? -1 : 1));
    o.holders = holders;
    const locked = o.mutex?.locked ?? (o.rwmutex ? o.rwmutex.w.locked || o.rwmutex.readersHolding > 0 : false);
    const likely = holders.filter((h) => h.certainty === 'likely').map((h) => h.goid);
    const possible = holders.filter((h) => h.certainty === 'possible').map((h) => h.goid);
    o.note =
      'the runtime does not record which goroutine holds a mutex' +
      (likely.length > 0 ? `; ${list(likely)} likely ${verb(likely, 'hold')} it (a frame holds its address and locked before its current line)` : '') +
      (possible.length > 0 ? `; ${list(possible)} ${verb(possible, 'hold')} its address on ${possible.length === 1 ? 'its stack' : 'their stacks'} and ${possible.length === 1 ? 'is' : 'are'} not queued on it (possible holders)` : '') +
      (holders.length === 0 && locked ? '; no live goroutine outside its queue holds its address on its stack' : '');
  }

  // Objects nothing live refers to: is their address anywhere on another goroutine's stack?
  const unreached = [...objects.values()].filter(
    (o) => o.addr !== 0n && o.waiters.length > 0 && !o.global && o.referencedBy.length === 0 && (o.holders ?? []).length === 0 && o.kind !== 'netpoll fd' && o.kind !== 'semaphore',
  );
  if (unreached.length > 0) {
    const byLow = new Map<number, (WaitObject & { addr: bigint })[]>();
    for (const o of unreached) {
      const k = Number(o.addr & 0xffffffffn);
      byLow.set(k, [...(byLow.get(k) ?? []), o]);
      o.mentionedBy = [];
    }
    const queued = new Map(unreached.map((o) => [o, new Set(o.waiters)]));
    // The loop's body, a function of its own: optimised on its own (one big generator is
    // deoptimised each time a phase meets code it has not run yet).
    // The low halves looked for, in a typed array (a few objects: compared in a loop, no map lookup per word).
    const lows = Uint32Array.from(byLow.keys());
    // Their low 16 bits, a first test per word (one typed-array load).
    const low16 = new Uint8Array(65536);
    for (const l of lows) low16[l & 0xffff] = 1;
    const le = mem.littleEndian;
    const mentionsOf = (i: number): void => {
      const st = made[i]!;
      const sp = st.g.syscallsp !== 0n ? st.g.syscallsp : st.g.schedSp;
      // The bytes the shared walk kept (the same [sp, stack.hi)), else read now.
      const w = parked.walked[i];
      const kept = w !== undefined && w.bytesAt >= 0 && w.sp === sp;
      const at = kept ? w.bytesAt : shapes.usedStack(sp, st.g.stackHi);
      if (at < 0) return;
      const view = kept ? parked.shapes.kept.view : shapes.stackView;
      const end = at + Number(st.g.stackHi - sp);
      let hits: Set<WaitObject & { addr: bigint }> | undefined;
      for (let o = at; o + 8 <= end; o += 8) {
        const lo = view.getUint32(o, le);
        if (low16[lo & 0xffff] === 0) continue;
        let k = 0;
        while (k < lows.length && lows[k] !== lo) k++;
        if (k === lows.length) continue;
        const v = (BigInt(view.getUint32(o + 4, le)) << 32n) | BigInt(lo);
        for (const ob of byLow.get(lo)!) if (ob.addr === v) (hits ??= new Set()).add(ob);
      }
      for (const ob of hits ?? []) if (!queued.get(ob)!.has(st.goid)) ob.mentionedBy!.push(st.goid);
    };
    for (const i of order) {
      if ((++ticks & 255) === 0) yield;
      mentionsOf(i);
    }
  }

  // 4. Per-goroutine model and groups.
  const frameName = (pc: bigint) => (pc ? syms.frames(pc, { isCallReturn: true })[0] : undefined);
  const goroutines: GoroutineWait[] = [];
  const byObject = new Map<string, { label: string; goids: number[] }>();
  const byUserFrame = new Map<string, { label: string; goids: number[] }>();
  const byCreator = new Map<string, { label: string; goids: number[] }>();
  const creatorCache = new Map<bigint, GoroutineWait['createdBy']>();
  const withParent = new Map<NonNullable<GoroutineWait['createdBy']>, Map<number, NonNullable<GoroutineWait['createdBy']>>>();
  // The model's user frame: one plain copy per frame object (a shape's frame serves thousands).
  const userFrames = new Map<WaitFrame, WaitFrame>();
  const userFrameCopy = (uf: WaitFrame): WaitFrame => {
    let c = userFrames.get(uf);
    if (!c) userFrames.set(uf, (c = { function: uf.function, file: uf.file, line: uf.line }));
    return c;
  };
  const creatorKeys = new Map<bigint, string>();
  // Group keys, one string per frame object (thousands of goroutines share a shape's user frame).
  const frameKeys = new Map<WaitFrame, string>();
  const frameKey = (f: WaitFrame | undefined, none: string): string => {
    if (!f) return none;
    let k = frameKeys.get(f);
    if (k === undefined) frameKeys.set(f, (k = `${f.function} ${f.file}:${f.line}`));
    return k;
  };
  const startFrames = new Map<bigint, WaitFrame | undefined>();
  const startFrame = (pc: bigint): WaitFrame | undefined => {
    if (startFrames.has(pc)) return startFrames.get(pc);
    const f = pc ? syms.frames(pc)[0] : undefined;
    const w = f ? { function: f.function, file: f.file, line: f.line } : undefined;
    startFrames.set(pc, w);
    return w;
  };
  // The loop's body, a function of its own: optimised on its own (one big generator is
  // deoptimised each time a phase meets code it has not run yet).
  const modelOf = (st: GState): void => {
    const g = st.g;
    const waiting = (g.status & ~G_SCAN) === 4;
    const uf = st.userFrame ?? startFrame(g.startpc);
    let createdBy = creatorCache.get(g.gopc);
    if (createdBy === undefined) {
      const f = frameName(g.gopc);
      // runtime.newproc as creator: started by the runtime's assembly (goroutine 1); the traceback prints no creator.
      createdBy = f && f.function !== 'runtime.newproc' ? { function: f.function, file: f.file, line: f.line, goid: null } : null;
      creatorCache.set(g.gopc, createdBy);
    }
    if (createdBy && g.parentGoid !== undefined) {
      // One object per creator and parent (100,000 goroutines started by one loop share it).
      const base = createdBy;
      const parent = Number(g.parentGoid);
      let byParent = withParent.get(base);
      if (!byParent) withParent.set(base, (byParent = new Map()));
      createdBy = byParent.get(parent);
      if (!createdBy) byParent.set(parent, (createdBy = { ...base, goid: parent }));
    }
    goroutines.push({
      goid: st.goid,
      address: hx(g.addr),
      status: g.statusName,
      waitReason: waiting ? (g.waitReasonString ?? null) : null,
      waitSince: g.waitsince > 0n ? g.waitsince.toString() : null,
      createdBy,
      userFrame: uf ? userFrameCopy(uf) : null,
      waitsOn: st.waitsOn,
      direction: st.direction,
      sleep: st.sleep,
    });
    const objKey = st.waitsOn.length === 1 ? st.waitsOn[0]! : st.waitsOn.length > 0 ? st.waitsOn.join(' | ') : `(${g.tracebackStatus})`;
    add(byObject, objKey, () => (st.waitsOn.length > 0 ? st.waitsOn.map((id) => objects.get(id)?.label ?? id).join(' | ') : `no wait object [${g.tracebackStatus}]`), st.goid);
    const ufKey = frameKey(uf, '(no frames)');
    add(byUserFrame, ufKey, ufKey, st.goid);
    let crKey = creatorKeys.get(g.gopc);
    if (crKey === undefined) creatorKeys.set(g.gopc, (crKey = frameKey(createdBy ?? undefined, '(no creator)')));
    add(byCreator, crKey, crKey, st.goid);
  };
  for (const st of states) {
    if ((++ticks & 255) === 0) yield;
    modelOf(st);
  }

  const objectList = [...objects.values()].map(({ addr: _addr, ...o }) => o);
  const crashFuncs = a.stack(crashT).frames.map((f) => f.funcName);
  const deadlocked = crashFuncs.includes('runtime.checkdead');

  // 5. Leak suspects.
  const suspects: WaitsModel['leaks']['suspects'] = [];
  for (const o of objectList) {
    if (o.kind === 'nil channel') {
      suspects.push({ object: o.id, goroutines: o.waiters, explanation: `${list(o.waiters)} block forever on a nil channel or an empty select` });
      continue;
    }
    if (o.waiters.length === 0 || o.global || (o.mentionedBy ?? []).length > 0) continue;
    let why: string | undefined;
    if (o.kind === 'channel' && o.referencedBy.length === 0) {
      why = `no other goroutine's stack and no global refers to it: nobody can ${o.channel!.recvq.length > 0 ? 'send to' : 'receive from'} it`;
    } else if (o.kind === 'sync.Cond' && o.referencedBy.length === 0) {
      why = "no other goroutine's stack and no global refers to it: nobody can Signal or Broadcast it";
    } else if (o.kind === 'sync.WaitGroup' && o.referencedBy.length === 0 && (o.waitGroup?.counter ?? 0) > 0) {
      why = `its counter is ${o.waitGroup!.counter} and no other goroutine's stack and no global refers to it: nobody can call Done`;
    } else if ((o.kind === 'sync.Mutex' || o.kind === 'sync.RWMutex') && (o.holders ?? []).length === 0) {
      const locked = o.mutex?.locked ?? (o.rwmutex ? o.rwmutex.w.locked || o.rwmutex.readersHolding > 0 : false);
      if (locked) why = 'it is locked and no goroutine outside its queue holds its address in its frames: whoever locked it has exited or dropped it';
    }
    if (why) suspects.push({ object: o.id, goroutines: o.waiters, explanation: `${list(o.waiters)} ${verb(o.waiters, 'wait')} on ${o.label}; ${why}` });
  }

  // 6. Deadlock paragraph and channel cycles.
  let deadlock: WaitsModel['deadlock'] = null;
  if (deadlocked) {
    const cycles = channelCycles(states, objects);
    const parts: string[] = [];
    for (const o of objectList) {
      if (o.waiters.length === 0) continue;
      parts.push(describeObject(o, byGoid()));
    }
    for (const c of cycles) {
      const steps = c.map((goid, i) => {
        const st = byGoid().get(goid)!;
        const next = c[(i + 1) % c.length]!;
        return `goroutine ${goid} waits on ${st.waitsOn.map((id) => objects.get(id)?.label ?? id).join(' or ')}, which only goroutine ${next} can also reach`;
      });
      parts.push(`cycle: ${steps.join('; ')}; so none of them can proceed`);
    }
    // Blocked user goroutines with no recorded object (sync.Cond, sleep, I/O): named, not explained.
    const blocked = states.filter((s) => (s.g.status & ~G_SCAN) === 4 && s.waitsOn.length === 0 && !isStdFunction(s.userFrame?.function ?? 'runtime.'));
    for (const s of blocked) parts.push(`goroutine ${s.goid} waits [${s.g.tracebackStatus}] on no object the runtime records`);
    deadlock = {
      explanation: `All goroutines are asleep: ${parts.length > 0 ? parts.join('. ') : 'no wait object was found'}.`,
      cycles,
    };
  }

  // 7. Throwers and the map of a concurrent map write.
  const throwers: WaitThrower[] = [];
  const throwingTids = new Set(snapshot.ms.filter((m) => m.throwing > 0).map((m) => Number(m.procid)));
  const isThrowing = (funcs: readonly string[]) => funcs.some((f) => f === 'runtime.throw' || f === 'runtime.fatal' || f === 'runtime.fatalthrow');
  for (const t of [crashT, ...a.cw.core.threads.filter((x) => x !== crashT)]) {
    const frames = t === crashT ? a.stack(t).frames : (attempt(notes, `thread ${t.tid}`, () => a.stack(t).frames) ?? []);
    if (!throwingTids.has(t.tid) && !(t === crashT && isThrowing(frames.map((f) => f.funcName)))) continue;
    const cur = a.current(t);
    const goid = cur ? Number(cur.kind === 'user' ? cur.goid : cur.curgGoid) : null;
    const rf = reportFrames(frames);
    throwers.push({
      tid: t.tid,
      goroutine: goid !== null && !Number.isNaN(goid) ? goid : null,
      crashingThread: t === crashT,
      printedFirst: null,
      origin: originOf(rf),
      mapOperation: rf.find((f) => MAP_OP.test(f.function))?.function ?? null,
    });
  }
  if (throwers.length === 1) throwers[0]!.printedFirst = true;
  else if (throwers.some((th) => th.crashingThread)) {
    const first = firstPrinter(a, throwers.filter((th) => !th.crashingThread).map((th) => th.tid), notes);
    if (first !== undefined) for (const th of throwers) th.printedFirst = th.tid === first;
  }
  const mapRace = throwers.some((t) => t.mapOperation) ? findMapRace(syms.pclntab, mem, snapshot.layout, states, throwers) : null;

  return {
    goroutines,
    objects: objectList,
    groups: { byObject: group(byObject), byReason: groupByReason(gs), byUserFrame: group(byUserFrame), byCreator: group(byCreator) },
    deadlock,
    leaks: { rule: LEAK_RULE, basis: LEAK_BASIS, method: 'stack evidence', suspects, unjudged: [] },
    throwers,
    mapRace,
    notes,
    framesOf: (goid) => (byGoid().get(goid)?.frames ?? []).map((f) => ({ function: f.function, file: f.file, line: f.line })),
    sudogs,
  };
}

function syncObject(mem: Memory, ref: SyncObjectRef, goVersion: string, dataSyms: DataSymbols, notes: string[]): WaitObject & { addr: bigint } {
  const id = `${ref.kind} ${hx(ref.addr)}`;
  const symbol = dataSyms.at(ref.addr);
  const state = attempt(notes, id, () => readSyncState(mem, ref, goVersion));
  const o: WaitObject & { addr: bigint } = { id, addr: ref.addr, kind: ref.kind, address: hx(ref.addr), symbol, label: '', waiters: [], referencedBy: [], global: false, note: null };
  let desc = 'state unreadable';
  if (state?.kind === 'sync.Mutex') {
    o.mutex = state.mutex;
    desc = mutexText(state.mutex);
  } else if (state?.kind === 'sync.RWMutex') {
    o.rwmutex = state.rwmutex;
    const r = state.rwmutex;
    const rd = (n: number) => `${n} reader${n === 1 ? '' : 's'}`;
    desc =
      (r.writer === 'none' ? `no writer, ${rd(r.readersHolding)} hold${r.readersHolding === 1 ? 's' : ''} it` : r.writer === 'waiting' ? `a writer waits for ${rd(r.readersHolding)} holding it to leave` : 'a writer holds it') +
      (r.readersWaiting > 0 ? `, ${rd(r.readersWaiting)} wait${r.readersWaiting === 1 ? 's' : ''} behind the writer` : '') +
      `; w: ${mutexText(r.w)}`;
  } else if (state?.kind === 'sync.WaitGroup') {
    o.waitGroup = state.waitGroup;
    desc = `counter ${state.waitGroup.counter}, ${state.waitGroup.waiters} waiter${state.waitGroup.waiters === 1 ? '' : 's'}`;
  } else if (state?.kind === 'semaphore') desc = `value ${state.value}`;
  o.label = `${ref.kind} ${hx(ref.addr)}${symbol ? ` (${symbol})` : ''}: ${desc}`;
  return o;
}

function mutexText(m: MutexState): string {
  const flags = [m.locked ? 'locked' : 'unlocked', m.woken ? 'woken' : '', m.starving ? 'starving' : ''].filter(Boolean).join(', ');
  return `${flags}, ${m.waiters} waiter${m.waiters === 1 ? '' : 's'}`;
}

function describeObject(o: WaitObject, byGoid: ReadonlyMap<number, GState>): string {
  const who = (ids: readonly number[]) => list(ids);
  switch (o.kind) {
    case 'sync.Mutex':
    case 'sync.RWMutex': {
      const locked = o.mutex?.locked ?? o.rwmutex?.w.locked ?? o.rwmutex?.writerPending ?? false;
      const likely = (o.holders ?? []).filter((h) => h.certainty === 'likely');
      const doing = (goid: number): string => {
        const st = byGoid.get(goid);
        return st ? ` and waits [${st.g.tracebackStatus}]${st.waitsOn.length > 0 ? ` on ${st.waitsOn.join(' or ')}` : ''}` : '';
      };
      const holder =
        likely.length > 0
          ? `the runtime does not record the holder; ${likely.map((h) => `goroutine ${h.goid} likely holds it (${h.function} at ${h.file}:${h.line} locked it and has not returned)${doing(h.goid)}`).join('; ')}`
          : o.referencedBy.length > 0
          ? `the runtime does not record the holder; ${who(o.referencedBy)} hold its address on their stacks and may hold it`
          : (o.mentionedBy ?? []).length > 0
          ? `the runtime does not record the holder; ${who(o.mentionedBy!)} ${verb(o.mentionedBy!, 'hold')} its address only in stack words the stack maps do not mark live (a deferred call's argument or a dead slot)`
          : locked
            ? 'the runtime does not record the holder and no live goroutine outside its queue refers to it: the goroutine that locked it has exited (or lost the reference)'
            : 'it is not locked';
      return `${who(o.waiters)} ${verb(o.waiters, 'wait')} for ${o.label}; ${holder}`;
    }
    case 'sync.WaitGroup':
      return `${who(o.waiters)} ${verb(o.waiters, 'wait')} for ${o.label}: ${
        o.waitGroup && o.waitGroup.counter > 0
          ? `${o.waitGroup.counter} Done call${o.waitGroup.counter === 1 ? ' is' : 's are'} still missing${o.referencedBy.length > 0 ? `; ${who(o.referencedBy)} refer to it` : (o.mentionedBy ?? []).length > 0 ? `; only ${who(o.mentionedBy!)} ${verb(o.mentionedBy!, 'hold')} its address, in stack words the stack maps do not mark live (a deferred call's argument, such as defer wg.Done(), or a dead slot)` : ' and no goroutine outside the waiters holds its address on its stack'}`
          : 'its counter is not positive'
      }`;
    case 'channel': {
      const c = o.channel!;
      const sides = [c.recvq.length > 0 ? `${who(c.recvq)} receive` : '', c.sendq.length > 0 ? `${who(c.sendq)} send` : ''].filter(Boolean).join(' and ');
      const other = o.referencedBy.filter((g) => byGoid.get(g) !== undefined);
      return `${sides} on ${o.label}; ${other.length > 0 ? `only ${who(other)} could be the other side, and ${other.length === 1 ? 'it is' : 'they are'} blocked too` : 'no other goroutine refers to it'}`;
    }
    case 'nil channel':
      return `${who(o.waiters)} block on a nil channel`;
    case 'sync.Cond':
      return `${who(o.waiters)} ${verb(o.waiters, 'wait')} in Wait on ${o.label}${o.referencedBy.length > 0 ? `; ${who(o.referencedBy)} could Signal it but ${o.referencedBy.length === 1 ? 'is' : 'are'} blocked too` : '; no other goroutine refers to it'}`;
    case 'netpoll fd':
      return `${who(o.waiters)} ${verb(o.waiters, 'wait')} for I/O on ${o.label}`;
    case 'semaphore':
      return `${who(o.waiters)} ${verb(o.waiters, 'wait')} on ${o.label}`;
  }
}

/** Cycles among blocked goroutines: g -> h when g waits on an object h references (not as its waiter). */
function channelCycles(states: readonly GState[], objects: ReadonlyMap<string, WaitObject>): number[][] {
  const edges = new Map<number, number[]>();
  const blocked = new Set(states.filter((s) => s.waitsOn.length > 0).map((s) => s.goid));
  for (const s of states) {
    if (!blocked.has(s.goid)) continue;
    const next = new Set<number>();
    for (const id of s.waitsOn) {
      const o = objects.get(id);
      if (o?.kind !== 'channel') continue;
      for (const g of o.referencedBy) if (blocked.has(g) && g !== s.goid) next.add(g);
    }
    edges.set(s.goid, [...next]);
  }
  const cycles: number[][] = [];
  const seenCycle = new Set<string>();
  for (const start of edges.keys()) {
    // Shortest cycle through `start` (BFS), reported once with its smallest goid first.
    const prev = new Map<number, number>();
    const queue = [start];
    let found: number[] | undefined;
    while (queue.length > 0 && !found) {
      const g = queue.shift()!;
      for (const h of edges.get(g) ?? []) {
        if (h === start) {
          const path = [g];
          for (let x = g; x !== start; x = prev.get(x)!) path.push(prev.get(x)!);
          found = path.reverse();
          break;
        }
        if (!prev.has(h)) {
          prev.set(h, g);
          queue.push(h);
        }
      }
    }
    if (!found) continue;
    const min = Math.min(...found);
    const i = found.indexOf(min);
    const norm = [...found.slice(i), ...found.slice(0, i)];
    const key = norm.join(',');
    if (!seenCycle.has(key)) {
      seenCycle.add(key);
      cycles.push(norm);
    }
  }
  return cycles;
}

/**
 * The map of a concurrent map write: for every goroutine inside a map operation, the words of
 * its map frames and of the user frame that called them that point to something shaped like a
 * map header of this version (runtime.hmap: B <= 64, buckets set; Swiss-table maps.Map:
 * globalDepth <= 64, dirLen >= 0); the address most of them share.
 */
function findMapRace(tab: Pclntab, mem: Memory, layout: RuntimeLayout, states: readonly GState[], throwers: readonly WaitThrower[]): MapRace {
  const hm = layout.offsets.hmap;
  const sw = layout.offsets.swissMap;
  const looksLikeMap = (p: bigint): boolean => {
    if (p === 0n || p % 8n !== 0n) return false;
    try {
      if (sw) {
        const depth = Number(mem.readU8(p + BigInt(sw.globalDepth.offset)));
        const dirLen = mem.readU64(p + BigInt(sw.dirLen.offset));
        const used = mem.readU64(p + BigInt(sw.used.offset));
        const dir = mem.readU64(p + BigInt(sw.dirPtr.offset));
        return depth <= 64 && dirLen < 1n << 32n && used < 1n << 40n && dir !== 0n && mem.tryRead(dir, 8) !== undefined;
      }
      if (hm) {
        const B = Number(mem.readU8(p + BigInt(hm.B.offset)));
        const count = mem.readU64(p + BigInt(hm.count.offset));
        const buckets = mem.readU64(p + BigInt(hm.buckets.offset));
        return B <= 64 && count < 1n << 40n && buckets !== 0n && mem.tryRead(buckets, 8) !== undefined;
      }
    } catch {
      return false;
    }
    return false;
  };
  const throwerGoids = new Set(throwers.map((t) => t.goroutine));
  const inOps: { st: GState; op: string; cands: Set<bigint> }[] = [];
  for (const st of states) {
    if (!st.funcs.some((f) => MAP_OP.test(f))) continue;
    const i = st.frames.findIndex((f) => MAP_OP.test(f.function));
    if (i < 0) continue;
    const op = st.frames[i]!.function;
    const userIdx = st.frames.findIndex((f, j) => j > i && !MAP_OP.test(f.function) && !f.function.startsWith('runtime.'));
    const lo = st.frames[i]!.sp;
    const hi = userIdx >= 0 ? st.frames[userIdx]!.sp : lo;
    const cands = new Set<bigint>();
    liveStackPointers(
      tab,
      mem,
      st.phys.filter((f) => f.sp >= lo && f.sp <= hi),
      (_slot, w) => {
        if (!(w >= st.g.stackLo && w < st.g.stackHi) && looksLikeMap(w)) cands.add(w);
      },
    );
    inOps.push({ st, op, cands });
  }
  const votes = new Map<bigint, number>();
  for (const x of inOps) for (const c of x.cands) votes.set(c, (votes.get(c) ?? 0) + (throwerGoids.has(x.st.goid) ? 2 : 1));
  const ranked = [...votes.entries()].sort((x, y) => y[1] - x[1]);
  const best = ranked[0];
  const tie = ranked[1] !== undefined && best !== undefined && ranked[1][1] === best[1];
  const map = best && !tie ? best[0] : undefined;
  const kind = layout.offsets.swissMap ? 'Swiss-table map (internal/runtime/maps.Map)' : 'runtime.hmap';
  const how =
    map !== undefined
      ? `the ${kind} address held in the frames of ${inOps.filter((x) => x.cands.has(map)).length} of the ${inOps.length} goroutine(s) inside a map operation`
      : inOps.length === 0
        ? 'no goroutine stack is inside a map operation'
        : `could not be read: ${ranked.length === 0 ? 'no word of the map frames points to a map header' : `${ranked.length} candidate addresses, none shared by most goroutines`}`;
  return {
    map: map !== undefined ? hx(map) : null,
    how,
    goroutines: inOps
      .filter((x) => map === undefined || x.cands.has(map))
      .map((x) => {
        const uf = x.st.userFrame;
        return { goid: x.st.goid, operation: x.op, userFrame: uf ? { function: uf.function, file: uf.file, line: uf.line } : null, threw: throwerGoids.has(x.st.goid) };
      }),
  };
}

