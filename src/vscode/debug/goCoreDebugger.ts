// The `go-core` debugger: launch.json configurations (`coreFilePath`, `program`, `dlvPath`,
// `substitutePath`) and the in-process adapter. A launch.json `dlvPath` counts only in a trusted
// workspace (the repository must not choose what we run). A session started by Open Core Dump carries the id
// of the core already open; one started from launch.json opens the core first (views included).
// The session is Delve's (through ProxyDebugAdapter) when Delve serves the core, else our own
// adapter's (src/adapter/engineAdapter.ts), inline either way: no process is spawned for it.
import * as vscode from 'vscode';
import { DEBUG_TYPE } from '../constants.js';
import type { Logger } from '../log.js';
import { launchDlvPath } from '../trustPolicy.js';
import type { CoreSessions, OpenCore } from '../session/coreSessions.js';
import { ProxyDebugAdapter } from './proxyAdapter.js';
import { EngineDebugSession } from './engineAdapter.js';
import { decisionLine } from './adapterChoice.js';
import type { SourceMappers } from '../session/sourceMappers.js';

export const CORE_ID_KEY = '__goCoreInspectorCoreId';

export interface GoCoreLaunchConfig extends vscode.DebugConfiguration {
  coreFilePath?: string;
  program?: string;
  dlvPath?: string;
  substitutePath?: { from: string; to: string }[];
  [CORE_ID_KEY]?: string;
}

/** Opens a core (readers, views, Delve) for a launch.json session; returns the open core. */
export type CoreOpener = (
  corePath: string,
  binaryPath: string | undefined,
  options: { dlvPath?: string; substitutePath?: { from: string; to: string }[]; startDebugSession: false },
) => Promise<OpenCore | undefined>;

/** How long after its start a debug session counts as starting (VS Code activates it meanwhile). */
const STARTING_MS = 2000;

export function registerGoCoreDebugger(
  context: vscode.ExtensionContext,
  sessions: CoreSessions,
  openCore: CoreOpener,
  logger?: Logger,
  sources?: SourceMappers,
): void {
  const provider: vscode.DebugConfigurationProvider = {
    provideDebugConfigurations: () => [
      { type: DEBUG_TYPE, request: 'launch', name: 'Open Go core dump', coreFilePath: '${workspaceFolder}/core' },
    ],
    resolveDebugConfiguration: (_folder, config: GoCoreLaunchConfig) => {
      if (!config.type && !config.request && !config.name) {
        // F5 with no launch.json: offer the file picker of Open Core Dump instead.
        void vscode.commands.executeCommand('goCoreInspector.openCoreDump');
        return undefined;
      }
      return config;
    },
    resolveDebugConfigurationWithSubstitutedVariables: async (_folder, config: GoCoreLaunchConfig) => {
      if (config[CORE_ID_KEY]) return config;
      if (!config.coreFilePath) {
        void vscode.window.showErrorMessage("The go-core launch configuration needs 'coreFilePath': the path of the core file.");
        return undefined;
      }
      const dlv = launchDlvPath(config, vscode.workspace.isTrusted);
      if (dlv.ignored) {
        logger?.warn(dlv.ignored);
        void vscode.window.showWarningMessage(dlv.ignored);
      }
      const core = await openCore(config.coreFilePath, config.program, {
        ...(dlv.dlvPath ? { dlvPath: dlv.dlvPath } : {}),
        substitutePath: config.substitutePath,
        startDebugSession: false,
      });
      if (!core) return undefined;
      return { ...config, [CORE_ID_KEY]: core.id };
    },
  };

  const startedAt = new WeakMap<vscode.DebugSession, number>();
  const factory: vscode.DebugAdapterDescriptorFactory = {
    createDebugAdapterDescriptor: (session) => {
      const id = (session.configuration as GoCoreLaunchConfig)[CORE_ID_KEY];
      const core = id ? sessions.get(id) : undefined;
      if (!core) throw new Error('The core of this debug session is no longer open. Open it again with "Open Core Dump".');
      core.debugSession = session;
      const onDisconnect = () => {
        if (core.debugSession === session) core.debugSession = undefined;
      };
      if (!core.delve || core.delve.ended || core.adapter?.adapter === 'goCore') {
        if (core.adapter?.adapter === 'delve') {
          // Delve served this core and has ended since: our adapter takes over.
          logger?.info(decisionLine(core.corePath, { adapter: 'goCore', reason: `Delve is not running any more${core.delveEndedReason ? ` (${core.delveEndedReason})` : ''}` }));
        }
        const mapper = sources?.for(core);
        const engineSession = new EngineDebugSession(core.engine, {
          sourcePath: (file) => mapper?.map(file)?.path,
          onDisconnect,
          log: (line) => logger?.info(line),
        });
        return new vscode.DebugAdapterInlineImplementation(engineSession);
      }
      const adapter = new ProxyDebugAdapter(core.delve, onDisconnect, core.crash, core.engine);
      return new vscode.DebugAdapterInlineImplementation(adapter);
    },
  };

  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, provider),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, provider, vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, factory),
    vscode.debug.onDidStartDebugSession((s) => startedAt.set(s, Date.now())),
    vscode.debug.onDidChangeActiveDebugSession((s) => {
      const id = s?.type === DEBUG_TYPE ? (s.configuration as GoCoreLaunchConfig)[CORE_ID_KEY] : undefined;
      if (!id || !s) return;
      // VS Code makes a session active as it starts; a core's session that starts late (its Delve
      // was slower) does not take the views from a core the user opened after it.
      const t = startedAt.get(s);
      const starting = t === undefined || Date.now() - t < STARTING_MS;
      const order = sessions.all.map((c) => c.id);
      const active = sessions.active;
      if (starting && active && order.indexOf(active.id) > order.indexOf(id)) return;
      sessions.setActive(id);
    }),
  );
}
