// Commands on frames of the Panic Frames view: go to the frame's source, copy its PC, copy frames as
// traceback text, show the SSA of the frame's function.
import * as vscode from 'vscode';
import { framesAsTraceback } from '../../traceback/format.js';
import { Commands, Settings } from '../constants.js';
import { crashTraceback } from './coreCommands.js';
import type { CoreSessions, OpenCore } from '../session/coreSessions.js';
import type { SourceMappers } from '../session/sourceMappers.js';
import { frameFunction, printableFrame, type ShownFrame } from '../views/frameText.js';
import type { PanicFramesNode } from '../views/panicFramesView.js';

/** The frame of a view node, or a frame passed as it is (a crash frame or a goroutine group's). */
export function frameOf(arg: unknown): ShownFrame | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const node = arg as PanicFramesNode;
  if (node.kind === 'frame' || node.kind === 'repeat') return node.frame;
  if ('pc' in arg && ('function' in arg || 'func' in arg)) return arg as ShownFrame;
  return undefined;
}

function framesOf(arg: unknown): { frames: ShownFrame[]; header?: string } | undefined {
  const f = frameOf(arg);
  if (f) return { frames: [f] };
  const node = arg as PanicFramesNode | undefined;
  if (node?.kind === 'section') return { frames: node.frames, header: `${node.label}:` };
  if (node?.kind === 'runtimeGroup') return { frames: node.frames };
  if (node?.kind === 'group') return { frames: node.group.frames, header: `goroutine ${node.group.goids[0]} [${node.group.status}]:` };
  return undefined;
}

/**
 * Opens a frame's source at its line. The file must be the crash's (by module and content,
 * src/analysis/pathMapping.ts); otherwise says "source not found" and offers to choose the folder.
 */
export async function revealFrame(frame: ShownFrame, core: OpenCore | undefined, sources: SourceMappers): Promise<boolean> {
  if (!frame.file || !frame.line) {
    void vscode.window.showInformationMessage(`${frameFunction(frame)} has no source line (pc ${frame.pc}).`);
    return false;
  }
  const found = core ? sources.for(core).explainFrame({ file: frame.file, line: frame.line, function: frameFunction(frame) }) : undefined;
  if (!core || !found?.found) {
    const rejected = found?.rejected[0];
    const choose = 'Choose Source Folder…';
    void vscode.window
      .showWarningMessage(
        `Source not found for ${frameFunction(frame)} (${frame.file}:${frame.line})` +
          (rejected ? `: ${rejected.path} is not it (${rejected.why})` : ' in the workspace') +
          `. Choose the folder of its module, or map its build directory with '${Settings.section}.${Settings.substitutePath}'.`,
        choose,
      )
      .then((c) => {
        if (c === choose) void vscode.commands.executeCommand(Commands.chooseSourceFolder);
      });
    return false;
  }
  const doc = await vscode.workspace.openTextDocument(found.found.path);
  const pos = new vscode.Position(Math.max(0, frame.line - 1), 0);
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preserveFocus: false });
  return true;
}

export function registerFrameCommands(
  context: vscode.ExtensionContext,
  sessions: CoreSessions,
  sources: SourceMappers,
): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.revealFrame, (arg: unknown) => {
      const frame = frameOf(arg);
      const core = sessions.active;
      if (frame) return revealFrame(frame, core, sources);
      return false;
    }),
    vscode.commands.registerCommand(Commands.copyPc, async (arg: unknown) => {
      const frame = frameOf(arg);
      if (frame) await vscode.env.clipboard.writeText(frame.pc);
    }),
    vscode.commands.registerCommand(Commands.copyAsTraceback, async (arg: unknown) => {
      // The crash row, the crashing goroutine's section, or no argument: the whole crashing goroutine
      // with the panic header, `[running]` and `created by` (crashTraceback).
      const node = arg as PanicFramesNode | undefined;
      const core = sessions.active;
      if (core && (!arg || node?.kind === 'crash' || (node?.kind === 'section' && node.stack === 'goroutine'))) {
        const text = crashTraceback(node?.kind === 'crash' ? node.core : core);
        await vscode.env.clipboard.writeText(text);
        return text;
      }
      const sel = framesOf(arg);
      if (!sel) return undefined;
      const text = framesAsTraceback(sel.frames.map(printableFrame), sel.header);
      await vscode.env.clipboard.writeText(text);
      return text;
    }),
  );
}
