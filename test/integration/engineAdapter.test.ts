// Our own debug adapter (src/vscode/debug/engineAdapter.ts) driven over DAP on real fixture cores, with no
// Delve: what each request answers is checked against
// - the report's crash frames (Panic Frames shows exactly those) and the runtime's printed
//   traceback (its crashing goroutine's origin frame) for threads and stackTrace;
// - the engine's memory reads at the same addresses, and Delve's readMemory where Delve answers it
//   (1.26+, on the memoryReference of a string it evaluated), for readMemory;
// - `go-core pc --core --json` (the instruction it maps the crash pc to, from the rebuilt `-S`
//   listing) for disassemble.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { originOf } from '../../src/analysis/crashSummary.js';
import { openCore, type CoreEngine } from '../../src/analysis/engine.js';
import { EngineDebugSession, type EngineAdapterOptions } from '../../src/vscode/debug/engineAdapter.js';
import { CoreSession } from '../../src/delve/coreSession.js';
import { findDelveFor } from '../../src/delve/dlvDiscovery.js';
import { formatRange } from '../../src/delve/goRange.js';
import { chooseAfterLookup, chooseBeforeDelve } from '../../src/vscode/debug/adapterChoice.js';
import { crashingGoroutine, originFrame } from '../../src/traceback/crash.js';
import { parseTraceback } from '../../src/traceback/parse.js';
import type { Frame } from '../../src/traceback/types.js';
import { dlvPath, fixture, listFixtures, type Fixture } from '../support/fixtures.js';

const root = join(__dirname, '..', '..');
/** A traceback frame's function as the engine names it: `panic` is runtime.gopanic; the argument list goes. */
const tbFunc = (f: Frame): string => (f.func === 'panic' ? 'runtime.gopanic' : f.func.replace(/\([^()]*\)$/, ''));

/** Sends DAP requests to an adapter object in this process and collects its responses and events. */
class DapDriver {
  private seq = 1;
  readonly events: DebugProtocol.Event[] = [];
  private readonly waiting = new Map<number, (r: DebugProtocol.Response) => void>();

  constructor(private readonly adapter: EngineDebugSession) {
    adapter.onDidSendMessage((m) => {
      const msg = m as DebugProtocol.ProtocolMessage;
      if (msg.type === 'event') this.events.push(msg as DebugProtocol.Event);
      if (msg.type === 'response') {
        const r = msg as DebugProtocol.Response;
        this.waiting.get(r.request_seq)?.(r);
        this.waiting.delete(r.request_seq);
      }
    });
  }

  /** A request's response (success or not); fails the test when none comes within 10 s. */
  raw(command: string, args?: unknown): Promise<DebugProtocol.Response> {
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no response to ${command} in 10 s`)), 10_000);
      this.waiting.set(seq, (r) => {
        clearTimeout(t);
        resolve(r);
      });
      this.adapter.handleMessage({ type: 'request', seq, command, arguments: args } as DebugProtocol.Request);
    });
  }

  async request<T = unknown>(command: string, args?: unknown): Promise<T> {
    const r = await this.raw(command, args);
    assert.ok(r.success, `${command} failed: ${r.message}`);
    return r.body as T;
  }
}

/** Opens a core in our adapter up to the stop on the crash, as VS Code does. */
async function startSession(engine: CoreEngine, opts: EngineAdapterOptions = {}): Promise<{ dap: DapDriver; caps: DebugProtocol.Capabilities; threadId: number }> {
  const dap = new DapDriver(new EngineDebugSession(engine, opts));
  const caps = await dap.request<DebugProtocol.Capabilities>('initialize', { adapterID: 'go-core', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
  await dap.request('launch', {});
  await dap.request('configurationDone');
  const stopped = dap.events.find((e) => e.event === 'stopped') as DebugProtocol.StoppedEvent | undefined;
  assert.ok(stopped, 'no stopped event after configurationDone');
  assert.equal(stopped.body.reason, 'exception');
  return { dap, caps, threadId: stopped.body.threadId! };
}

const engines: CoreEngine[] = [];
after(() => engines.forEach((e) => e.close()));
function open(fx: Fixture): CoreEngine {
  const e = openCore(fx.core, { binary: fx.prog });
  engines.push(e);
  return e;
}

describe('our debug adapter on cores, without Delve', () => {
  const fixtures = [...listFixtures({ fixture: 'index-stripped' }), ...listFixtures({ fixture: 'index' }), ...listFixtures({ fixture: 'inlined-nilptr' }), ...listFixtures({ fixture: 'nilptr-goroutine' })];
  for (const fx of fixtures) {
    it(`${fx.fixture} go${fx.goMinor}: threads and stackTrace equal the report's crash frames and the runtime's traceback`, async () => {
      const engine = open(fx);
      const report = engine.report();
      const { dap, caps, threadId } = await startSession(engine);
      assert.equal(caps.supportsReadMemoryRequest, true);
      assert.equal(caps.supportsDisassembleRequest, true);
      const { threads } = await dap.request<DebugProtocol.ThreadsResponse['body']>('threads');
      const tb = parseTraceback(fx.traceback);
      const tbCrash = crashingGoroutine(tb)!;
      assert.equal(threadId, report.crash.goroutine, 'the stop is on the crashing goroutine');
      assert.equal(threads[0]!.id, tbCrash.id, 'the runtime printed this goroutine first');
      assert.match(threads[0]!.name, new RegExp(`^goroutine ${tbCrash.id} \\[`));
      // Every goroutine the runtime printed is a thread (the fixtures have fewer than 1000).
      for (const g of tb.goroutines) assert.ok(threads.some((t) => t.id === g.id), `goroutine ${g.id} of the traceback is not a thread`);
      const st = await dap.request<DebugProtocol.StackTraceResponse['body']>('stackTrace', { threadId, startFrame: 0, levels: 1000 });
      const frames = report.crash.frames;
      assert.equal(report.crash.stop.reason, 'top', 'these walks reach the first function of the stack');
      assert.equal(st.totalFrames, frames.length);
      assert.deepEqual(
        st.stackFrames.map((f) => [f.name, f.source?.path ?? '', f.line, f.instructionPointerReference]),
        frames.map((f) => [f.function, f.file, f.line, f.pc]),
      );
      // The runtime's origin frame (inlined frames count) is there with its file and line.
      const o = originFrame(tbCrash)!;
      const ours = originOf(frames)!;
      assert.deepEqual([ours.function, ours.file, ours.line], [tbFunc(o), o.file, o.lineNumber]);
      // VS Code focuses the first frame with a source that neither it nor its source marks
      // deemphasized or subtle: the origin, not the signal code above it.
      const focused = st.stackFrames.find((f) => f.source && !['deemphasize', 'subtle'].includes(f.presentationHint ?? f.source.presentationHint ?? 'normal'));
      assert.deepEqual([focused?.name, focused?.line], [tbFunc(o), o.lineNumber], 'VS Code opens the origin on the stop');
      // Paging: a second page continues the first.
      const page = await dap.request<DebugProtocol.StackTraceResponse['body']>('stackTrace', { threadId, startFrame: 2, levels: 2 });
      assert.deepEqual(page.stackFrames.map((f) => f.name), frames.slice(2, 4).map((f) => f.function));

      // Scopes of the innermost frame: registers from the crashing thread's NT_PRSTATUS.
      const scopes = await dap.request<DebugProtocol.ScopesResponse['body']>('scopes', { frameId: st.stackFrames[0]!.id });
      const regScope = scopes.scopes.find((s) => s.presentationHint === 'registers');
      assert.ok(regScope, `no registers scope: ${scopes.scopes.map((s) => s.name).join(', ')}`);
      assert.match(regScope.name, /NT_PRSTATUS/);
      const regs = await dap.request<DebugProtocol.VariablesResponse['body']>('variables', { variablesReference: regScope.variablesReference });
      const crashT = engine.analysis.cw.core.crashingThread;
      const rsp = regs.variables.find((v) => v.name === 'rsp')!;
      assert.equal(rsp.value, '0x' + crashT.regs.rsp!.toString(16));
      assert.equal(rsp.memoryReference, rsp.value, 'the stack pointer opens in the memory view');
      const rip = regs.variables.find((v) => v.name === 'rip')!;
      assert.ok(rip.value.startsWith('0x' + crashT.pc.toString(16)));

      // A parked goroutine's registers come from its saved gobuf.
      const parked = threads.find((t) => t.id !== threadId && !/\(thread \d+/.test(t.name));
      assert.ok(parked, 'no parked goroutine');
      const pst = await dap.request<DebugProtocol.StackTraceResponse['body']>('stackTrace', { threadId: parked.id, startFrame: 0, levels: 50 });
      const tbParked = tb.goroutines.find((g) => g.id === parked.id);
      assert.ok(tbParked, `goroutine ${parked.id} is not in the traceback`);
      // Its frames are the runtime's, in order (the innermost by function: the runtime prints the line of pc-1 there too).
      assert.deepEqual(pst.stackFrames.map((f) => f.name).slice(0, tbParked.frames.length), tbParked.frames.map(tbFunc));
      const pscopes = await dap.request<DebugProtocol.ScopesResponse['body']>('scopes', { frameId: pst.stackFrames[0]!.id });
      assert.match(pscopes.scopes.find((s) => s.presentationHint === 'registers')!.name, /g\.(sched|syscall)/);

      if (engine.crash().panics.length) {
        const ps = scopes.scopes.find((s) => s.name.startsWith('_panic'));
        assert.ok(ps, 'no _panic scope on a panic');
        const recs = await dap.request<DebugProtocol.VariablesResponse['body']>('variables', { variablesReference: ps.variablesReference });
        assert.equal(recs.variables[0]!.memoryReference, engine.crash().panics[0]!.address);
        const fields = await dap.request<DebugProtocol.VariablesResponse['body']>('variables', { variablesReference: recs.variables[0]!.variablesReference });
        assert.deepEqual(fields.variables.map((v) => v.name.split(' ')[0]), engine.crash().panics[0]!.fields.map((f) => f.name));
      }
      // A core never runs.
      const cont = await dap.raw('continue', { threadId });
      assert.equal(cont.success, false);
      assert.match(cont.message ?? '', /cannot run/);
      const disc = await dap.raw('disconnect', {});
      assert.equal(disc.success, true);
    });
  }

  for (const fx of [fixture('index-arm64', '1.19'), fixture('nilptr-goroutine-arm64', '1.24'), fixture('map-writes-arm64', '1.27')]) {
    it(`${fx.fixture} go${fx.goMinor} (linux/arm64, qemu-user): Call Stack equals the report, registers by their arm64 names, memory read, no x86 disassembly`, async () => {
      const engine = open(fx);
      const report = engine.report();
      const { dap, caps, threadId } = await startSession(engine);
      assert.equal(caps.supportsDisassembleRequest, false, 'iced-x86 does not decode arm64');
      const tbCrash = crashingGoroutine(parseTraceback(fx.traceback))!;
      assert.equal(threadId, tbCrash.id);
      const st = await dap.request<DebugProtocol.StackTraceResponse['body']>('stackTrace', { threadId, startFrame: 0, levels: 1000 });
      assert.deepEqual(
        st.stackFrames.filter((f) => f.presentationHint !== 'label').map((f) => [f.name, f.source?.path ?? '', f.line, f.instructionPointerReference]),
        report.crash.frames.map((f) => [f.function, f.file, f.line, f.pc]),
      );
      const o = originFrame(tbCrash)!;
      const ours = originOf(report.crash.frames)!;
      assert.deepEqual([ours.function, ours.file, ours.line], [tbFunc(o), o.file, o.lineNumber]);
      const scopes = await dap.request<DebugProtocol.ScopesResponse['body']>('scopes', { frameId: st.stackFrames[0]!.id });
      const regScope = scopes.scopes.find((s) => s.presentationHint === 'registers')!;
      const regs = await dap.request<DebugProtocol.VariablesResponse['body']>('variables', { variablesReference: regScope.variablesReference });
      const crashT = engine.analysis.cw.core.crashingThread;
      assert.deepEqual(regs.variables.slice(0, 4).map((v) => v.name), ['pc', 'sp', 'x29', 'x30']);
      assert.ok(regs.variables[0]!.value.startsWith('0x' + crashT.pc.toString(16)), regs.variables[0]!.value);
      const sp = regs.variables[1]!;
      assert.equal(sp.value, '0x' + crashT.sp.toString(16));
      const mem = await dap.request<DebugProtocol.ReadMemoryResponse['body']>('readMemory', { memoryReference: sp.memoryReference, count: 16 });
      assert.equal(Buffer.from(mem!.data!, 'base64').toString('hex'), engine.analysis.cw.memory.read(crashT.sp, 16).toString('hex'));
      // A parked goroutine's saved gobuf: pc, sp, fp and the saved lr.
      const { threads } = await dap.request<DebugProtocol.ThreadsResponse['body']>('threads');
      const parked = threads.find((t) => t.id !== threadId && !/\(thread \d+/.test(t.name))!;
      const pst = await dap.request<DebugProtocol.StackTraceResponse['body']>('stackTrace', { threadId: parked.id, startFrame: 0, levels: 50 });
      const pscopes = await dap.request<DebugProtocol.ScopesResponse['body']>('scopes', { frameId: pst.stackFrames[0]!.id });
      const pregs = await dap.request<DebugProtocol.VariablesResponse['body']>('variables', { variablesReference: pscopes.scopes.find((s) => s.presentationHint === 'registers')!.variablesReference });
      assert.deepEqual(pregs.variables.map((v) => v.name).slice(0, 3), ['pc', 'sp', 'x29']);
      const dis = await dap.raw('disassemble', { memoryReference: st.stackFrames[0]!.instructionPointerReference, instructionCount: 4 });
      assert.equal(dis.success, false);
      assert.match(dis.message ?? '', /x86-64 only.*arm64/);
      await dap.raw('disconnect', {});
    });
  }

  for (const [name, minor] of [['mutex-deadlock', '1.22'], ['stack-overflow', '1.27']] as const) {
    it(`${name} go${minor}: the stack ends where the report's walk ends (a "walk cut" row only when it was cut) and a recursion is one counted row, as Panic Frames shows them`, async () => {
      const fx = fixture(name, minor);
      const engine = open(fx);
      const report = engine.report();
      const { dap, threadId } = await startSession(engine);
      const st = await dap.request<DebugProtocol.StackTraceResponse['body']>('stackTrace', { threadId });
      const frames = report.crash.frames;
      const cut = report.crash.stop.reason !== 'top';
      assert.equal(st.totalFrames, frames.length + (cut ? 1 : 0));
      assert.deepEqual(
        st.stackFrames.filter((f) => f.presentationHint !== 'label').map((f) => f.name),
        frames.map((f) => (f.repeat > 1 ? `${f.function} × ${f.repeat.toLocaleString('en-US')}` : f.function)),
      );
      const labels = st.stackFrames.filter((f) => f.presentationHint === 'label');
      assert.deepEqual(labels.map((f) => f.name), cut ? [`walk cut: ${report.crash.stop.reason}${report.crash.stop.detail ? ` at ${report.crash.stop.detail}` : ''}`] : []);
      if (name === 'mutex-deadlock') {
        // No goroutine runs on the crashing thread (checkdead on g0): the thread itself is the stop.
        assert.equal(report.crash.goroutine, null);
        // The g0 walk ends at runtime.mcall, where the runtime's own "runtime stack:" ends: complete.
        assert.ok(!cut, `the g0 walk is complete: ${report.crash.stop.reason} ${report.crash.stop.detail ?? ''}`);
        assert.equal(st.stackFrames.at(-1)?.name, 'runtime.mcall');
        const tb = parseTraceback(fx.traceback);
        const { threads } = await dap.request<DebugProtocol.ThreadsResponse['body']>('threads');
        assert.equal(threads[0]!.id, threadId);
        for (const g of tb.goroutines) assert.ok(threads.some((t) => t.id === g.id), `goroutine ${g.id} of the traceback is not a thread`);
      } else {
        const counted = frames.filter((f) => f.repeat > 1);
        assert.ok(counted.length > 0, 'the overflow is counted');
        // The runtime printed the frames nearest both ends and `...N frames elided...` between them:
        // the rows of the recursing function stand for exactly as many frames as it printed plus N.
        const fn = counted[0]!.function;
        const g = crashingGoroutine(parseTraceback(fx.traceback))!;
        const elided = /\.\.\.(\d+) frames elided\.\.\./.exec(fx.traceback);
        assert.ok(elided, 'the runtime elided frames');
        const printed = g.frames.filter((f) => tbFunc(f) === fn).length;
        assert.equal(frames.filter((f) => f.function === fn).reduce((n, f) => n + f.repeat, 0), printed + Number(elided[1]));
      }
    });
  }

  it('which adapter: a stripped binary, and a Go newer than every Delve found, go to ours; a Delve in range keeps the session', async () => {
    const stripped = open(fixture('index-stripped', '1.27'));
    assert.equal(stripped.binary.hasDwarf, false);
    assert.match(chooseBeforeDelve('auto', { hasDwarf: stripped.binary.hasDwarf, path: stripped.binary.path })!.reason, /no DWARF/);
    const plain = open(fixture('index', '1.27'));
    assert.equal(plain.binary.hasDwarf, true);
    assert.equal(chooseBeforeDelve('auto', { hasDwarf: true, path: plain.binary.path }), undefined);
    // Only Delve 1.24.0 on this "machine" (no PATH, no cache): go1.27 is newer than it supports.
    const go = plain.report().go.version!;
    const home = join(root, 'no-such-home');
    const old = await findDelveFor(go, { dlvPath: dlvPath('1.24.0'), env: {}, homeDir: home });
    assert.equal(old.inRange, false);
    const d = chooseAfterLookup('auto', { found: true, version: old.version, path: old.path, inRange: old.inRange, rangeText: formatRange(old.goRange) }, go);
    assert.equal(d.adapter, 'goCore');
    assert.match(d.reason, new RegExp(`no Delve found supports ${go.replace(/\./g, '\\.')} \\(the nearest, Delve 1\\.24\\.0`));
    const fit = await findDelveFor(go, { dlvPath: dlvPath('1.27.1'), env: {}, homeDir: home });
    assert.equal(chooseAfterLookup('auto', { found: true, version: fit.version, path: fit.path, inRange: fit.inRange, rangeText: formatRange(fit.goRange) }, go).adapter, 'delve');
    // No Delve at all.
    await assert.rejects(findDelveFor(go, { env: {}, homeDir: home }));
  });

  it('source: a frame whose file is on disk is served from it; one that is not says so', async () => {
    const fx = fixture('index-stripped', '1.24');
    const engine = open(fx);
    const { dap, threadId } = await startSession(engine);
    const st = await dap.request<DebugProtocol.StackTraceResponse['body']>('stackTrace', { threadId });
    const main = st.stackFrames.find((f) => f.name === 'main.main')!;
    assert.equal(main.source?.path, join(fx.srcDir, 'main.go'));
    assert.equal(main.source?.sourceReference ?? 0, 0, 'a file on disk needs no source request');
    const src = await dap.request<DebugProtocol.SourceResponse['body']>('source', { source: main.source, sourceReference: 0 });
    assert.equal(src.content, readFileSync(join(fx.srcDir, 'main.go'), 'utf8'));
    // The same core where the sources are elsewhere (the editor's mapping finds nothing).
    const away = await startSession(engine, { sourcePath: () => '/nonexistent/main.go' });
    const st2 = await away.dap.request<DebugProtocol.StackTraceResponse['body']>('stackTrace', { threadId: away.threadId });
    const m2 = st2.stackFrames.find((f) => f.name === 'main.main')!;
    assert.ok(m2.source?.sourceReference, 'a missing file gets a source reference');
    const r = await away.dap.raw('source', { source: m2.source, sourceReference: m2.source!.sourceReference });
    assert.equal(r.success, false);
    assert.match(r.message ?? '', /is not on this machine \(looked at \/nonexistent\/main\.go\)/);
  });

  it('readMemory returns the bytes the engine reads at that address, and says where the core has none', async () => {
    const fx = fixture('index-stripped', '1.27');
    const engine = open(fx);
    const { dap } = await startSession(engine);
    const mem = engine.analysis.cw.memory;
    const sp = engine.analysis.cw.core.crashingThread.sp;
    const r = await dap.request<DebugProtocol.ReadMemoryResponse['body']>('readMemory', { memoryReference: '0x' + sp.toString(16), offset: 16, count: 256 });
    assert.equal(r!.address, '0x' + (sp + 16n).toString(16));
    assert.deepEqual(Buffer.from(r!.data!, 'base64'), mem.read(sp + 16n, 256));
    assert.equal(r!.unreadableBytes ?? 0, 0);
    // Text of the executable (not dumped by the kernel: read from the file) at the crash pc.
    const pc = BigInt(engine.report().crash.frames[0]!.pc);
    const t = await dap.request<DebugProtocol.ReadMemoryResponse['body']>('readMemory', { memoryReference: '0x' + pc.toString(16), count: 64 });
    assert.deepEqual(Buffer.from(t!.data!, 'base64'), mem.read(pc, 64));
    // Page zero is in no core.
    const z = await dap.request<DebugProtocol.ReadMemoryResponse['body']>('readMemory', { memoryReference: '0x10', count: 32 });
    assert.equal(z!.data ?? '', '');
    assert.equal(z!.unreadableBytes, 32);
    // The end of the crashing goroutine's stack mapping: readable bytes, then the rest unreadable.
    let end = (sp + 4096n) & ~4095n;
    for (let i = 0; i < 65536 && mem.isReadable(end); i++) end += 4096n;
    assert.equal(mem.isReadable(end), false);
    const edge = await dap.request<DebugProtocol.ReadMemoryResponse['body']>('readMemory', { memoryReference: '0x' + (end - 40n).toString(16), count: 100 });
    assert.deepEqual(Buffer.from(edge!.data!, 'base64'), mem.read(end - 40n, 40));
    assert.equal(edge!.unreadableBytes, 60);
    const bad = await dap.raw('readMemory', { memoryReference: 'rsp', count: 8 });
    assert.equal(bad.success, false);
  });

  it('readMemory equals what Delve 1.27 returns for a memoryReference Delve hands out (a []byte field)', async () => {
    const fx = fixture('index', '1.27');
    const engine = open(fx);
    const delve = await CoreSession.open({ corePath: fx.core, programPath: fx.prog, dlv: { path: dlvPath('1.27.1'), inRange: true }, killGraceMs: 300 });
    try {
      assert.equal(delve.capabilities.supportsReadMemoryRequest, true, 'Delve 1.27.1 announces readMemory');
      // Delve hands out memoryReferences for the string and slice fields of a struct it lists
      // (service/dap/server.go childrenToDAPVariables): the pclntable []byte of runtime.firstmoduledata.
      const st = await delve.client.request('stackTrace', { threadId: delve.stoppedEvent.body.threadId!, levels: 1 });
      const ev = await delve.client.request('evaluate', { expression: 'runtime.firstmoduledata', context: 'repl', frameId: st.body.stackFrames[0]!.id });
      const kids = await delve.client.request('variables', { variablesReference: ev.body.variablesReference });
      const ref = kids.body.variables.find((v) => v.name === 'pclntable')?.memoryReference;
      assert.ok(ref, `Delve gave no memoryReference for moduledata.pclntable: ${JSON.stringify(kids.body.variables.map((v) => [v.name, v.memoryReference]))}`);
      const count = 64;
      const theirs = await delve.client.request('readMemory', { memoryReference: ref, count });
      const { dap } = await startSession(engine);
      const ours = await dap.request<DebugProtocol.ReadMemoryResponse['body']>('readMemory', { memoryReference: ref, count });
      assert.equal(BigInt(ours!.address), BigInt(theirs.body!.address));
      assert.deepEqual(Buffer.from(ours!.data!, 'base64'), Buffer.from(theirs.body!.data!, 'base64'));
      assert.deepEqual(Buffer.from(ours!.data!, 'base64'), engine.analysis.cw.memory.read(BigInt(ref), count));
    } finally {
      await delve.close();
    }
  });

  for (const [name, minor] of [['index-stripped', '1.27'], ['index', '1.22'], ['inlined-nilptr', '1.24']] as const) {
    it(`${name} go${minor}: disassemble at the crash pc holds the instruction \`go-core pc --core\` maps it to`, async () => {
      const fx = fixture(name, minor);
      const engine = open(fx);
      const origin = originOf(engine.report().crash.frames)!;
      const r = spawnSync(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, join(root, 'src', 'report', 'cli.ts'), 'pc', origin.pc, '--core', fx.core, '--binary', fx.prog, '--json'], {
        cwd: fx.srcDir,
        encoding: 'utf8',
        timeout: 300_000,
      });
      assert.equal(r.status, 0, `go-core pc failed: ${r.stderr}`);
      const pc = JSON.parse(r.stdout) as { instruction: { pc: string; text: string } | null };
      assert.ok(pc.instruction, `go-core pc mapped no instruction: ${r.stdout}`);
      const { dap } = await startSession(engine);
      const d = await dap.request<DebugProtocol.DisassembleResponse['body']>('disassemble', { memoryReference: origin.pc, instructionOffset: -8, instructionCount: 16, resolveSymbols: true });
      assert.equal(d!.instructions.length, 16);
      const at = d!.instructions.find((i) => BigInt(i.address) === BigInt(pc.instruction!.pc));
      assert.ok(at, `no instruction at ${pc.instruction.pc}: ${d!.instructions.map((i) => `${i.address} ${i.instruction}`).join('\n')}`);
      // Go's `CALL runtime.panicIndex(SB)` / `MOVQ (AX), CX` against Intel `call 0x… <runtime.panicIndex>` / `mov rcx, qword ptr [rax]`.
      const goOp = pc.instruction.text.split(/\s+/)[0]!.toLowerCase();
      const ourOp = at.instruction.split(/\s+/)[0]!;
      assert.ok(goOp === ourOp || goOp.slice(0, -1) === ourOp, `${pc.instruction.text} vs ${at.instruction}`);
      for (const m of pc.instruction.text.matchAll(/([\w./*()]+)\(SB\)/g)) assert.ok(at.instruction.includes(`<${m[1]}`), `${pc.instruction.text} vs ${at.instruction}`);
      // The instructions are contiguous and the origin's own pc is one of them (or the call's return address).
      for (let i = 1; i < d!.instructions.length; i++) {
        const prev = d!.instructions[i - 1]!;
        if (prev.presentationHint === 'invalid') continue;
        assert.equal(BigInt(d!.instructions[i]!.address), BigInt(prev.address) + BigInt(prev.instructionBytes!.split(' ').length));
      }
      assert.ok(d!.instructions.some((i) => BigInt(i.address) === BigInt(origin.pc)));
      assert.equal(d!.instructions.find((i) => BigInt(i.address) === BigInt(origin.pc))!.symbol, `${engine.describePc(BigInt(origin.pc), { returnAddress: false })!.function}+${origin.offset}`);
    });
  }
});
