// Commands on frames of the Panic Frames view: go to the frame's source, copy its PC, copy frames as
// traceback text, show the SSA of the frame's function.
import * as vscode from 'vscode';
import type { SourcePathMapper } from '../../analysis/pathMapping.js';
import { framesAsTraceback } from '../../traceback/format.js';
import { Commands } from '../constants.js';
import type { CoreSessions } from '../session/coreSessions.js';
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

export async function revealFrame(frame: ShownFrame, mapper: SourcePathMapper | undefined): Promise<boolean> {
  if (!frame.file || !frame.line) {
    void vscode.window.showInformationMessage(`${frameFunction(frame)} has no source line (pc ${frame.pc}).`);
    return false;
  }
  const mapped = mapper?.map(frame.file);
  if (!mapped) {
    void vscode.window.showWarningMessage(
      `Source ${frame.file} was not found in the workspace. Add a 'goCoreInspector.substitutePath' entry mapping its build directory to your checkout.`,
    );
    return false;
  }
  const doc = await vscode.workspace.openTextDocument(mapped.path);
  const pos = new vscode.Position(Math.max(0, frame.line - 1), 0);
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preserveFocus: false });
  return true;
}

export function registerFrameCommands(
  context: vscode.ExtensionContext,
  sessions: CoreSessions,
  mapperFor: (corePath: string) => SourcePathMapper | undefined,
): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.revealFrame, (arg: unknown) => {
      const frame = frameOf(arg);
      const core = sessions.active;
      if (frame) return revealFrame(frame, core ? mapperFor(core.corePath) : undefined);
      return false;
    }),
    vscode.commands.registerCommand(Commands.copyPc, async (arg: unknown) => {
      const frame = frameOf(arg);
      if (frame) await vscode.env.clipboard.writeText(frame.pc);
    }),
    vscode.commands.registerCommand(Commands.copyAsTraceback, async (arg: unknown) => {
      const sel = framesOf(arg);
      if (sel) await vscode.env.clipboard.writeText(framesAsTraceback(sel.frames.map(printableFrame), sel.header));
    }),
  );
}
