// The Panic Frames view: the crash on top (kind and message), the crashing goroutine's frames with the
// origin frame marked and runtime frames folded into groups, the system-stack frames for crashes on
// g0, and the other goroutines grouped by identical stacks.
import * as vscode from 'vscode';
import { originOf, type SummaryGroup } from '../../analysis/crashSummary.js';
import type { ReportFrame } from '../../analysis/report.js';
import { Commands } from '../constants.js';
import type { CoreSessions, OpenCore } from '../session/coreSessions.js';
import type { SourceMappers } from '../session/sourceMappers.js';
import {
  crashHeadline,
  crashShortHeadline,
  frameDescription,
  frameFunction,
  frameLabel,
  frameTooltip,
  isRuntimeFrame,
  onSystemStack,
  type ShownFrame,
} from './frameText.js';

export type PanicFramesNode =
  | { kind: 'crash'; core: OpenCore }
  | { kind: 'message'; text: string }
  | { kind: 'note'; text: string }
  | { kind: 'sourceNotFound'; core: OpenCore; frame: ReportFrame }
  | { kind: 'section'; label: string; description?: string; frames: ReportFrame[]; stack: 'goroutine' | 'g0' | 'gsignal'; expanded: boolean }
  | { kind: 'runtimeGroup'; frames: ReportFrame[] }
  | { kind: 'repeat'; frame: ReportFrame; count: number }
  | { kind: 'frame'; frame: ShownFrame; origin: boolean }
  | { kind: 'groups'; core: OpenCore }
  | { kind: 'group'; group: SummaryGroup };

const MAX_IDS_SHOWN = 8;

export type FoldedFrame = { frame: ReportFrame } | { runtime: ReportFrame[] } | { repeat: ReportFrame; count: number };

/**
 * Splits frames into shown user frames, folded runs of consecutive runtime frames, and runs of one
 * frame repeated (deep recursion: a stack overflow shows thousands of identical frames). The origin
 * frame is never folded.
 */
export function foldRuntimeFrames(frames: readonly ReportFrame[], origin: ReportFrame | undefined): FoldedFrame[] {
  const out: FoldedFrame[] = [];
  for (const f of frames) {
    const last = out[out.length - 1];
    const prev = last && 'frame' in last ? last.frame : last && 'repeat' in last ? last.repeat : undefined;
    if (prev && f !== origin && prev !== origin && prev.function === f.function && prev.line === f.line && prev.file === f.file) {
      if (last && 'repeat' in last) last.count++;
      else out[out.length - 1] = { repeat: prev, count: 2 };
      continue;
    }
    if (isRuntimeFrame(f) && f !== origin) {
      if (last && 'runtime' in last) last.runtime.push(f);
      else out.push({ runtime: [f] });
    } else {
      out.push({ frame: f });
    }
  }
  return out;
}

/** What the view lists as notes: the engine's (runtime state, layout), then the views' own (Delve, SSA). */
export function coreNotes(core: OpenCore): string[] {
  const layout = core.report.crash.layoutProblem;
  return [...core.crash.notes, ...(layout ? [layout] : []), ...core.notes];
}

export class PanicFramesProvider implements vscode.TreeDataProvider<PanicFramesNode> {
  private readonly changed = new vscode.EventEmitter<PanicFramesNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly sessions: CoreSessions,
    private readonly sources?: SourceMappers,
  ) {
    sessions.onDidChange(() => this.changed.fire(undefined));
    sources?.onDidChange(() => this.changed.fire(undefined));
  }

  /** False when a user frame's source was looked for and not found (by module and content). */
  private sourceFound(core: OpenCore, f: ShownFrame): boolean {
    if (!this.sources || !f.file || !f.line || isRuntimeFrame(f)) return true;
    return this.sources.sourceOf(core, { file: f.file, line: f.line, function: frameFunction(f) }) !== undefined;
  }

  getChildren(node?: PanicFramesNode): PanicFramesNode[] {
    const core = this.sessions.active;
    if (!core) return [];
    const frames = core.report.crash.frames;
    const origin = originOf(frames) ?? undefined;
    if (!node) {
      const top: PanicFramesNode[] = [{ kind: 'crash', core }];
      for (const n of coreNotes(core)) top.push({ kind: 'note', text: n });
      if (origin && origin.file && !this.sourceFound(core, origin)) top.push({ kind: 'sourceNotFound', core, frame: origin });
      const goroutine = frames.filter((f) => !onSystemStack(f));
      if (goroutine.length < frames.length) {
        const g0 = frames.filter((f) => f.stack === 'g0');
        const gsignal = frames.filter((f) => f.stack === 'gsignal');
        if (gsignal.length)
          top.push({ kind: 'section', label: 'signal handler (gsignal)', description: 'raising the crash signal', frames: gsignal, stack: 'gsignal', expanded: false });
        if (g0.length)
          top.push({ kind: 'section', label: 'system stack (g0)', description: 'the crash ran here', frames: g0, stack: 'g0', expanded: true });
        top.push({
          kind: 'section',
          label: `goroutine ${core.report.crash.goroutine ?? '?'}`,
          description: g0.length ? 'switched from' : 'crashing goroutine',
          frames: goroutine,
          stack: 'goroutine',
          expanded: true,
        });
      } else {
        top.push(...this.frameNodes(goroutine, origin));
      }
      if (core.crash.goroutines.total > 0) top.push({ kind: 'groups', core });
      return top;
    }
    switch (node.kind) {
      case 'crash': {
        const crash = node.core.crash;
        const children: PanicFramesNode[] = crash.messages.slice(1).map((m) => ({ kind: 'message', text: m }));
        const sig = crash.signal;
        if (sig && crash.kind !== 'signal') {
          children.push({ kind: 'message', text: `[signal ${sig.name} code=${sig.code} addr=${sig.address} pc=${sig.pc}]` });
        }
        return children;
      }
      case 'section':
        return this.frameNodes(node.frames, origin);
      case 'runtimeGroup':
        return node.frames.map((f): PanicFramesNode => ({ kind: 'frame', frame: f, origin: false }));
      case 'groups':
        return node.core.crash.goroutines.groups.map((group): PanicFramesNode => ({ kind: 'group', group }));
      case 'group':
        return node.group.frames.map((f): PanicFramesNode => ({ kind: 'frame', frame: f, origin: false }));
      default:
        return [];
    }
  }

  private frameNodes(frames: readonly ReportFrame[], origin: ReportFrame | undefined): PanicFramesNode[] {
    return foldRuntimeFrames(frames, origin).map((x): PanicFramesNode =>
      'frame' in x
        ? { kind: 'frame', frame: x.frame, origin: x.frame === origin }
        : 'repeat' in x
          ? { kind: 'repeat', frame: x.repeat, count: x.count }
          : { kind: 'runtimeGroup', frames: x.runtime },
    );
  }

  getTreeItem(node: PanicFramesNode): vscode.TreeItem {
    switch (node.kind) {
      case 'crash': {
        const { crash, report } = node.core;
        // Short (kind and the first words): the side bar is narrow; the whole message is in the tooltip
        // and "Copy Message".
        const item = new vscode.TreeItem(
          crashShortHeadline(crash),
          crash.messages.length > 1 || crash.signal ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
        );
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        const parts = [report.crash.goroutine !== null ? `goroutine ${report.crash.goroutine}` : undefined, this.sessions.all.length > 1 ? node.core.label : undefined];
        item.description = parts.filter(Boolean).join(' · ') || undefined;
        const messages = crash.messages.length ? crash.messages : [crashHeadline(crash)];
        item.tooltip = `${messages.join('\n')}\n\n${crash.kind} · core: ${node.core.corePath}\nbinary: ${node.core.binaryPath}${report.go.version ? `\n${report.go.version}` : ''}`;
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
        item.tooltip = node.text;
        item.contextValue = 'note';
        return item;
      }
      case 'sourceNotFound': {
        const f = node.frame;
        const item = new vscode.TreeItem(`Source not found: ${f.file.split('/').pop()}:${f.line}`);
        item.description = 'Choose Source Folder…';
        const why = this.sources?.for(node.core).explainFrame({ file: f.file, line: f.line, function: f.function }).rejected[0];
        item.tooltip =
          `The source of ${f.function} (${f.file}:${f.line}) is not in the workspace` +
          (why ? `: ${why.path} is not it (${why.why})` : '') +
          '. Click to choose the folder of its module.';
        item.iconPath = new vscode.ThemeIcon('warning');
        item.contextValue = 'note sourceNotFound';
        item.command = { command: Commands.chooseSourceFolder, title: 'Choose Source Folder…', arguments: [node.core.id] };
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
        item.description = node.frames.map((f) => f.function.replace(/^runtime\./, '')).slice(0, 3).join(' · ');
        item.iconPath = new vscode.ThemeIcon('fold');
        item.contextValue = 'runtimeGroup';
        return item;
      }
      case 'frame': {
        const f = node.frame;
        const item = new vscode.TreeItem(frameLabel(f));
        const core = this.sessions.active;
        item.description = core && !this.sourceFound(core, f) ? `${frameDescription(f)} · source not found` : frameDescription(f);
        item.tooltip = frameTooltip(f, node.origin);
        item.iconPath = node.origin
          ? new vscode.ThemeIcon('debug-stackframe-focused', new vscode.ThemeColor('debugIcon.stopForeground'))
          : new vscode.ThemeIcon(isRuntimeFrame(f) ? 'debug-stackframe-dot' : 'debug-stackframe');
        item.contextValue = node.origin ? 'frame origin' : 'frame';
        item.command = { command: Commands.revealFrame, title: 'Go to Frame', arguments: [f] };
        return item;
      }
      case 'repeat': {
        const item = new vscode.TreeItem(`${frameLabel(node.frame)} × ${node.count.toLocaleString('en-US')}`);
        item.description = `${frameDescription(node.frame)} (repeated)`;
        item.tooltip = frameTooltip(node.frame, false);
        item.iconPath = new vscode.ThemeIcon('debug-restart-frame');
        item.contextValue = 'frame repeat';
        item.command = { command: Commands.revealFrame, title: 'Go to Frame', arguments: [node.frame] };
        return item;
      }
      case 'groups': {
        const { total, groups } = node.core.crash.goroutines;
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
        const top = g.frames.find((f) => !isRuntimeFrame(f)) ?? g.frames[0];
        const item = new vscode.TreeItem(
          `${g.count.toLocaleString('en-US')} × [${g.status}]`,
          vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.description = top ? `${frameFunction(top)}:${top.line}` : '';
        const ids = g.goids.slice(0, MAX_IDS_SHOWN).join(', ') + (g.goids.length > MAX_IDS_SHOWN ? ', …' : '');
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
