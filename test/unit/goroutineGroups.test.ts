// The Goroutines view's grouping, filter and paging (src/vscode/views/goroutineGroups.ts) on a
// waits model written by hand: three goroutines queued on a mutex (one in main.main, two in
// main.waiter), one on a channel, one runnable with no wait object. Checked against that model.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GoroutineWait, WaitFrame, WaitObject, Waits } from '../../src/analysis/waits.js';
import { matchesFilter, objectQueues, objectStateRows, page, parseFilter, reasonPreview, shownGroups, waitSinceText } from '../../src/vscode/views/goroutineGroups.js';

const file = '/src/main.go';
const frame = (fn: string, line: number): WaitFrame => ({ function: fn, file, line });
const g = (goid: number, waitReason: string | null, user: WaitFrame, waitsOn: string[], creator?: WaitFrame): GoroutineWait => ({
  goid,
  address: `0xc0000${goid}`,
  status: waitReason ? 'waiting' : 'runnable',
  waitReason,
  waitSince: goid === 1 ? '123456' : null,
  createdBy: creator ? { ...creator, goid: 1 } : null,
  userFrame: user,
  waitsOn,
  direction: null,
  sleep: null,
});
const mutex: WaitObject = {
  id: 'sync.Mutex 0x5000',
  kind: 'sync.Mutex',
  address: '0x5000',
  symbol: 'main.guard',
  label: 'sync.Mutex 0x5000 (main.guard): locked, 3 waiters',
  mutex: { locked: true, woken: false, starving: false, waiters: 3, state: 25 },
  waiters: [1, 18, 19],
  referencedBy: [],
  global: true,
  note: null,
};
const chan: WaitObject = {
  id: 'chan 0xc100',
  kind: 'channel',
  address: '0xc100',
  symbol: null,
  label: 'chan int 0xc100: len 0, cap 0',
  channel: { elemType: 'int', len: 0, cap: 0, closed: false, recvq: [20], sendq: [] },
  waiters: [20],
  referencedBy: [21],
  global: false,
  note: null,
};
const goroutines = [
  g(1, 'sync.Mutex.Lock', frame('main.main', 35), [mutex.id]),
  g(18, 'sync.Mutex.Lock', frame('main.waiter', 21), [mutex.id], frame('main.main', 32)),
  g(19, 'sync.Mutex.Lock', frame('main.waiter', 21), [mutex.id], frame('main.main', 32)),
  g(20, 'chan receive', frame('main.consume', 40), [chan.id], frame('main.main', 33)),
  g(21, null, frame('main.produce', 50), [], frame('main.main', 34)),
];
const byGoid = new Map(goroutines.map((x) => [x.goid, x]));
const entry = (key: string, label: string, goids: number[]) => ({ key, label, count: goids.length, goids });
const waits: Waits = {
  goroutines,
  sudogs: [],
  objects: [mutex, chan],
  groups: {
    byObject: [entry(mutex.id, mutex.label, [1, 18, 19]), entry(chan.id, chan.label, [20]), entry('(runnable)', 'no wait object [runnable]', [21])],
    byReason: [entry('sync.Mutex.Lock', 'sync.Mutex.Lock', [1, 18, 19]), entry('chan receive', 'chan receive', [20]), entry('runnable', 'runnable', [21])],
    byUserFrame: [entry(`main.waiter ${file}:21`, '', [18, 19]), entry(`main.main ${file}:35`, '', [1]), entry(`main.consume ${file}:40`, '', [20]), entry(`main.produce ${file}:50`, '', [21])],
    byCreator: [entry(`main.main ${file}:32`, '', [18, 19]), entry('(no creator)', '(no creator)', [1]), entry('c33', '', [20]), entry('c34', '', [21])],
  },
  deadlock: null,
  leaks: { rule: '', basis: '', method: 'stack evidence', suspects: [], unjudged: [] },
  throwers: [],
  mapRace: null,
  notes: [],
  framesOf: (goid) => [frame('runtime.gopark', 400), ...(goid === 18 || goid === 19 ? [frame('sync.(*Mutex).Lock', 90)] : []), byGoid.get(goid)!.userFrame!],
};
const index = { byGoid, objects: new Map(waits.objects.map((o) => [o.id, o])) };
const total = (v: ReturnType<typeof shownGroups>) => v.groups.reduce((s, x) => s + x.goids.length, 0);

test('every grouping holds every goroutine once; groups are labelled by their first user frame', () => {
  for (const by of ['object', 'reason', 'userFrame', 'creator'] as const) {
    const v = shownGroups(waits, by, '', index);
    assert.equal(total(v), 5, by);
    assert.equal(new Set(v.groups.flatMap((x) => x.goids)).size, 5, by);
  }
  const byReason = shownGroups(waits, 'reason', '', index);
  assert.equal(byReason.groups[0]!.title, 'sync.Mutex.Lock');
  assert.equal(byReason.groups[0]!.userFrame?.function, 'main.waiter', 'the most common user frame of the group');
  assert.equal(shownGroups(waits, 'userFrame', '', index).groups[0]!.title, 'main.waiter:21');
  assert.equal(shownGroups(waits, 'creator', '', index).groups[0]!.title, 'created by main.main:32');
  assert.deepEqual(shownGroups(waits, 'object', '', index).groups[0]!.objects, [mutex]);
});

test('the filter: a goroutine id, a function of any frame, a wait reason; groups it empties are dropped', () => {
  assert.deepEqual(parseFilter(' #18 '), { goid: 18 });
  assert.deepEqual(parseFilter('goroutine 7'), { goid: 7 });
  assert.equal(parseFilter('  '), undefined);
  assert.deepEqual(shownGroups(waits, 'object', '19', index).groups.map((x) => x.goids), [[19]]);
  const lock = shownGroups(waits, 'reason', 'Mutex).lock', index);
  assert.deepEqual(lock.groups.map((x) => x.goids), [[18, 19]], 'found in a frame below the user frame');
  assert.equal(lock.groups[0]!.total, 3);
  assert.equal(lock.shown, 2);
  assert.equal(lock.total, 5);
  assert.equal(total(shownGroups(waits, 'object', 'CHAN RECEIVE', index)), 1);
  assert.equal(matchesFilter(goroutines[4]!, waits.framesOf, parseFilter('runnable')), true, 'the status');
});

test('object state and queues; paging; waitSince said as a lower bound or as absent', () => {
  const rows = Object.fromEntries(objectStateRows(chan).map((r) => [r.label, r.description]));
  assert.equal(rows['element type'], 'int');
  assert.equal(rows['len / cap'], '0 / 0 (unbuffered)');
  assert.equal(rows.closed, 'no');
  assert.deepEqual(objectQueues(chan).map((q) => [q.role, q.goids]), [['receive', [20]], ['send', []], ['reference', [21]]]);
  assert.equal(Object.fromEntries(objectStateRows(mutex).map((r) => [r.label, r.description])).locked, 'yes');
  assert.deepEqual(objectQueues(mutex).map((q) => q.goids), [[1, 18, 19]]);
  const ids = Array.from({ length: 1234 }, (_, i) => i);
  assert.deepEqual([page(ids, 500).items.length, page(ids, 500).remaining], [500, 734]);
  assert.deepEqual([page(ids, 1500).items.length, page(ids, 1500).remaining], [1234, 0]);
  assert.match(waitSinceText(goroutines[0]!)!, /lower bound/);
  assert.match(waitSinceText(goroutines[1]!)!, /no garbage collection ran/);
  assert.equal(waitSinceText(goroutines[4]!), undefined, 'not waiting');
});

test('reasonPreview: the engine groups by wait reason as shown groups, every goroutine kept, no user frame or object yet', () => {
  const groups = reasonPreview([
    { key: 'chan receive', label: 'chan receive', count: 3, goids: [4, 7, 9] },
    { key: 'sleep', label: 'sleep', count: 1, goids: [12] },
  ]);
  assert.deepEqual(
    groups.map((g) => [g.title, g.goids, g.total, g.userFrame, g.objects.length]),
    [
      ['chan receive', [4, 7, 9], 3, undefined, 0],
      ['sleep', [12], 1, undefined, 0],
    ],
  );
});
