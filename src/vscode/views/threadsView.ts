// The g0 / curg view: one node per M (the crashing one first and marked); children: g0 (stack range,
// sched.pc, whether the crash PC lies on the g0 stack), curg (goid, status, wait reason, sched pc/sp),
// gsignal, the M's flags (throwing, mallocing, locks, p) and, on race builds, g.racectx of g0,
// gsignal and curg (0 on g0: race-instrumented code run on the system stack hands TSan no context).
import * as vscode from 'vscode';
import type { SummaryG, SummaryM } from '../../analysis/crashSummary.js';
import type { CoreSessions } from '../session/coreSessions.js';
import { activeCoreKey, refreshWhenShownChanges } from './shownKey.js';

export type ThreadsNode =
  | { kind: 'm'; m: SummaryM }
  | { kind: 'row'; label: string; description: string; tooltip?: string; icon: string; children?: ThreadsNode[] };

function row(label: string, description: string, icon: string, children?: ThreadsNode[], tooltip?: string): ThreadsNode {
  return { kind: 'row', label, description, icon, children, tooltip };
}

/** The M's p: its address and id, `none` when it holds none. */
export function pText(m: SummaryM): string {
  return m.pId !== null ? `${m.p} (P${m.pId})` : m.p === '0x0' ? 'none' : m.p;
}

/**
 * A goroutine's wait reason, only while it waits: g.waitreason is not cleared when a goroutine runs
 * again (src/runtime/proc.go, ready/casgstatus), so a running goroutine's is stale.
 */
export function waitReasonShown(g: Pick<SummaryG, 'status' | 'waitReason'>): string | null {
  return /^waiting|^leaked/.test(g.status) && g.waitReason ? g.waitReason : null;
}

export function mChildren(m: SummaryM): ThreadsNode[] {
  const out: ThreadsNode[] = [];
  const g0 = m.g0;
  if (g0.stackLo && g0.stackHi) {
    const kids: ThreadsNode[] = [row('stack', `[${g0.stackLo}, ${g0.stackHi})`, 'symbol-array')];
    if (g0.schedPc) kids.push(row('sched.pc', `${g0.schedPc}${g0.schedFunction ? ` ${g0.schedFunction}` : ''}`, 'debug-stackframe'));
    if (g0.schedSp) kids.push(row('sched.sp', g0.schedSp, 'arrow-down'));
    if (m.racectx) kids.push(row('racectx', m.racectx.g0 ?? '?', 'symbol-key'));
    out.push(
      row(
        'g0',
        g0.crashPcOnStack ? 'crash PC on this stack' : `stack ${g0.stackLo}–${g0.stackHi}`,
        g0.crashPcOnStack ? 'flame' : 'server-process',
        kids,
      ),
    );
  }
  if (m.curg) {
    const g = m.curg;
    const wait = waitReasonShown(g);
    const kids: ThreadsNode[] = [row('status', g.status, 'circle-filled')];
    if (wait) kids.push(row('wait reason', wait, 'watch'));
    if (g.schedPc)
      kids.push(
        row('sched.pc', `${g.schedPc}${g.schedFunction ? ` ${g.schedFunction}` : ''}${g.schedLine ? ` (${g.schedLine})` : ''}`, 'debug-stackframe'),
      );
    if (g.schedSp) kids.push(row('sched.sp', g.schedSp, 'arrow-down'));
    if (g.address) kids.push(row('address', g.address, 'symbol-variable'));
    if (m.racectx) kids.push(row('racectx', m.racectx.curg ?? '?', 'symbol-key'));
    out.push(row('curg', `goroutine ${g.goid} [${g.status}${wait ? `, ${wait}` : ''}]`, 'symbol-event', kids));
  } else {
    out.push(row('curg', 'none (idle M)', 'circle-outline'));
  }
  if (m.gsignal) out.push(row('gsignal', m.gsignal, 'zap', m.racectx ? [row('racectx', m.racectx.gsignal ?? '?', 'symbol-key')] : undefined));
  out.push(row('flags', `throwing=${m.throwing}  mallocing=${m.mallocing}  locks=${m.locks}  p=${pText(m)}`, 'settings'));
  return out;
}

export function mLabel(m: SummaryM): string {
  return `M${m.id} · thread ${m.tid}`;
}

export function mDescription(m: SummaryM): string {
  const parts: string[] = [];
  if (m.crashing) parts.push('crashing');
  if (m.curg) parts.push(`curg ${m.curg.goid}`);
  else parts.push('on g0');
  if (m.throwing) parts.push('throwing');
  return parts.join(' · ');
}

export class ThreadsProvider implements vscode.TreeDataProvider<ThreadsNode> {
  private readonly changed = new vscode.EventEmitter<ThreadsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly sessions: CoreSessions) {
    refreshWhenShownChanges(sessions, () => activeCoreKey(sessions), () => this.changed.fire(undefined));
  }

  getChildren(node?: ThreadsNode): ThreadsNode[] {
    const core = this.sessions.active;
    if (!core) return [];
    if (!node) {
      return [...core.crash.ms].sort((a, b) => Number(b.crashing) - Number(a.crashing) || a.id - b.id).map((m) => ({ kind: 'm', m }));
    }
    return node.kind === 'm' ? mChildren(node.m) : (node.children ?? []);
  }

  getTreeItem(node: ThreadsNode): vscode.TreeItem {
    if (node.kind === 'm') {
      const item = new vscode.TreeItem(
        mLabel(node.m),
        node.m.crashing ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
      );
      item.description = mDescription(node.m);
      item.iconPath = node.m.crashing
        ? new vscode.ThemeIcon('flame', new vscode.ThemeColor('errorForeground'))
        : new vscode.ThemeIcon('server-process');
      item.contextValue = node.m.crashing ? 'm crashing' : 'm';
      item.tooltip = `M${node.m.id} at ${node.m.address}, OS thread ${node.m.tid}`;
      return item;
    }
    const item = new vscode.TreeItem(
      node.label,
      node.children?.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.description = node.description;
    item.tooltip = node.tooltip ?? `${node.label}: ${node.description}`;
    item.iconPath = new vscode.ThemeIcon(node.icon);
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
