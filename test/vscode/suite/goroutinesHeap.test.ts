// The Goroutines and Heap views inside a real VS Code, through the extension's own tree data
// providers (extension.exports): on fixture cores, the groups and counts are compared with the
// goroutine headers the Go runtime printed (traceback.txt), the mutex with its waiters with the
// fixture's source (wait-mutex-exited: main.guard locked, main and three waiters queued), the heap's
// main.Node count with the fixture's construction (heap-population: 3000), and the pprof file with
// what `go tool pprof -top` of the fixture's own toolchain reads. The first paint of the Goroutines
// view on many-goroutines (10,007 goroutines) is measured and logged, not asserted.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import * as vscode from 'vscode';
import { parseTraceback } from '../../../src/traceback/parse';
import type { ExtensionApi } from '../../../src/vscode/extension';
import type { GoroutinesNode } from '../../../src/vscode/views/goroutinesView';
import type { HeapNode } from '../../../src/vscode/views/heapView';
import { goBinary, listFixtures, type Fixture } from '../../support/fixtures';
import { waitFor, api, closeAll, labelOf } from './helpers';

/** The newest Go version's fixture of a program (a missing fixture fails the test). */
function newest(fixture: string): Fixture {
  const all = listFixtures({ fixture });
  return all.sort((x, y) => Number(y.goMinor.split('.')[1]) - Number(x.goMinor.split('.')[1]))[0]!;
}

async function open(a: ExtensionApi, fx: Fixture) {
  await vscode.commands.executeCommand('goCoreInspector.openCoreDump', vscode.Uri.file(fx.core), fx.prog);
  return waitFor(`core ${fx.core}`, () => a.sessions.all.find((c) => c.corePath === fx.core && a.sessions.active === c));
}

type Group = Extract<GoroutinesNode, { kind: 'group' }>;

/** The Goroutines view's group nodes, once waits() is computed. */
async function groupNodes(a: ExtensionApi): Promise<Group[]> {
  return waitFor('the Goroutines view to fill', () => {
    const top = a.goroutines.getChildren();
    return top.some((n) => n.kind === 'status' && n.id.endsWith('/computing')) ? undefined : top.filter((n): n is Group => n.kind === 'group');
  }, 120_000);
}

/** Goroutine ids under a node, following "Show more" until the list is whole. */
function goroutinesUnder(a: ExtensionApi, node: GoroutinesNode): number[] {
  for (;;) {
    const kids = a.goroutines.getChildren(node);
    const more = kids.find((k) => k.kind === 'more');
    if (!more) return kids.filter((k) => k.kind === 'goroutine').map((k) => (k as Extract<GoroutinesNode, { kind: 'goroutine' }>).goid);
    a.goroutines.showMore(more);
  }
}

describe('Goroutines and Heap views', function () {
  this.timeout(300_000);

  before(async () => closeAll(await api()));
  afterEach(async () => {
    const a = await api();
    a.goroutines.setFilter('');
    a.heap.setFilter('');
    await a.goroutines.setGrouping('object');
    await closeAll(a);
  });

  it('wait-mutex-exited: groups and counts agree with the runtime traceback; the mutex shows its waiters; a frame opens its source', async () => {
    const a = await api();
    const fx = newest('wait-mutex-exited');
    const tb = parseTraceback(fx.traceback);
    assert.ok(tb.goroutines.length > 0, 'the oracle traceback lists goroutines');
    const core = await open(a, fx);

    // By wait reason: one group per status the runtime printed, with the same goroutines.
    await a.goroutines.setGrouping('reason');
    const byReason = await groupNodes(a);
    const want = new Map<string, number[]>();
    for (const g of tb.goroutines) want.set(g.status, [...(want.get(g.status) ?? []), g.id].sort((x, y) => x - y));
    const got = new Map(byReason.map((n) => [n.group.title, [...n.group.goids].sort((x, y) => x - y)]));
    assert.deepEqual(got, want, 'groups by wait reason = goroutine headers of traceback.txt');
    for (const n of byReason) assert.match(labelOf(a.goroutines.getTreeItem(n)), new RegExp(`^${n.group.goids.length} × `), 'the count leads the label');
    // Labelled by the first user frame: the [sync.Mutex.Lock] group names main.*, not sync.runtime_SemacquireMutex.
    const locked = byReason.find((n) => n.group.title === 'sync.Mutex.Lock');
    assert.ok(locked, `a [sync.Mutex.Lock] group: ${[...got.keys()].join(', ')}`);
    assert.match(labelOf(a.goroutines.getTreeItem(locked)), /× main\.\w+:\d+$/);

    // By wait object: the mutex main.guard, locked, with every [sync.Mutex.Lock] goroutine queued.
    await a.goroutines.setGrouping('object');
    const byObject = await groupNodes(a);
    assert.equal(byObject.reduce((s, n) => s + n.group.goids.length, 0), tb.goroutines.length, 'no goroutine left out');
    const mutex = byObject.find((n) => n.group.objects[0]?.kind === 'sync.Mutex');
    assert.ok(mutex, 'a group for the mutex');
    assert.match(mutex.group.title, /\(main\.guard\): locked/);
    const kids = a.goroutines.getChildren(mutex);
    const row = (label: string) => kids.find((k) => k.kind === 'row' && k.label === label) as Extract<GoroutinesNode, { kind: 'row' }> | undefined;
    assert.equal(row('locked')?.description, 'yes');
    const waiters = kids.find((k) => k.kind === 'list' && k.label === 'waiters');
    assert.ok(waiters, `a waiters list: ${kids.map((k) => k.id).join(', ')}`);
    assert.deepEqual(goroutinesUnder(a, waiters).sort((x, y) => x - y), want.get('sync.Mutex.Lock'));

    // A goroutine expands to its frames (the runtime's, in order); its user frame opens main.go.
    const g1 = a.goroutines.getChildren(waiters).find((k) => k.kind === 'goroutine')!;
    const frames = a.goroutines.getChildren(g1).filter((k) => k.kind === 'frame');
    const oracle = tb.goroutines.find((g) => g.id === (g1 as Extract<GoroutinesNode, { kind: 'goroutine' }>).goid)!;
    const names = frames.map((f) => labelOf(a.goroutines.getTreeItem(f)));
    let at = 0;
    for (const f of oracle.frames) {
      const i = names.indexOf(f.func, at);
      assert.ok(i >= 0, `frame ${f.func} of the traceback is missing after ${at}: ${names.join(', ')}`);
      at = i + 1;
    }
    const userNode = frames.find((f) => /^main\./.test(labelOf(a.goroutines.getTreeItem(f))))!;
    const user = a.goroutines.getTreeItem(userNode);
    // The row's command is the view's row command, without arguments (a click finds the row in the
    // view's selection); its click is Go to Frame.
    assert.equal(user.command?.command, 'goCoreInspector.openGoroutinesRow');
    assert.equal(user.command?.arguments, undefined);
    assert.equal(a.goroutines.clickOf(userNode)?.command, 'goCoreInspector.revealFrame');
    // Opening the core also opens the origin line and starts the debug session, which opens its own
    // editor: VS Code refuses a showTextDocument when another editor opened meanwhile. Let them settle.
    await waitFor('the debug session of this core', () => core.debugSession);
    const opened = await waitFor('Go to Frame to open the source', async () => {
      try {
        return (await vscode.commands.executeCommand(user.command!.command, userNode)) as boolean;
      } catch (e) {
        if (/another editor opened in the meantime/.test(String(e))) return undefined;
        throw e;
      }
    }, 30_000);
    assert.equal(opened, true, 'Go to Frame opened the source');
    assert.ok(vscode.window.activeTextEditor?.document.uri.fsPath.endsWith('main.go'));

    // Deadlock paragraph first; filter by function and by goroutine id.
    const top = a.goroutines.getChildren();
    assert.equal(top[0]?.kind, 'deadlock', 'the deadlock paragraph is at the top');
    a.goroutines.setFilter('main.waiter');
    const filtered = await groupNodes(a);
    const waiterIds = tb.goroutines.filter((g) => g.frames.some((f) => f.func === 'main.waiter')).map((g) => g.id);
    assert.equal(filtered.reduce((s, n) => s + n.group.goids.length, 0), waiterIds.length);
    a.goroutines.setFilter(String(waiterIds[0]));
    const one = await groupNodes(a);
    assert.deepEqual(one.flatMap((n) => n.group.goids), [waiterIds[0]]);
  });

  it('wait-chan-leak: the leaked workers are leak suspects on their channel, grouped with it', async () => {
    const a = await api();
    const fx = newest('wait-chan-leak');
    const tb = parseTraceback(fx.traceback);
    const workers = tb.goroutines.filter((g) => g.frames.some((f) => f.func === 'main.worker')).map((g) => g.id).sort((x, y) => x - y);
    assert.equal(workers.length, 5, 'the fixture leaks five workers');
    await open(a, fx);
    const groups = await groupNodes(a);
    const chan = groups.find((n) => n.group.objects[0]?.kind === 'channel');
    assert.ok(chan, 'a group for the channel');
    const kids = a.goroutines.getChildren(chan);
    assert.equal((kids.find((k) => k.kind === 'row' && k.label === 'len / cap') as { description: string } | undefined)?.description, '0 / 4');
    const recv = kids.find((k) => k.kind === 'list' && k.label.startsWith('receivers'))!;
    assert.deepEqual(goroutinesUnder(a, recv).sort((x, y) => x - y), workers);
    // Leak suspects follow the heap after the waits (CoreEngine.leaks()), then the view refreshes.
    const core = a.sessions.active!;
    const computed = await a.goroutines.leaksOf(core);
    assert.equal(computed?.method, 'heap reachability');
    const leaks = a.goroutines.getChildren().find((n) => n.kind === 'leaks');
    assert.ok(leaks, 'leak suspects at the top');
    assert.match(String(a.goroutines.getTreeItem(leaks).description), /^on 1 object, by heap reachability$/);
    const suspects = a.goroutines.getChildren(leaks).flatMap((s) => goroutinesUnder(a, s));
    assert.deepEqual(suspects.sort((x, y) => x - y), workers);
  });

  it('wait-heap-leak: leak suspects follow the heap: relay and the sink behind it, not serve (its channel hangs off a global) nor timed (a timer holds its channel)', async () => {
    const a = await api();
    const fx = newest('wait-heap-leak');
    const tb = parseTraceback(fx.traceback);
    const inFn = (fn: string) => tb.goroutines.filter((g) => g.frames.some((f) => f.func === fn)).map((g) => g.id);
    await open(a, fx);
    await groupNodes(a);
    await a.goroutines.leaksOf(a.sessions.active!);
    const leaks = a.goroutines.getChildren().find((n) => n.kind === 'leaks');
    assert.ok(leaks, 'leak suspects at the top');
    const rows = a.goroutines.getChildren(leaks);
    assert.deepEqual(rows.map((r) => goroutinesUnder(a, r)), [inFn('main.relay'), inFn('main.sink')]);
    const tip = String(a.goroutines.getTreeItem(rows[1]!).tooltip);
    assert.match(tip, new RegExp(`leaked themselves \\(goroutine ${inFn('main.relay')[0]}\\)`));
    for (const g of [...inFn('main.(*service).serve'), ...inFn('main.timed')]) assert.ok(!rows.some((r) => goroutinesUnder(a, r).includes(g)), `goroutine ${g} is not a suspect`);
  });

  it('many-goroutines: the first paint is immediate, the groups hold all 10,007 goroutines, long lists come in pages', async () => {
    const a = await api();
    const fx = newest('many-goroutines');
    const tb = parseTraceback(fx.traceback);
    // Measured from the moment the core becomes the active one (the views' refresh), as the view sees it.
    let first: { at: number; ms: number; rows: string[]; grouped: number } | undefined;
    let filledAt: number | undefined;
    const subs = [
      a.sessions.onDidChange(() => {
        if (first || a.sessions.active?.corePath !== fx.core) return;
        const at = performance.now();
        const top = a.goroutines.getChildren();
        const rows = top.map((n) => labelOf(a.goroutines.getTreeItem(n)));
        const grouped = top.filter((n): n is Group => n.kind === 'group').reduce((s, n) => s + n.group.goids.length, 0);
        first = { at, ms: performance.now() - at, rows, grouped };
      }),
      a.goroutines.onDidChangeTreeData(() => {
        if (first && filledAt === undefined && a.goroutines.getChildren().some((n) => n.kind === 'group' && !n.id.includes('/preview/'))) filledAt = performance.now();
      }),
    ];
    let groups: Group[];
    try {
      await open(a, fx);
      groups = await groupNodes(a);
    } finally {
      subs.forEach((s) => s.dispose());
    }
    assert.ok(first, 'the view answered when the core opened');
    // The first paint: the "computing" row (waits() runs after it), then every goroutine grouped by
    // wait reason from what opening the core read (CoreEngine.reasonGroups()).
    assert.equal(first.rows[0], 'Reading what each goroutine waits on…', 'the first paint says the wait objects are being read');
    assert.equal(first.rows[1], '10,007 goroutines');
    assert.equal(first.grouped, tb.goroutines.length, 'the first paint already holds every goroutine the runtime printed, by wait reason');
    const t1 = performance.now();
    const items = a.goroutines.getChildren().map((n) => a.goroutines.getTreeItem(n));
    const rootAgainMs = performance.now() - t1;
    console.log(
      `[goroutines view] ${fx.fixture} go${fx.goMinor}: ${tb.goroutines.length} goroutines; first paint ${first.ms.toFixed(2)} ms after the core opened (${first.rows.length} rows, ${first.grouped} goroutines by wait reason); ` +
        `filled ${filledAt !== undefined ? (filledAt - first.at).toFixed(0) : '?'} ms after the core opened (waits() off the first paint); root with groups ${rootAgainMs.toFixed(2)} ms for ${items.length} items`,
    );
    assert.equal(groups.reduce((s, n) => s + n.group.goids.length, 0), tb.goroutines.length, 'every goroutine the runtime printed is in a group');
    assert.equal(tb.goroutines.length, 10_007);
    // The 2,000 goroutines queued on one mutex: 500 rows, then "Show 500 more…" until all are shown.
    const mutex = groups.find((n) => n.group.objects[0]?.kind === 'sync.Mutex' && n.group.goids.length > 500);
    assert.ok(mutex, 'a mutex with more than 500 waiters');
    const waiters = a.goroutines.getChildren(mutex).find((k) => k.kind === 'list' && k.label === 'waiters')!;
    const page1 = a.goroutines.getChildren(waiters);
    assert.equal(page1.filter((k) => k.kind === 'goroutine').length, 500);
    assert.match(labelOf(a.goroutines.getTreeItem(page1[page1.length - 1]!)), /^Show 500 more…$/);
    assert.equal(goroutinesUnder(a, waiters).length, mutex.group.objects[0]!.waiters.length);
  });

  it('heap-population: main.Node has 3000 objects, retainers and a retention path; Open in pprof writes a profile go tool pprof reads', async () => {
    const a = await api();
    const fx = newest('heap-population');
    const core = await open(a, fx);
    const t0 = performance.now();
    const first = a.heap.getChildren();
    assert.ok(first.some((n) => n.kind === 'status' && n.id.endsWith('/computing')), 'the first paint says the heap is being walked');
    const types = await waitFor('the Heap view to fill', () => {
      const top = a.heap.getChildren();
      return top.some((n) => n.id.endsWith('/computing')) ? undefined : top.filter((n): n is Extract<HeapNode, { kind: 'type' }> => n.kind === 'type');
    }, 120_000);
    console.log(`[heap view] ${fx.fixture} go${fx.goMinor}: filled after ${(performance.now() - t0).toFixed(0)} ms, ${types.length} type rows`);
    for (let i = 1; i < types.length; i++) assert.ok(types[i - 1]!.row.bytes >= types[i]!.row.bytes, 'types are sorted by bytes');
    const node = types.find((t) => t.row.type === 'main.Node');
    assert.ok(node, `main.Node is listed: ${types.slice(0, 10).map((t) => t.row.type).join(', ')}`);
    assert.equal(node.row.count, 3000, 'the fixture builds 3000 main.Node');
    assert.match(String(a.heap.getTreeItem(node).description), /^3,000 · /);
    const kids = a.heap.getChildren(node);
    const retainers = kids.find((k) => k.kind === 'retainers');
    assert.ok(retainers, 'main.Node has retainers');
    const roots = a.heap.getChildren(retainers).map((r) => labelOf(a.heap.getTreeItem(r)));
    assert.equal(roots[0], 'global main.registry', `the biggest retainer is the global map: ${roots.join(', ')}`);
    const samples = a.heap.getChildren(kids.find((k) => k.kind === 'samples')!);
    assert.ok(samples.length > 0 && samples.every((s) => s.kind === 'object'), 'sample objects');
    const objectKids = a.heap.getChildren(samples[0]!);
    assert.deepEqual(objectKids.map((k) => k.kind), ['path', 'fields'], 'an object opens its retention path and its fields');
    const path = a.heap.getChildren(objectKids[0]!).map((s) => labelOf(a.heap.getTreeItem(s)));
    assert.match(path[0]!, /^global |^goroutine /, `the path starts at a root: ${path.join(' | ')}`);
    assert.equal(path[path.length - 1], '→ main.Node');
    // main.Node{Next *Node; Name string; Value int64}: the fixture sets Name "node" (its source).
    const fields = a.heap.getChildren(objectKids[1]!).map((f) => [labelOf(a.heap.getTreeItem(f)), String(a.heap.getTreeItem(f).description)]);
    assert.deepEqual(fields.map((f) => f[0]), ['Next', 'Name', 'Value'], `the fields of main.Node: ${JSON.stringify(fields)}`);
    assert.equal(fields[1]![1], '"node" · string');
    const doc = (await vscode.commands.executeCommand('goCoreInspector.heapOpenRetentionPath', samples[0])) as vscode.Uri | undefined;
    assert.ok(doc, 'the retention path opens as a document');
    assert.match(vscode.window.activeTextEditor!.document.getText(), /retention path of 0x[0-9a-f]+:/);
    assert.match(vscode.window.activeTextEditor!.document.getText(), /^ {2}\+8 +Name string = "node"$/m, 'the document lists the fields');

    a.heap.setFilter('main.');
    const filtered = a.heap.getChildren().filter((n) => n.kind === 'type');
    assert.ok(filtered.length > 0 && filtered.every((n) => n.kind === 'type' && n.row.type.includes('main.')), 'the filter keeps matching types');

    const expected = `${core.corePath}.heap.pb.gz`;
    rmSync(expected, { force: true });
    try {
      const file = await vscode.commands.executeCommand('goCoreInspector.heapOpenInPprof');
      assert.equal(file, expected, 'the profile is written next to the core');
      assert.ok(existsSync(expected));
      const top = execFileSync(goBinary(fx.goMinor), ['tool', 'pprof', '-top', '-sample_index=inuse_objects', expected], {
        encoding: 'utf8',
        env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '' },
        timeout: 60_000,
      });
      const line = top.split('\n').find((l) => /\bmain\.Node$/.test(l.trim()));
      assert.ok(line, `go tool pprof -top lists main.Node:\n${top}`);
      assert.match(line, /^\s*3000\b/, `main.Node has 3000 objects in pprof's flat column: ${line}`);
    } finally {
      rmSync(expected, { force: true });
    }
  });
});
