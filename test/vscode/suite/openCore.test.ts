// Open Core Dump inside a real VS Code, on fixture cores of several Go versions: the views' items
// (through the extension's own tree data providers), the debug session's call stack (through
// vscode.debug), the decorations on the origin line, and the PC hover, each compared with the
// traceback the Go runtime printed when the program crashed.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { originOf } from '../../../src/analysis/crashSummary';
import type { ExtensionApi } from '../../../src/vscode/extension';
import { ssaText } from '../../../src/vscode/editor/ssaAnnotator';
import type { PanicFramesNode } from '../../../src/vscode/views/panicFramesView';
import { crashingGoroutine, originFrame, parseTraceback, type Traceback } from '../../../src/traceback/parse';
import { listFixtures } from '../../support/fixtures';
import { waitFor, api, closeAll, childDelves, workspace, labelOf } from './helpers';

/** Every frame node of the Panic Frames view, depth first (runtime groups expanded). */
function frameItems(a: ExtensionApi): { node: PanicFramesNode; item: vscode.TreeItem }[] {
  const out: { node: PanicFramesNode; item: vscode.TreeItem }[] = [];
  const walk = (nodes: PanicFramesNode[]) => {
    for (const node of nodes) {
      if (node.kind === 'groups') continue;
      const item = a.panicFrames.getTreeItem(node);
      if (node.kind === 'frame' || node.kind === 'repeat') out.push({ node, item });
      walk(a.panicFrames.getChildren(node));
    }
  };
  walk(a.panicFrames.getChildren());
  return out;
}

describe('Open Core Dump', function () {
  this.timeout(240_000);

  const fixtures = ['1.19', '1.22', '1.27']
    .map((v) => listFixtures({ fixture: 'index' }).find((f) => f.goMinor === v))
    .filter((f) => f !== undefined);

  before(async () => {
    assert.ok(workspace, 'GCI_VSCODE_WORKSPACE is not set');
    assert.ok(fixtures.length >= 2, 'index fixtures of at least two Go versions are needed');
    await closeAll(await api());
  });

  afterEach(async () => closeAll(await api()));

  it('opens the workspace core: views, debug session, decorations and hover agree with the runtime traceback', async () => {
    const a = await api();
    const tb: Traceback = parseTraceback(readFileSync(join(workspace, 'traceback.txt'), 'utf8'));
    const g = crashingGoroutine(tb);
    assert.ok(g, 'the oracle traceback has a crashing goroutine');
    const origin = originFrame(g);
    assert.ok(origin, 'the oracle has an origin frame');

    await vscode.commands.executeCommand('goCoreInspector.openCoreDump', vscode.Uri.file(join(workspace, 'core')));
    const core = await waitFor('the core to open', () => a.sessions.active);
    assert.equal(core.binaryPath, join(workspace, 'prog'), 'the executable next to the core was found by build ID');

    // Panic Frames: crash headline, goroutine id and the origin frame.
    const top = a.panicFrames.getChildren();
    const crash = a.panicFrames.getTreeItem(top[0]!);
    assert.match(labelOf(crash), /^panic: /);
    const panicLine = tb.panics[0];
    assert.ok(panicLine, 'the oracle has a panic line');
    // The row is short (kind and first words); the tooltip holds the line as the runtime printed it.
    assert.ok(panicLine.text.replace(/^\t+/, '').startsWith(labelOf(crash).replace(/…$/, '')), `the headline ${labelOf(crash)} starts the panic line`);
    assert.ok(String(crash.tooltip).includes(panicLine.text.replace(/^\t+/, '')), 'the tooltip holds the panic line the runtime printed');
    assert.equal(crash.description, `goroutine ${g.id}`);
    const frames = frameItems(a);
    const originItems = frames.filter((f) => f.item.contextValue === 'frame origin');
    assert.equal(originItems.length, 1, 'exactly one origin frame');
    assert.equal(labelOf(originItems[0]!.item), origin.func);
    assert.match(String(originItems[0]!.item.description), new RegExp(`:${origin.lineNumber}\\b`));
    const tooltip = originItems[0]!.item.tooltip as vscode.MarkdownString;
    const physicalPc = g.frames.slice(g.frames.indexOf(origin)).find((f) => f.pc !== undefined)?.pc;
    assert.ok(physicalPc !== undefined && tooltip.value.includes(`PC 0x${physicalPc.toString(16)}`), `tooltip: ${tooltip.value}`);
    // Every frame the runtime printed for the crashing goroutine is in the view, in order.
    const shown = frames.map((f) => labelOf(f.item).replace(/ × [\d,]+$/, ''));
    let at = 0;
    for (const f of g.frames.filter((f) => f.func !== 'panic')) {
      const i = shown.indexOf(f.func, at);
      assert.ok(i >= 0, `frame ${f.func} of the traceback is missing from the view after position ${at}: ${shown.join(', ')}`);
      at = i + 1;
    }

    // g0 / curg: the crashing M is first and runs the crashing goroutine.
    const ms = a.threads.getChildren();
    assert.ok(ms.length >= 1, 'at least one M');
    const first = a.threads.getTreeItem(ms[0]!);
    assert.match(String(first.description), /crashing/);
    assert.match(String(first.description), new RegExp(`curg ${g.id}\\b`));

    // _panic chain: the newest record is the printed panic.
    const panics = a.panicChain.getChildren();
    assert.ok(panics.length >= 1, 'the _panic chain has a record');
    assert.equal(labelOf(a.panicChain.getTreeItem(panics[0]!)), panicLine.message.value);

    // The debug session: VS Code's call stack comes from Delve over the same connection.
    // This core's own session (a session of an earlier test may still be ending).
    const session = await waitFor('the go-core debug session of this core', () => core.debugSession);
    const stopped = core.delve?.stoppedEvent.body.threadId;
    assert.ok(stopped !== undefined, 'Delve reported the goroutine it stopped on');
    const st = (await session.customRequest('stackTrace', { threadId: stopped, startFrame: 0, levels: 50 })) as {
      stackFrames: { name: string; line: number }[];
    };
    const names = st.stackFrames.map((f) => f.name.replace(/\(.*$/, ''));
    assert.ok(names.includes(origin.func) || names.includes('main.main'), `Delve's stack ${names.join(', ')} lacks ${origin.func}`);

    // Decorations: the origin frame's source line in the workspace carries the annotation.
    const src = join(workspace, origin.file!.split('/').pop()!);
    const doc = await vscode.workspace.openTextDocument(src);
    await vscode.window.showTextDocument(doc);
    const decorated = a.decorations.framesIn(doc.uri.fsPath);
    assert.ok(
      decorated.some((d) => d.origin && d.frame.line === origin.lineNumber),
      `no origin decoration on ${src}:${origin.lineNumber} (decorated: ${decorated.map((d) => `${d.frame.function}:${d.frame.line}`).join(', ')})`,
    );

    // PC hover: the origin frame's pc= in the runtime's traceback resolves to its function.
    const tbDoc = await vscode.languages.setTextDocumentLanguage(
      await vscode.workspace.openTextDocument(join(workspace, 'traceback.txt')),
      'go-traceback',
    );
    // An inlined origin frame prints no pc=: take the physical frame that holds it.
    const loc = g.frames.slice(g.frames.indexOf(origin)).find((f) => f.pc !== undefined && f.location)?.location;
    assert.ok(loc?.pc, 'the oracle prints pc= (GOTRACEBACK=crash)');
    const pos = new vscode.Position(loc.line, loc.pc.span.start + 2);
    const hoverText = async (): Promise<string> => {
      const hovers = (await vscode.commands.executeCommand('vscode.executeHoverProvider', tbDoc.uri, pos)) as vscode.Hover[];
      return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    };
    const physical = g.frames.find((f) => !f.inlined && f.location === loc)?.func ?? 'main.main';
    // One hover owner for crash logs (the language server), fed with the open core's binary.
    const named = await waitFor('the hover to name the function', async () => ((await hoverText()).includes(physical) ? await hoverText() : undefined), 30_000);
    assert.equal(named.split(`**${physical}**`).length - 1, 1, `one hover, not two stacked: ${named}`);
    // The instruction and SSA value come from a rebuild: once the user allowed this binary, the
    // hover shows them. pc= of a calling frame is a return address: the call instruction before it.
    await a.ssaConsent.set(core.report.executable.goBuildId!, 'allowed');
    const text = await waitFor('the call instruction in the hover', async () => {
      const t = await hoverText();
      return /instruction `CALL/.test(t) ? t : undefined;
    }, 120_000);
    assert.match(text, /SSA `v\d+/, `the hover on ${loc.pc.value} shows no SSA value: ${text}`);
  });

  it('Show SSA for This Frame opens the rebuilt function\'s genssa listing at the crash instruction, verified', async () => {
    const a = await api();
    await a.ssaConsent.reset();
    // A source touched after the last rebuild has no cached SSA (the cache key fingerprints the
    // sources): what follows really needs a rebuild, hence the user's permission.
    const now = new Date();
    utimesSync(join(workspace, 'main.go'), now, now);
    await vscode.commands.executeCommand('goCoreInspector.openCoreDump', vscode.Uri.file(join(workspace, 'core')));
    const core = await waitFor('the core to open', () => a.sessions.active);
    const frames = core.report.crash.frames;
    const ssaOf = (pc: string) => {
      const m = core.annotations.get(pc);
      return m && ssaText(m) ? { mapping: m, value: ssaText(m)! } : undefined;
    };
    // Nothing is rebuilt before the user allows this binary: the automatic pass only says so, or
    // shows a result an earlier, allowed rebuild left in the SSA cache (nothing is run for it).
    const first = await waitFor(
      'the note that SSA waits for permission, or a cached SSA result',
      () => core.notes.find((n) => /SSA: waiting for your permission/.test(n)) ?? frames.map((f) => ssaOf(f.pc)).find((x) => x !== undefined),
      60_000,
    );
    if (typeof first !== 'string') assert.equal(first.mapping.rebuild.cached, true, 'an SSA result before the user allowed the rebuild must come from the cache');
    // The user allows it (the modal's "Allow for This Binary"); the command then rebuilds with the
    // binary's exact toolchain (found in the project cache).
    await a.ssaConsent.set(core.report.executable.goBuildId!, 'allowed');
    const origin = originOf(frames)!;
    await vscode.commands.executeCommand('goCoreInspector.showSsaForFrame', origin);
    const ssa = await waitFor('the SSA annotation of the origin frame', () => ssaOf(origin.pc), 120_000);
    assert.equal(core.notes.some((n) => n.startsWith('SSA')), false, 'the waiting note is gone once SSA is there');
    assert.equal(ssa.mapping.verified, true, `unverified: ${ssa.mapping.reason}`);
    assert.match(ssa.value, /PanicBounds|panicIndex/);
    const uri = (await vscode.commands.executeCommand('goCoreInspector.showSsaForFrame', origin)) as vscode.Uri | undefined;
    assert.ok(uri, 'the command returns the listing document');
    const editor = vscode.window.activeTextEditor!;
    assert.equal(editor.document.uri.toString(), uri.toString());
    assert.match(editor.document.getText(), /genssa of main\.main/);
    assert.ok(editor.document.lineAt(editor.selection.active.line).text.includes(ssa.value.split(' ')[0]!), 'the crash row is selected');
  });

  it('hovering any pc of the open core in a Go file shows its instruction and SSA value, not only crash frames', async () => {
    const a = await api();
    const core = a.sessions.active ?? (await (async () => {
      await vscode.commands.executeCommand('goCoreInspector.openCoreDump', vscode.Uri.file(join(workspace, 'core')));
      return waitFor('the core to open', () => a.sessions.active);
    })());
    // The user allowed this binary (the Show SSA test's question): hovers may use its rebuild.
    await a.ssaConsent.set(core.report.executable.goBuildId!, 'allowed');
    const entry = core.engine.binary.entryOf('main.main');
    assert.ok(entry !== undefined, 'main.main is in the binary');
    // A pc that is no crash frame: the instruction after main.main's first call (a return address).
    const crashPcs = new Set(core.report.crash.frames.map((f) => f.pc));
    let off = 0x10;
    while (crashPcs.has('0x' + (entry + BigInt(off)).toString(16))) off += 4;
    const file = join(workspace, 'pcs_hover.go');
    writeFileSync(file, `package main\n\n// main.main+0x${off.toString(16)}\n`);
    try {
      const doc = await vscode.workspace.openTextDocument(file);
      const pos = new vscode.Position(2, 6);
      // What the engine maps for that pc (the rule of a func+offset reference: a return address).
      const root = workspace;
      const expected = await core.engine.mapSsa({
        pc: entry + BigInt(off),
        isReturnAddress: true,
        sourceRoot: root,
        allowedRoots: [root],
        confirmRebuild: () => true,
      });
      assert.ok(expected.instruction, 'the engine maps the pc to an instruction');
      const text = await waitFor('the instruction in the hover', async () => {
        const hovers = (await vscode.commands.executeCommand('vscode.executeHoverProvider', doc.uri, pos)) as vscode.Hover[];
        const t = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
        return t.includes(expected.instruction!.text) ? t : undefined;
      }, 120_000);
      assert.match(text, /main\.main\+0x/, text);
      if (expected.ssaValue) assert.ok(text.includes(expected.ssaValue.text), `the SSA value in the hover: ${text}`);
      else assert.match(text, /No SSA value/, text);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('a launch.json configuration of type go-core opens the core and its debug session', async () => {
    const a = await api();
    const folder = vscode.workspace.workspaceFolders![0]!;
    const ok = await vscode.debug.startDebugging(folder, {
      type: 'go-core',
      request: 'launch',
      name: 'core from launch.json',
      coreFilePath: '${workspaceFolder}/core',
    });
    assert.equal(ok, true, 'startDebugging failed');
    const core = await waitFor('the core to open', () => a.sessions.active);
    assert.equal(core.corePath, join(workspace, 'core'));
    const session = await waitFor('the debug session of this core', () => core.debugSession);
    const threads = (await session.customRequest('threads')) as { threads: { id: number; name: string }[] };
    assert.ok(threads.threads.length > 0, 'Delve lists goroutines through the proxied session');
  });

  it('two cores open at once each keep their own Delve session; a Delve that dies is reported in the views', async () => {
    const a = await api();
    const [f1, f2] = [fixtures[0]!, fixtures[fixtures.length - 1]!];
    await vscode.commands.executeCommand('goCoreInspector.openCoreDump', vscode.Uri.file(f1.core), f1.prog);
    await vscode.commands.executeCommand('goCoreInspector.openCoreDump', vscode.Uri.file(f2.core), f2.prog);
    const c1 = await waitFor('the first core with Delve', () => a.sessions.all.find((c) => c.corePath === f1.core && c.delve));
    const c2 = await waitFor('the second core with Delve', () => a.sessions.all.find((c) => c.corePath === f2.core && c.delve));
    assert.notEqual(c1.delve!.dlvPath, '', 'a Delve for the first core');
    assert.equal(c1.report.go.version, f1.goVersion);
    assert.equal(c2.report.go.version, f2.goVersion);
    assert.equal(a.sessions.active, c2, 'the last opened core is the one the views show');

    // Kill the second core's Delve (a child of this extension host) and watch the views say so.
    const dlvs = childDelves();
    assert.ok(dlvs.length >= 2, `two Delve processes run under the extension host (found ${dlvs.length})`);
    process.kill(Math.max(...dlvs), 'SIGKILL');
    await waitFor('the views to report the ended Delve session', () =>
      a.sessions.all.some((c) => c.notes.some((n) => n.startsWith('The Delve session ended'))) ? true : undefined,
    );
    const notes = a.panicFrames
      .getChildren()
      .filter((n) => n.kind === 'note')
      .map((n) => String(a.panicFrames.getTreeItem(n).label));
    const ended = a.sessions.all.find((c) => c.notes.some((n) => n.startsWith('The Delve session ended')))!;
    if (a.sessions.active === ended) assert.ok(notes.some((n) => n.startsWith('The Delve session ended')), `notes shown: ${notes.join(' | ')}`);
    // The other core's Delve still answers.
    const alive = a.sessions.all.find((c) => c !== ended)!;
    assert.equal(alive.delve?.ended, false, 'the other Delve session is alive');
  });

  it('bad input (a source file, a core cut inside its headers) gives an error, no session; a core cut later opens what is there', async () => {
    const a = await api();
    const before = a.sessions.all.length;
    const dir = mkdtempSync(join(tmpdir(), 'gci-bad-'));
    try {
      const whole = readFileSync(join(workspace, 'core'));
      const headerCut = join(dir, 'core.1');
      writeFileSync(headerCut, whole.subarray(0, 40));
      for (const bad of [join(workspace, 'main.go'), headerCut]) {
        const started = Date.now();
        const r = await vscode.commands.executeCommand('goCoreInspector.openAsCoreDump', vscode.Uri.file(bad), join(workspace, 'prog'));
        assert.equal(r, undefined, `${bad} must not open`);
        assert.ok(Date.now() - started < 10_000, `${bad}: the command returns promptly`);
        assert.equal(a.sessions.all.length, before, 'no session was added');
      }
      // A core cut after its notes (a full disk, ulimit -c): opened as far as it goes, and it says so.
      const truncated = join(dir, 'core');
      writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 3)));
      await vscode.commands.executeCommand('goCoreInspector.openAsCoreDump', vscode.Uri.file(truncated), join(workspace, 'prog'));
      const partial = await waitFor('the truncated core to open', () => a.sessions.all.find((c) => c.corePath === truncated));
      assert.ok(partial.report.truncated, 'the report names the truncation');
      assert.equal(partial.report.truncated.actualBytes, Math.floor(whole.length / 3));
      await a.sessions.close(partial.id);
      // Still working: the real core opens.
      await vscode.commands.executeCommand('goCoreInspector.openCoreDump', vscode.Uri.file(join(workspace, 'core')));
      await waitFor('the core to open after the errors', () => a.sessions.active);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const fx of fixtures) {
    it(`opens the index core of go${fx.goMinor} by path, with its origin frame from the traceback`, async () => {
      const a = await api();
      const g = crashingGoroutine(parseTraceback(fx.traceback))!;
      const origin = originFrame(g)!;
      await vscode.commands.executeCommand('goCoreInspector.openCoreDump', vscode.Uri.file(fx.core), fx.prog);
      const core = await waitFor(`core ${fx.core}`, () => a.sessions.all.find((c) => c.corePath === fx.core));
      assert.equal(core.report.go.version, fx.goVersion);
      assert.equal(core.report.crash.goroutine, g.id);
      const o = originOf(core.report.crash.frames);
      assert.equal(o?.function, origin.func);
      assert.equal(o?.line, origin.lineNumber);
    });
  }
});
