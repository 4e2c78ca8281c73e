// The _panic chain view: one node per runtime._panic record, newest first, with its decoded value and
// recovered/aborted/goexit; children: every field with its byte offset in this Go version's layout.
import * as vscode from 'vscode';
import type { SummaryField, SummaryPanic } from '../../analysis/crashSummary.js';
import { Commands } from '../constants.js';
import type { CoreSessions } from '../session/coreSessions.js';
import { rowItemCommand, type ClickableRows } from './rowClick.js';
import { activeCoreKey, refreshWhenShownChanges } from './shownKey.js';

/** A row of the view; `id` (core, record, row) is the same in every render of the core (rowClick.ts). */
export type PanicChainNode = { id: string } & (
  | { kind: 'panic'; record: SummaryPanic; index: number }
  | { kind: 'raisedBy'; record: SummaryPanic }
  | { kind: 'field'; field: SummaryField }
);

export function fieldLabel(f: SummaryField): string {
  return `${f.name} @+0x${f.offset.toString(16)}`;
}

export function fieldDescription(f: SummaryField): string {
  return `${f.type} = ${f.value}${f.symbol ? ` (${f.symbol})` : ''}`;
}

/** The frame that raised the record, as `main.run (main.go:21)`; undefined when the engine found none. */
export function raisingFrameText(r: SummaryPanic): string | undefined {
  const f = r.raisingFrame;
  return f ? `${f.function} (${f.file.split('/').pop()}:${f.line})` : undefined;
}

export function panicDescription(r: SummaryPanic): string {
  const flags = [r.recovered ? 'recovered' : undefined, r.aborted ? 'aborted' : undefined, r.goexit ? 'goexit' : undefined];
  const at = raisingFrameText(r);
  return [...flags, at ? `raised in ${at}` : undefined].filter(Boolean).join(' · ') || r.address;
}

export class PanicChainProvider implements vscode.TreeDataProvider<PanicChainNode>, ClickableRows<PanicChainNode> {
  readonly rowCommand = Commands.openPanicChainRow;
  private readonly changed = new vscode.EventEmitter<PanicChainNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly sessions: CoreSessions) {
    refreshWhenShownChanges(sessions, () => activeCoreKey(sessions), () => this.changed.fire(undefined));
  }

  getChildren(node?: PanicChainNode): PanicChainNode[] {
    const core = this.sessions.active;
    if (!core) return [];
    if (!node) return core.crash.panics.map((record, index) => ({ id: `${core.id}/panic${index}`, kind: 'panic', record, index }));
    if (node.kind !== 'panic') return [];
    const raised: PanicChainNode[] = node.record.raisingFrame ? [{ id: `${node.id}/raisedBy`, kind: 'raisedBy', record: node.record }] : [];
    return [...raised, ...node.record.fields.map((field, i): PanicChainNode => ({ id: `${node.id}/${i}`, kind: 'field', field }))];
  }

  /** The frame that raised a record goes to its source line. */
  clickOf(node: PanicChainNode): vscode.Command | undefined {
    return node.kind === 'raisedBy' && node.record.raisingFrame
      ? { command: Commands.revealFrame, title: 'Go to Frame', arguments: [node.record.raisingFrame] }
      : undefined;
  }

  getTreeItem(node: PanicChainNode): vscode.TreeItem {
    const item = this.item(node);
    item.id = node.id;
    item.command = rowItemCommand(this, node);
    return item;
  }

  private item(node: PanicChainNode): vscode.TreeItem {
    if (node.kind === 'panic') {
      const item = new vscode.TreeItem(
        node.record.value,
        node.index === 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
      );
      item.description = panicDescription(node.record);
      const at = node.record.raisingFrame;
      item.tooltip = `runtime._panic at ${node.record.address}${at ? `\nraised by ${at.function} at ${at.file}:${at.line}` : '\nthe frame that raised it is not on the crashing stack'}`;
      item.iconPath = new vscode.ThemeIcon(node.record.recovered ? 'debug-restart' : 'error');
      item.contextValue = 'panic';
      return item;
    }
    if (node.kind === 'raisedBy') {
      const f = node.record.raisingFrame!;
      const item = new vscode.TreeItem(`raised by ${f.function}`);
      item.description = `${f.file.split('/').pop()}:${f.line}${f.inlined ? ' (inlined)' : ''}`;
      item.tooltip = `${f.function}\n${f.file}:${f.line}\npc ${f.pc}: the first frame outside the runtime below the runtime.gopanic that holds this record`;
      item.iconPath = new vscode.ThemeIcon('debug-stackframe');
      item.contextValue = 'raisingFrame';
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
