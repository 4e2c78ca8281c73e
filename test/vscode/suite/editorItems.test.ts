// Issue 16, the editor's items, in a real VS Code on fixture cores: source mapping by module and
// content (another program's workspace, two modules in subfolders, substitutePath without reload),
// two cores at once (annotations per core, session names, immediate close), stale and cut-off
// states (SSA note, wait reasons, the debug session refusing to run a core and showing the panic),
// crash logs by content, Copy as Traceback Text parsed back with our own parser, the short crash
// row and Copy for Issue. Each expectation is checked against the runtime's printed traceback or
// the fixture's source.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { originOf, type CrashSummary } from '../../../src/analysis/crashSummary';
import type { ExtensionApi } from '../../../src/vscode/extension';
import { setSsaNote } from '../../../src/vscode/editor/ssaAnnotator';
import { looksLikeTraceback } from '../../../src/vscode/language/tracebackDetection';
import { crashShortHeadline, SHORT_HEADLINE } from '../../../src/vscode/views/frameText';
import { mChildren, waitReasonShown } from '../../../src/vscode/views/threadsView';
import { crashingGoroutine, parseTraceback } from '../../../src/traceback/parse';
import { fixture, type Fixture } from '../../support/fixtures';
import { waitFor, api, closeAll, childDelves, workspace } from './helpers';

async function open(a: ExtensionApi, f: { core: string; prog: string }) {
  await vscode.commands.executeCommand('goCoreInspector.openCoreDump', vscode.Uri.file(f.core), f.prog);
  return waitFor(`the core ${f.core} to open`, () => a.sessions.all.find((c) => c.corePath === f.core));
}

/** A copy of a fixture's source (go.mod, main.go) under the workspace. */
function copySource(f: Fixture, rel: string): string {
  const dir = join(workspace, rel);
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(f.srcDir)) copyFileSync(join(f.srcDir, name), join(dir, name));
  return dir;
}

describe('Issue 16: the editor tells the truth', function () {
  this.timeout(240_000);
  const index = () => ({ core: join(workspace, 'core'), prog: join(workspace, 'prog') });
  const other = () => fixture('custom-error', '1.22');
  const goroutineCrash = () => fixture('nilptr-goroutine', '1.22');

  before(async () => {
    assert.ok(workspace, 'GCI_VSCODE_WORKSPACE is not set');
    await closeAll(await api());
  });
  afterEach(async () => {
    await closeAll(await api());
    rmSync(join(workspace, 'two'), { recursive: true, force: true });
    rmSync(join(workspace, 'copy'), { recursive: true, force: true });
  });

  it('5: another program\'s core never annotates this workspace\'s main.go (its module differs)', async () => {
    const a = await api();
    const f = other();
    const core = await open(a, f);
    const mainGo = join(workspace, 'main.go');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(mainGo));
    const decorated = a.decorations.framesIn(mainGo);
    assert.deepEqual(
      decorated.map((d) => `${d.frame.function}:${d.frame.line}`),
      [],
      `frames of ${f.fixture} (module example.com/custom-error) decorate ${mainGo} (module example.com/index)`,
    );
    const origin = originOf(core.report.crash.frames)!;
    const found = a.mapperFor(core.corePath)!.explainFrame(origin);
    assert.notEqual(found.found?.path, mainGo);
    assert.ok(found.rejected.some((r) => r.path === mainGo && /module example\.com\/index/.test(r.why)), JSON.stringify(found.rejected));
  });

  it('5: with two modules in subfolders, a frame click opens the file of the core\'s own module', async () => {
    const a = await api();
    const fa = other();
    const fb = fixture('recovered-repanic', '1.22');
    const dirA = copySource(fa, 'two/a');
    const dirB = copySource(fb, 'two/b');
    for (const [f, dir] of [
      [fa, dirA],
      [fb, dirB],
    ] as const) {
      const core = await open(a, f);
      a.sessions.setActive(core.id);
      const origin = originOf(core.report.crash.frames)!;
      const opened = await vscode.commands.executeCommand<boolean>('goCoreInspector.revealFrame', origin);
      assert.equal(opened, true, `revealFrame ${origin.function} opened nothing`);
      assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, join(dir, 'main.go'), `${f.fixture}: the wrong file opened`);
      assert.equal(vscode.window.activeTextEditor?.selection.active.line, origin.line - 1);
    }
  });

  it('5: a substitutePath change applies without a reload (mapper rebuilt, decorations moved)', async () => {
    const a = await api();
    const core = await open(a, index());
    const origin = originOf(core.report.crash.frames)!;
    const copy = copySource(fixture('index', '1.22'), 'copy');
    const config = vscode.workspace.getConfiguration('goCoreInspector');
    try {
      await config.update('substitutePath', [{ from: copy, to: dirname(origin.file) }], vscode.ConfigurationTarget.Workspace);
      await waitFor('the mapper to follow substitutePath', () =>
        a.mapperFor(core.corePath)?.mapFrame(origin)?.path === join(copy, 'main.go') ? true : undefined,
      10_000);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(join(copy, 'main.go')));
      assert.ok(a.decorations.framesIn(join(copy, 'main.go')).some((d) => d.origin), 'the origin is decorated in the substituted file');
    } finally {
      await config.update('substitutePath', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('6: two cores: each keeps its annotations in its own files, sessions are named after core and program, closing is immediate and ends that Delve', async () => {
    const a = await api();
    const c1 = await open(a, index());
    const f2 = other();
    const c2 = await open(a, f2);
    assert.equal(a.sessions.active, c2);
    const mainGo = join(workspace, 'main.go');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(mainGo));
    const o1 = originOf(c1.report.crash.frames)!;
    assert.ok(
      a.decorations.framesIn(mainGo).some((d) => d.core === c1 && d.origin && d.frame.line === o1.line),
      'the first core\'s origin stays annotated while the second core is active',
    );
    const s1 = await waitFor('the first core\'s debug session', () => c1.debugSession);
    const s2 = await waitFor('the second core\'s debug session', () => c2.debugSession);
    assert.equal(s1.name, `core · prog (${c1.report.go.version})`);
    assert.equal(s2.name, `go1.22/core · prog (${c2.report.go.version})`, 'the second core is told apart from the first');
    const delves = await waitFor('two Delves', () => (c1.delve && c2.delve && childDelves().length >= 2 ? childDelves() : undefined));
    // Close the active (second) core: the views drop it at once, its Delve goes within a grace period.
    const t0 = Date.now();
    await vscode.commands.executeCommand('goCoreInspector.closeCoreDump');
    const took = Date.now() - t0;
    assert.ok(took < 2500, `closing took ${took} ms`);
    assert.equal(a.sessions.get(c2.id), undefined);
    assert.equal(a.sessions.active, c1, 'the views show the remaining core');
    await waitFor('the closed core\'s Delve to exit', () => (childDelves().length === delves.length - 1 ? true : undefined), 3000);
    assert.equal(c1.delve?.ended, false, 'the other core\'s Delve still runs');
  });

  it('7: the debug session never runs a core: continue/next are refused; exceptionInfo shows the panic', async () => {
    const a = await api();
    const core = await open(a, index());
    const session = await waitFor('the debug session', () => core.debugSession);
    const threadId = core.delve!.stoppedEvent.body.threadId ?? 1;
    for (const command of ['continue', 'next', 'stepIn']) {
      await assert.rejects(Promise.resolve(session.customRequest(command, { threadId })), /A core cannot run/, `${command} was forwarded to Delve`);
    }
    const info = (await session.customRequest('exceptionInfo', { threadId })) as { exceptionId: string; description: string };
    assert.equal(info.exceptionId, core.crash.kind);
    assert.equal(info.description, core.crash.messages.join('\n'));
    const tb = parseTraceback(readFileSync(join(workspace, 'traceback.txt'), 'utf8'));
    assert.equal(info.description.split('\n')[0], tb.panics[0]!.text.replace(/^\t+/, ''), 'the panic line the runtime printed');
  });

  it('7: one SSA row at a time, on one line; a running goroutine shows no wait reason', () => {
    const core = { notes: ['Delve note', 'SSA: waiting for your permission', 'SSA not available: old'] };
    setSsaNote(core, 'SSA not available: toolchain go1.22.12 not found. Looked at:\n  /usr/lib/go\n  ~/sdk');
    assert.deepEqual(core.notes, ['Delve note', 'SSA not available: toolchain go1.22.12 not found. Looked at: /usr/lib/go ~/sdk']);
    setSsaNote(core, undefined);
    assert.deepEqual(core.notes, ['Delve note']);
    assert.equal(waitReasonShown({ status: 'running', waitReason: 'chan receive' }), null);
    assert.equal(waitReasonShown({ status: 'waiting', waitReason: 'chan receive' }), 'chan receive');
    const m = {
      id: 0,
      tid: 1,
      address: '0x1',
      crashing: true,
      g0: { address: '0x2', stackLo: null, stackHi: null, schedPc: null, schedSp: null, schedFunction: null, crashPcOnStack: false },
      curg: { goid: 7, address: '0x3', status: 'running', waitReason: 'chan receive', schedPc: '0x0', schedSp: '0x0', schedFunction: null, schedLine: null },
      gsignal: null,
      throwing: 0,
      mallocing: 0,
      locks: 0,
      p: '0x0',
      pId: null,
    } as unknown as CrashSummary['ms'][number];
    const curg = mChildren(m).find((n) => n.kind === 'row' && n.label === 'curg');
    assert.ok(curg && curg.kind === 'row');
    assert.equal(curg.description, 'goroutine 7 [running]');
  });

  it('9: Copy as Traceback Text has the panic header, [running] and created by, and parses back to the same goroutine', async () => {
    const a = await api();
    const f = goroutineCrash();
    const core = await open(a, f);
    a.sessions.setActive(core.id);
    const text = await vscode.commands.executeCommand<string>('goCoreInspector.copyAsTraceback');
    assert.equal(await vscode.env.clipboard.readText(), text);
    const mine = parseTraceback(text);
    const oracle = parseTraceback(f.traceback);
    const g = crashingGoroutine(mine);
    const og = crashingGoroutine(oracle)!;
    assert.ok(g, `no crashing goroutine parsed from:\n${text}`);
    assert.equal(g.id, og.id);
    assert.equal(g.status, 'running');
    assert.deepEqual(mine.panics.map((p) => p.message.value), oracle.panics.map((p) => p.message.value));
    const user = (fs: { func: string }[]) => fs.map((x) => x.func).filter((fn) => fn.startsWith('main.'));
    assert.deepEqual(user(g.frames), user(og.frames));
    assert.equal(g.createdBy?.line.func.value, og.createdBy?.line.func.value, `created by: ${text}`);
    assert.equal(g.createdBy?.location?.lineNumber.value, og.createdBy?.location?.lineNumber.value);
  });

  it('9: a .txt or .log crash log opens as go-traceback (by content), a plain .txt does not', async () => {
    const logFile = join(workspace, 'crash.log');
    const plain = join(workspace, 'notes.txt');
    writeFileSync(logFile, '\n' + readFileSync(join(workspace, 'traceback.txt'), 'utf8'));
    writeFileSync(plain, 'panic attacks are not Go crashes\n');
    try {
      await api();
      const doc = await vscode.workspace.openTextDocument(logFile);
      await vscode.window.showTextDocument(doc);
      await waitFor('crash.log to become go-traceback', () =>
        vscode.workspace.textDocuments.find((d) => d.uri.fsPath === logFile && d.languageId === 'go-traceback') ? true : undefined,
      10_000);
      const txt = await vscode.workspace.openTextDocument(plain);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(txt.languageId, 'plaintext');
      assert.equal(looksLikeTraceback('SIGSEGV: segmentation violation\nPC=0x1 m=0 sigcode=1\n'), true);
      assert.equal(looksLikeTraceback('goroutine 1 gp=0xc000002380 m=0 mp=0x1 [running]:\n'), true);
      assert.equal(looksLikeTraceback('hello\npanic: x\n'), false);
    } finally {
      rmSync(logFile, { force: true });
      rmSync(plain, { force: true });
    }
  });

  it('10: the crash row is short; the whole message is in its tooltip and Copy Message; Copy for Issue has build IDs and the origin', async () => {
    const a = await api();
    const core = await open(a, index());
    const top = a.panicFrames.getChildren();
    const item = a.panicFrames.getTreeItem(top[0]!);
    const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
    const full = core.crash.messages[0]!;
    assert.ok(label.length <= SHORT_HEADLINE + 1, `the row is ${label.length} characters: ${label}`);
    assert.ok(full.startsWith(label.replace(/…$/, '')), `${label} is not the start of ${full}`);
    assert.ok(String(item.tooltip).includes(full), 'the tooltip holds the whole message');
    assert.equal(crashShortHeadline({ ...core.crash, messages: ['panic: x'] }), 'panic: x');
    await vscode.commands.executeCommand('goCoreInspector.copyMessage');
    assert.equal(await vscode.env.clipboard.readText(), core.crash.messages.join('\n'));
    const md = await vscode.commands.executeCommand<string>('goCoreInspector.copyForIssue');
    assert.ok(md.includes(full));
    assert.ok(md.includes(core.report.go.version!));
    assert.ok(md.includes(core.report.executable.goBuildId!));
    const origin = originOf(core.report.crash.frames)!;
    assert.match(md, new RegExp(`${origin.function.replace(/[.()*]/g, '\\$&')}\\(.*\\)    <-- crash origin`));
  });
});
