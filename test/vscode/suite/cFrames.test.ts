// Crashes outside Go code in the views (issue 12), in a real VS Code on the cgo and race fixtures:
// C frames have their own icon, their file:line from DWARF (the inlined C function included) and
// Go to Frame opens it (a cgo preamble's line in the .go file, a .c file's own); Show SSA on a C
// frame says C code has no SSA and rebuilds nothing; the race fixture's crash row carries the one
// sentence naming the instrumented function, and the g0 / curg view shows racectx per g.
// Expected lines come from the fixtures' source (the runtime's traceback shows no C frame).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/vscode/extension';
import type { ThreadsNode } from '../../../src/vscode/views/threadsView';
import { fixture } from '../../support/fixtures';
import { waitFor, api, closeAll, lineOf, openCoreWithSession, panicRows } from './helpers';

async function open(a: ExtensionApi, core: string, prog?: string) {
  const c = await openCoreWithSession(a, core, prog);
  a.sessions.setActive(c.id);
  return c;
}

const iconId = (item: vscode.TreeItem): string | undefined => (item.iconPath instanceof vscode.ThemeIcon ? item.iconPath.id : undefined);

describe('C frames and race-runtime faults in the views (issue 12)', function () {
  this.timeout(300_000);
  before(async () => closeAll(await api()));
  afterEach(async () => closeAll(await api()));

  it('C frames: own icon, file:line of the inlined C function and its caller, Go to Frame, no SSA', async () => {
    const a = await api();
    const f = fixture('cgo-inlined-fault', '1.24');
    const core = await open(a, f.core, f.prog);
    const rows = panicRows(a).filter((r) => r.node.kind === 'frame');
    const cRows = rows.filter((r) => r.node.kind === 'frame' && r.node.frame.language === 'c');
    const names = cRows.map((r) => (r.node.kind === 'frame' ? r.node.frame.function : ''));
    assert.deepEqual(names.slice(0, 2), ['read_count', 'sum_counts'], `C rows: ${names.join(', ')}`);
    const [inl, phys] = cRows.map((r) => (r.node.kind === 'frame' ? r.node.frame : undefined!));
    assert.equal(inl!.inlined, true);
    assert.equal(inl!.line, lineOf(f, 'main.go', 'return c->count;'));
    assert.equal(phys!.line, lineOf(f, 'main.go', 'total += read_count(c + i);'));
    // The origin is the inlined C function (the faulting line); the other C frames have the chip icon.
    assert.equal(core.crash.origin?.function, 'read_count');
    assert.equal(iconId(cRows[0]!.item), 'debug-stackframe-focused');
    for (const r of cRows.slice(1)) assert.equal(iconId(r.item), 'chip', `${r.item.label}`);
    assert.ok(cRows.every((r) => String(r.item.contextValue).endsWith(' c')));
    assert.match(String(cRows[1]!.item.description), /^main\.go:\d+$/);

    // Go to Frame opens the .go file at the C line (a cgo preamble line).
    assert.equal(await vscode.commands.executeCommand('goCoreInspector.revealFrame', inl), true);
    const ed = await waitFor('the editor of main.go', () => (vscode.window.activeTextEditor?.document.uri.fsPath.endsWith('main.go') ? vscode.window.activeTextEditor : undefined));
    assert.equal(ed.selection.active.line + 1, inl!.line);

    // Show SSA on a C frame: no SSA, nothing rebuilt (no annotation is made for it).
    const shown: string[] = [];
    const win = vscode.window as { showInformationMessage: (m: string, ...rest: unknown[]) => Thenable<unknown> };
    const orig = win.showInformationMessage;
    win.showInformationMessage = (m: string, ...rest: unknown[]) => {
      shown.push(m);
      return orig.call(vscode.window, m, ...rest);
    };
    try {
      const r = await vscode.commands.executeCommand('goCoreInspector.showSsaForFrame', phys);
      assert.equal(r, undefined);
    } finally {
      win.showInformationMessage = orig;
    }
    assert.ok(shown.some((m) => m.includes('sum_counts') && m.includes('C code has no SSA')), shown.join('\n'));
    assert.equal(core.frameAnnotations.get(phys!), undefined);
  });

  it('race runtime on the system stack: the crash row says why in one sentence; g0 / curg show racectx', async () => {
    const a = await api();
    const f = fixture('race-systemstack', '1.24');
    const core = await open(a, f.core, f.prog);
    const why = core.crash.fault?.explanation;
    assert.ok(why && why.includes('main.instrumented') && why.includes('racectx = 0'), String(why));
    const crashNode = a.panicFrames.getChildren().find((n) => n.kind === 'crash')!;
    const kids = a.panicFrames.getChildren(crashNode).map((n) => a.panicFrames.getTreeItem(n).label);
    assert.ok(kids.includes(why), `crash row children: ${kids.join(' | ')}`);
    // g0 / curg: racectx rows under g0 (0x0) and curg (goroutine 1's, not 0) of the crashing M.
    const ms = a.threads.getChildren();
    const crashing = ms.find((n) => n.kind === 'm' && n.m.crashing)!;
    const rows = a.threads.getChildren(crashing);
    const under = (label: string): ThreadsNode[] => {
      const r = rows.find((x) => x.kind === 'row' && x.label === label);
      return r && r.kind === 'row' ? (r.children ?? []) : [];
    };
    const racectx = (label: string) => under(label).find((x) => x.kind === 'row' && x.label === 'racectx');
    const g0 = racectx('g0');
    const curg = racectx('curg');
    assert.ok(g0 && g0.kind === 'row' && g0.description === '0x0', JSON.stringify(g0));
    assert.ok(curg && curg.kind === 'row' && /^0x[0-9a-f]+$/.test(curg.description) && curg.description !== '0x0', JSON.stringify(curg));
  });
});
