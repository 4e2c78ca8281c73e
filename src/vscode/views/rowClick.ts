// What a click on a row of a view runs. VS Code keeps the arguments of a tree item's command only
// while the render that made the item lives (extHostCommands' CommandsConverter caches them under
// `<command> /N`; a refresh disposes the old items and their cache entries before the new rows are
// drawn), so a click on a row drawn before a refresh fails with "Actual command not found, wanted to
// execute <command> /N". Views refresh often just after a core opens (its notes arrive), so a row's
// tree item carries its view's row command WITHOUT arguments, and that command finds the clicked row
// in the view's selection: VS Code selects a row before it runs the row's command, and keeps the
// selection by the row's handle (its stable `id`), which resolves to the same row of the new render
// once VS Code has fetched it again. The action itself (Go to Frame with the frame, Show More with
// the node) stays a command with arguments that the row command runs, and stays callable with them.
import * as vscode from 'vscode';

/** A view whose rows may run a command when clicked. */
export interface ClickableRows<N> {
  /** The view's row command (Commands.open…Row), registered by registerRowClicks. */
  readonly rowCommand: string;
  /** What a click on the row runs (a command and its arguments); undefined for a row without one. */
  clickOf(node: N): vscode.Command | undefined;
}

/**
 * How long a click waits for its row while the view redraws: between a refresh and VS Code's new
 * fetch of the rows the selected row's handle names no element yet (a few round trips to the
 * workbench; seconds under load).
 */
export const CLICK_WAIT_MS = 5_000;
const POLL_MS = 20;

/**
 * The tree item command of a row: its click as it is when that takes no arguments (nothing to drop),
 * else the view's row command without arguments; none for a row without a click.
 */
export function rowItemCommand<N>(rows: ClickableRows<N>, node: N): vscode.Command | undefined {
  const click = rows.clickOf(node);
  if (!click) return undefined;
  if (!click.arguments?.length) return click;
  return { command: rows.rowCommand, title: click.title, ...(click.tooltip ? { tooltip: click.tooltip } : {}) };
}

/** The row a click selected in `view`; waits (bounded) while the view redraws. */
export async function clickedRow<N>(view: vscode.TreeView<N>, waitMs = CLICK_WAIT_MS): Promise<N | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const row = view.selection[0];
    if (row !== undefined) return row;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * Registers the row command of `view`: run with a node (tests, other code) it runs that node's click;
 * run by a click (no argument) it runs the click of the row selected in the view.
 */
export function registerRowClicks<N>(view: vscode.TreeView<N>, rows: ClickableRows<N>): vscode.Disposable {
  return vscode.commands.registerCommand(rows.rowCommand, async (node?: N) => {
    const row = node ?? (await clickedRow(view));
    const click = row === undefined ? undefined : rows.clickOf(row);
    if (!click) return undefined;
    return vscode.commands.executeCommand(click.command, ...(click.arguments ?? []));
  });
}

/** The tree view of `viewId` over `provider`, with its row command registered. */
export function createClickableTreeView<N>(
  viewId: string,
  provider: vscode.TreeDataProvider<N> & ClickableRows<N>,
  options: Omit<vscode.TreeViewOptions<N>, 'treeDataProvider'> = {},
): { view: vscode.TreeView<N>; disposables: vscode.Disposable[] } {
  const view = vscode.window.createTreeView(viewId, { ...options, treeDataProvider: provider });
  return { view, disposables: [view, registerRowClicks(view, provider)] };
}
