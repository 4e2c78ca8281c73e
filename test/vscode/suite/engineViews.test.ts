// The existing editor surfaces show what the engine knows, in a real VS Code on fixture cores:
// the SSA annotator on the one code path of `go-core report --ssa` (an inlined frame of a faulting
// frame shows the faulting instruction), nested panics each on its own raising line and in the
// _panic Chain view, a stack overflow's exact depth and bottom frames, deadlocks (the blocked
// goroutines first, their blocking lines annotated, no "goroutine ?"), compressed and truncated
// cores through openCoreAsync, the log's foundBy and source mapping, a linux/arm64 core. Each expectation is checked against the runtime's printed
// traceback or the fixture's source.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { annotateFrames } from '../../../src/analysis/annotate';
import type { ExtensionApi } from '../../../src/vscode/extension';
import { annotationHover, annotationText } from '../../../src/vscode/editor/crashDecorations';
import type { PanicChainNode } from '../../../src/vscode/views/panicChainView';
import { frameTooltip } from '../../../src/vscode/views/frameText';
import { parseTraceback } from '../../../src/traceback/parse';
import { fixture } from '../../support/fixtures';
import { waitFor, api, closeAll, workspace, labelOf, lineOf, openCoreWithSession, panicRows } from './helpers';

/** Opens a core and waits until its debug session is up (or Delve said why not): nothing is left starting behind a test. */
async function open(a: ExtensionApi, core: string, prog?: string) {
  const c = await openCoreWithSession(a, core, prog);
  return c;
}

function hoverText(md: vscode.MarkdownString): string {
  return md.value;
}

describe('The existing views show what the engine knows', function () {
  this.timeout(300_000);

  before(async () => {
    assert.ok(workspace, 'GCI_VSCODE_WORKSPACE is not set');
    await closeAll(await api());
  });
  afterEach(async () => {
    await closeAll(await api());
    rmSync(join(workspace, 'inl'), { recursive: true, force: true });
  });

  it('1: the SSA annotator uses annotateFrames: the inlined origin of a nil dereference names the faulting instruction, as go-core report --ssa does', async () => {
    const a = await api();
    const f = fixture('inlined-nilptr', '1.22');
    // The module in the workspace (a rebuild runs only there), reached through substitutePath.
    const copy = join(workspace, 'inl');
    mkdirSync(copy, { recursive: true });
    for (const n of readdirSync(f.srcDir)) copyFileSync(join(f.srcDir, n), join(copy, n));
    const config = vscode.workspace.getConfiguration('goCoreInspector');
    await config.update('substitutePath', [{ from: copy, to: f.srcDir }], vscode.ConfigurationTarget.Workspace);
    try {
      const core = await open(a, f.core, f.prog);
      a.sessions.setActive(core.id);
      const frames = core.report.crash.frames;
      const origin = core.crash.origin!;
      assert.equal(origin.function, 'main.(*node).Weight');
      assert.equal(origin.inlined, true);
      const physical = frames[frames.indexOf(origin) + 1]!;
      assert.equal(physical.pc, origin.pc, 'the inlined frame shares its physical frame');
      // The oracle: the faulting instruction's address as the runtime printed it ([signal ... pc=0x...]).
      const tb = parseTraceback(f.traceback);
      const sigpc = tb.signal?.fields.find((x) => x.key === 'pc')?.value;
      assert.equal(sigpc, origin.pc, 'the runtime faulted at the physical frame\'s pc');

      await a.ssaConsent.set(core.report.executable.goBuildId!, 'allowed');
      await vscode.commands.executeCommand('goCoreInspector.showSsaForFrame', origin);
      const ann = await waitFor('the annotation of the inlined origin frame', () => core.frameAnnotations.get(origin), 180_000);
      const phys = await waitFor('the annotation of the physical frame', () => core.frameAnnotations.get(physical), 60_000);
      assert.equal(ann.error, null);
      assert.equal(ann.returnAddress, false);
      assert.equal(ann.lookupPc, sigpc, 'pc itself is looked up, not pc−1');
      assert.equal(ann.instruction?.pc, sigpc, `the faulting instruction at ${sigpc}: ${JSON.stringify(ann.instruction)}`);
      assert.match(ann.instruction!.text, /\(/, `a load through a pointer: ${ann.instruction!.text}`);
      assert.match(ann.rule, /faulting instruction/);
      assert.deepEqual({ ...phys, frame: 0, function: '', line: 0, inlined: false, origin: false, rule: '' }, { ...ann, frame: 0, function: '', line: 0, inlined: false, origin: false, rule: '' }, 'the physical frame has the same answer');

      // The same code path as `go-core report --ssa`: annotateFrames on the same frames (the cached result, nothing rebuilt).
      const cli = await annotateFrames(core.engine, frames, { sourceRoot: () => copy, allowedRoots: [copy], allowRebuild: false });
      const mine = cli.find((x) => x.frame === frames.indexOf(origin))!;
      assert.deepEqual({ ...ann, cached: true }, { ...mine, cached: true });

      // The annotation and hover of the origin line and of the physical frame's line agree.
      const main = join(copy, 'main.go');
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(main));
      const decorated = a.decorations.framesIn(main);
      const dOrigin = decorated.find((d) => d.frame === origin);
      const dPhys = decorated.find((d) => d.frame === physical);
      assert.ok(dOrigin && dPhys, `both lines decorated: ${decorated.map((d) => `${d.frame.function}:${d.frame.line}`).join(', ')}`);
      assert.ok(annotationText(dOrigin, core.crash).includes(ann.instruction!.text), annotationText(dOrigin, core.crash));
      const hOrigin = hoverText(annotationHover(dOrigin, core.crash));
      const hPhys = hoverText(annotationHover(dPhys, core.crash));
      for (const h of [hOrigin, hPhys]) {
        assert.ok(h.includes(`ins ${sigpc}  ${ann.instruction!.text}`), h);
        assert.match(h, /faulting instruction/);
        assert.doesNotMatch(h, /return address/);
      }
      // The view's tooltips of the physical frame and its inlined frame state the same rule.
      for (const fr of [origin, physical]) assert.match(frameTooltip(fr, fr === origin).value, /faulting instruction/);
    } finally {
      await config.update('substitutePath', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('2: nested panics: each raising line carries its own message; the _panic Chain shows each record\'s raising frame', async () => {
    const a = await api();
    const f = fixture('nested-panics', '1.22');
    const core = await open(a, f.core, f.prog);
    a.sessions.setActive(core.id);
    const main = join(f.srcDir, 'main.go');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(main));
    const decorated = a.decorations.framesIn(main);
    // The oracle: the fixture's source marks each raising line (`// raises A`), the traceback prints the values.
    const expected = { A: 'panic: A', B: 'panic: B [recovered]', C: 'panic: C after B' } as const;
    const printed = parseTraceback(f.traceback).panics.map((p) => p.text.replace(/^\t+/, ''));
    for (const [name, text] of Object.entries(expected)) {
      assert.ok(printed.includes(text), `the runtime printed ${text}: ${printed.join(' | ')}`);
      const line = lineOf(f, 'main.go', `// raises ${name}`);
      const d = decorated.find((x) => x.frame.line === line);
      assert.ok(d, `line ${line} (raises ${name}) is not decorated`);
      const t = annotationText(d, core.crash);
      assert.ok(t.includes(text), `line ${line}: ${t}`);
      for (const other of Object.values(expected)) if (other !== text) assert.ok(!t.includes(other), `line ${line} also says ${other}: ${t}`);
    }
    // _panic Chain: every record names the frame that raised it.
    const records = a.panicChain.getChildren();
    assert.equal(records.length, 3);
    for (const node of records) {
      assert.equal(node.kind, 'panic');
      const r = (node as Extract<PanicChainNode, { kind: 'panic' }>).record;
      const name = r.value.slice(0, 1);
      const line = lineOf(f, 'main.go', `// raises ${name}`);
      const item = a.panicChain.getTreeItem(node);
      assert.match(String(item.description), new RegExp(`raised in main\\.[\\w.]+ \\(main\\.go:${line}\\)`), String(item.description));
      const child = a.panicChain.getChildren(node)[0]!;
      const ci = a.panicChain.getTreeItem(child);
      assert.equal(labelOf(ci), `raised by ${r.raisingFrame!.function}`);
      assert.equal(ci.description, `main.go:${line}`);
      assert.equal(ci.command?.command, 'goCoreInspector.openPanicChainRow');
      assert.deepEqual(a.panicChain.clickOf(child)?.arguments, [r.raisingFrame]);
    }
  });

  it('3: a stack overflow shows the recursion × its exact depth (the runtime\'s elided + printed count) and the bottom frames', async () => {
    const a = await api();
    const f = fixture('stack-overflow', '1.22');
    const core = await open(a, f.core, f.prog);
    a.sessions.setActive(core.id);
    const g1 = f.traceback.split(/\n\n(?=goroutine \d+ )/).find((s) => s.startsWith('goroutine 1 '))!;
    const elided = Number(/\.\.\.(\d+) frames elided\.\.\./.exec(g1)?.[1]);
    const printed = g1.match(/^main\.recurse\(/gm)?.length ?? 0;
    const depth = elided + printed;
    assert.ok(elided > 1_000_000, `the runtime elided ${elided} frames`);
    assert.equal(core.report.crash.frames.filter((x) => x.function === 'main.recurse').reduce((s, x) => s + x.repeat, 0), depth, 'the sum of repeat');
    const rows = panicRows(a);
    const labels = rows.map((r) => labelOf(r.item));
    const rep = rows.find((r) => r.node.kind === 'repeat');
    assert.ok(rep, `no repeated-frame row: ${labels.join(' | ')}`);
    assert.equal(labelOf(rep.item), `main.recurse × ${depth.toLocaleString('en-US')}`);
    const at = rows.indexOf(rep);
    const after = labels.slice(at + 1);
    assert.ok(after.includes('main.main'), `main.main below the recursion: ${after.join(' | ')}`);
    assert.ok(after.includes('runtime.main'), `runtime.main below the recursion: ${after.join(' | ')}`);
    assert.ok(!labels.some((l) => l.startsWith('walk cut')), 'the walk reached the top: no cut row');
  });

  for (const name of ['mutex-deadlock', 'wait-mutex-exited']) {
    it(`4: a deadlock (${name}): the blocked goroutines first, no "goroutine ?", their blocking lines annotated; a cut walk says so`, async () => {
      const a = await api();
      const f = fixture(name, '1.22');
      const core = await open(a, f.core, f.prog);
      a.sessions.setActive(core.id);
      // The oracle: the goroutines the runtime printed with frames of the program, in its order.
      const tb = parseTraceback(f.traceback);
      const user = tb.goroutines.filter((g) => g.frames.some((x) => x.func.startsWith('main.')));
      assert.ok(user.length >= 1);
      const top = a.panicFrames.getChildren();
      const items = top.map((n) => a.panicFrames.getTreeItem(n));
      const rows = panicRows(a).map((r) => labelOf(r.item));
      assert.ok(!rows.some((l) => /goroutine \?/.test(l)), `a "goroutine ?" row: ${rows.join(' | ')}`);
      assert.equal(items[0]!.description, `goroutine ${user[0]!.id}`);
      const sections = top.flatMap((n, i) => (n.kind === 'section' ? [{ n, label: labelOf(items[i]!) }] : []));
      assert.deepEqual(
        sections.slice(0, user.length).map((s) => s.label),
        user.map((g) => `goroutine ${g.id} [${g.status.replace(/, \d+ minutes$/, '')}]`),
        'the blocked goroutines come first, in the runtime\'s order',
      );
      // The crashing thread ran checkdead on g0: its walk is shown after them.
      assert.ok(sections.findIndex((s) => s.label.startsWith('system stack')) >= user.length);
      const stop = core.report.crash.stop;
      if (stop.reason !== 'top') assert.ok(rows.some((l) => l.startsWith(`walk cut: ${stop.reason} at ${stop.detail}`)), `no walk-cut row for ${stop.reason}: ${rows.join(' | ')}`);
      // Each blocking line: the first main.* frame of each blocked goroutine, as printed.
      const main = join(f.srcDir, 'main.go');
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(main));
      const decorated = a.decorations.framesIn(main);
      for (const g of user) {
        const fr = g.frames.find((x) => x.func.startsWith('main.'))!;
        const line = fr.location!.lineNumber.value;
        const d = decorated.find((x) => x.frame.line === line && x.blocked);
        assert.ok(d, `goroutine ${g.id}'s blocking line ${line} is not annotated: ${decorated.map((x) => x.frame.line).join(', ')}`);
        assert.ok(
          annotationText(d, core.crash).includes(`blocked: ${g.status.replace(/, \d+ minutes$/, '')} — all goroutines are asleep`),
          annotationText(d, core.crash),
        );
      }
    });
  }

  it('5: a .zst core opens through openCoreAsync (Delve on the decompressed copy); a truncated core says so at the top; the log says foundBy and the sources mapping once', async () => {
    const a = await api();
    const f = fixture('index', '1.22');
    const tmp = mkdtempSync(join(tmpdir(), 'gci-zst-'));
    try {
      const zst = join(tmp, 'core.zst');
      execFileSync('zstd', ['-q', '-f', '-o', zst, f.core]);
      const before = a.logLines().length;
      const core = await open(a, zst);
      a.sessions.setActive(core.id);
      assert.equal(core.report.core.compression?.format, 'zstd');
      const crashRow = a.panicFrames.getTreeItem(a.panicFrames.getChildren()[0]!);
      const printed = parseTraceback(f.traceback).panics[0]!.text.replace(/^\t+/, '');
      assert.ok(String(crashRow.tooltip).includes(printed), String(crashRow.tooltip));
      await waitFor('Delve on the decompressed core', () => core.delve ?? (core.notes.find((n) => n.startsWith('No Delve')) ? null : undefined), 120_000).then((d) =>
        assert.ok(d, `no Delve: ${core.notes.join(' | ')}`),
      );
      const log = a.logLines().slice(before);
      assert.ok(log.some((l) => l.includes(`executable ${core.binaryPath}`) && l.includes(`foundBy: ${core.report.executable.foundBy}`)), log.join('\n'));
      assert.ok(log.some((l) => l.includes('zstd core read from')), log.join('\n'));
      await closeAll(a, { waitForDebugEnd: true });

      // The workspace's own core: its module is this workspace's, built in the fixture cache.
      const before2 = a.logLines().length;
      const ws = await open(a, join(workspace, 'core'));
      const log2 = a.logLines().slice(before2);
      const src = ws.report.sources;
      assert.ok(src, 'the report maps the recorded module root to the workspace');
      assert.equal(log2.filter((l) => l.includes(`sources from ${src.recordedRoot} → this workspace`)).length, 1, log2.join('\n'));
      await closeAll(a, { waitForDebugEnd: true });

      // Cut at 40 %: what is missing is said first.
      const cut = join(tmp, 'core');
      copyFileSync(f.core, cut);
      truncateSync(cut, Math.floor(statSync(f.core).size * 0.4));
      const t = await open(a, cut, f.prog);
      a.sessions.setActive(t.id);
      const tr = t.report.truncated;
      assert.ok(tr, 'the report names the truncation');
      assert.equal(tr.actualBytes, statSync(cut).size);
      const first = a.panicFrames.getTreeItem(a.panicFrames.getChildren()[0]!);
      assert.match(labelOf(first), new RegExp(`^core truncated: ${(tr.expectedBytes - tr.actualBytes).toLocaleString('en-US')} bytes missing`));
    } finally {
      await closeAll(a, { waitForDebugEnd: true });
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('6: a linux/arm64 core written by qemu-user: Panic Frames shows the crash, goroutine and origin the runtime printed; the origin line is decorated; Delve reads it', async () => {
    const a = await api();
    const f = fixture('nilptr-goroutine-arm64', '1.24');
    const core = await open(a, f.core);
    try {
      a.sessions.setActive(core.id);
      assert.equal(core.report.core.arch, 'arm64');
      const tb = parseTraceback(f.traceback);
      const g = tb.goroutines[0]!;
      const printedOrigin = g.frames.find((x) => !x.func.startsWith('runtime.') && x.func !== 'panic')!;
      assert.equal(core.crash.kind, 'panic');
      assert.equal(core.crash.goroutine, g.id);
      assert.equal(core.crash.origin?.function, printedOrigin.func);
      assert.equal(core.crash.origin?.line, printedOrigin.lineNumber);
      const crashRow = a.panicFrames.getTreeItem(a.panicFrames.getChildren()[0]!);
      const message = tb.panics[0]!.text.replace(/^\t+/, '');
      assert.ok(String(crashRow.tooltip).includes(message), String(crashRow.tooltip));
      const rows = panicRows(a).map((r) => labelOf(r.item));
      assert.ok(rows.some((l) => l.includes(printedOrigin.func)), rows.join(' | '));
      const main = join(f.srcDir, 'main.go');
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(main));
      const decorated = await waitFor('the origin line decorated', () => a.decorations.framesIn(main).find((d) => d.frame === core.crash.origin), 30_000);
      assert.equal(decorated.frame.line, printedOrigin.lineNumber);
      await waitFor('Delve on the arm64 core', () => core.delve ?? (core.notes.find((n) => n.startsWith('No Delve')) ? null : undefined), 120_000).then((d) =>
        assert.ok(d, `no Delve: ${core.notes.join(' | ')}`),
      );
    } finally {
      await closeAll(a, { waitForDebugEnd: true });
    }
  });
});
