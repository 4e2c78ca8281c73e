// The sync objects behind a semaphore address, and their state words, per Go version. A goroutine
// blocked in semacquire is queued in runtime.semtable under the address of the object's semaphore
// field (sema.go); the object is found from the semaphore's offset inside it:
//   sync.Mutex      {state int32; sema uint32}                       sync/mutex.go 1.19-1.23;
//                   1.24+: {_ noCopy; mu internal/sync.Mutex{state int32; sema uint32}}
//                   (internal/sync/mutex.go; noCopy is zero-sized): sema at +4 in every release.
//                   state: mutexLocked 1, mutexWoken 2, mutexStarving 4, waiters = state>>3.
//   sync.RWMutex    {w Mutex; writerSem uint32; readerSem uint32; readerCount int32;
//                   readerWait int32} (sync/rwmutex.go 1.19-1.27; atomic.Int32 from 1.20, same
//                   size): a writer waits first on w.sema (+4), then on writerSem (+8); a reader
//                   on readerSem (+12). readerCount < 0 while a writer is pending
//                   (rwmutexMaxReaders = 1<<30 is subtracted).
//   sync.WaitGroup  1.19: {noCopy; state1 uint64; state2 uint32} (64-bit: state = state1, sema =
//                   state2); 1.20+: {noCopy; state atomic.Uint64; sema uint32}: sema at +8 in both.
//                   state: counter = high 32 bits (signed), waiters = low 32 bits; from 1.25 bit 31
//                   of the low word is waitGroupBubbleFlag (sync/waitgroup.go), not a waiter.
// These are not runtime structs (no DWARF table covers them: a program's DWARF has sync.WaitGroup
// only when it uses it); the offsets above were read in the sources of 1.19, 1.22, 1.24 and 1.27.
// Which object a semaphore belongs to comes from the wait reason (Go 1.20+: sync.Mutex.Lock,
// sync.RWMutex.RLock, sync.RWMutex.Lock; 1.25+: sync.WaitGroup.Wait; runtime2.go) or, where it
// says only `semacquire` (1.19, and WaitGroup before 1.25), from the goroutine's frames.
import type { Memory } from '../core/memory.js';
import { goMinor } from './layout.js';

export type SyncKind = 'sync.Mutex' | 'sync.RWMutex' | 'sync.WaitGroup' | 'semaphore';

export interface SyncObjectRef {
  kind: SyncKind;
  /** The object's address. */
  addr: bigint;
  /** Which of the object's semaphores the goroutine waits on. */
  role: 'lock' | 'writer' | 'reader' | 'wait' | 'acquire';
}

const RWMUTEX_MAX_READERS = 1 << 30;

/**
 * The object of a semaphore address, from the wait reason and the goroutine's functions
 * (innermost first). An address no rule recognises is a bare semaphore.
 */
export function syncObjectOf(sema: bigint, waitReason: string, funcs: readonly string[]): SyncObjectRef {
  const at = (re: RegExp): number => funcs.findIndex((f) => re.test(f));
  const lockSlow = at(/^(internal\/)?sync\.\(\*Mutex\)\.(lockSlow|Lock)$/);
  const rwLock = at(/^sync\.\(\*RWMutex\)\.Lock$/);
  const rwRLock = at(/^sync\.\(\*RWMutex\)\.RLock$/);
  const wgWait = at(/^sync\.\(\*WaitGroup\)\.Wait$/);
  if (waitReason === 'sync.RWMutex.RLock' || (rwRLock >= 0 && lockSlow < 0)) return { kind: 'sync.RWMutex', addr: sema - 12n, role: 'reader' };
  if (waitReason === 'sync.RWMutex.Lock' || (rwLock >= 0 && lockSlow < 0)) return { kind: 'sync.RWMutex', addr: sema - 8n, role: 'writer' };
  if (waitReason === 'sync.Mutex.Lock' || lockSlow >= 0) {
    // RWMutex.Lock blocked on its w (at +0): the RWMutex and its w share the address.
    return rwLock >= 0 ? { kind: 'sync.RWMutex', addr: sema - 4n, role: 'writer' } : { kind: 'sync.Mutex', addr: sema - 4n, role: 'lock' };
  }
  if (waitReason === 'sync.WaitGroup.Wait' || wgWait >= 0) return { kind: 'sync.WaitGroup', addr: sema - 8n, role: 'wait' };
  return { kind: 'semaphore', addr: sema, role: 'acquire' };
}

export interface MutexState {
  locked: boolean;
  woken: boolean;
  starving: boolean;
  /** Waiters as the state word counts them. */
  waiters: number;
  state: number;
}

export function decodeMutex(state: number): MutexState {
  return { locked: (state & 1) !== 0, woken: (state & 2) !== 0, starving: (state & 4) !== 0, waiters: state >>> 3, state };
}

export interface RWMutexState {
  /** The writers' mutex (w). */
  w: MutexState;
  /** A writer holds it or waits for readers to leave (readerCount < 0). */
  writerPending: boolean;
  /** Readers holding it (readerCount, plus rwmutexMaxReaders when a writer is pending). */
  readers: number;
  /** Readers a pending writer still waits for (readerWait). */
  departingReaders: number;
  /**
   * Readers holding the read lock: readerCount with no writer pending; with one, readerWait (the
   * readers the writer waits for: RUnlock decrements both, rwmutex.go rUnlockSlow).
   */
  readersHolding: number;
  /** Readers blocked in RLock behind a pending writer (readerCount + rwmutexMaxReaders - readerWait). */
  readersWaiting: number;
  /** `none`; `waiting` for readersHolding readers to leave; `holds` the lock (pending, no reader left). */
  writer: 'none' | 'waiting' | 'holds';
}

/** RWMutex state from w.state, readerCount and readerWait (sync/rwmutex.go, 1.19-1.27). */
export function decodeRWMutex(wState: number, readerCount: number, readerWait: number): RWMutexState {
  const pending = readerCount < 0;
  const readers = pending ? readerCount + RWMUTEX_MAX_READERS : readerCount;
  const holding = pending ? Math.max(0, readerWait) : readers;
  return {
    w: decodeMutex(wState),
    writerPending: pending,
    readers,
    departingReaders: readerWait,
    readersHolding: holding,
    readersWaiting: pending ? Math.max(0, readers - holding) : 0,
    writer: !pending ? 'none' : holding > 0 ? 'waiting' : 'holds',
  };
}

export interface WaitGroupState {
  counter: number;
  waiters: number;
}

export type SyncState = { kind: 'sync.Mutex'; mutex: MutexState } | { kind: 'sync.RWMutex'; rwmutex: RWMutexState } | { kind: 'sync.WaitGroup'; waitGroup: WaitGroupState } | { kind: 'semaphore'; value: number };

/** The object's state words, decoded (see the header for the layouts). */
export function readSyncState(mem: Memory, ref: SyncObjectRef, goVersion: string): SyncState {
  switch (ref.kind) {
    case 'sync.Mutex':
      return { kind: ref.kind, mutex: decodeMutex(mem.readU32(ref.addr)) };
    case 'sync.RWMutex': {
      const rc = mem.readU32(ref.addr + 16n) | 0;
      const rw = mem.readU32(ref.addr + 20n) | 0;
      return {
        kind: ref.kind,
        rwmutex: decodeRWMutex(mem.readU32(ref.addr), rc, rw),
      };
    }
    case 'sync.WaitGroup': {
      const state = mem.readU64(ref.addr);
      const minor = Number(goMinor(goVersion)?.split('.')[1] ?? 0);
      const low = Number(state & 0xffffffffn);
      return { kind: ref.kind, waitGroup: { counter: Number(BigInt.asIntN(32, state >> 32n)), waiters: minor >= 25 ? low & 0x7fffffff : low } };
    }
    case 'semaphore':
      return { kind: ref.kind, value: mem.readU32(ref.addr) };
  }
}
