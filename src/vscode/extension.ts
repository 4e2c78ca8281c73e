// Extension entry point: wiring only. Each feature lives in its own module.
import * as vscode from 'vscode';
import { noSsaForC } from '../analysis/annotate.js';
import { originOf } from '../analysis/crashSummary.js';
import type { SourcePathMapper } from '../analysis/pathMapping.js';
import { openCoreDump, type OpenCoreDeps } from './commands/openCoreDump.js';
import { frameOf, registerFrameCommands } from './commands/frameCommands.js';
import { Commands, DEBUG_TYPE, Settings, Views } from './constants.js';
import { copyForIssue, registerCoreCommands } from './commands/coreCommands.js';
import { registerTracebackDetection } from './language/tracebackDetection.js';
import { SourceMappers } from './session/sourceMappers.js';
import { CORE_ID_KEY, registerGoCoreDebugger, type GoCoreLaunchConfig } from './debug/goCoreDebugger.js';
import { registerSystemdCrashes } from './commands/systemdCrashes.js';
import { CrashDecorations } from './editor/crashDecorations.js';
import { annotateCoreWithSsa, consentKey, SsaDocuments, ssaText } from './editor/ssaAnnotator.js';
import { sourceRootOf } from '../analysis/sourceRoot.js';
import { PcHoverProvider } from './editor/pcHover.js';
import { SsaConsent } from './editor/ssaConsent.js';
import { startTracebackClient } from './language/tracebackClient.js';
import { createLogger } from './log.js';
import { readSettings } from './settings.js';
import { startupCore } from './trustPolicy.js';
import { frameFunction } from './views/frameText.js';
import { analyzeCore } from './session/analyzeCore.js';
import { CoreSessions, type OpenCore } from './session/coreSessions.js';
import { PanicChainProvider } from './views/panicChainView.js';
import { PanicFramesProvider } from './views/panicFramesView.js';
import { ThreadsProvider } from './views/threadsView.js';
import { registerForensicViews } from './views/forensicViews.js';
import { createClickableTreeView } from './views/rowClick.js';
import type { GoroutinesProvider } from './views/goroutinesView.js';
import type { HeapProvider } from './views/heapView.js';

/** What tests in the extension host reach through `extension.exports`. */
export interface ExtensionApi {
  sessions: CoreSessions;
  panicFrames: PanicFramesProvider;
  threads: ThreadsProvider;
  panicChain: PanicChainProvider;
  /** The Goroutines view (waits model, groupings, filter). */
  goroutines: GoroutinesProvider;
  /** The Heap view (types by bytes, retainers, retention paths, pprof). */
  heap: HeapProvider;
  decorations: CrashDecorations;
  hover: PcHoverProvider;
  mapperFor(corePath: string): SourcePathMapper | undefined;
  /** Every open core's source mapper (by module and content), rebuilt when settings change. */
  sources: SourceMappers;
  /** The Markdown of "Copy for Issue" for the active core. */
  copyForIssue(): string | undefined;
  /** The per-binary SSA rebuild permissions (tests allow a fixture's binary through it). */
  ssaConsent: SsaConsent;
  /** The latest lines of the Go Core log (info, warn, error). */
  logLines(): string[];
}

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const logger = createLogger(context);
  const sessions = new CoreSessions();
  const sources = new SourceMappers(sessions, context.workspaceState);
  const mapperFor = (corePath: string) => sources.forPath(corePath);
  const ssaConsent = new SsaConsent(context.globalState);
  context.subscriptions.push(ssaConsent, sources);

  const deps: OpenCoreDeps = {
    sessions,
    analyze: analyzeCore,
    logger,
    sources,
    state: context.workspaceState,
    onOpened: (core) => {
      if (readSettings().autoSsa) void annotateWithSsa(core, false);
    },
  };
  /**
   * Maps the crash frames of a core to instructions and SSA values. Rebuilds only in a trusted
   * workspace, from a module inside a workspace folder, for a binary the user allowed (asked when
   * `interactive`; automatic passes only use binaries already allowed).
   */
  const annotateWithSsa = async (core: OpenCore, interactive: boolean): Promise<void> => {
    if (!sessions.get(core.id)) return;
    const mapper = sources.for(core);
    await annotateCoreWithSsa(sessions, core, {
      logger,
      goroots: readSettings().goroots,
      trusted: vscode.workspace.isTrusted,
      mapper,
      consent: ssaConsent,
      interactive,
      allowedRoots: vscode.workspace.isTrusted ? (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath) : [],
      onAllowed: () => {
        if (sessions.get(core.id)) void annotateWithSsa(core, false);
      },
    });
  };
  const ssaDocs = new SsaDocuments();

  // From the Explorer the second argument is the list of selected resources, not a binary path.
  const openFromCommand = (uri?: unknown, binary?: unknown) =>
    openCoreDump(deps, uri instanceof vscode.Uri ? uri.fsPath : undefined, typeof binary === 'string' ? binary : undefined, {
      startDebugSession: true,
    });

  const panicFrames = new PanicFramesProvider(sessions, sources);
  const threads = new ThreadsProvider(sessions);
  const panicChain = new PanicChainProvider(sessions);
  const decorations = new CrashDecorations(sessions, sources, vscode.Uri.joinPath(context.extensionUri, 'media', 'frame-origin.svg'));
  // Any pc of an open core gets its instruction and SSA value in the hover, without a question:
  // from the SSA cache, or rebuilt when the user already allowed this binary (trusted workspaces,
  // modules inside a workspace folder only).
  const hover = new PcHoverProvider(sessions, async (core, pc, isReturnAddress) => {
    const mapper = mapperFor(core.corePath);
    const root = mapper ? sourceRootOf(core.engine.binary, mapper).root : undefined;
    if (!root) return undefined;
    const trusted = vscode.workspace.isTrusted;
    const allowed = trusted && ssaConsent.decision(consentKey(core)) === 'allowed';
    return core.engine.mapSsa({
      pc,
      isReturnAddress,
      sourceRoot: root,
      allowedRoots: trusted ? (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath) : [],
      goroots: readSettings().goroots,
      allowRebuild: trusted,
      ...(allowed ? { confirmRebuild: () => true } : {}),
      timeoutMs: 60_000,
    });
  });

  context.subscriptions.push(
    sessions,
    panicFrames,
    threads,
    panicChain,
    decorations,
    ...createClickableTreeView(Views.panicFrames, panicFrames, { showCollapseAll: true }).disposables,
    vscode.window.createTreeView(Views.threads, { treeDataProvider: threads, showCollapseAll: true }),
    ...createClickableTreeView(Views.panicChain, panicChain, { showCollapseAll: true }).disposables,
    // Go sources of an open core; crash logs (go-traceback) have one hover owner: the language server.
    vscode.languages.registerHoverProvider([{ language: 'go', scheme: 'file' }], hover),
    vscode.commands.registerCommand(Commands.openCoreDump, openFromCommand),
    vscode.commands.registerCommand(Commands.openAsCoreDump, openFromCommand),
    vscode.commands.registerCommand(Commands.closeCoreDump, async () => {
      const core = sessions.active;
      if (!core) return;
      // Immediate: the views drop the core at once and its Delve is ended (disconnect, then killed
      // after a short grace); the debug session is stopped without waiting for VS Code's round trip.
      const t0 = Date.now();
      await sessions.close(core.id);
      logger.info(`closed ${core.corePath} in ${Date.now() - t0} ms`);
    }),
    vscode.commands.registerCommand(Commands.showLog, () => logger.channel.show()),
    vscode.commands.registerCommand(Commands.resetSsaConsent, async () => {
      await ssaConsent.reset();
      void vscode.window.showInformationMessage('Go Core: every binary will be asked about again before it is rebuilt for SSA.');
    }),
    vscode.workspace.registerTextDocumentContentProvider(SsaDocuments.scheme, ssaDocs),
    vscode.commands.registerCommand(Commands.showSsaForFrame, async (arg?: unknown) => {
      const core = sessions.active;
      const frame = frameOf(arg) ?? (core ? (originOf(core.report.crash.frames) ?? undefined) : undefined);
      if (!core || !frame) return undefined;
      if (frame.language === 'c') {
        void vscode.window.showInformationMessage(`No SSA: ${noSsaForC(frame)}.`);
        return undefined;
      }
      const before = core.annotations.get(frame.pc);
      if (!before || !ssaText(before)) await annotateWithSsa(core, true);
      const doc = ssaDocs.put(frame, core.annotations.get(frame.pc));
      if (!doc) {
        void vscode.window.showWarningMessage(
          `No SSA for ${frameFunction(frame)}: ${core.notes.find((n) => n.startsWith('SSA')) ?? 'the function could not be rebuilt (see the Go Core log)'}`,
        );
        return undefined;
      }
      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(doc.uri), { preview: true });
      const line = editor.document.lineAt(Math.min(doc.line, editor.document.lineCount - 1));
      editor.selection = new vscode.Selection(line.range.start, line.range.end);
      editor.revealRange(line.range, vscode.TextEditorRevealType.InCenter);
      return doc.uri;
    }),
    // A session that VS Code starts for a core closed meanwhile (the user closed it while the session
    // was on its way) ends at once instead of staying behind with no core.
    vscode.debug.onDidStartDebugSession((s) => {
      const id = s.type === DEBUG_TYPE ? (s.configuration as GoCoreLaunchConfig)[CORE_ID_KEY] : undefined;
      if (id && !sessions.get(id)) void vscode.debug.stopDebugging(s);
    }),
    vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.type !== DEBUG_TYPE) return;
      const core = sessions.all.find((c) => c.debugSession === s);
      if (core) core.debugSession = undefined;
    }),
  );
  registerFrameCommands(context, sessions, sources);
  registerCoreCommands(context, sessions, sources);
  registerSystemdCrashes(context, deps);
  const { goroutines, heap } = registerForensicViews(context, sessions);
  registerTracebackDetection(context);
  openCoreOnStartup(deps, context.extensionMode !== vscode.ExtensionMode.Production);
  registerGoCoreDebugger(context, sessions, (core, binary, options) => openCoreDump(deps, core, binary, options), logger, sources);
  startTracebackClient(context, sessions, ssaConsent);

  return {
    sessions,
    panicFrames,
    threads,
    panicChain,
    goroutines,
    heap,
    decorations,
    hover,
    mapperFor,
    sources,
    ssaConsent,
    logLines: () => logger.recent(),
    copyForIssue: () => (sessions.active ? copyForIssue(sessions.active) : undefined),
  };
}

/**
 * A core to open as soon as the workspace is there: goCoreInspector.openOnStartup from user (or
 * remote machine) settings only, never from the workspace's own settings, and only a file inside a
 * workspace folder. In development and tests (`npm start`, the VS Code test harness) the launcher
 * may pass it as $GCI_OPEN_ON_STARTUP instead: under code-server, machine-scoped settings are read
 * from the remote's settings only, and the demo must not write into the user's own.
 */
function openCoreOnStartup(deps: OpenCoreDeps, development: boolean): void {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const workspaceFolderValues: string[] = [];
  let globalValue: string | undefined;
  let workspaceValue: string | undefined;
  for (const folder of folders) {
    const i = vscode.workspace.getConfiguration(Settings.section, folder.uri).inspect<string>(Settings.openOnStartup);
    globalValue ??= i?.globalValue;
    workspaceValue ??= i?.workspaceValue;
    if (i?.workspaceFolderValue) workspaceFolderValues.push(i.workspaceFolderValue);
  }
  if (folders.length === 0) {
    globalValue = vscode.workspace.getConfiguration(Settings.section).inspect<string>(Settings.openOnStartup)?.globalValue;
  }
  const devValue = development ? process.env.GCI_OPEN_ON_STARTUP : undefined;
  const decision = startupCore({
    values: { globalValue, workspaceValue, workspaceFolderValues },
    ...(devValue ? { devValue } : {}),
    folders: folders.map((f) => f.uri.fsPath),
  });
  decision.info.forEach((m) => deps.logger.info(m));
  decision.warnings.forEach((m) => deps.logger.warn(m));
  if (decision.path) {
    deps.logger.info(`opening ${decision.path} on startup`);
    void openCoreDump(deps, decision.path, undefined, { startDebugSession: true });
  }
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions (Delve processes included).
}
