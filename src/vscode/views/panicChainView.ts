// The _panic chain view: one node per runtime._panic record, newest first, with its decoded value and
// recovered/aborted/goexit; children: every field with its byte offset in this Go version's layout.
import * as vscode from 'vscode';
import type { SummaryField, SummaryPanic } from '../../analysis/crashSummary.js';
import type { CoreSessions } from '../session/coreSessions.js';

export type PanicChainNode = { kind: 'panic'; record: SummaryPanic; index: number } | { kind: 'field'; field: SummaryField };

export function fieldLabel(f: SummaryField): string {
  return `${f.name} @+0x${f.offset.toString(16)}`;
}

export function fieldDescription(f: SummaryField): string {
  return `${f.type} = ${f.value}${f.symbol ? ` (${f.symbol})` : ''}`;
}

export function panicDescription(r: SummaryPanic): string {
  const flags = [r.recovered ? 'recovered' : undefined, r.aborted ? 'aborted' : undefined, r.goexit ? 'goexit' : undefined];
  return flags.filter(Boolean).join(' · ') || r.address;
}

export class PanicChainProvider implements vscode.TreeDataProvider<PanicChainNode> {
  private readonly changed = new vscode.EventEmitter<PanicChainNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly sessions: CoreSessions) {
    sessions.onDidChange(() => this.changed.fire(undefined));
  }

  getChildren(node?: PanicChainNode): PanicChainNode[] {
    const core = this.sessions.active;
    if (!core) return [];
    if (!node) return core.crash.panics.map((record, index) => ({ kind: 'panic', record, index }));
    return node.kind === 'panic' ? node.record.fields.map((field) => ({ kind: 'field', field })) : [];
  }

  getTreeItem(node: PanicChainNode): vscode.TreeItem {
    if (node.kind === 'panic') {
      const item = new vscode.TreeItem(
        node.record.value,
        node.index === 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
      );
      item.description = panicDescription(node.record);
      item.tooltip = `runtime._panic at ${node.record.address}`;
      item.iconPath = new vscode.ThemeIcon(node.record.recovered ? 'debug-restart' : 'error');
      item.contextValue = 'panic';
      return item;
    }
    const item = new vscode.TreeItem(fieldLabel(node.field));
    item.description = fieldDescription(node.field);
    item.tooltip = `${fieldLabel(node.field)} ${fieldDescription(node.field)}`;
    item.iconPath = new vscode.ThemeIcon('symbol-field');
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
