// What each goroutine waits on (CoreEngine.waits(), `go-core report` runtime.waits/throwers) on
// the wait fixtures of every provisioned Go version, against the runtime's printed traceback (the
// goroutine headers and their frames), the fixture's source (its globals, read through the symbol
// table), and Delve (a channel's qcount/closed and a goroutine's wait reason, printed by `dlv core`).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openCore, type CoreEngine } from '../../src/analysis/engine.js';
import { waitsReport } from '../../src/analysis/waits.js';
import { runCli } from '../../src/report/cli.js';
import type { Report } from '../../src/analysis/report.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { delvePrint } from '../support/delvePrint.js';
import { validate, type Schema } from '../support/jsonSchema.js';
import { fixture, provisionedGoVersions, type Fixture } from '../support/fixtures.js';

/** The traceback's goroutines: id, bracketed status, and the function names of its frames. */
function printedGoroutines(tb: string): { goid: number; status: string; funcs: string[] }[] {
  const out: { goid: number; status: string; funcs: string[] }[] = [];
  for (const block of tb.split(/\n\n+/)) {
    const m = /^goroutine (\d+)(?: gp=\S+ m=\S+(?: mp=\S+)?)? \[([^\]]+)\]:/.exec(block);
    if (!m) continue;
    const funcs = block
      .split('\n')
      .slice(1)
      .filter((l) => !l.startsWith('\t') && l.includes('('))
      .map((l) => l.slice(0, l.lastIndexOf('(')).replace(/^created by /, ''));
    out.push({ goid: Number(m[1]), status: m[2]!.replace(/, \d+ minutes?$/, ''), funcs });
  }
  return out;
}

/** Goroutines whose printed frames (not the `created by` line) include `fn`. */
function printedIn(tb: string, fn: string): number[] {
  return printedGoroutines(tb)
    .filter((g) => g.funcs.slice(0, -1).includes(fn) || g.funcs.includes(fn))
    .map((g) => g.goid)
    .sort((a, b) => a - b);
}

function withEngine<T>(fx: Fixture, f: (e: CoreEngine) => T): T {
  const e = openCore(fx.core, { binary: fx.prog });
  try {
    return f(e);
  } finally {
    e.close();
  }
}

async function report(fx: Fixture): Promise<Report> {
  let out = '';
  const code = await runCli(['report', fx.core, '--binary', fx.prog, '--json', '--no-delve'], { out: (s) => (out += s), err: () => {} });
  assert.equal(code, 0);
  return JSON.parse(out) as Report;
}

const sorted = (a: readonly number[]) => [...a].sort((x, y) => x - y);
const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'schemas', 'report.schema.json'), 'utf8')) as Schema;

describe('wait objects, deadlocks, leaks and throwers', () => {
  for (const minor of provisionedGoVersions()) for (const arch of ['', '-arm64']) {
    const on = arch ? ' linux/arm64' : '';
    it(`Go ${minor}${on}: a deadlock on a mutex whose locker exited names the mutex, its state and its waiters`, async () => {
      const fx = fixture('wait-mutex-exited' + arch, minor);
      const r = await report(fx);
      const w = r.runtime!.waits!;
      const guard = withEngine(fx, (e) => e.analysis.syms.addressOf('main.guard'));
      assert.ok(guard !== undefined, 'main.guard is not in the symbol table');
      const mu = w.objects.find((o) => o.kind === 'sync.Mutex');
      assert.ok(mu, `no sync.Mutex among ${w.objects.map((o) => o.id).join(', ')}`);
      assert.equal(mu.address, '0x' + guard.toString(16), 'the mutex is main.guard (the fixture source)');
      assert.equal(mu.symbol, 'main.guard');
      assert.equal(mu.mutex?.locked, true);
      // The runtime printed goroutine 1 and the three waiters blocked in Lock.
      const waiters = sorted([1, ...printedIn(fx.traceback, 'main.waiter')]);
      assert.equal(waiters.length, 4, fx.traceback);
      assert.deepEqual(sorted(mu.waiters), waiters);
      for (const g of waiters) {
        const printed = printedGoroutines(fx.traceback).find((p) => p.goid === g)!;
        assert.equal(w.goroutines.find((x) => x.goid === g)?.waitReason, printed.status, `goroutine ${g}'s wait reason as printed`);
      }
      assert.deepEqual(mu.referencedBy, []);
      assert.deepEqual(mu.holders, [], 'the locker exited: nobody can be named as holder');
      assert.match(w.deadlock?.explanation ?? '', new RegExp(`sync\\.Mutex ${mu.address} \\(main\\.guard\\): locked`));
      assert.match(w.deadlock!.explanation, /does not record the holder/);
      assert.match(w.deadlock!.explanation, /has exited/);
    });

    it(`Go ${minor}${on}: sleep, I/O, sync.Cond, RWMutex starvation and a mutex holder, against the fixture's printout and Delve`, async () => {
      const fx = fixture('wait-kinds' + arch, minor);
      const r = await report(fx);
      const errors: string[] = [];
      validate(schema, schema, r, '$', errors);
      assert.deepEqual(errors, [], 'the report follows schemas/report.schema.json');
      const w = r.runtime!.waits!;
      const printed = /^panic: wait kinds: cond=(0x[0-9a-f]+) rwmutex=(0x[0-9a-f]+) mutex=(0x[0-9a-f]+) pipe-fd=(\d+) sleeper started at .* m=\+([0-9.]+)$/m.exec(fx.traceback);
      assert.ok(printed, 'the fixture printed its objects');
      const [, condAddr, rwAddr, muAddr, fd, mono] = printed;
      const status = (g: number) => printedGoroutines(fx.traceback).find((p) => p.goid === g)?.status;
      const one = (fn: string): number => {
        const gs = printedIn(fx.traceback, fn);
        assert.equal(gs.length, 1, `${fn}: ${gs.join(', ')}`);
        return gs[0]!;
      };
      const gw = (g: number) => w.goroutines.find((x) => x.goid === g)!;
      const obj = (id: string | undefined) => w.objects.find((o) => o.id === id);

      // time.Sleep(42 * time.Minute) right after printing time.Now(): m=+<seconds since time.startNano>.
      const sleeper = one('main.sleeper');
      assert.equal(status(sleeper), 'sleep');
      const m = Number(mono);
      const sl = gw(sleeper).sleep;
      assert.ok(sl && sl.sinceStart !== null, JSON.stringify(sl));
      assert.ok(Math.abs(sl.sinceStart - (42 * 60 + m)) < 0.1, `wakes ${sl.sinceStart}s after start, expected ${42 * 60 + m}`);
      assert.match(sl.source, Number(minor.split('.')[1]) >= 23 ? /^g\.sleepWhen$/ : /^g\.timer\./);

      // A read of an empty pipe: [IO wait] on the pipe's fd.
      const piper = one('main.piper');
      assert.equal(status(piper), 'IO wait');
      const io = obj(gw(piper).waitsOn[0]);
      assert.equal(io?.kind, 'netpoll fd');
      assert.deepEqual(io?.poll, { fd: Number(fd), readers: [piper], writers: [] });

      // Two goroutines in cond.Wait.
      const condWaiters = printedIn(fx.traceback, 'main.condWaiter');
      assert.equal(condWaiters.length, 2);
      const cond = w.objects.find((o) => o.kind === 'sync.Cond');
      assert.equal(cond?.address, condAddr);
      assert.deepEqual(sorted(cond!.waiters), condWaiters);
      for (const g of condWaiters) assert.deepEqual(gw(g).waitsOn, [cond!.id]);
      assert.equal(cond!.cond!.tickets.length, 2);

      // RWMutex starvation: three readers hold it, a writer waits for them, a late reader behind the writer.
      const readers = printedIn(fx.traceback, 'main.reader');
      assert.equal(readers.length, 3);
      const writer = one('main.writer');
      const late = one('main.lateReader');
      const rw = w.objects.find((o) => o.kind === 'sync.RWMutex');
      assert.equal(rw?.address, rwAddr);
      assert.deepEqual({ writer: rw!.rwmutex!.writer, holding: rw!.rwmutex!.readersHolding, waiting: rw!.rwmutex!.readersWaiting }, { writer: 'waiting', holding: 3, waiting: 1 });
      assert.deepEqual(sorted(rw!.waiters), sorted([writer, late]));
      assert.deepEqual(sorted(rw!.holders!.filter((h) => h.certainty === 'likely').map((h) => h.goid)), readers);
      assert.match(rw!.label, /a writer waits for 3 readers holding it to leave, 1 reader waits behind the writer/);

      // The holder locked mu and blocks on a channel inside its critical section.
      const holder = one('main.holder');
      const lockers = printedIn(fx.traceback, 'main.locker');
      const mu = w.objects.find((o) => o.kind === 'sync.Mutex');
      assert.equal(mu?.address, muAddr);
      assert.deepEqual(sorted(mu!.waiters), lockers);
      assert.equal(mu!.holders?.[0]?.goid, holder, JSON.stringify(mu!.holders));
      assert.equal(mu!.holders?.[0]?.certainty, 'likely');
      assert.equal(mu!.holders?.[0]?.function, 'main.holder');

      // Delve reads the same words (amd64 cores: Delve's own arm64 unwinding bugs are named in cores.test.ts).
      if (arch) return;
      const atomic = Number(minor.split('.')[1]) >= 20 ? '.v' : '';
      const state = Number(minor.split('.')[1]) >= 24 ? '.mu.state' : '.state';
      const [wait, notify, readerWait, mstate] = delvePrint(fx, [
        `((*sync.Cond)(${condAddr})).notify.wait`,
        `((*sync.Cond)(${condAddr})).notify.notify`,
        `((*sync.RWMutex)(${rwAddr})).readerWait${atomic}`,
        `((*sync.Mutex)(${muAddr}))${state}`,
      ]);
      assert.equal(wait, String(cond!.cond!.wait));
      assert.equal(notify, String(cond!.cond!.notify));
      assert.equal(readerWait, String(rw!.rwmutex!.departingReaders));
      assert.equal(mstate, String(mu!.mutex!.state));
    });

    it(`Go ${minor}${on}: mutex-deadlock names main as the likely holder of the global mutex and the worker's deferred Done`, async () => {
      // The fixture's source: main locks mu, starts worker, waits; worker defers done.Done() and blocks in mu.Lock().
      const fx = fixture('mutex-deadlock' + arch, minor);
      const w = (await report(fx)).runtime!.waits!;
      const main = printedIn(fx.traceback, 'main.main');
      const worker = printedIn(fx.traceback, 'main.worker');
      assert.equal(main.length, 1);
      assert.equal(worker.length, 1);
      const mu = w.objects.find((o) => o.symbol === 'main.mu');
      assert.ok(mu, JSON.stringify(w.objects.map((o) => o.id)));
      assert.deepEqual(mu.waiters, worker);
      assert.deepEqual(mu.holders?.map((h) => [h.goid, h.certainty, h.function]), [[main[0], 'likely', 'main.main']]);
      const wg = w.objects.find((o) => o.kind === 'sync.WaitGroup');
      assert.deepEqual(wg?.waiters, main);
      assert.deepEqual(wg?.mentionedBy, worker, 'the deferred done.Done() keeps its address on the worker\'s stack');
      assert.deepEqual(w.leaks.suspects, []);
      assert.match(w.deadlock?.explanation ?? '', new RegExp(`goroutine ${main[0]} likely holds it \\(main\\.main at `));
    });

    it(`Go ${minor}${on}: a deadlock on two channels names the cycle`, async () => {
      const fx = fixture('wait-chan-cycle' + arch, minor);
      const w = (await report(fx)).runtime!.waits!;
      const ping = printedIn(fx.traceback, 'main.pingSide');
      const pong = printedIn(fx.traceback, 'main.pongSide');
      assert.equal(ping.length, 1);
      assert.equal(pong.length, 1);
      assert.deepEqual(w.deadlock?.cycles, [sorted([ping[0]!, pong[0]!])]);
      for (const g of [...ping, ...pong]) {
        const gw = w.goroutines.find((x) => x.goid === g)!;
        assert.equal(gw.waitReason, 'chan send');
        assert.equal(gw.direction, 'send');
        const ch = w.objects.find((o) => o.id === gw.waitsOn[0]);
        assert.equal(ch?.channel?.elemType, 'int');
        assert.deepEqual(ch?.channel?.sendq, [g]);
      }
      assert.match(w.deadlock!.explanation, /^All goroutines are asleep: .*cycle: /);
      // By the heap rule every goroutine of the deadlock is leaked (the fixture's source: nothing
      // outside the three goroutines holds ping, pong or finished): the two sides of the cycle,
      // each waiting on a channel only the other (leaked) side holds, and main, on finished.
      const main = printedIn(fx.traceback, 'main.main');
      assert.equal(w.leaks.method, 'heap reachability');
      assert.deepEqual(sorted(w.leaks.suspects.flatMap((s) => s.goroutines)), sorted([...ping, ...pong, ...main]));
      for (const side of [ping[0]!, pong[0]!]) {
        const s = w.leaks.suspects.find((x) => x.goroutines.includes(side))!;
        assert.match(s.explanation, /referred to only by goroutines that are leaked themselves \(goroutine \d+\)/);
      }
    });

    it(`Go ${minor}${on}: leaks through the heap: a channel kept by a global's heap object or a timer is not leaked; a pipeline stage behind a leaked one is`, async () => {
      // The fixture's source: serve receives on a channel that only a heap object, pointed to by the
      // global current, holds; timed receives from time.After; relay receives on a channel nobody
      // else holds; sink receives on the channel only relay's frame holds.
      const fx = fixture('wait-heap-leak' + arch, minor);
      const w = (await report(fx)).runtime!.waits!;
      const [serve, relay, sink, timed] = ['main.(*service).serve', 'main.relay', 'main.sink', 'main.timed'].map((f) => printedIn(fx.traceback, f));
      for (const g of [serve, relay, sink, timed]) assert.equal(g!.length, 1, fx.traceback);
      assert.equal(w.leaks.method, 'heap reachability');
      assert.deepEqual(w.leaks.unjudged, []);
      assert.deepEqual(
        w.leaks.suspects.map((s) => s.goroutines),
        [relay!, sink!],
        JSON.stringify(w.leaks.suspects),
      );
      const [first, second] = w.leaks.suspects;
      const relayWait = w.goroutines.find((g) => g.goid === relay![0])!;
      const sinkWait = w.goroutines.find((g) => g.goid === sink![0])!;
      assert.equal(first!.object, relayWait.waitsOn[0]);
      assert.equal(second!.object, sinkWait.waitsOn[0]);
      assert.match(first!.explanation, /^goroutine \d+ \(main\.relay\) waits on chan int 0x[0-9a-f]+.*nothing a live goroutine or a global reaches refers to it$/);
      assert.match(second!.explanation, new RegExp(`^goroutine \\d+ \\(main\\.sink\\) waits on chan int .*leaked themselves \\(goroutine ${relay![0]}\\)`));

      // --no-heap: the stack evidence alone, saying why the heap was not walked.
      let out = '';
      assert.equal(await runCli(['report', fx.core, '--binary', fx.prog, '--json', '--no-delve', '--no-heap'], { out: (x) => (out += x), err: () => {} }), 0);
      const stackOnly = (JSON.parse(out) as Report).runtime!.waits!.leaks;
      assert.equal(stackOnly.method, 'stack evidence');
      assert.match(stackOnly.basis, /the heap was not walked: go-core report --no-heap$/);
    });

    it(`Go ${minor}${on}: leaked goroutines and their channel; Delve agrees on qcount, closed and the wait reason`, async () => {
      const fx = fixture('wait-chan-leak' + arch, minor);
      const r = await report(fx);
      const w = r.runtime!.waits!;
      const workers = printedIn(fx.traceback, 'main.worker');
      assert.equal(workers.length, 5, fx.traceback);
      assert.equal(w.leaks.suspects.length, 1, JSON.stringify(w.leaks));
      const leak = w.leaks.suspects[0]!;
      assert.deepEqual(sorted(leak.goroutines), workers);
      const ch = w.objects.find((o) => o.id === leak.object)!;
      assert.deepEqual(ch.channel && { ...ch.channel, recvq: sorted(ch.channel.recvq) }, { elemType: 'string', len: 0, cap: 4, closed: false, recvq: workers, sendq: [] });
      assert.equal(w.deadlock, null);
      if (arch) return; // Delve on amd64 cores only
      const g = w.goroutines.find((x) => x.goid === workers[0])!;
      const [qcount, closed, dataqsiz, reason] = delvePrint(fx, [
        `((*runtime.hchan)(${ch.address})).qcount`,
        `((*runtime.hchan)(${ch.address})).closed`,
        `((*runtime.hchan)(${ch.address})).dataqsiz`,
        `((*runtime.g)(${g.address})).waitreason`,
      ]);
      assert.equal(qcount, String(ch.channel!.len));
      assert.equal(closed, ch.channel!.closed ? '1' : '0');
      assert.equal(dataqsiz, String(ch.channel!.cap));
      assert.match(reason!, /^waitReasonChanReceive \(\d+\)$/, `Delve: ${reason}`);
    });

    it(`Go ${minor}${on}: a WaitGroup that never reaches zero`, async () => {
      const fx = fixture('wait-waitgroup' + arch, minor);
      const w = (await report(fx)).runtime!.waits!;
      const wg = w.objects.find((o) => o.kind === 'sync.WaitGroup');
      assert.ok(wg, JSON.stringify(w.objects));
      assert.deepEqual(wg.waitGroup, { counter: 1, waiters: 1 });
      assert.deepEqual(wg.waiters, [1]);
      assert.match(w.deadlock?.explanation ?? '', /goroutine 1 waits for sync\.WaitGroup 0x[0-9a-f]+: counter 1, 1 waiter: 1 Done call is still missing/);
    });

    it(`Go ${minor}${on}: concurrent map writes name the map and every writer; every thrower is listed`, async () => {
      const fx = fixture('map-writers' + arch, minor);
      const r = await report(fx);
      const rt = r.runtime!;
      const race = rt.waits!.mapRace;
      assert.ok(race, 'no map race found');
      // The fixture's map is the global `shared`: its word holds the map header's address.
      const shared = withEngine(fx, (e) => e.analysis.cw.memory.readPtr(e.analysis.syms.addressOf('main.shared')!));
      assert.equal(race.map, '0x' + shared.toString(16), race.how);
      const writers = [...printedIn(fx.traceback, 'main.writeAlpha'), ...printedIn(fx.traceback, 'main.writeBeta')];
      // A writer running on another thread is printed without frames ("stack unavailable"): its
      // `created by` line names it (the fixture's source: main.go:31 starts writeAlpha, :32 writeBeta).
      const unavailable = new Map(
        [...fx.traceback.matchAll(/^goroutine (\d+) .*\[running\]:\n\tgoroutine running on other thread; stack unavailable\ncreated by main\.main in goroutine 1\n\t\S+\/main\.go:(3[12]) /gm)].map((m) => [Number(m[1]), m[2] === '31' ? 'main.writeAlpha' : 'main.writeBeta']),
      );
      for (const g of race.goroutines) {
        assert.match(g.userFrame?.function ?? '', /^main\.write(Alpha|Beta)$/);
        if (unavailable.has(g.goid)) assert.equal(g.userFrame?.function, unavailable.get(g.goid), `goroutine ${g.goid}: the writer its created-by line names`);
        else assert.ok(writers.includes(g.goid), `goroutine ${g.goid} is not a writer of the traceback`);
      }
      assert.ok(rt.throwers!.length >= 1);
      for (const t of rt.throwers!) {
        assert.ok(race.goroutines.some((g) => g.goid === t.goroutine && g.threw), `thrower ${t.goroutine} is in the race`);
        assert.match(t.origin?.function ?? '', /^main\.write(Alpha|Beta)$/);
        assert.ok(t.mapOperation && !t.mapOperation.endsWith('.fatal'), String(t.mapOperation));
      }
      assert.equal(rt.throwers!.filter((t) => t.crashingThread).length, 1);
      // The first fatal error line the runtime printed belongs to a thrower.
      assert.match(fx.traceback, /^fatal error: concurrent map writes/);
    });
  }
});

describe('waitsAsync: the same model, computed in slices', () => {
  it('many-goroutines (newest Go): the event loop gets turns while 10,007 goroutines are read, and the model equals waits()', async () => {
    const minor = provisionedGoVersions().at(-1)!;
    const fx = fixture('many-goroutines', minor);
    const sync = withEngine(fx, (e) => JSON.stringify(waitsReport(e.waits())));
    const e = openCore(fx.core, { binary: fx.prog });
    try {
      e.analysis.snapshot(); // read allgs first: the slices below are waits' own
      let turns = 0;
      const timer = setInterval(() => turns++, 1);
      const w = await e.waitsAsync();
      clearInterval(timer);
      assert.equal(JSON.stringify(waitsReport(w)), sync);
      assert.ok(turns >= 2, `the event loop ran ${turns} times during waitsAsync`);
      assert.equal(e.waits(), w, 'waits() returns the memoised model');
      const ac = new AbortController();
      ac.abort(new Error('stop'));
      const other = openCore(fx.core, { binary: fx.prog });
      try {
        await assert.rejects(other.waitsAsync({ signal: ac.signal }), /stop/);
      } finally {
        other.close();
      }
    } finally {
      e.close();
    }
  });
});

describe('the running goroutine of a crash is read from its own thread', () => {
  for (const minor of provisionedGoVersions().filter((m) => ['1.19', '1.22', '1.24', '1.27'].includes(m))) {
    it(`index go${minor}: goroutine 1's user frame is the crash origin the runtime printed`, () => {
      // Another M can still name the crashing goroutine as its curg while parked on g0: the frames
      // come from the thread whose g register holds that goroutine (oracle: traceback.txt).
      const f = fixture('index', minor);
      const engine = openCore(f.core, { binary: f.prog });
      try {
        const g1 = engine.waits().goroutines.find((g) => g.goid === 1);
        assert.ok(g1, 'goroutine 1 is listed');
        const printed = /^main\.(\w+)\(/m.exec(f.traceback)?.[1];
        assert.equal(g1.userFrame?.function, `main.${printed}`, JSON.stringify(g1.userFrame));
      } finally {
        engine.close();
      }
    });
  }
});

describe('reasonGroups: every goroutine by wait reason, before waits()', () => {
  for (const minor of provisionedGoVersions()) {
    it(`many-goroutines go${minor}: each goroutine the runtime printed is in the group of its printed status, the groups are waits().groups.byReason`, () => {
      const fx = fixture('many-goroutines', minor);
      withEngine(fx, (e) => {
        const r = e.reasonGroups(); // first: from the runtime snapshot alone
        const printed = printedGoroutines(fx.traceback);
        assert.ok(printed.length > 10_000, `the traceback prints every goroutine (${printed.length})`);
        const groupOf = new Map<number, string>();
        for (const g of r.byReason) {
          assert.equal(g.count, g.goids.length);
          for (const id of g.goids) {
            assert.ok(!groupOf.has(id), `goroutine ${id} is in one group`);
            groupOf.set(id, g.key);
          }
        }
        assert.equal(groupOf.size, r.total, 'every goroutine read is grouped');
        for (const p of printed) assert.equal(groupOf.get(p.goid), p.status, `goroutine ${p.goid}`);
        assert.deepEqual(r.byReason, e.waits().groups.byReason);
      });
    });
  }
});
