// What a goroutine waits on when the runtime keeps no pointer from the g to the object: the
// wake-up time of time.Sleep, the file descriptor of an I/O wait, the sync.Cond of a Cond.Wait.
// Read by field name (READ_FIELDS timer, pollDesc, notifyList and g.timer/g.sleepWhen, per Go
// version) from:
//   - sleep (time.go timeSleep): Go 1.19-1.22 set gp.timer.nextwhen = nanotime()+ns before parking;
//     Go 1.23+ set gp.sleepWhen = nanotime()+ns (the timer struct was rewritten in 1.23). Either is
//     the wake-up time in nanotime units.
//   - I/O wait (netpoll.go netpollblock): the goroutine parks with pollDesc.rg (reading) or .wg
//     (writing) holding its g. The pollDesc comes from persistentalloc, linked from nothing while
//     in use: it is found among the words of the goroutine's own stack (poll_runtime_pollWait
//     keeps pd across the call), and only a pollDesc whose rg/wg names this very g is taken.
//   - sync.Cond.Wait (sema.go notifyListWait): the goroutine's sudog is queued on the Cond's
//     notifyList (sync/cond.go: Cond{noCopy; L Locker; notify notifyList; checker}: notify at +16
//     in 1.19-1.27) by next, with its ticket; the Cond is found among its stack words (Wait's
//     receiver) and taken only when its list holds this goroutine.
import type { Memory } from '../core/memory.js';
import { CoreReadError } from '../core/errors.js';
import { readField } from './fields.js';
import type { RuntimeLayout } from './layout.js';
import type { FieldRef } from './layoutFields.js';
import { LoopCheck } from './waitRecords.js';

/** sync.Cond.notify's offset (sync/cond.go: after noCopy (0 bytes) and the Locker interface, 16 bytes). */
export const COND_NOTIFY_OFFSET = 16n;
/** Bound on a notifyList walked here. */
const MAX_WAITERS = 1_000_000;

export interface SleepRecord {
  /** Wake-up time, nanotime units. */
  when: bigint;
  /** Where it was read: `g.sleepWhen` or `g.timer.nextwhen`/`when`. */
  source: string;
}

/**
 * The wake-up time of a goroutine in time.Sleep (wait reason `sleep`), or undefined. `g` carries
 * g.timer and g.sleepWhen as read with the g (goroutines.ts); only 1.19-1.22 read the timer.
 */
export function sleepOf(mem: Memory, layout: RuntimeLayout, g: { timer: bigint | undefined; sleepWhen: bigint | undefined }): SleepRecord | undefined {
  if (layout.offsets.g.sleepWhen) return g.sleepWhen !== undefined && g.sleepWhen > 0n ? { when: g.sleepWhen, source: 'g.sleepWhen' } : undefined;
  const t = layout.offsets.timer;
  if (!t || !g.timer) return undefined;
  if (t.nextwhen) {
    const next = readField(mem, g.timer, t.nextwhen);
    if (next > 0n) return { when: next, source: 'g.timer.nextwhen' };
  }
  const when = readField(mem, g.timer, t.when);
  return when > 0n ? { when, source: 'g.timer.when' } : undefined;
}

export interface PollRecord {
  /** The runtime.pollDesc. */
  pd: bigint;
  fd: number;
  /** The goroutine waits to read (pd.rg) or to write (pd.wg). */
  mode: 'read' | 'write';
}

function tryField(mem: Memory, base: bigint, f: FieldRef): bigint | undefined {
  try {
    return readField(mem, base, f);
  } catch (e) {
    if (e instanceof CoreReadError) return undefined;
    throw e;
  }
}

/** The pollDesc among `candidates` (words of the goroutine's stack) whose rg or wg holds gAddr. */
export function pollDescOf(mem: Memory, layout: RuntimeLayout, gAddr: bigint, candidates: Iterable<bigint>): PollRecord | undefined {
  const p = layout.offsets.pollDesc;
  if (!p) return undefined;
  for (const c of candidates) {
    if (c === 0n || c % 8n !== 0n) continue;
    const rg = tryField(mem, c, p.rg);
    const wg = rg === gAddr ? undefined : tryField(mem, c, p.wg);
    if (rg !== gAddr && wg !== gAddr) continue;
    const fd = tryField(mem, c, p.fd);
    if (fd === undefined || fd > 1n << 31n) continue;
    return { pd: c, fd: Number(fd), mode: rg === gAddr ? 'read' : 'write' };
  }
  return undefined;
}

export interface NotifyListRecord {
  /** The notifyList's address (the sync.Cond is COND_NOTIFY_OFFSET below). */
  addr: bigint;
  /** The next ticket to hand out. */
  wait: number;
  /** The next ticket to wake. */
  notify: number;
  /** Parked waiters in queue order: their g and ticket. */
  waiters: { g: bigint; ticket: number }[];
}

/** A notifyList's parked waiters (sudogs from head by next), or undefined when it does not read as one. */
export function readNotifyList(mem: Memory, layout: RuntimeLayout, addr: bigint): NotifyListRecord | undefined {
  const n = layout.offsets.notifyList;
  const s = layout.offsets.sudog;
  if (!n || !s || addr === 0n || addr % 4n !== 0n) return undefined;
  try {
    const wait = Number(readField(mem, addr, n.wait));
    const notify = Number(readField(mem, addr, n.notify));
    const head = readField(mem, addr, n.head);
    const tail = readField(mem, addr, n.tail);
    // Tickets wrap around (sema.go less()): at most 2^31 apart.
    if (((wait - notify) >>> 0) > 0x7fffffff || (head === 0n) !== (tail === 0n) || head % 8n !== 0n) return undefined;
    const waiters: NotifyListRecord['waiters'] = [];
    const loop = new LoopCheck();
    let last = 0n;
    for (let p = head; p !== 0n; p = readField(mem, p, s.next)) {
      if (loop.repeats(p) || waiters.length >= MAX_WAITERS) return undefined;
      waiters.push({ g: readField(mem, p, s.g), ticket: Number(readField(mem, p, s.ticket)) });
      last = p;
    }
    if (last !== tail) return undefined;
    return { addr, wait, notify, waiters };
  } catch (e) {
    if (e instanceof CoreReadError) return undefined;
    throw e;
  }
}
