// The runtime struct fields this project reads (runtime/runtime2.go, panic.go of each release),
// by struct and dotted field path. This one list decides
//   - what the per-version layout data keeps (layoutGen.ts writes src/runtime/layouts/go1.NN.json),
//   - what CoreOffsets holds and how it is resolved (layout.ts, for tables and the DWARF fallback),
//   - what test/integration/layouts.test.ts checks against each toolchain's DWARF.
// A walker that needs a new field adds it here and regenerates the data (docs/adding-a-go-version.md).
// Structs in WHOLE_STRUCTS are kept with every field: the _panic chain view shows them all.
import type { FieldKind } from './layoutTypes.js';

interface FieldGroup {
  /** DWARF struct name. */
  readonly struct: string;
  /** CoreOffsets key -> field path inside the struct (`sched.sp` follows g.sched's type). */
  readonly fields: Readonly<Record<string, string>>;
  /** Keys that may be missing in some releases (resolved to undefined there). */
  readonly optional?: readonly string[];
  /**
   * The whole struct may be missing from a stored table (tables of releases without a provisioned
   * toolchain were generated before the group was added): the layout then takes it from the
   * binary's DWARF (layout.ts completeFromDwarf), and without DWARF the group is undefined.
   */
  readonly optionalStruct?: true;
}

export const READ_FIELDS = {
  g: {
    struct: 'runtime.g',
    fields: {
      stackLo: 'stack.lo',
      stackHi: 'stack.hi',
      stackguard0: 'stackguard0',
      panic: '_panic',
      defer: '_defer',
      m: 'm',
      sched: 'sched',
      schedSp: 'sched.sp',
      schedPc: 'sched.pc',
      schedBp: 'sched.bp',
      schedLr: 'sched.lr',
      syscallsp: 'syscallsp',
      syscallpc: 'syscallpc',
      atomicstatus: 'atomicstatus',
      goid: 'goid',
      waitsince: 'waitsince',
      waitreason: 'waitreason',
      lockedm: 'lockedm',
      gopc: 'gopc',
      startpc: 'startpc',
      parentGoid: 'parentGoid',
      racectx: 'racectx',
      sig: 'sig',
      sigcode0: 'sigcode0',
      sigcode1: 'sigcode1',
      sigpc: 'sigpc',
      /** The sudogs of a channel wait or a select (linked by sudog.waitlink); runtime2.go. */
      waiting: 'waiting',
      /** time.Sleep's cached timer (runtime2.go, time.go timeSleep); 1.19-1.22 keep the wake-up in timer.nextwhen. */
      timer: 'timer',
      /** Go 1.23+: when time.Sleep wakes (nanotime), set by timeSleep before it parks. */
      sleepWhen: 'sleepWhen',
    },
    /**
     * parentGoid: Go 1.21+. The signal fields are read only when present. waiting: in every
     * release, but missing from the tables of 1.21/1.23/1.25/1.26 (made before it was read).
     */
    optional: ['parentGoid', 'sig', 'sigcode0', 'sigcode1', 'sigpc', 'waiting', 'timer', 'sleepWhen'],
  },
  /**
   * runtime.timer (time.go). Go 1.19-1.22: timeSleep sets nextwhen to the wake-up time before it
   * parks (resettimer then moves it to when); 1.23 rewrote timers (when stays, nextwhen is gone)
   * and timeSleep records the wake-up in g.sleepWhen instead.
   */
  timer: {
    struct: 'runtime.timer',
    fields: { when: 'when', nextwhen: 'nextwhen' },
    optional: ['nextwhen'],
    optionalStruct: true,
  },
  /**
   * runtime.pollDesc (netpoll.go, 1.19-1.27): the netpoller's record of a file descriptor; rg/wg
   * hold the g parked reading/writing it (or pdReady/pdWait/nil).
   */
  pollDesc: {
    struct: 'runtime.pollDesc',
    fields: { fd: 'fd', rg: 'rg', wg: 'wg' },
    optionalStruct: true,
  },
  /**
   * runtime.notifyList (sema.go; sync.Cond's `notify` field mirrors it): wait is the next ticket to
   * hand out, notify the next to wake; head/tail the parked waiters' sudogs (linked by next, each
   * with its ticket).
   */
  notifyList: {
    struct: 'runtime.notifyList',
    fields: { wait: 'wait', notify: 'notify', head: 'head', tail: 'tail' },
    optionalStruct: true,
  },
  /**
   * runtime.sudog (runtime2.go): a g on a wait queue. For channels elem is the data element and c
   * the channel; in the semaphore table (sema.go) elem is the semaphore's address, prev/next are
   * the treap's children, parent its parent, waitlink/waittail the other waiters on the same
   * address. Go 1.26 made elem and c maybeTraceablePtr/maybeTraceableChan, whose `vu` word is the
   * source of truth (vp is cleared when the pointer is hidden from the GC).
   */
  sudog: {
    struct: 'runtime.sudog',
    fields: {
      g: 'g',
      next: 'next',
      prev: 'prev',
      elem: 'elem',
      elemVu: 'elem.vu',
      ticket: 'ticket',
      isSelect: 'isSelect',
      parent: 'parent',
      waitlink: 'waitlink',
      waittail: 'waittail',
      c: 'c',
      cVu: 'c.maybeTraceablePtr.vu',
    },
    optional: ['elemVu', 'cVu'],
    optionalStruct: true,
  },
  /** runtime.hchan (chan.go): len is qcount, cap dataqsiz; closed != 0 after close(). */
  hchan: {
    struct: 'runtime.hchan',
    fields: {
      qcount: 'qcount',
      dataqsiz: 'dataqsiz',
      elemsize: 'elemsize',
      closed: 'closed',
      elemtype: 'elemtype',
      recvqFirst: 'recvq.first',
      sendqFirst: 'sendq.first',
    },
    optionalStruct: true,
  },
  /** runtime.semaRoot (sema.go): one bucket of runtime.semtable, a treap of sudogs by address. */
  semaRoot: {
    struct: 'runtime.semaRoot',
    fields: { treap: 'treap', nwait: 'nwait' },
    optionalStruct: true,
  },
  /** runtime.hmap (map.go, Go 1.19-1.23; 1.24+ without swissmap): flags&4 is hashWriting. */
  hmap: {
    struct: 'runtime.hmap',
    fields: { count: 'count', flags: 'flags', B: 'B', buckets: 'buckets' },
    optionalStruct: true,
  },
  /** internal/runtime/maps.Map (map.go, Go 1.24+ Swiss tables): writing != 0 during a write. */
  swissMap: {
    struct: 'internal/runtime/maps.Map',
    fields: { used: 'used', dirPtr: 'dirPtr', dirLen: 'dirLen', globalDepth: 'globalDepth', writing: 'writing' },
    optionalStruct: true,
  },
  gobuf: {
    struct: 'runtime.gobuf',
    fields: { sp: 'sp', pc: 'pc', g: 'g', ctxt: 'ctxt', lr: 'lr', bp: 'bp' },
  },
  m: {
    struct: 'runtime.m',
    fields: {
      g0: 'g0',
      curg: 'curg',
      gsignal: 'gsignal',
      procid: 'procid',
      id: 'id',
      throwing: 'throwing',
      mallocing: 'mallocing',
      locks: 'locks',
      dying: 'dying',
      p: 'p',
      alllink: 'alllink',
      lockedg: 'lockedg',
    },
  },
  p: {
    struct: 'runtime.p',
    fields: { id: 'id', status: 'status', m: 'm' },
  },
  panic: {
    struct: 'runtime._panic',
    fields: { arg: 'arg', link: 'link', recovered: 'recovered', goexit: 'goexit' },
  },
  defer: {
    struct: 'runtime._defer',
    fields: { sp: 'sp', pc: 'pc', fn: 'fn', link: 'link', heap: 'heap' },
  },
} as const satisfies Readonly<Record<string, FieldGroup>>;

// ---- Heap walk (issue 15; src/runtime/heapSpans.ts) -----------------------------------------
// Kept apart from READ_FIELDS: a stored table made before these were added (Go 1.21, 1.23, 1.25,
// 1.26 here, whose toolchains are not provisioned) lacks the structs, and the heap walk then takes
// them from the binary's DWARF (heapOffsetsFor in layout.ts) instead of failing the whole layout.
// The fields, per release (runtime/mheap.go, type mheap and type mspan):
//   mheap.allspans []*mspan: every mspan ever created (1.19 through 1.27);
//   mspan.freeindex / nelems: uintptr to 1.21, uint16 from 1.22; freeIndexForScan from 1.20;
//   mspan.state: mSpanStateBox (one byte: uint8, atomic.Uint8 from 1.21);
//   mspan.largeType *_type: from 1.22 (the malloc header of a large object; also tells that
//   objects > 512 B in spans with pointers carry an 8-byte *_type header, mbitmap.go).
export const HEAP_READ_FIELDS = {
  mheap: {
    struct: 'runtime.mheap',
    fields: { allspans: 'allspans' },
  },
  mspan: {
    struct: 'runtime.mspan',
    fields: {
      startAddr: 'startAddr',
      npages: 'npages',
      freeindex: 'freeindex',
      nelems: 'nelems',
      freeIndexForScan: 'freeIndexForScan',
      allocBits: 'allocBits',
      allocCount: 'allocCount',
      spanclass: 'spanclass',
      state: 'state',
      elemsize: 'elemsize',
      limit: 'limit',
      specials: 'specials',
      largeType: 'largeType',
    },
    optional: ['freeIndexForScan', 'largeType'],
  },
  special: {
    struct: 'runtime.special',
    fields: { next: 'next', offset: 'offset', kind: 'kind' },
  },
} as const satisfies Readonly<Record<string, FieldGroup>>;

type HeapGroups = typeof HEAP_READ_FIELDS;
/** HEAP_READ_FIELDS resolved for one Go version (layout.ts heapOffsetsFor). */
export type HeapOffsets = { [K in keyof HeapGroups]: GroupOffsets<HeapGroups[K]> };
// ---- end of the heap walk's fields ------------------------------------------------------------

/** Structs kept with every field, in declaration order. */
export const WHOLE_STRUCTS = ['runtime._panic', 'runtime._defer'] as const;

/** A field the walkers read: absolute offset inside its outer struct (nested paths resolved). */
export interface FieldRef {
  offset: number;
  size: number;
  kind: FieldKind;
}

type Groups = typeof READ_FIELDS;
type OptionalKeys<G> = G extends { optional: readonly (infer K)[] } ? K : never;
type GroupOffsets<G extends FieldGroup> = { size: number } & {
  [K in keyof G['fields']]: K extends OptionalKeys<G> ? FieldRef | undefined : FieldRef;
};

/** The fields of READ_FIELDS resolved for one Go version, plus each struct's size (undefined: an optionalStruct the layout lacks). */
type Resolved<G extends FieldGroup> = G extends { optionalStruct: true } ? GroupOffsets<G> | undefined : GroupOffsets<G>;
export type CoreOffsets = { [K in keyof Groups]: Resolved<Groups[K]> };

/** Every (struct, path) of READ_FIELDS, with whether it may be missing. */
export function readFieldPaths(): {
  group: string;
  key: string;
  struct: string;
  path: string;
  optional: boolean;
  optionalStruct: boolean;
}[] {
  const out: ReturnType<typeof readFieldPaths> = [];
  for (const [group, g] of [...Object.entries(READ_FIELDS), ...Object.entries(HEAP_READ_FIELDS)] as [string, FieldGroup][]) {
    for (const [key, path] of Object.entries(g.fields)) {
      out.push({ group, key, struct: g.struct, path, optional: g.optional?.includes(key) ?? false, optionalStruct: g.optionalStruct ?? false });
    }
  }
  return out;
}
