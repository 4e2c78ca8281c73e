// Decorations on the source lines of the crash frames: the origin frame stands out (message, PC,
// instruction, SSA value), the other frames are quieter. Every open core is decorated, each in the
// files its own mapper finds (by module and content: src/analysis/pathMapping.ts), so two programs'
// cores never annotate each other's files; where two cores map to the same file (two cores of one
// program) the active core's line wins. A core's annotations go when it closes.
import * as vscode from 'vscode';
import { instructionJson, type FrameAnnotation } from '../../analysis/annotate.js';
import type { CrashSummary, SummaryBlocked, SummaryPanic } from '../../analysis/crashSummary.js';
import type { ReportFrame } from '../../analysis/report.js';
import type { PcMapping } from '../../ssa/pcToSsa.js';
import type { CoreSessions, OpenCore } from '../session/coreSessions.js';
import type { SourceMappers } from '../session/sourceMappers.js';
import { blockedText, crashHeadline, panicLine } from '../views/frameText.js';
import { ssaText } from './ssaAnnotator.js';

/** What one decorated frame shows: the frame, whether it is the origin, its pc's annotation. */
export interface DecoratedFrame {
  /** The core the frame belongs to. */
  core: OpenCore;
  frame: ReportFrame;
  origin: boolean;
  mapping: PcMapping | undefined;
  /** The editor's annotation of the frame (src/analysis/annotate.ts): instruction, SSA value, verified, rule. */
  annotation?: FrameAnnotation | undefined;
  /** The _panic records this frame raised (nested panics: each raising line has its own). */
  raised?: SummaryPanic[];
  /** The blocked goroutine whose blocking line this is (a deadlock). */
  blocked?: SummaryBlocked | undefined;
}

/** What the frame's line says first: the panic it raised, the goroutine it blocks, else (origin) the crash. */
export function frameHeadline(d: DecoratedFrame, crash: CrashSummary): string | undefined {
  if (d.raised?.length) return d.raised.map(panicLine).join(' · ');
  if (d.blocked) return blockedText(d.blocked, crash);
  return d.origin ? crashHeadline(crash) : undefined;
}

export function annotationText(d: DecoratedFrame, crash: CrashSummary): string {
  const parts: string[] = [];
  const head = frameHeadline(d, crash);
  if (head) parts.push(head);
  parts.push(`pc ${d.frame.pc}`);
  const ins = d.annotation?.instruction?.text ?? d.mapping?.instruction?.text;
  if (ins) parts.push(ins);
  const ssa = d.mapping && ssaText(d.mapping);
  const verified = d.annotation ? d.annotation.verified : d.mapping?.verified;
  if (ssa) parts.push(`${ssa}${verified ? '' : ' (unverified)'}`);
  return `  ◀ ${parts.join(' · ')}`;
}

export function annotationHover(d: DecoratedFrame, crash: CrashSummary): vscode.MarkdownString {
  const { frame, mapping, annotation } = d;
  const md = new vscode.MarkdownString(undefined, true);
  const title = d.origin ? 'Crash origin' : d.blocked ? 'Blocked goroutine' : d.raised?.length ? 'Panic raised here' : 'Crash frame';
  md.appendMarkdown(`$(debug-stackframe) **${title}** — ${frame.function}\n\n`);
  const head = frameHeadline(d, crash);
  if (head) md.appendCodeblock(head, 'text');
  const rows = [`pc  ${frame.pc}${frame.inlined ? '' : `  (${frame.function}+${frame.offset})`}`];
  if (frame.sp) rows.push(`sp  ${frame.sp}`);
  const ins = annotation?.instruction ?? (mapping ? instructionJson(mapping) : null);
  if (ins) rows.push(`ins ${ins.pc}  ${ins.text}`);
  md.appendCodeblock(rows.join('\n'), 'text');
  // The rule the engine applied to this frame's pc (shared by every logical frame of one physical frame).
  md.appendMarkdown(`${frame.returnAddress ? 'PC is a return address' : 'faulting instruction (PC is the instruction itself)'}${annotation ? `: ${annotation.rule}` : ''}\n\n`);
  const ssa = mapping && ssaText(mapping);
  if (ssa) {
    const verified = annotation ? annotation.verified : mapping.verified;
    const reason = annotation ? annotation.reason : mapping.reason;
    md.appendMarkdown(`**SSA** ${verified ? '$(verified) verified: this mapping (pc → instruction → SSA value) was checked against the binary' : `$(warning) unverified${reason ? `: ${reason}` : ''}`}\n`);
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
      const crash = core.crash;
      // The crash's frames, then (a deadlock) each blocked goroutine's blocking line; the origin is the engine's.
      const blocking = crash.blocked.filter((b) => b.blockingFrame).map((b) => ({ frame: b.blockingFrame!, blocked: b as SummaryBlocked | undefined }));
      const frames = [...core.report.crash.frames.map((frame) => ({ frame, blocked: undefined as SummaryBlocked | undefined })), ...blocking];
      if (crash.origin && !frames.some((x) => x.frame === crash.origin)) frames.push({ frame: crash.origin, blocked: undefined });
      return frames
        .filter(({ frame: f }) => f.file && f.line && this.sources.sourceOf(core, f) === fsPath)
        .map(({ frame, blocked }): DecoratedFrame => ({
          core,
          frame,
          origin: frame === crash.origin,
          mapping: core.annotations.get(frame.pc),
          annotation: core.frameAnnotations.get(frame),
          raised: crash.panics.filter((p) => p.raisingFrame === frame),
          blocked,
        }));
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
