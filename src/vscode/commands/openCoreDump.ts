// Open Core Dump: find the executable, fill the views from our own readers at once, then start Delve
// on the core and a VS Code debug session over it. Cancellable; every failure says what to do.
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { originOf } from '../../analysis/crashSummary.js';
import type { CoreEngine } from '../../analysis/engine.js';
import type { SourcePathMapper } from '../../analysis/pathMapping.js';
import type { ReportFrame } from '../../analysis/report.js';
import { CoreReadError, type CoreErrorKind } from '../../core/errors.js';
import { isRuntimeFunction } from '../../traceback/crash.js';
import { CoreSession } from '../../delve/coreSession.js';
import { findDelveFor } from '../../delve/dlvDiscovery.js';
import { Commands, DEBUG_TYPE, Views } from '../constants.js';
import { CORE_ID_KEY } from '../debug/goCoreDebugger.js';
import type { Logger } from '../log.js';
import { readSettings } from '../settings.js';
import { ExecutableNotFoundError, type Analyzer } from '../session/analyzer.js';
import type { CoreSessions, OpenCore } from '../session/coreSessions.js';

export interface OpenCoreDeps {
  sessions: CoreSessions;
  analyze: Analyzer;
  logger: Logger;
  mapperFor(core: OpenCore): SourcePathMapper;
  onOpened?(core: OpenCore): void;
}

export interface OpenCoreOptions {
  dlvPath?: string;
  substitutePath?: { from: string; to: string }[];
  /** False when a launch.json debug session is opening the core itself. */
  startDebugSession: boolean;
}

const CORE_NAME = /^core(\.\d+)?$|\.core$/;

/** Errors about the executable, where choosing another one can help. */
const BINARY_PROBLEMS = new Set<CoreErrorKind>(['build-id-mismatch', 'not-executable', 'not-found', 'not-go']);

/**
 * substitutePath pairs for Delve (vscode-go semantics: from = local, to = recorded) guessed from where
 * our mapper found the user frames' sources, so that the debug session opens the workspace copies.
 */
export function derivedSubstitutePath(frames: readonly ReportFrame[], mapper: SourcePathMapper): { from: string; to: string }[] {
  const pairs = new Map<string, string>();
  for (const f of frames) {
    if (isRuntimeFunction(f.function) || !f.file) continue;
    const m = mapper.map(f.file);
    if (!m || m.by === 'identity') continue;
    const to = dirname(f.file);
    if (!pairs.has(to)) pairs.set(to, dirname(m.path));
  }
  return [...pairs.entries()].map(([to, from]) => ({ from, to }));
}

async function pickCore(): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: 'Open Go Core Dump',
    openLabel: 'Open Core Dump',
    canSelectMany: false,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return picked?.[0]?.fsPath;
}

async function pickBinary(corePath: string, why: string): Promise<string | undefined> {
  const choice = await vscode.window.showWarningMessage(`${why}`, { modal: false }, 'Choose Executable…');
  if (choice !== 'Choose Executable…') return undefined;
  const picked = await vscode.window.showOpenDialog({
    title: `Executable that produced ${basename(corePath)}`,
    openLabel: 'Use This Executable',
    canSelectMany: false,
    defaultUri: vscode.Uri.file(dirname(corePath)),
  });
  return picked?.[0]?.fsPath;
}

/** Files next to the core and in the workspace that might be its executable (checked by build ID). */
async function executableCandidates(corePath: string): Promise<string[]> {
  const found = await vscode.workspace.findFiles('**/*', '**/{node_modules,.git,vendor}/**', 2000);
  const dir = dirname(corePath);
  const near = found.map((u) => u.fsPath).filter((p) => dirname(p) === dir && !CORE_NAME.test(basename(p)));
  const rest = found
    .map((u) => u.fsPath)
    .filter((p) => dirname(p) !== dir && !/\.(go|mod|sum|md|txt|json|ya?ml|js|ts|html|css|c|h|s)$/i.test(p) && !CORE_NAME.test(basename(p)));
  return [...near, ...rest].slice(0, 200);
}

export async function openCoreDump(
  deps: OpenCoreDeps,
  corePath: string | undefined,
  binaryPath: string | undefined,
  options: OpenCoreOptions,
): Promise<OpenCore | undefined> {
  corePath ??= await pickCore();
  if (!corePath) return undefined;
  const settings = readSettings();
  const name = basename(corePath);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Opening core dump ${name}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      progress.report({ message: 'reading the core' });
      let engine: CoreEngine | undefined;
      let binary = binaryPath;
      for (let attempt = 0; attempt < 3 && !engine; attempt++) {
        try {
          engine = await deps.analyze(corePath, binary, {
            candidates: binary ? [] : await executableCandidates(corePath),
          });
        } catch (e) {
          if (token.isCancellationRequested) return undefined;
          if (e instanceof ExecutableNotFoundError) {
            binary = await pickBinary(corePath, `No executable matching ${name} was found. Which binary crashed?`);
            if (!binary) return undefined;
            continue;
          }
          const msg = e instanceof Error ? e.message : String(e);
          deps.logger.error(`open ${corePath}: ${msg}`);
          if (!(e instanceof CoreReadError) || !BINARY_PROBLEMS.has(e.kind)) {
            // Nothing the user can pick would help (not a core, truncated, unreadable): say so and end.
            void vscode.window.showErrorMessage(`Cannot open ${name}: ${msg}`, 'Show Log').then((c) => {
              if (c === 'Show Log') void vscode.commands.executeCommand(Commands.showLog);
            });
            return undefined;
          }
          const again = await vscode.window.showErrorMessage(`Cannot open ${name}: ${msg}`, 'Choose Executable…', 'Show Log');
          if (again === 'Show Log') void vscode.commands.executeCommand(Commands.showLog);
          if (again !== 'Choose Executable…') return undefined;
          binary = await pickBinary(corePath, `Choose the executable that produced ${name}.`);
          if (!binary) return undefined;
        }
      }
      if (!engine) return undefined;
      const core = deps.sessions.add(engine);
      const goVersion = core.report.go.version ?? undefined;
      const mapper = deps.mapperFor(core);
      deps.onOpened?.(core);
      void vscode.commands.executeCommand(`${Views.panicFrames}.focus`);
      const origin = originOf(core.report.crash.frames);
      const mapped = origin?.file ? mapper.map(origin.file) : undefined;
      if (mapped && origin?.line) {
        const doc = await vscode.workspace.openTextDocument(mapped.path);
        const pos = new vscode.Position(origin.line - 1, 0);
        await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: true });
      }
      if (token.isCancellationRequested) return core;

      progress.report({ message: 'starting Delve' });
      try {
        const pick = await findDelveFor(goVersion, {
          dlvPath: options.dlvPath ?? (Object.keys(settings.dlvPaths).length ? settings.dlvPaths : settings.dlvPath),
          alternateToolsDlv: settings.goAlternateDlv,
        });
        if (!pick.inRange) core.notes.push(`Delve ${pick.version} does not support ${goVersion ?? 'this Go version'}: running it with --check-go-version=false`);
        const session = await CoreSession.open({
          corePath,
          programPath: core.binaryPath,
          goVersion,
          dlv: pick,
          timeoutMs: settings.requestTimeoutMs,
          trace: settings.trace,
          substitutePath: [
            ...(options.substitutePath ?? settings.substitutePath),
            ...derivedSubstitutePath(core.report.crash.frames, mapper),
          ],
          signal: abort.signal,
          logger: (level, message) => (level.startsWith('dap') ? deps.logger.trace(message) : deps.logger.info(`[dlv ${level}] ${message}`)),
        });
        if (!deps.sessions.get(core.id)) {
          await session.close();
          return undefined;
        }
        core.delve = session;
        session.on('ended', (info) => {
          core.delveEndedReason = info.reason;
          if (info.unexpected) {
            core.notes.push(`The Delve session ended: ${info.reason}`);
            void vscode.window.showWarningMessage(`Delve stopped for ${name}: ${info.reason}. The Go Core views keep what our own readers found.`);
          }
          deps.sessions.update(core);
        });
        deps.sessions.update(core);
      } catch (e) {
        if (token.isCancellationRequested) return core;
        const msg = e instanceof Error ? e.message : String(e);
        deps.logger.error(`Delve for ${corePath}: ${msg}`);
        core.notes.push(`No Delve session: ${msg.split('\n')[0]}`);
        deps.sessions.update(core);
        void vscode.window.showWarningMessage(`Delve could not open ${name}: ${msg.split('\n')[0]} The Go Core views show what our own readers found.`);
        return core;
      }
      if (options.startDebugSession) {
        const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(corePath)) ?? vscode.workspace.workspaceFolders?.[0];
        // The Go Core views stay in front; Call Stack, Variables and Disassembly are one click away.
        await vscode.debug.startDebugging(
          folder,
          {
            type: DEBUG_TYPE,
            request: 'launch',
            name: `Core: ${core.label}`,
            coreFilePath: corePath,
            program: core.binaryPath,
            [CORE_ID_KEY]: core.id,
          },
          { suppressDebugView: true },
        );
      }
      return core;
    },
  );
}
