// The Panic Frames view: the crash on top (kind and message), the crashing goroutine's frames with the
// origin frame marked and runtime frames (and cgo glue or C library frames: frameFolding.ts) folded into groups, the system-stack frames for crashes on
// g0, and the other goroutines grouped by identical stacks.
import * as vscode from 'vscode';
import { originOf, type SummaryGroup } from '../../analysis/crashSummary.js';
import type { ReportFrame } from '../../analysis/report.js';
import { Commands } from '../constants.js';
import type { CoreSessions, OpenCore } from '../session/coreSessions.js';
import { rowItemCommand, type ClickableRows } from './rowClick.js';
import { foldFrames, foldLabel } from './frameFolding.js';
import { refreshWhenShownChanges } from './shownKey.js';
import type { SourceMappers } from '../session/sourceMappers.js';
import {
  crashHeadline,
  crashShortHeadline,
  frameDescription,
  frameFunction,
  frameLabel,
  frameTooltip,
  isNativeFrame,
  isRuntimeFrame,
  onSystemStack,
  truncatedText,
  walkCutText,
  type ShownFrame,
} from './frameText.js';

/**
 * A row of the view. `id` names the row's place (core, stack, position), the same in every render of
 * the core, so that a row clicked just as the view refreshes is found again (rowClick.ts).
 */
export type PanicFramesNode = { id: string } & (
  | { kind: 'crash'; core: OpenCore }
  | { kind: 'message'; text: string }
  | { kind: 'note'; text: string }
  | { kind: 'sourceNotFound'; core: OpenCore; frame: ReportFrame }
  | { kind: 'section'; label: string; description?: string; frames: ReportFrame[]; stack: 'goroutine' | 'g0' | 'gsignal'; expanded: boolean }
  | { kind: 'runtimeGroup'; frames: ReportFrame[] }
  | { kind: 'repeat'; frame: ReportFrame; count: number; depth: number }
  | { kind: 'truncated'; core: OpenCore }
  | { kind: 'walkCut'; text: string }
  | { kind: 'frame'; frame: ShownFrame; origin: boolean }
  | { kind: 'groups'; core: OpenCore }
  | { kind: 'group'; group: SummaryGroup }
);

const MAX_IDS_SHOWN = 8;

/** What the view lists as notes: the engine's (runtime state, layout), then the views' own (Delve, SSA). */
export function coreNotes(core: OpenCore): string[] {
  const layout = core.report.crash.layoutProblem;
  return [...core.crash.notes, ...(layout ? [layout] : []), ...core.notes];
}

export class PanicFramesProvider implements vscode.TreeDataProvider<PanicFramesNode>, ClickableRows<PanicFramesNode> {
  readonly rowCommand = Commands.openPanicFramesRow;
  private readonly changed = new vscode.EventEmitter<PanicFramesNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly sessions: CoreSessions,
    private readonly sources?: SourceMappers,
  ) {
    refreshWhenShownChanges(sessions, () => this.shownKey(), () => this.changed.fire(undefined));
    sources?.onDidChange(() => this.changed.fire(undefined));
  }

  /** What the view's rows depend on besides the sources: the active core and its notes. */
  private shownKey(): string {
    const core = this.sessions.active;
    return core ? `${core.id}\0${this.sessions.all.length}\0${coreNotes(core).join('\0')}` : `none\0${this.sessions.all.length}`;
  }

  /** False when a user frame's source was looked for and not found (by module and content). */
  private sourceFound(core: OpenCore, f: ShownFrame): boolean {
    if (!this.sources || !f.file || !f.line || isRuntimeFrame(f)) return true;
    return this.sources.sourceOf(core, { file: f.file, line: f.line, function: frameFunction(f) }) !== undefined;
  }

  /** The origin the view marks: the engine's, when it is among the frames shown (else the crash thread's first user frame). */
  private originShown(core: OpenCore): ReportFrame | undefined {
    const o = core.crash.origin;
    const shown = [...core.report.crash.frames, ...core.crash.blocked.flatMap((b) => b.frames)];
    return o && shown.includes(o) ? o : (originOf(core.report.crash.frames) ?? undefined);
  }

  getChildren(node?: PanicFramesNode): PanicFramesNode[] {
    const core = this.sessions.active;
    if (!core) return [];
    const frames = core.report.crash.frames;
    const origin = this.originShown(core);
    const c = core.id;
    if (!node) {
      const top: PanicFramesNode[] = [];
      // A core cut short says so first: what follows may lack what fell in the missing bytes.
      if (core.report.truncated) top.push({ id: `${c}/truncated`, kind: 'truncated', core });
      top.push({ id: `${c}/crash`, kind: 'crash', core });
      for (const [i, n] of coreNotes(core).entries()) top.push({ id: `${c}/note${i}`, kind: 'note', text: n });
      const cut = walkCutText(core.report.crash.stop);
      if (cut) top.push({ id: `${c}/walkCut`, kind: 'walkCut', text: `${cut} (thread ${core.report.crash.tid})` });
      if (origin && origin.file && !this.sourceFound(core, origin)) top.push({ id: `${c}/sourceNotFound`, kind: 'sourceNotFound', core, frame: origin });
      // A deadlock: no goroutine ran; the program's blocked goroutines are the story, listed first.
      for (const b of core.crash.blocked) {
        top.push({
          id: `${c}/blocked${b.goid}`,
          kind: 'section',
          label: `goroutine ${b.goid} [${b.status}]`,
          description: b.blockingFrame ? `blocked at ${b.blockingFrame.function}:${b.blockingFrame.line}` : 'blocked',
          frames: b.frames,
          stack: 'goroutine',
          expanded: true,
        });
      }
      const goroutine = frames.filter((f) => !onSystemStack(f));
      if (goroutine.length < frames.length) {
        const g0 = frames.filter((f) => f.stack === 'g0');
        const gsignal = frames.filter((f) => f.stack === 'gsignal');
        const deadlock = core.crash.blocked.length > 0;
        if (gsignal.length)
          top.push({ id: `${c}/gsignal`, kind: 'section', label: 'signal handler (gsignal)', description: 'raising the crash signal', frames: gsignal, stack: 'gsignal', expanded: false });
        if (g0.length)
          top.push({
            id: `${c}/g0`,
            kind: 'section',
            label: 'system stack (g0)',
            description: deadlock ? 'the runtime found the deadlock here' : 'the crash ran here',
            frames: g0,
            stack: 'g0',
            // Open when the origin is on it (a fault in C, the race runtime); when the origin is on
            // the goroutine (a throw the runtime made on g0 for it), the goroutine's section is the story.
            expanded: !deadlock && (!origin || origin.stack === 'g0'),
          });
        // The goroutine the crashing thread switched from; none on a thread that ran no goroutine.
        if (goroutine.length > 0)
          top.push({
            id: `${c}/goroutine`,
            kind: 'section',
            label: core.report.crash.goroutine !== null ? `goroutine ${core.report.crash.goroutine}` : 'goroutine frames',
            description: g0.length ? 'switched from' : 'crashing goroutine',
            frames: goroutine,
            stack: 'goroutine',
            expanded: true,
          });
      } else {
        top.push(...this.frameNodes(`${c}/goroutine`, goroutine, origin));
      }
      if (core.crash.goroutines.total > 0) top.push({ id: `${c}/groups`, kind: 'groups', core });
      return top;
    }
    switch (node.kind) {
      case 'crash': {
        const crash = node.core.crash;
        const children: PanicFramesNode[] = crash.messages.slice(1).map((m, i) => ({ id: `${node.id}/m${i}`, kind: 'message', text: m }));
        const sig = crash.signal;
        if (sig && crash.kind !== 'signal' && !crash.messages.some((m) => m.startsWith('[signal '))) {
          children.push({ id: `${node.id}/signal`, kind: 'message', text: `[signal ${sig.name} code=${sig.code} addr=${sig.address} pc=${sig.pc}]` });
        }
        // Why a fault in the race runtime happened (racectx 0 on the system stack), in one sentence.
        if (crash.fault?.explanation) children.push({ id: `${node.id}/fault`, kind: 'note', text: crash.fault.explanation });
        return children;
      }
      case 'section':
        return this.frameNodes(node.id, node.frames, origin);
      case 'runtimeGroup':
        return node.frames.map((f, i): PanicFramesNode => ({ id: `${node.id}/${i}`, kind: 'frame', frame: f, origin: false }));
      case 'groups':
        return node.core.crash.goroutines.groups.map((group, i): PanicFramesNode => ({ id: `${node.id}/${i}`, kind: 'group', group }));
      case 'group':
        return node.group.frames.map((f, i): PanicFramesNode => ({ id: `${node.id}/${i}`, kind: 'frame', frame: f, origin: false }));
      default:
        return [];
    }
  }

  /** The rows of a stack, folded; `prefix/k` for the k-th row (the folding of a core's frames never changes). */
  private frameNodes(prefix: string, frames: readonly ReportFrame[], origin: ReportFrame | undefined): PanicFramesNode[] {
    return foldFrames(frames, origin).map((x, k): PanicFramesNode =>
      'frame' in x
        ? { id: `${prefix}/${k}`, kind: 'frame', frame: x.frame, origin: x.frame === origin }
        : 'repeat' in x
          ? { id: `${prefix}/${k}`, kind: 'repeat', frame: x.repeat, count: x.count, depth: x.depth }
          : { id: `${prefix}/${k}`, kind: 'runtimeGroup', frames: x.runtime },
    );
  }

  /** A frame row goes to its source line; "Source not found" asks for the folder of the module. */
  clickOf(node: PanicFramesNode): vscode.Command | undefined {
    switch (node.kind) {
      case 'frame':
      case 'repeat':
        return { command: Commands.revealFrame, title: 'Go to Frame', arguments: [node.frame] };
      case 'sourceNotFound':
        return { command: Commands.chooseSourceFolder, title: 'Choose Source Folder…', arguments: [node.core.id] };
      default:
        return undefined;
    }
  }

  getTreeItem(node: PanicFramesNode): vscode.TreeItem {
    const item = this.item(node);
    item.id = node.id;
    item.command = rowItemCommand(this, node);
    return item;
  }

  private item(node: PanicFramesNode): vscode.TreeItem {
    switch (node.kind) {
      case 'crash': {
        const { crash, report } = node.core;
        // Short (kind and the first words): the side bar is narrow; the whole message is in the tooltip
        // and "Copy Message".
        const item = new vscode.TreeItem(
          crashShortHeadline(crash),
          crash.messages.length > 1 || crash.signal || crash.fault?.explanation ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
        );
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        // The crash's goroutine as the engine decided it (a deadlock: the first blocked one).
        const goid = crash.goroutine ?? report.crash.goroutine;
        const parts = [goid !== null ? `goroutine ${goid}` : undefined, this.sessions.all.length > 1 ? node.core.label : undefined];
        item.description = parts.filter(Boolean).join(' · ') || undefined;
        const messages = crash.messages.length ? crash.messages : [crashHeadline(crash)];
        item.tooltip = `${messages.join('\n')}${crash.fault?.explanation ? `\n\n${crash.fault.explanation}` : ''}\n\n${crash.kind} · core: ${node.core.corePath}\nbinary: ${node.core.binaryPath}${report.go.version ? `\n${report.go.version}` : ''}`;
        item.contextValue = 'crash';
        return item;
      }
      case 'truncated': {
        const t = node.core.report.truncated!;
        const item = new vscode.TreeItem(truncatedText(t));
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        item.tooltip = [
          `The core file has ${t.actualBytes.toLocaleString('en-US')} of the ${t.expectedBytes.toLocaleString('en-US')} bytes its segments need: it was cut short (ulimit -c, a full disk).`,
          ...t.missingSegments.map(
            (m) =>
              `segment ${m.index} at ${m.address} (${m.flags}): ${m.presentBytes.toLocaleString('en-US')} of ${m.fileBytes.toLocaleString('en-US')} bytes` +
              (m.goroutines.length ? `; goroutines ${m.goroutines.slice(0, 20).join(', ')}${m.goroutines.length > 20 ? ', …' : ''}` : '') +
              (m.threads.length ? `; threads ${m.threads.join(', ')}` : '') +
              (m.crashFrames ? `; ${m.crashFrames} crash frames` : ''),
          ),
          ...t.notes,
        ].join('\n');
        item.contextValue = 'note truncated';
        return item;
      }
      case 'walkCut': {
        const item = new vscode.TreeItem(node.text);
        item.iconPath = new vscode.ThemeIcon('debug-disconnect');
        item.tooltip = `${node.text}: the crashing thread's frames below this point were not walked; the list is not the whole stack.`;
        item.contextValue = 'note walkCut';
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
        const item = new vscode.TreeItem(foldLabel(node.frames), vscode.TreeItemCollapsibleState.Collapsed);
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
          : new vscode.ThemeIcon(isNativeFrame(f) ? 'chip' : isRuntimeFrame(f) ? 'debug-stackframe-dot' : 'debug-stackframe');
        // `frame c`: a C frame (menus may leave out what needs Go, e.g. SSA).
        item.contextValue = (node.origin ? 'frame origin' : 'frame') + (isNativeFrame(f) ? ' c' : '');
        return item;
      }
      case 'repeat': {
        const n = (x: number) => x.toLocaleString('en-US');
        const above = node.depth - node.count;
        const item = new vscode.TreeItem(`${frameLabel(node.frame)} × ${n(node.depth)}`);
        item.description = above > 0 ? `${frameDescription(node.frame)} × ${n(node.count)}, ${n(above)} above` : `${frameDescription(node.frame)} (repeated)`;
        const md = frameTooltip(node.frame, false);
        md.appendMarkdown(
          `\n\n${n(node.depth)} frames of ${frameLabel(node.frame)} in a row` +
            (above > 0 ? ` (${n(node.count)} at this line and ${n(above)} just above)` : '') +
            ', counted exactly by the walk, as the runtime counts them (its `...N frames elided...` plus the frames it printed).',
        );
        item.tooltip = md;
        item.iconPath = new vscode.ThemeIcon('debug-restart-frame');
        item.contextValue = 'frame repeat';
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
