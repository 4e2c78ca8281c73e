// Decorations on the source lines of the crash frames: the origin frame stands out (message, PC,
// instruction, SSA value), the other frames are quieter. Every open core is decorated, each in the
// files its own mapper finds (by module and content: src/analysis/pathMapping.ts), so two programs'
// cores never annotate each other's files; where two cores map to the same file (two cores of one
// program) the active core's line wins. A core's annotations go when it closes.
import * as vscode from 'vscode';
import { originOf, type CrashSummary } from '../../analysis/crashSummary.js';
import type { ReportFrame } from '../../analysis/report.js';
import type { PcMapping } from '../../ssa/pcToSsa.js';
import type { CoreSessions, OpenCore } from '../session/coreSessions.js';
import type { SourceMappers } from '../session/sourceMappers.js';
import { crashHeadline } from '../views/frameText.js';
import { ssaText } from './ssaAnnotator.js';

/** What one decorated frame shows: the frame, whether it is the origin, its pc's annotation. */
export interface DecoratedFrame {
  /** The core the frame belongs to. */
  core: OpenCore;
  frame: ReportFrame;
  origin: boolean;
  mapping: PcMapping | undefined;
}

export function annotationText(d: DecoratedFrame, crash: CrashSummary): string {
  const parts: string[] = [];
  if (d.origin) parts.push(crashHeadline(crash));
  parts.push(`pc ${d.frame.pc}`);
  if (d.mapping?.instruction) parts.push(d.mapping.instruction.text);
  const ssa = d.mapping && ssaText(d.mapping);
  if (ssa) parts.push(`${ssa}${d.mapping!.verified ? '' : ' (unverified)'}`);
  return `  ◀ ${parts.join(' · ')}`;
}

export function annotationHover(d: DecoratedFrame, crash: CrashSummary): vscode.MarkdownString {
  const { frame, mapping } = d;
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`$(debug-stackframe) **${d.origin ? 'Crash origin' : 'Crash frame'}** — ${frame.function}\n\n`);
  if (d.origin) md.appendCodeblock(crashHeadline(crash), 'text');
  const rows = [`pc  ${frame.pc}${frame.inlined ? '' : `  (${frame.function}+${frame.offset})`}`];
  if (frame.sp) rows.push(`sp  ${frame.sp}`);
  if (mapping?.instruction) rows.push(`ins ${mapping.instruction.text}`);
  md.appendCodeblock(rows.join('\n'), 'text');
  const ssa = mapping && ssaText(mapping);
  if (ssa) {
    md.appendMarkdown(`**SSA** ${mapping.verified ? '$(verified) verified: rebuilt code equals the binary' : `$(warning) unverified${mapping.reason ? `: ${mapping.reason}` : ''}`}\n`);
    md.appendCodeblock([ssa, ...mapping.neighbours.map((n) => `  ${n.text}`)].join('\n'), 'text');
  }
  md.appendMarkdown(`\n\n$(file-binary) ${d.core.label}`);
  return md;
}

export class CrashDecorations implements vscode.Disposable {
  private readonly origin: vscode.TextEditorDecorationType;
  private readonly other: vscode.TextEditorDecorationType;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly sessions: CoreSessions,
    private readonly sources: SourceMappers,
    iconPath: vscode.Uri,
  ) {
    this.origin = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('editor.stackFrameHighlightBackground'),
      overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.errorForeground'),
      overviewRulerLane: vscode.OverviewRulerLane.Full,
      gutterIconPath: iconPath,
      gutterIconSize: 'contain',
      after: { color: new vscode.ThemeColor('errorForeground'), margin: '0 0 0 2em' },
    });
    this.other = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      after: { color: new vscode.ThemeColor('editorCodeLens.foreground'), margin: '0 0 0 2em' },
    });
    this.subscriptions.push(
      this.origin,
      this.other,
      vscode.window.onDidChangeVisibleTextEditors(() => this.refresh()),
      sessions.onDidChange(() => this.refresh()),
      sessions.onDidAnnotate(() => this.refresh()),
      sources.onDidChange(() => this.refresh()),
    );
    this.refresh();
  }

  /** Frames of the open cores whose source file (found by each core's mapper) is `fsPath`: the active core's first. */
  framesIn(fsPath: string): DecoratedFrame[] {
    const active = this.sessions.active;
    const cores = [...(active ? [active] : []), ...this.sessions.all.filter((c) => c !== active)];
    return cores.flatMap((core) => {
      const frames = core.report.crash.frames;
      const origin = originOf(frames);
      return frames
        .filter((f) => f.file && f.line && this.sources.sourceOf(core, f) === fsPath)
        .map((frame) => ({ core, frame, origin: frame === origin, mapping: core.annotations.get(frame.pc) }));
    });
  }

  refresh(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const origin: vscode.DecorationOptions[] = [];
      const other: vscode.DecorationOptions[] = [];
      const seen = new Set<number>();
      for (const d of this.framesIn(editor.document.uri.fsPath)) {
        const line = d.frame.line - 1;
        if (line < 0 || line >= editor.document.lineCount || seen.has(line)) continue;
        seen.add(line);
        const range = editor.document.lineAt(line).range;
        const opt: vscode.DecorationOptions = {
          range,
          hoverMessage: annotationHover(d, d.core.crash),
          renderOptions: { after: { contentText: annotationText(d, d.core.crash) } },
        };
        (d.origin ? origin : other).push(opt);
      }
      editor.setDecorations(this.origin, origin);
      editor.setDecorations(this.other, other);
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
