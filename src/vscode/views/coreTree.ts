// What the Goroutines and Heap views share: a tree over one slow model of the active core
// (CoreComputation), its nodes kept by id (a node fired as changed must be the object the tree
// holds), paged lists ("Show 500 more…"), and a refresh when the active core changes or the model
// of the active core is ready. The views say what they show in getChildren/getTreeItem.
import * as vscode from 'vscode';
import type { CoreSessions, OpenCore } from '../session/coreSessions.js';
import { CoreComputation } from './coreComputation.js';
import { Commands } from '../constants.js';
import { PAGE } from './goroutineGroups.js';
import { rowItemCommand, type ClickableRows } from './rowClick.js';

/** The "Show N more…" node of a paged list: one more page of `parent`'s children. */
export interface MoreNode<N> {
  kind: 'more';
  id: string;
  listKey: string;
  parent: N | undefined;
  remaining: number;
}

/** A row that says where the view stands (computing, failed, a note), with an optional command. */
export interface StatusNode {
  kind: 'status';
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  icon: string;
  command?: vscode.Command;
}

/** The tree item of a status row (its command, if any, is the row's click: CoreTreeProvider.clickOf). */
export function statusItem(node: StatusNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
  item.description = node.description;
  item.tooltip = node.tooltip;
  item.iconPath = new vscode.ThemeIcon(node.icon);
  item.contextValue = 'status';
  return item;
}

/** The tree item of a "Show N more…" row (a click pages the list in: CoreTreeProvider.clickOf). */
export function moreItem<N>(node: MoreNode<N>): vscode.TreeItem {
  const item = new vscode.TreeItem(`Show ${Math.min(PAGE, node.remaining).toLocaleString('en-US')} more…`, vscode.TreeItemCollapsibleState.None);
  item.description = `${node.remaining.toLocaleString('en-US')} not shown`;
  item.iconPath = new vscode.ThemeIcon('ellipsis');
  item.contextValue = 'more';
  return item;
}

export abstract class CoreTreeProvider<N extends { id: string; kind: string }, V>
  implements vscode.TreeDataProvider<N>, ClickableRows<N>, vscode.Disposable
{
  /** The view's row command (Commands.open…Row). */
  abstract readonly rowCommand: string;
  protected readonly changed = new vscode.EventEmitter<N | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  protected readonly computation: CoreComputation<V>;
  /** Nodes by id, so that a node fired as changed is the object the tree holds. */
  private nodes = new Map<string, N>();
  /** How many children a paged node shows. */
  protected limits = new Map<string, number>();
  protected lastCore: OpenCore | undefined;
  protected readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    protected readonly sessions: CoreSessions,
    compute: (core: OpenCore) => V | Promise<V>,
    viewId: string,
    progressTitle: string,
  ) {
    this.computation = new CoreComputation(compute, viewId, progressTitle, (core) => {
      if (core === this.sessions.active) this.refresh();
    });
    this.subscriptions.push(
      sessions.onDidChange(() => {
        if (this.sessions.active !== this.lastCore) this.refresh();
      }),
    );
  }

  abstract getChildren(node?: N): N[];
  /** The row's tree item, without its id and command (getTreeItem adds them). */
  protected abstract item(node: N): vscode.TreeItem;

  getTreeItem(node: N): vscode.TreeItem {
    const item = this.item(node);
    item.id = node.id;
    item.command = rowItemCommand(this, node);
    return item;
  }

  /** What a click on a row runs: a status row's command, Show More on a "Show N more…" row. */
  clickOf(node: N): vscode.Command | undefined {
    if (node.kind === 'status') return (node as unknown as StatusNode).command;
    if (node.kind === 'more') return { command: Commands.showMore, title: 'Show More', arguments: [node] };
    return undefined;
  }

  /** The "Show 500 more…" node: one more page of its parent's children. */
  showMore(node: N): void {
    if (node.kind !== 'more') return;
    const more = node as unknown as MoreNode<N>;
    this.limits.set(more.listKey, (this.limits.get(more.listKey) ?? PAGE) + PAGE);
    this.changed.fire(more.parent);
  }

  /** Forgets the nodes and pages of the core shown before and redraws the tree. */
  protected refresh(): void {
    this.lastCore = this.sessions.active;
    this.nodes = new Map();
    this.limits = new Map();
    this.forget();
    this.changed.fire(undefined);
  }

  /** What a view derived from the core shown before, dropped on refresh. */
  protected forget(): void {}

  protected node<T extends N>(n: T): T {
    const known = this.nodes.get(n.id);
    if (known && known.kind === n.kind) return known as T;
    this.nodes.set(n.id, n);
    return n;
  }

  dispose(): void {
    this.changed.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
