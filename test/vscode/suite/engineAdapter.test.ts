// The debug session without Delve, inside a real VS Code: a stripped binary's core (index-stripped,
// no DWARF) is served by our own adapter (src/vscode/debug/engineAdapter.ts), and no dlv process is
// started for it. VS Code's Call Stack (asked through the debug session, as the view does) equals
// the Panic Frames view's frames; the memory view's readMemory returns the core's bytes; the
// Disassembly view's disassemble holds the crash pc. The same with the setting debugAdapter=goCore
// on a core Delve could read.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/vscode/extension';
import type { PanicFramesNode } from '../../../src/vscode/views/panicFramesView';
import { crashingGoroutine, parseTraceback } from '../../../src/traceback/parse';
import { fixture } from '../../support/fixtures';
import { waitFor, api, closeAll, childDelves } from './helpers';

/** The crashing goroutine's frames in the Panic Frames view, depth first, runtime groups expanded. */
function panicFrames(a: ExtensionApi): { function: string; pc: string; line: number }[] {
  const out: { function: string; pc: string; line: number }[] = [];
  const walk = (nodes: PanicFramesNode[]) => {
    for (const node of nodes) {
      if (node.kind === 'groups') continue;
      if (node.kind === 'frame') out.push({ function: node.frame.function, pc: node.frame.pc, line: node.frame.line });
      if (node.kind === 'repeat') out.push({ function: node.frame.function, pc: node.frame.pc, line: node.frame.line });
      walk(a.panicFrames.getChildren(node));
    }
  };
  walk(a.panicFrames.getChildren());
  return out;
}

async function openAndWaitForSession(a: ExtensionApi, core: string, prog: string) {
  await vscode.commands.executeCommand('goCoreInspector.openCoreDump', vscode.Uri.file(core), prog);
  const c = await waitFor(`the core ${core} to open`, () => a.sessions.all.find((x) => x.corePath === core), 120_000);
  const session = await waitFor(`the debug session of ${core}`, () => c.debugSession, 120_000);
  return { c, session };
}

describe('debug session without Delve', function () {
  this.timeout(240_000);

  before(async () => closeAll(await api(), { waitForDebugEnd: true }));
  afterEach(async () => {
    await vscode.workspace.getConfiguration('goCoreInspector').update('debugAdapter', undefined, vscode.ConfigurationTarget.Global);
    await closeAll(await api(), { waitForDebugEnd: true });
  });

  it('a stripped binary: our adapter serves it, Call Stack equals Panic Frames, memory and disassembly read the core', async () => {
    const a = await api();
    const fx = fixture('index-stripped', '1.27');
    const tb = parseTraceback(fx.traceback);
    const { c, session } = await openAndWaitForSession(a, fx.core, fx.prog);
    assert.equal(c.adapter?.adapter, 'goCore', `adapter: ${JSON.stringify(c.adapter)}`);
    assert.match(c.adapter!.reason, /no DWARF/);
    assert.equal(c.delve, undefined, 'no Delve session for a binary without DWARF');
    assert.deepEqual(childDelves(), [], 'no dlv process was started');
    a.sessions.setActive(c.id);

    const { threads } = (await session.customRequest('threads')) as { threads: { id: number; name: string }[] };
    assert.equal(threads[0]!.id, crashingGoroutine(tb)!.id, 'the crashing goroutine (the first the runtime printed) is the first thread');
    const st = (await session.customRequest('stackTrace', { threadId: threads[0]!.id, startFrame: 0, levels: 200 })) as {
      stackFrames: { name: string; line: number; instructionPointerReference?: string }[];
    };
    const view = panicFrames(a);
    assert.ok(view.length >= 3, `Panic Frames shows ${view.length} frames`);
    assert.deepEqual(
      st.stackFrames.map((f) => [f.name, f.line, f.instructionPointerReference]),
      view.map((f) => [f.function, f.line, f.pc]),
      'Call Stack (our adapter) equals Panic Frames',
    );

    // The memory view: bytes at the stack pointer, as the engine reads them.
    const sp = c.engine.analysis.cw.core.crashingThread.sp;
    const mem = (await session.customRequest('readMemory', { memoryReference: '0x' + sp.toString(16), count: 128 })) as { data: string; unreadableBytes?: number };
    assert.deepEqual(Buffer.from(mem.data, 'base64'), c.engine.analysis.cw.memory.read(sp, 128));

    // The Disassembly view: the instruction at the crash pc (iced-x86 loaded from the packaged bundle).
    const pc = view[0]!.pc;
    const dis = (await session.customRequest('disassemble', { memoryReference: pc, instructionOffset: -4, instructionCount: 8, resolveSymbols: true })) as {
      instructions: { address: string; instruction: string; symbol?: string }[];
    };
    const at = dis.instructions.find((i) => BigInt(i.address) === BigInt(pc));
    assert.ok(at, `no instruction at ${pc}: ${JSON.stringify(dis.instructions)}`);
    assert.ok(at.symbol?.startsWith(st.stackFrames[0]!.name), `${at.symbol} is in ${st.stackFrames[0]!.name}`);
  });

  it('the setting debugAdapter=goCore serves a core Delve could read with our adapter', async () => {
    const a = await api();
    await vscode.workspace.getConfiguration('goCoreInspector').update('debugAdapter', 'goCore', vscode.ConfigurationTarget.Global);
    const fx = fixture('index', '1.22');
    const { c, session } = await openAndWaitForSession(a, fx.core, fx.prog);
    assert.equal(c.adapter?.adapter, 'goCore');
    assert.match(c.adapter!.reason, /setting/);
    assert.equal(c.delve, undefined);
    const { threads } = (await session.customRequest('threads')) as { threads: { id: number; name: string }[] };
    const st = (await session.customRequest('stackTrace', { threadId: threads[0]!.id, startFrame: 0, levels: 200 })) as { stackFrames: { name: string; line: number }[] };
    assert.deepEqual(
      st.stackFrames.map((f) => [f.name, f.line]),
      c.report.crash.frames.map((f) => [f.function, f.line]),
    );
  });

  it('Delve 1.24 serves a core with DWARF, and our proxy adds readMemory (Delve before 1.26 has none)', async () => {
    const a = await api();
    const fx = fixture('index', '1.22');
    const { c, session } = await openAndWaitForSession(a, fx.core, fx.prog);
    assert.equal(c.adapter?.adapter, 'delve', `adapter: ${JSON.stringify(c.adapter)}`);
    assert.ok(c.delve, 'Delve runs');
    assert.equal(c.delve.capabilities.supportsReadMemoryRequest, undefined, 'Delve 1.24 announces no readMemory');
    const sp = c.engine.analysis.cw.core.crashingThread.sp;
    const mem = (await session.customRequest('readMemory', { memoryReference: '0x' + sp.toString(16), count: 64 })) as { address: string; data: string };
    assert.equal(BigInt(mem.address), sp);
    assert.deepEqual(Buffer.from(mem.data, 'base64'), c.engine.analysis.cw.memory.read(sp, 64));
    // Delve's Registers scope: its registers get a memoryReference, so the memory view opens on rsp.
    const threadId = c.delve.stoppedEvent.body.threadId!;
    const st = (await session.customRequest('stackTrace', { threadId, startFrame: 0, levels: 1 })) as { stackFrames: { id: number }[] };
    const scopes = (await session.customRequest('scopes', { frameId: st.stackFrames[0]!.id })) as { scopes: { name: string; variablesReference: number }[] };
    const regs = scopes.scopes.find((x) => /registers/i.test(x.name));
    assert.ok(regs, `Delve gave no Registers scope: ${scopes.scopes.map((x) => x.name).join(', ')}`);
    const vars = (await session.customRequest('variables', { variablesReference: regs.variablesReference })) as {
      variables: { name: string; value: string; memoryReference?: string }[];
    };
    const rsp = vars.variables.find((v) => v.name.trim() === 'rsp');
    assert.ok(rsp, `no rsp among ${vars.variables.map((v) => v.name.trim()).join(', ')}`);
    assert.equal(rsp.memoryReference && BigInt(rsp.memoryReference), BigInt(rsp.value), `rsp ${JSON.stringify(rsp)}`);
  });
});
