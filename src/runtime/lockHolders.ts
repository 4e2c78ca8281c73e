// Who probably holds a sync.Mutex / RWMutex: the runtime does not record a holder (sync/mutex.go
// keeps only the state word), so the frames must show it. A frame is in a critical section of a
// mutex when
//   1. one of its live pointer slots (the GC's stack maps: stackRoots.ts) holds the mutex's
//      address: the function has the mutex (or the struct it heads) in hand;
//   2. its function's code calls a lock function of package sync at a call site before the frame's
//      return address, and no unlock call lies between that call site and the return address.
// Call sites are found by decoding the direct calls of the function's code (ArchSpec.directCalls:
// amd64 `CALL rel32`, arm64 `BL`) and keeping only those whose target is the exact entry of a
// named function (a chance E8 byte inside another amd64 instruction practically never lands on a
// function entry). Mutex.Lock and RWMutex.RLock are
// usually inlined: their slow paths remain as calls (sync.(*Mutex).lockSlow; internal/sync from Go
// 1.24; sync.runtime_SemacquireRWMutexR from 1.20, runtime_SemacquireMutex in 1.19).
// Code order is not execution order (a loop may unlock and lock again): hence "likely", never
// "certain"; a frame with only condition 1 is a "possible" holder.
// A mutex that is a global (`var mu sync.Mutex`) is used through its address in the code, not
// through a stack slot: condition 1 becomes "the function's code refers to the global"
// (ArchSpec.computesAddress: an amd64 RIP-relative operand, an arm64 ADRP+ADD pair, that resolves
// to the mutex's address).
import type { Memory } from '../core/memory.js';
import type { Pclntab } from '../core/pclntab.js';

const LOCK = /^(internal\/)?sync\.\(\*Mutex\)\.(Lock|lockSlow|TryLock)$|^sync\.\(\*RWMutex\)\.(Lock|TryLock)$|^sync\.runtime_SemacquireMutex$/;
const RLOCK = /^sync\.\(\*RWMutex\)\.(RLock|TryRLock)$|^sync\.runtime_SemacquireRWMutexR$/;
const UNLOCK = /^(internal\/)?sync\.\(\*Mutex\)\.(Unlock|unlockSlow)$|^sync\.\(\*RWMutex\)\.(Unlock|RUnlock|rUnlockSlow)$/;
/** Functions longer than this are not scanned. */
const MAX_CODE = 256 * 1024;

export interface LockCall {
  /** Address just after the CALL (its return address). */
  after: bigint;
  callee: string;
  kind: 'lock' | 'rlock' | 'unlock';
}

export class LockCalls {
  private readonly byEntry = new Map<number, LockCall[]>();
  private readonly refs = new Map<string, boolean>();
  constructor(
    private readonly tab: Pclntab,
    private readonly mem: Memory,
  ) {}

  /** The lock/unlock call sites of the function containing pc, in address order. */
  of(pc: bigint): LockCall[] {
    const f = this.tab.funcForPC(pc);
    if (!f) return [];
    let calls = this.byEntry.get(Number(f.entry));
    if (calls) return calls;
    calls = [];
    const len = Number(f.end - f.entry);
    const code = len > 0 && len <= MAX_CODE ? this.mem.tryRead(f.entry, len) : undefined;
    if (code) {
      for (const { after, target } of this.tab.arch.directCalls(code, f.entry)) {
        const t = this.tab.funcForPC(target);
        if (!t || t.entry !== target) continue;
        const kind = LOCK.test(t.name) ? 'lock' : RLOCK.test(t.name) ? 'rlock' : UNLOCK.test(t.name) ? 'unlock' : undefined;
        if (kind) calls.push({ after, callee: t.name, kind });
      }
    }
    this.byEntry.set(Number(f.entry), calls);
    return calls;
  }

  /** Whether the code of the function containing pc has a RIP-relative operand that resolves to addr. */
  refersTo(pc: bigint, addr: bigint): boolean {
    const f = this.tab.funcForPC(pc);
    if (!f) return false;
    const key = `${Number(f.entry)}:${Number(addr)}`;
    let r = this.refs.get(key);
    if (r === undefined) {
      r = false;
      const len = Number(f.end - f.entry);
      const code = len > 0 && len <= MAX_CODE ? this.mem.tryRead(f.entry, len) : undefined;
      if (code) r = this.tab.arch.computesAddress(code, f.entry, addr);
      this.refs.set(key, r);
    }
    return r;
  }

  /**
   * The lock call that a frame returning to `retpc` made last before it and has not undone: the
   * nearest lock call site before retpc with no unlock call site between them; undefined when none.
   */
  heldAt(retpc: bigint): LockCall | undefined {
    let held: LockCall | undefined;
    for (const c of this.of(retpc)) {
      if (c.after >= retpc) break;
      if (c.kind === 'unlock') held = undefined;
      else held = c;
    }
    return held;
  }
}
