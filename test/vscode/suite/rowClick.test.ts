// A row clicked just as its view refreshes still goes to its frame. VS Code keeps the arguments of a
// tree item's command only while the render that made it lives: a refresh drops them, and a click on a
// row drawn before the refresh failed with "Actual command not found, wanted to execute
// goCoreInspector.revealFrame /N" (seen in code-server when notes arrived just after a core opened).
// The click here is VS Code's own: the keyboard's Enter (list.select) on the row focused in the real
// tree, sent right after the extension host refreshed the view (a note added, as the SSA note is)
// and before the workbench fetched the new rows; in Panic Frames (a note arrives) and in Goroutines
// (Clear Filter redraws it). Checked against the runtime's traceback: the line it printed for the
// crashing goroutine's first main.* frame opens in the editor.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { OpenCore } from '../../../src/vscode/session/coreSessions';
import { Views } from '../../../src/vscode/constants';
import type { PanicFramesNode } from '../../../src/vscode/views/panicFramesView';
import { crashingGoroutine, parseTraceback } from '../../../src/traceback/parse';
import { api, closeAll, labelOf, openCoreWithSession, panicRows, waitFor, workspace } from './helpers';

const trace = (what: string) => {
  const e = vscode.window.activeTextEditor;
  console.log(`[rowClick] ${new Date().toISOString()} ${what}; editor ${e ? `${e.document.uri.fsPath}:${e.selection.active.line + 1}` : 'none'}`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The position of the first row matching `pick` among the rows a tree shows: expanded rows' children
 * count (rows the provider marks Expanded, and those in `opened`, expanded with the keyboard).
 */
function visibleIndex<N extends { id: string }>(provider: vscode.TreeDataProvider<N>, pick: (n: N) => boolean, opened: ReadonlySet<string> = new Set()): number {
  let i = 0;
  const walk = (nodes: N[]): number => {
    for (const node of nodes) {
      if (pick(node)) return i;
      i++;
      const item = provider.getTreeItem(node) as vscode.TreeItem;
      if (item.collapsibleState === vscode.TreeItemCollapsibleState.Expanded || opened.has(node.id)) {
        const found = walk(provider.getChildren(node) as N[]);
        if (found >= 0) return found;
      }
    }
    return -1;
  };
  return walk(provider.getChildren() as N[]);
}

/** The editor shows `file` with the cursor on `line` (1-based). */
function editorAt(file: string, line: number): true | undefined {
  const e = vscode.window.activeTextEditor;
  return e?.document.uri.fsPath === file && e.selection.active.line === line - 1 ? true : undefined;
}

/** Closes every editor and waits until this host knows (it hears of editors after the command returns). */
async function closeEditors(): Promise<void> {
  let closedSince = 0;
  await waitFor('the editors to close and stay closed for a second', async () => {
    if (vscode.window.activeTextEditor || vscode.window.visibleTextEditors.length > 0) {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      closedSince = 0;
      return undefined;
    }
    closedSince ||= Date.now();
    return Date.now() - closedSince >= 1000 ? true : undefined;
  }, 20_000);
}

/** Focuses a view's tree on the row `pick` chooses, with the keyboard (Home, then Down). */
async function focusRow<N extends { id: string }>(viewId: string, provider: vscode.TreeDataProvider<N>, pick: (n: N) => boolean, opened?: ReadonlySet<string>): Promise<void> {
  await vscode.commands.executeCommand(`${viewId}.focus`);
  await sleep(300);
  const k = visibleIndex(provider, pick, opened);
  assert.ok(k >= 0, `the row is not shown in ${viewId}`);
  await vscode.commands.executeCommand('list.focusFirst');
  for (let i = 0; i < k; i++) await vscode.commands.executeCommand('list.focusDown');
}

/**
 * Enter on the focused row of `viewId` right after `refresh` made the extension host refresh the view:
 * VS Code sends the refresh from a promise chain (its debounce lets the first change through at once),
 * and the click goes before the workbench has the new rows (their fetch needs a round trip to this host).
 */
async function enterRightAfterRefresh(viewId: string, refresh: () => void): Promise<void> {
  await closeEditors();
  await vscode.commands.executeCommand(`${viewId}.focus`);
  await sleep(500); // past VS Code's 200 ms refresh debounce: the next change is sent at once
  assert.equal(vscode.window.activeTextEditor, undefined, 'an editor opened by itself');
  refresh();
  for (let i = 0; i < 5; i++) await Promise.resolve();
  trace(`${viewId}: Enter right after a refresh`);
  await vscode.commands.executeCommand('list.select');
}

/** Waits for the editor at `file:line` after a click (a refreshed row whose arguments VS Code dropped opens nothing). */
async function opens(file: string, line: number, what: string): Promise<void> {
  await waitFor(`${what} to open ${file}:${line} (a refreshed row's command whose arguments VS Code dropped fails: "Actual command not found")`, () => editorAt(file, line), 15_000);
  trace(`${what} opened`);
}

describe('A row clicked as its view refreshes', function () {
  this.timeout(240_000);

  before(async () => {
    assert.ok(workspace, 'GCI_VSCODE_WORKSPACE is not set');
    await closeAll(await api());
  });
  afterEach(async () => {
    await closeAll(await api());
  });

  it('Panic Frames: Enter on the origin row right after a refresh opens the origin line', async () => {
    const a = await api();
    const core: OpenCore = await openCoreWithSession(a, join(workspace, 'core'), join(workspace, 'prog'));
    a.sessions.setActive(core.id);
    // The oracle: the crashing goroutine's first main.* frame as the runtime printed it.
    const tb = parseTraceback(readFileSync(join(workspace, 'traceback.txt'), 'utf8'));
    const printed = crashingGoroutine(tb)?.frames.find((f) => f.func.startsWith('main.'));
    assert.ok(printed?.file && printed.lineNumber, 'no main.* frame with its location in the crashing goroutine of traceback.txt');
    const mainGo = join(workspace, printed.file.split('/').pop()!);
    const line = printed.lineNumber;
    const isOrigin = (n: PanicFramesNode) => n.kind === 'frame' && n.origin;
    const originRow = panicRows(a).find((r) => isOrigin(r.node));
    assert.ok(originRow, `no origin row: ${panicRows(a).map((r) => labelOf(r.item)).join(' | ')}`);
    assert.equal(labelOf(originRow.item), printed.func);

    // Every row with a click carries the view's row command without arguments: VS Code has nothing
    // of the row's to drop on a refresh.
    for (const { node, item } of panicRows(a)) {
      const click = a.panicFrames.clickOf(node);
      if (!click?.arguments?.length) continue;
      assert.equal(item.command?.command, 'goCoreInspector.openPanicFramesRow', `${labelOf(item)}: ${item.command?.command}`);
      assert.equal(item.command?.arguments, undefined, `${labelOf(item)} carries arguments`);
    }

    // First the click itself, with no refresh around it: the keyboard reaches the origin row.
    await closeEditors();
    await focusRow(Views.panicFrames, a.panicFrames, isOrigin);
    await vscode.commands.executeCommand('list.select');
    await opens(mainGo, line, 'Enter on the origin row');

    // Then the race: the view refreshes (a note arrives, as the SSA note does) as the row is clicked.
    const note = 'a note that arrives as the row is clicked';
    try {
      await enterRightAfterRefresh(Views.panicFrames, () => {
        core.notes.push(note);
        a.sessions.update(core);
      });
      await opens(mainGo, line, 'Enter on the origin row drawn before the refresh');
    } finally {
      core.notes.splice(core.notes.indexOf(note), 1);
      a.sessions.update(core);
    }
  });

  it('Goroutines: Enter on a frame row of the crashing goroutine right after a refresh opens its line', async () => {
    const a = await api();
    const core = await openCoreWithSession(a, join(workspace, 'core'), join(workspace, 'prog'));
    a.sessions.setActive(core.id);
    await vscode.commands.executeCommand(`${Views.goroutines}.focus`);
    const goid = core.report.crash.goroutine;
    assert.ok(goid !== null, 'the crash has no goroutine');
    // The oracle: the crashing goroutine's first main.* frame as the runtime printed it.
    const tb = parseTraceback(readFileSync(join(workspace, 'traceback.txt'), 'utf8'));
    const printed = crashingGoroutine(tb)?.frames.find((f) => f.func.startsWith('main.'));
    assert.ok(printed?.file && printed.lineNumber, 'no main.* frame with its location in the crashing goroutine of traceback.txt');
    const mainGo = join(workspace, printed.file.split('/').pop()!);
    // Its rows: the group that lists it, the goroutine, the frame.
    const groups = await waitFor('the Goroutines view to fill', () => {
      const top = a.goroutines.getChildren();
      return top.some((n) => n.kind === 'status' && n.id.endsWith('/computing')) ? undefined : top.filter((n) => n.kind === 'group');
    }, 120_000);
    const group = groups.find((g) => a.goroutines.getChildren(g).some((n) => n.kind === 'goroutine' && n.goid === goid));
    assert.ok(group, `no group lists goroutine ${goid} as a row of its own`);
    const g = a.goroutines.getChildren(group).find((n) => n.kind === 'goroutine' && n.goid === goid)!;
    const frame = a.goroutines.getChildren(g).find((n) => n.kind === 'frame' && n.frame.function === printed.func && n.frame.line === printed.lineNumber);
    assert.ok(frame, `goroutine ${goid} has no row for ${printed.func}:${printed.lineNumber}`);
    const item = a.goroutines.getTreeItem(frame);
    assert.equal(item.command?.command, 'goCoreInspector.openGoroutinesRow');
    assert.equal(item.command?.arguments, undefined, 'the frame row carries arguments');

    // The keyboard opens the group and the goroutine, then Enter on the frame.
    await closeEditors();
    await focusRow(Views.goroutines, a.goroutines, (n) => n.id === group.id);
    await vscode.commands.executeCommand('list.expand');
    await sleep(1000);
    await focusRow(Views.goroutines, a.goroutines, (n) => n.id === g.id, new Set([group.id]));
    await vscode.commands.executeCommand('list.expand');
    await sleep(1000);
    await focusRow(Views.goroutines, a.goroutines, (n) => n.id === frame.id, new Set([group.id, g.id]));
    await vscode.commands.executeCommand('list.select');
    await opens(mainGo, printed.lineNumber, `Enter on ${printed.func}`);

    // The race: the view refreshes (Clear Filter redraws it) as the row is clicked.
    await enterRightAfterRefresh(Views.goroutines, () => a.goroutines.setFilter(''));
    await opens(mainGo, printed.lineNumber, `Enter on ${printed.func} drawn before the refresh`);
  });

  it('a row command run with a node runs that row\'s click (other code and tests call it so)', async () => {
    const a = await api();
    const core = await openCoreWithSession(a, join(workspace, 'core'), join(workspace, 'prog'));
    a.sessions.setActive(core.id);
    const origin = panicRows(a).find((r) => r.node.kind === 'frame' && r.node.origin)!;
    assert.ok(origin, 'no origin row');
    const frame = (origin.node as Extract<PanicFramesNode, { kind: 'frame' }>).frame;
    await closeEditors();
    const opened = await waitFor('the row command to open the origin', async () => {
      try {
        return (await vscode.commands.executeCommand<boolean>('goCoreInspector.openPanicFramesRow', origin.node)) || undefined;
      } catch (e) {
        if (/another editor opened in the meantime/.test(String(e))) return undefined;
        throw e;
      }
    }, 30_000);
    assert.equal(opened, true);
    assert.ok(editorAt(join(workspace, frame.file.split('/').pop()!), frame.line), `${vscode.window.activeTextEditor?.document.uri.fsPath}:${vscode.window.activeTextEditor?.selection.active.line}`);
  });
});
