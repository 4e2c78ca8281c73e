// The Panic Frames view: the crash on top (kind and message), the crashing goroutine's frames with the
// origin frame marked and runtime frames folded into groups, the system-stack frames for crashes on
// g0, and the other goroutines grouped by identical stacks.
import * as vscode from 'vscode';
import { Commands } from '../constants.js';
import type { CrashModel, FrameModel, GoroutineGroupModel } from '../model.js';
import type { CoreSessions } from '../session/coreSessions.js';

export type PanicFramesNode =
  | { kind: 'crash'; model: CrashModel }
  | { kind: 'message'; text: string }
  | { kind: 'note'; text: string }
  | { kind: 'section'; label: string; description?: string; frames: FrameModel[]; stack: FrameModel['stack']; expanded: boolean }
  | { kind: 'runtimeGroup'; frames: FrameModel[] }
  | { kind: 'repeat'; frame: FrameModel; count: number; model: CrashModel }
  | { kind: 'frame'; frame: FrameModel; model: CrashModel }
  | { kind: 'groups'; model: CrashModel }
  | { kind: 'group'; group: GoroutineGroupModel; model: CrashModel };

const MAX_IDS_SHOWN = 8;

export function frameTooltip(f: FrameModel): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${escape(f.func)}**${f.offset !== undefined ? ` +0x${f.offset.toString(16)}` : ''}\n\n`);
  if (f.file) md.appendMarkdown(`${escape(f.file)}:${f.line ?? '?'}\n\n`);
  const rows = [`PC ${f.pc}`];
  if (f.sp) rows.push(`SP ${f.sp}`);
  if (f.fp) rows.push(`FP ${f.fp}`);
  md.appendCodeblock(rows.join('\n'), 'text');
  const tags = [
    f.origin ? 'origin of the crash' : undefined,
    f.inlined ? 'inlined call' : undefined,
    f.faulting ? 'faulting instruction (PC is the instruction itself)' : 'PC is a return address',
    f.stack !== 'goroutine' ? `on the ${f.stack} stack` : undefined,
  ].filter(Boolean);
  md.appendMarkdown(tags.join(' · '));
  return md;
}

function escape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

export function frameLabel(f: FrameModel): string {
  return f.func;
}

export function frameDescription(f: FrameModel): string {
  const base = f.file ? `${f.file.split('/').pop()}:${f.line ?? '?'}` : f.pc;
  return f.inlined ? `${base} (inlined)` : base;
}

export type FoldedFrame = { frame: FrameModel } | { runtime: FrameModel[] } | { repeat: FrameModel; count: number };

/**
 * Splits frames into shown user frames, folded runs of consecutive runtime frames, and runs of one
 * frame repeated (deep recursion: a stack overflow shows thousands of identical frames).
 */
export function foldRuntimeFrames(frames: FrameModel[]): FoldedFrame[] {
  const out: FoldedFrame[] = [];
  for (const f of frames) {
    const last = out[out.length - 1];
    const prev = last && 'frame' in last ? last.frame : last && 'repeat' in last ? last.repeat : undefined;
    if (prev && !f.origin && !prev.origin && prev.func === f.func && prev.line === f.line && prev.file === f.file) {
      if (last && 'repeat' in last) last.count++;
      else out[out.length - 1] = { repeat: prev, count: 2 };
      continue;
    }
    if (f.runtime && !f.origin) {
      if (last && 'runtime' in last) last.runtime.push(f);
      else out.push({ runtime: [f] });
    } else {
      out.push({ frame: f });
    }
  }
  return out;
}

export function crashHeadline(model: CrashModel): string {
  // The messages are the header lines as the runtime printed them (`panic: ...`, `fatal error: ...`).
  if (model.messages[0]) return model.messages[0];
  if (model.kind === 'signal' && model.signal) {
    return `signal ${model.signal.name}${model.signal.addr ? ` addr=${model.signal.addr}` : ''}${model.signal.pc ? ` pc=${model.signal.pc}` : ''}`;
  }
  return model.kind === 'unknown' ? 'crash' : `${model.kind} (message not found in the core)`;
}

export class PanicFramesProvider implements vscode.TreeDataProvider<PanicFramesNode> {
  private readonly changed = new vscode.EventEmitter<PanicFramesNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly sessions: CoreSessions) {
    sessions.onDidChange(() => this.changed.fire(undefined));
  }

  getChildren(node?: PanicFramesNode): PanicFramesNode[] {
    const model = this.sessions.active?.model;
    if (!model) return [];
    if (!node) {
      const top: PanicFramesNode[] = [{ kind: 'crash', model }];
      for (const n of model.notes) top.push({ kind: 'note', text: n });
      if (model.systemFrames.length > 0) {
        const g0 = model.systemFrames.filter((f) => f.stack === 'g0');
        const gsignal = model.systemFrames.filter((f) => f.stack === 'gsignal');
        if (gsignal.length)
          top.push({ kind: 'section', label: 'signal handler (gsignal)', description: 'raising the crash signal', frames: gsignal, stack: 'gsignal', expanded: false });
        if (g0.length)
          top.push({ kind: 'section', label: 'system stack (g0)', description: 'the crash ran here', frames: g0, stack: 'g0', expanded: true });
        top.push({
          kind: 'section',
          label: `goroutine ${model.goroutineId ?? '?'}`,
          description: g0.length ? 'switched from' : 'crashing goroutine',
          frames: model.frames,
          stack: 'goroutine',
          expanded: true,
        });
      } else {
        top.push(...this.frameNodes(model.frames, model));
      }
      if (model.otherGoroutines.total > 0) top.push({ kind: 'groups', model });
      return top;
    }
    switch (node.kind) {
      case 'crash': {
        const children: PanicFramesNode[] = node.model.messages.slice(1).map((m) => ({ kind: 'message', text: m }));
        const sig = node.model.signal;
        if (sig && node.model.kind !== 'signal') {
          children.push({
            kind: 'message',
            text: `[signal ${sig.name} code=0x${(sig.code ?? 0).toString(16)} addr=${sig.addr ?? '?'} pc=${sig.pc ?? '?'}]`,
          });
        }
        return children;
      }
      case 'section':
        return this.frameNodes(node.frames, model);
      case 'runtimeGroup':
        return node.frames.map((f) => ({ kind: 'frame', frame: f, model }) as PanicFramesNode);
      case 'groups':
        return node.model.otherGoroutines.groups.map((g) => ({ kind: 'group', group: g, model: node.model }) as PanicFramesNode);
      case 'group':
        return node.group.frames.map((f) => ({ kind: 'frame', frame: f, model: node.model }) as PanicFramesNode);
      default:
        return [];
    }
  }

  private frameNodes(frames: FrameModel[], model: CrashModel): PanicFramesNode[] {
    return foldRuntimeFrames(frames).map((x): PanicFramesNode =>
      'frame' in x
        ? { kind: 'frame', frame: x.frame, model }
        : 'repeat' in x
          ? { kind: 'repeat', frame: x.repeat, count: x.count, model }
          : { kind: 'runtimeGroup', frames: x.runtime },
    );
  }

  getTreeItem(node: PanicFramesNode): vscode.TreeItem {
    switch (node.kind) {
      case 'crash': {
        const item = new vscode.TreeItem(
          crashHeadline(node.model),
          node.model.messages.length > 1 || node.model.signal
            ? vscode.TreeItemCollapsibleState.Expanded
            : vscode.TreeItemCollapsibleState.None,
        );
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        item.description = node.model.goroutineId !== undefined ? `goroutine ${node.model.goroutineId}` : undefined;
        item.tooltip = `${node.model.kind}\n${node.model.messages.join('\n')}\n\ncore: ${node.model.corePath}\nbinary: ${node.model.binaryPath}${node.model.goVersion ? `\n${node.model.goVersion}` : ''}`;
        item.contextValue = 'crash';
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text);
        item.iconPath = new vscode.ThemeIcon('debug-stackframe-dot');
        return item;
      }
      case 'note': {
        const item = new vscode.TreeItem(node.text);
        item.iconPath = new vscode.ThemeIcon('info');
        item.contextValue = 'note';
        return item;
      }
      case 'section': {
        const item = new vscode.TreeItem(
          node.label,
          node.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.description = node.description;
        item.iconPath = new vscode.ThemeIcon(node.stack === 'g0' ? 'server-process' : node.stack === 'gsignal' ? 'zap' : 'symbol-event');
        item.contextValue = 'goroutine';
        return item;
      }
      case 'runtimeGroup': {
        const item = new vscode.TreeItem(
          `${node.frames.length} runtime frame${node.frames.length === 1 ? '' : 's'}`,
          vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.description = node.frames.map((f) => f.func.replace(/^runtime\./, '')).slice(0, 3).join(' · ');
        item.iconPath = new vscode.ThemeIcon('fold');
        item.contextValue = 'runtimeGroup';
        return item;
      }
      case 'frame': {
        const f = node.frame;
        const item = new vscode.TreeItem(frameLabel(f));
        item.description = frameDescription(f);
        item.tooltip = frameTooltip(f);
        item.iconPath = f.origin
          ? new vscode.ThemeIcon('debug-stackframe-focused', new vscode.ThemeColor('debugIcon.stopForeground'))
          : new vscode.ThemeIcon(f.runtime ? 'debug-stackframe-dot' : 'debug-stackframe');
        item.contextValue = f.origin ? 'frame origin' : 'frame';
        item.command = { command: Commands.revealFrame, title: 'Go to Frame', arguments: [f] };
        return item;
      }
      case 'repeat': {
        const item = new vscode.TreeItem(`${frameLabel(node.frame)} × ${node.count.toLocaleString('en-US')}`);
        item.description = `${frameDescription(node.frame)} (repeated)`;
        item.tooltip = frameTooltip(node.frame);
        item.iconPath = new vscode.ThemeIcon('debug-restart-frame');
        item.contextValue = 'frame repeat';
        item.command = { command: Commands.revealFrame, title: 'Go to Frame', arguments: [node.frame] };
        return item;
      }
      case 'groups': {
        const { total, groups } = node.model.otherGoroutines;
        const item = new vscode.TreeItem(
          `${total.toLocaleString('en-US')} other goroutine${total === 1 ? '' : 's'} in ${groups.length} group${groups.length === 1 ? '' : 's'}`,
          vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.iconPath = new vscode.ThemeIcon('layers');
        item.contextValue = 'groups';
        return item;
      }
      case 'group': {
        const g = node.group;
        const top = g.frames.find((f) => !f.runtime) ?? g.frames[0];
        const item = new vscode.TreeItem(
          `${g.count.toLocaleString('en-US')} × [${g.status}]`,
          vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.description = top ? `${top.func}${top.line !== undefined ? `:${top.line}` : ''}` : '';
        const ids = g.ids.slice(0, MAX_IDS_SHOWN).join(', ') + (g.ids.length > MAX_IDS_SHOWN ? ', …' : '');
        item.tooltip = `goroutines ${ids}`;
        item.iconPath = new vscode.ThemeIcon('symbol-array');
        item.contextValue = 'goroutine group';
        return item;
      }
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
