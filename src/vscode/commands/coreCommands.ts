// Commands on a whole open core: pick which core the views show (several open at once), copy the
// crash message, copy the crash as traceback text or as a Markdown block for an issue, and choose
// the folder holding a core's source when it was not found in the workspace.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { originOf } from '../../analysis/crashSummary.js';
import { createdBy } from '../../analysis/createdBy.js';
import { framesAsTraceback } from '../../traceback/format.js';
import { Commands } from '../constants.js';
import type { CoreSessions, OpenCore } from '../session/coreSessions.js';
import type { SourceMappers } from '../session/sourceMappers.js';
import { crashHeadline, onSystemStack } from '../views/frameText.js';
import type { PanicFramesNode } from '../views/panicFramesView.js';

/** The core a command was invoked on: a view node's, an id, else the active one. */
function coreOf(sessions: CoreSessions, arg: unknown): OpenCore | undefined {
  if (typeof arg === 'string') return sessions.get(arg);
  const node = arg as PanicFramesNode | undefined;
  if (node && typeof node === 'object' && 'core' in node && node.core) return node.core as OpenCore;
  return sessions.active;
}

/**
 * The crashing goroutine as the runtime prints it: the header lines (`panic: …`), a blank line,
 * `goroutine N [running]:`, its frames (not those that ran on g0) and `created by`. Parses back with
 * src/traceback/parse.ts to the same goroutine.
 */
export function crashTraceback(core: OpenCore): string {
  const g = core.report.crash.goroutine;
  const frames = core.report.crash.frames.filter((f) => !onSystemStack(f));
  const curg = g !== null ? core.crash.ms.find((m) => m.curg?.goid === g)?.curg : undefined;
  const creator = curg ? createdBy(core.engine, curg.address) : undefined;
  return framesAsTraceback(frames, g !== null ? `goroutine ${g} [running]:` : undefined, {
    messages: core.crash.messages,
    creator,
  });
}

/** A Markdown block for a bug report: messages, Go version and build settings, build IDs, the crashing goroutine with its origin marked. */
export function copyForIssue(core: OpenCore): string {
  const { report, crash } = core;
  const go = report.go;
  const s = go.settings;
  const origin = originOf(report.crash.frames);
  const lines: string[] = [];
  lines.push(`**Go crash:** \`${crashHeadline(crash).replace(/`/g, "'")}\``, '');
  lines.push(`- Core: \`${basename(core.corePath)}\`${report.core.pid !== null ? ` (pid ${report.core.pid})` : ''}, executable \`${basename(core.binaryPath)}\``);
  lines.push(`- Go: ${go.version ?? 'unknown'}${s.GOOS && s.GOARCH ? ` ${s.GOOS}/${s.GOARCH}` : ''}`);
  if (go.mainModule) lines.push(`- Module: \`${go.mainModule.path}\` ${go.mainModule.version}`);
  const vcs = ['vcs', 'vcs.revision', 'vcs.time', 'vcs.modified'].filter((k) => s[k]).map((k) => `${k}=${s[k]}`);
  if (vcs.length) lines.push(`- VCS: ${vcs.join(', ')}`);
  const build = Object.entries(s)
    .filter(([k]) => !k.startsWith('vcs'))
    .map(([k, v]) => `${k}=${v}`);
  if (build.length) lines.push(`- Build settings: \`${build.join(' ')}\``);
  const ids = [report.executable.goBuildId ? `Go \`${report.executable.goBuildId}\`` : '', report.executable.gnuBuildId ? `GNU \`${report.executable.gnuBuildId}\`` : ''].filter(Boolean);
  if (ids.length) lines.push(`- Build IDs: ${ids.join(', ')}`);
  lines.push('', '```text');
  const text = crashTraceback(core).replace(/\n$/, '').split('\n');
  // Mark the origin frame's call line (the first line naming the origin function after the header).
  if (origin) {
    const i = text.findIndex((l) => l.startsWith(`${origin.function}(`));
    if (i >= 0) text[i] = `${text[i]}    <-- crash origin`;
  }
  lines.push(...text, '```', '');
  return lines.join('\n');
}

export function registerCoreCommands(
  context: vscode.ExtensionContext,
  sessions: CoreSessions,
  sources: SourceMappers,
): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.selectCore, async () => {
      const items = sessions.all.map((c) => ({
        label: `${c === sessions.active ? '$(eye) ' : ''}${basename(c.corePath)}`,
        description: `${basename(c.binaryPath)}${c.report.go.version ? ` · ${c.report.go.version}` : ''}`,
        detail: crashHeadline(c.crash),
        core: c,
      }));
      const picked = await vscode.window.showQuickPick(items, { title: 'Show Another Open Core', placeHolder: 'The views and the debug session follow the core you pick' });
      if (!picked) return;
      // The views (and the decorations' order) follow; VS Code offers no API to focus a debug session.
      sessions.setActive(picked.core.id);
    }),
    vscode.commands.registerCommand(Commands.copyMessage, async (arg?: unknown) => {
      const core = coreOf(sessions, arg);
      if (!core) return;
      await vscode.env.clipboard.writeText((core.crash.messages.length ? core.crash.messages : [crashHeadline(core.crash)]).join('\n'));
    }),
    vscode.commands.registerCommand(Commands.copyForIssue, async (arg?: unknown) => {
      const core = coreOf(sessions, arg);
      if (!core) return undefined;
      const md = copyForIssue(core);
      await vscode.env.clipboard.writeText(md);
      void vscode.window.setStatusBarMessage('Go Core: crash copied as Markdown for an issue', 3000);
      return md;
    }),
    vscode.commands.registerCommand(Commands.chooseSourceFolder, async (arg?: unknown) => {
      const core = coreOf(sessions, arg);
      if (!core) return;
      const origin = originOf(core.report.crash.frames);
      const picked = await vscode.window.showOpenDialog({
        title: `Source folder of ${core.report.go.mainModule?.path ?? basename(core.binaryPath)}${origin?.file ? ` (holding ${basename(origin.file)})` : ''}`,
        openLabel: 'Use This Folder',
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      });
      if (!picked?.[0]) return;
      await sources.chooseFolder(core.corePath, picked[0].fsPath);
      if (origin?.file && !sources.sourceOf(core, origin)) {
        const why = sources.for(core).explainFrame(origin).rejected[0];
        void vscode.window.showWarningMessage(
          `${picked[0].fsPath} does not hold ${origin.function} at ${basename(origin.file)}:${origin.line}${why ? ` (${why.path}: ${why.why})` : ''}.`,
        );
      }
    }),
  );
}
