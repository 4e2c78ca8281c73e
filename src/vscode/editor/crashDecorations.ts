// Decorations on the source lines of the crash frames of the active core: the origin frame stands out
// (message, PC, instruction, SSA value), the other frames are quieter. Cleared when the core closes.
import * as vscode from 'vscode';
import type { CrashModel, FrameModel } from '../model.js';
import { crashHeadline } from '../views/panicFramesView.js';
import type { CoreSessions } from '../session/coreSessions.js';
import type { SourcePathMapper } from '../../analysis/pathMapping.js';

export function annotationText(frame: FrameModel, model: CrashModel): string {
  const parts: string[] = [];
  if (frame.origin) parts.push(crashHeadline(model));
  parts.push(`pc ${frame.pc}`);
  if (frame.instruction) parts.push(frame.instruction);
  if (frame.ssa) parts.push(`${frame.ssa.value}${frame.ssa.verified ? '' : ' (unverified)'}`);
  return `  ◀ ${parts.join(' · ')}`;
}

export function annotationHover(frame: FrameModel, model: CrashModel): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`$(debug-stackframe) **${frame.origin ? 'Crash origin' : 'Crash frame'}** — ${frame.func}\n\n`);
  if (frame.origin) md.appendCodeblock(crashHeadline(model), 'text');
  const rows = [`pc  ${frame.pc}${frame.offset !== undefined ? `  (${frame.func}+0x${frame.offset.toString(16)})` : ''}`];
  if (frame.sp) rows.push(`sp  ${frame.sp}`);
  if (frame.instruction) rows.push(`ins ${frame.instruction}`);
  md.appendCodeblock(rows.join('\n'), 'text');
  if (frame.ssa) {
    md.appendMarkdown(`**SSA** ${frame.ssa.verified ? '$(verified) verified: rebuilt code equals the binary' : `$(warning) unverified${frame.ssa.reason ? `: ${frame.ssa.reason}` : ''}`}\n`);
    md.appendCodeblock([frame.ssa.value, ...(frame.ssa.neighbours ?? []).map((n) => `  ${n}`)].join('\n'), 'text');
  }
  return md;
}

export class CrashDecorations implements vscode.Disposable {
  private readonly origin: vscode.TextEditorDecorationType;
  private readonly other: vscode.TextEditorDecorationType;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly sessions: CoreSessions,
    private readonly mapperFor: (corePath: string) => SourcePathMapper | undefined,
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
    );
    this.refresh();
  }

  /** Frames of the active core whose (mapped) source file is `fsPath`, with their lines. */
  framesIn(fsPath: string): FrameModel[] {
    const core = this.sessions.active;
    if (!core) return [];
    const mapper = this.mapperFor(core.corePath);
    const frames = [...core.model.systemFrames, ...core.model.frames];
    return frames.filter((f) => f.file && f.line && (mapper?.map(f.file)?.path ?? f.file) === fsPath);
  }

  refresh(): void {
    const core = this.sessions.active;
    for (const editor of vscode.window.visibleTextEditors) {
      const origin: vscode.DecorationOptions[] = [];
      const other: vscode.DecorationOptions[] = [];
      if (core) {
        const seen = new Set<number>();
        for (const f of this.framesIn(editor.document.uri.fsPath)) {
          const line = f.line! - 1;
          if (line < 0 || line >= editor.document.lineCount || seen.has(line)) continue;
          seen.add(line);
          const range = editor.document.lineAt(line).range;
          const opt: vscode.DecorationOptions = {
            range,
            hoverMessage: annotationHover(f, core.model),
            renderOptions: { after: { contentText: annotationText(f, core.model) } },
          };
          (f.origin ? origin : other).push(opt);
        }
      }
      editor.setDecorations(this.origin, origin);
      editor.setDecorations(this.other, other);
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
