// Extension entry point: wiring only. Each feature lives in its own module.
import * as vscode from 'vscode';
import { SourcePathMapper } from '../report/pathMapping.js';
import { openCoreDump, type OpenCoreDeps } from './commands/openCoreDump.js';
import { registerFrameCommands } from './commands/frameCommands.js';
import { Commands, DEBUG_TYPE, TRACEBACK_LANGUAGE_ID, Views } from './constants.js';
import { registerGoCoreDebugger } from './debug/goCoreDebugger.js';
import { CrashDecorations } from './editor/crashDecorations.js';
import { PcHoverProvider } from './editor/pcHover.js';
import { startTracebackClient } from './language/tracebackClient.js';
import { createLogger } from './log.js';
import { readSettings } from './settings.js';
import { analyzeCore } from './session/analyzeCore.js';
import { CoreSessions } from './session/coreSessions.js';
import { PanicChainProvider } from './views/panicChainView.js';
import { PanicFramesProvider } from './views/panicFramesView.js';
import { ThreadsProvider } from './views/threadsView.js';

/** What tests in the extension host reach through `extension.exports`. */
export interface ExtensionApi {
  sessions: CoreSessions;
  panicFrames: PanicFramesProvider;
  threads: ThreadsProvider;
  panicChain: PanicChainProvider;
  decorations: CrashDecorations;
  hover: PcHoverProvider;
  mapperFor(corePath: string): SourcePathMapper | undefined;
}

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const logger = createLogger(context);
  const sessions = new CoreSessions();
  const mappers = new Map<string, SourcePathMapper>();
  const mapperFor = (corePath: string) => mappers.get(corePath);

  const deps: OpenCoreDeps = {
    sessions,
    analyze: analyzeCore,
    logger,
    includeDevCache: context.extensionMode !== vscode.ExtensionMode.Production,
    mapperFor: (core, analysis) => {
      const m = new SourcePathMapper({
        substitutePath: readSettings().substitutePath,
        workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
        mainModule: analysis.mainModule,
      });
      mappers.set(core.corePath, m);
      return m;
    },
  };

  const panicFrames = new PanicFramesProvider(sessions);
  const threads = new ThreadsProvider(sessions);
  const panicChain = new PanicChainProvider(sessions);
  const decorations = new CrashDecorations(sessions, mapperFor, vscode.Uri.joinPath(context.extensionUri, 'media', 'frame-origin.svg'));
  const hover = new PcHoverProvider(sessions);

  context.subscriptions.push(
    sessions,
    panicFrames,
    threads,
    panicChain,
    decorations,
    vscode.window.createTreeView(Views.panicFrames, { treeDataProvider: panicFrames, showCollapseAll: true }),
    vscode.window.createTreeView(Views.threads, { treeDataProvider: threads, showCollapseAll: true }),
    vscode.window.createTreeView(Views.panicChain, { treeDataProvider: panicChain, showCollapseAll: true }),
    vscode.languages.registerHoverProvider(
      [
        { language: 'go', scheme: 'file' },
        { language: TRACEBACK_LANGUAGE_ID },
      ],
      hover,
    ),
    vscode.commands.registerCommand(Commands.openCoreDump, (uri?: vscode.Uri, binary?: string) =>
      openCoreDump(deps, uri?.fsPath, binary, { startDebugSession: true }),
    ),
    vscode.commands.registerCommand(Commands.openAsCoreDump, (uri?: vscode.Uri, binary?: string) =>
      openCoreDump(deps, uri?.fsPath, binary, { startDebugSession: true }),
    ),
    vscode.commands.registerCommand(Commands.closeCoreDump, async () => {
      const core = sessions.active;
      if (!core) return;
      if (core.debugSession) await vscode.debug.stopDebugging(core.debugSession);
      await sessions.close(core.id);
    }),
    vscode.commands.registerCommand(Commands.showLog, () => logger.channel.show()),
    vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.type !== DEBUG_TYPE) return;
      const core = sessions.all.find((c) => c.debugSession === s);
      if (core) core.debugSession = undefined;
    }),
  );
  registerFrameCommands(context, sessions, mapperFor);
  registerGoCoreDebugger(context, sessions, (core, binary, options) => openCoreDump(deps, core, binary, options));
  startTracebackClient(context, sessions);

  return { sessions, panicFrames, threads, panicChain, decorations, hover, mapperFor };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions (Delve processes included).
}
