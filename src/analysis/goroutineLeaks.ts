// Goroutine leaks through the heap: the idea of Go 1.26's goroutine leak profile, found from the
// core. A goroutine blocked on a concurrency primitive (a channel operation, a select, a sync
// Mutex/RWMutex/WaitGroup/Cond, a nil channel) is leaked when that primitive cannot be reached
// from anything that may still run: the globals, finalizers and cleanups, the threads' registers,
// and the stacks of goroutines that are not blocked on a primitive (running, runnable, in a
// system call, asleep, waiting for I/O). A blocked goroutine whose primitive is reached can be
// woken, so its own stack becomes a root in turn; the walk repeats until nothing changes (a
// fixpoint), and whoever is left is leaked.
//
// The walk (CoreHeap.reach) follows the heap graph the Heap view uses, and never leaves the
// runtime's own bookkeeping: a g (allgs -> g -> sudog -> channel) or a sudog (a channel's queue,
// the semaphore table). An object on a goroutine's stack (a WaitGroup that did not escape) is
// reached when that goroutine is live (Go never points from the heap into a stack). A global is
// always reached.
//
// Without a heap walk (no runtime layout for the heap, an unreadable mheap) the engine falls back
// to the stack evidence of waits.ts (LEAK_RULE, LEAK_BASIS), and says so.
import type { CoreHeap, HeapReach, HeapRoot } from './heap.js';
import type { LeakSuspects, Waits, WaitObject, WaitsModel } from './waits.js';
import { rangeIndex } from '../core/ranges.js';

export type GoroutineLeaks = LeakSuspects;

export const HEAP_LEAK_RULE =
  'a goroutine blocked on a channel, select, sync.Mutex/RWMutex/WaitGroup/Cond or nil channel that nothing still able to run can reach: not a global, a finalizer, a register, nor the stack of a goroutine that is not itself blocked on such an object (repeated until nothing changes: a goroutine whose object is reached can be woken, and its stack counts in turn)';
export const HEAP_LEAK_BASIS =
  "a walk of the heap from those roots (every pointer word of a stack, global or heap object that points into an object), never through the runtime's own records of who waits (g, sudog); an object on a goroutine's stack counts as reached when that goroutine is live";

/** Wait reasons of goroutines blocked on a concurrency primitive (the leak candidates). */
const PRIMITIVE_REASONS = new Set([
  'chan receive',
  'chan send',
  'select',
  'chan receive (nil chan)',
  'chan send (nil chan)',
  'select (no cases)',
  'semacquire',
  'sync.Mutex.Lock',
  'sync.RWMutex.RLock',
  'sync.RWMutex.Lock',
  'sync.WaitGroup.Wait',
  'sync.Cond.Wait',
]);
/** A cut on the fixpoint's rounds (each round wakes at least one goroutine). */
const MAX_ROUNDS = 10_000;

interface StackRange {
  lo: bigint;
  hi: bigint;
  goid: number;
}

/**
 * Leak suspects by heap reachability. `stacks`: every goroutine's stack bounds (to place objects
 * that live on a stack); `gs`: every g's address (the walk does not go through them).
 */
export function goroutineLeaks(
  waits: Waits,
  heap: CoreHeap,
  gs: readonly { addr: bigint; goid: bigint; stackLo: bigint; stackHi: bigint }[],
): GoroutineLeaks {
  const notes: string[] = [];
  const objects = new Map(waits.objects.map((o) => [o.id, o]));
  const stacks: StackRange[] = gs
    .filter((g) => g.stackHi > g.stackLo)
    .map((g) => ({ lo: g.stackLo, hi: g.stackHi, goid: Number(g.goid) }))
    .sort((x, y) => (x.lo < y.lo ? -1 : x.lo > y.lo ? 1 : 0));
  const stackOwner = (a: bigint): number | undefined => stacks[rangeIndex(stacks, a, (s) => s.lo, (s) => s.hi)]?.goid;

  // Candidates: blocked on a primitive. Everyone else may still run.
  const pending = new Map<number, string[]>();
  const unjudged: number[] = [];
  for (const g of waits.goroutines) {
    if (g.status !== 'waiting' || !PRIMITIVE_REASONS.has(g.waitReason ?? '')) continue;
    if (g.waitsOn.length > 0) pending.set(g.goid, g.waitsOn);
    else unjudged.push(g.goid);
  }
  const live = (goid: number | undefined): boolean => goid === undefined || !pending.has(goid);

  const reach: HeapReach = heap.reach([...gs.map((g) => g.addr), ...waits.sudogs]);
  reach.mark((r: Readonly<HeapRoot>) => live(r.goid));
  /** Whether what waits on `o` can be woken: the object is reached. */
  const reached = (o: WaitObject | undefined): boolean => {
    if (!o) return true; // not read: cannot judge, count as reachable
    if (o.kind === 'nil channel') return false;
    if (o.global) return true;
    const addr = BigInt(o.address);
    if (reach.inHeap(addr)) return reach.reached(addr);
    const owner = stackOwner(addr);
    if (owner !== undefined) return live(owner);
    return true; // neither heap nor stack (runtime memory): not judged here
  };

  // Each round wakes the goroutines whose object is now reached and marks from their stacks.
  for (let round = 1; pending.size > 0; round++) {
    if (round > MAX_ROUNDS) {
      notes.push(`the walk was cut after ${MAX_ROUNDS} rounds: ${pending.size} goroutines not judged, counted as leaked`);
      break;
    }
    const woken = new Set<number>();
    for (const [goid, ids] of pending) if (ids.some((id) => reached(objects.get(id)))) woken.add(goid);
    if (woken.size === 0) break;
    for (const goid of woken) pending.delete(goid);
    reach.mark((r) => r.goid !== undefined && woken.has(r.goid));
  }

  // Suspects: the leaked goroutines grouped by what they wait on.
  const byObject = new Map<string, number[]>();
  for (const [goid, ids] of pending) {
    const key = ids.join(' | ');
    const list = byObject.get(key);
    if (list) list.push(goid);
    else byObject.set(key, [goid]);
  }
  const leaked = new Set(pending.keys());
  const userFunc = new Map(waits.goroutines.map((g) => [g.goid, g.userFrame?.function]));
  const suspects: GoroutineLeaks['suspects'] = [];
  for (const [key, goids] of byObject) {
    goids.sort((x, y) => x - y);
    const objs = key.split(' | ').map((id) => objects.get(id)).filter((o): o is WaitObject => !!o);
    const what = objs.map((o) => o.label).join(' or ');
    const holders = [...new Set(objs.flatMap((o) => [...o.referencedBy, ...(o.mentionedBy ?? [])]))].filter((g) => leaked.has(g)).sort((x, y) => x - y);
    const why =
      objs.some((o) => o.kind === 'nil channel')
        ? `nothing can ever wake ${goids.length === 1 ? 'it' : 'them'}`
        : holders.length > 0
          ? `it is referred to only by goroutines that are leaked themselves (${goroutineList(holders)}) and by nothing a live goroutine or a global reaches`
          : 'nothing a live goroutine or a global reaches refers to it';
    const funcs = [...new Set(goids.map((g) => userFunc.get(g)).filter((f): f is string => !!f))];
    const inFuncs = funcs.length > 0 && funcs.length <= 3 ? funcs.join(', ') : '';
    suspects.push({
      object: key,
      goroutines: goids,
      explanation: `${goroutineList(goids, inFuncs)} ${goids.length === 1 ? 'waits' : 'wait'} on ${what}; ${why}`,
    });
  }
  suspects.sort((x, y) => x.goroutines[0]! - y.goroutines[0]!);
  const basis = notes.length > 0 ? `${HEAP_LEAK_BASIS}; ${notes.join('; ')}` : HEAP_LEAK_BASIS;
  return { rule: HEAP_LEAK_RULE, basis, suspects, unjudged: unjudged.sort((x, y) => x - y), method: 'heap reachability' };
}

/** The stack-evidence suspects of waits(), labelled as such (the heap could not be walked). */
export function stackEvidenceLeaks(waits: WaitsModel, why: string): GoroutineLeaks {
  return { ...waits.leaks, basis: `${waits.leaks.basis}; the heap was not walked: ${why}` };
}

/** At most this many goroutine ids in a sentence (the suspect's `goroutines` lists them all). */
const IDS_IN_TEXT = 10;

function goroutineList(goids: readonly number[], funcs = ''): string {
  if (goids.length === 1) return `goroutine ${goids[0]}${funcs ? ` (${funcs})` : ''}`;
  if (goids.length <= IDS_IN_TEXT) return `goroutines ${goids.join(', ')}${funcs ? ` (${funcs})` : ''}`;
  return `${goids.length} goroutines${funcs ? ` in ${funcs}` : ''} (${goids.slice(0, IDS_IN_TEXT).join(', ')}, …)`;
}
