// Commands on frames of the Panic Frames view: go to the frame's source, copy its PC, copy frames as
// traceback text, show the SSA of the frame's function.
import * as vscode from 'vscode';
import type { SourcePathMapper } from '../../analysis/pathMapping.js';
import { Commands } from '../constants.js';
import { framesAsTraceback, type FrameModel } from '../model.js';
import type { CoreSessions } from '../session/coreSessions.js';
import type { PanicFramesNode } from '../views/panicFramesView.js';

function frameOf(arg: unknown): FrameModel | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const node = arg as PanicFramesNode;
  if (node.kind === 'frame' || node.kind === 'repeat') return node.frame;
  if ('pc' in (arg as object) && 'func' in (arg as object)) return arg as FrameModel;
  return undefined;
}

function framesOf(arg: unknown): { frames: FrameModel[]; header?: string } | undefined {
  const f = frameOf(arg);
  if (f) return { frames: [f] };
  const node = arg as PanicFramesNode | undefined;
  if (node?.kind === 'section') return { frames: node.frames, header: `${node.label}:` };
  if (node?.kind === 'runtimeGroup') return { frames: node.frames };
  if (node?.kind === 'group') return { frames: node.group.frames, header: `goroutine ${node.group.ids[0]} [${node.group.status}]:` };
  return undefined;
}

export async function revealFrame(frame: FrameModel, mapper: SourcePathMapper | undefined): Promise<boolean> {
  if (!frame.file || !frame.line) {
    void vscode.window.showInformationMessage(`${frame.func} has no source line (pc ${frame.pc}).`);
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
      if (sel) await vscode.env.clipboard.writeText(framesAsTraceback(sel.frames, sel.header));
    }),
  );
}
