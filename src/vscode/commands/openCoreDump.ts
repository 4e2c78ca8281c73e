// Open Core Dump: find the executable, fill the views from our own readers at once, then start Delve
// on the core and a VS Code debug session over it. Cancellable; every failure says what to do.
import { statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { originOf } from '../../analysis/crashSummary.js';
import type { CoreEngine, OpenCoreProgress } from '../../analysis/engine.js';
import type { SourcePathMapper } from '../../analysis/pathMapping.js';
import type { ReportFrame } from '../../analysis/report.js';
import { CoreReadError, ExecutableMissingError, formatError, type CoreErrorKind } from '../../core/errors.js';
import { isRuntimeFunction } from '../../traceback/crash.js';
import { CoreSession } from '../../delve/coreSession.js';
import { findDelveFor } from '../../delve/dlvDiscovery.js';
import { formatRange } from '../../delve/goRange.js';
import {
  adapterSetting,
  chooseAfterDelveFailed,
  chooseAfterLookup,
  chooseBeforeDelve,
  decisionLine,
  type AdapterDecision,
} from '../debug/adapterChoice.js';
import { Commands, DEBUG_TYPE, Settings, StateKeys, Views } from '../constants.js';
import { CORE_ID_KEY } from '../debug/goCoreDebugger.js';
import type { Logger } from '../log.js';
import { ignoredMachineSettings, readSettings, type InspectorSettings } from '../settings.js';
import { ExecutableNotFoundError, type Analyzer } from '../session/analyzer.js';
import type { CoreSessions, OpenCore } from '../session/coreSessions.js';
import type { SourceMappers } from '../session/sourceMappers.js';
import { executableLookup, type ExecutableLookup } from '../productionInputs.js';
import { truncatedText } from '../views/frameText.js';

export interface OpenCoreDeps {
  sessions: CoreSessions;
  analyze: Analyzer;
  logger: Logger;
  sources: SourceMappers;
  /** Where the executable chosen for a core is remembered (workspace state). */
  state: vscode.Memento;
  onOpened?(core: OpenCore): void;
}

export interface OpenCoreOptions {
  dlvPath?: string;
  substitutePath?: { from: string; to: string }[];
  /** False when a launch.json debug session is opening the core itself. */
  startDebugSession: boolean;
}

const CORE_NAME = /^core(\.\d+)?$|\.core$/;

/**
 * A core's short name: its file name, with as many parent folders as needed to tell it from the
 * other open cores (`core`, then `custom-error/go1.22/core` when another `core` is open).
 */
export function coreName(corePath: string, others: readonly string[]): string {
  const segs = corePath.split('/').filter(Boolean);
  for (let n = 1; n <= segs.length; n++) {
    const tail = segs.slice(-n).join('/');
    if (!others.some((o) => o !== corePath && (o === tail || o.endsWith(`/${tail}`)))) return tail;
  }
  return corePath;
}

/** A debug session's name: the core's file and its program, so that two sessions are told apart. */
export function sessionName(core: OpenCore, others: readonly string[] = []): string {
  return `${coreName(core.corePath, others)} · ${basename(core.binaryPath)}${core.report.go.version ? ` (${core.report.go.version})` : ''}`;
}

/** How the engine found the executable (the report's `executable.foundBy`), in words. */
export function foundByText(foundBy: string): string {
  const words: Record<string, string> = {
    given: 'given',
    'core-path': 'the path recorded in the core',
    'beside-core': 'beside the core',
    candidate: 'a workspace file',
    'build-id-dir': 'a build-ID directory',
    debuginfod: 'downloaded from debuginfod',
  };
  return `${words[foundBy] ?? foundBy} (foundBy: ${foundBy})`;
}

/** What the log says once when a core opens: how it was read, how the executable was found, where the sources come from. */
export function openedLines(core: OpenCore, how: string, workspaceFolders: readonly string[]): string[] {
  const r = core.report;
  const lines = [
    `${core.corePath}: executable ${core.binaryPath} (${how}; matched by ${r.executable.verification}), ${r.go.version ?? 'Go version unknown'}`,
  ];
  const c = r.core.compression;
  if (c) lines.push(`${core.corePath}: ${c.format} core read from ${c.decompressedPath} (${c.decompressedBytes.toLocaleString('en-US')} bytes${c.cached ? ', decompressed earlier' : ''})`);
  if (r.truncated) lines.push(`${core.corePath}: ${truncatedText(r.truncated)}`);
  const src = r.sources;
  if (src) {
    const here = workspaceFolders.includes(src.localRoot) ? 'this workspace' : src.localRoot;
    lines.push(`sources from ${src.recordedRoot} → ${here} (module ${src.module}, ${src.localRoot})`);
  }
  return lines;
}

/** The progress notification's message for a stage of openCoreAsync. */
export function progressMessage(p: OpenCoreProgress): string {
  const mb = (n: number) => `${(n / 1048576).toFixed(n < 10 * 1048576 ? 1 : 0)} MB`;
  if (p.stage === 'decompress') {
    return `decompressing the ${p.format} core: ${mb(p.readBytes)} of ${mb(p.totalBytes)} read, ${mb(p.writtenBytes)} written`;
  }
  return `downloading the executable from ${p.url}: ${mb(p.receivedBytes)}${p.totalBytes ? ` of ${mb(p.totalBytes)}` : ''}`;
}

/** Where the executable may be looked for beyond the core's own places: user settings and $DEBUGINFOD_URLS, never when untrusted. */
function lookupFromSettings(logger: Logger): ExecutableLookup {
  const config = vscode.workspace.getConfiguration(Settings.section);
  const lookup = executableLookup({
    buildIdDirs: config.inspect<unknown>(Settings.buildIdDirs) ?? {},
    debuginfodUrls: config.inspect<unknown>(Settings.debuginfodUrls) ?? {},
    env: process.env,
    trusted: vscode.workspace.isTrusted,
  });
  lookup.info.forEach((m) => logger.info(m));
  return lookup;
}

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

/** Core files of the workspace (`core`, `core.N`, `*.core`), nearest first, for the palette's picker. */
export async function workspaceCores(): Promise<vscode.Uri[]> {
  const found = await vscode.workspace.findFiles('**/{core,core.[0-9]*,*.core}', '**/{node_modules,.git}/**', 200);
  return found
    .filter((u) => CORE_NAME.test(basename(u.fsPath)))
    .sort((a, b) => a.fsPath.split('/').length - b.fsPath.split('/').length || a.fsPath.localeCompare(b.fsPath));
}

/** The palette's Open Core Dump: the workspace's cores first, then "Browse…" (a file picker). */
async function pickCore(): Promise<string | undefined> {
  const cores = await workspaceCores();
  if (cores.length > 0) {
    const browse: vscode.QuickPickItem = { label: '$(folder-opened) Browse…', description: 'choose a core file anywhere' };
    const items: (vscode.QuickPickItem & { uri?: vscode.Uri })[] = [
      ...cores.map((uri) => ({ label: `$(file-binary) ${basename(uri.fsPath)}`, description: vscode.workspace.asRelativePath(uri), uri })),
      browse,
    ];
    const picked = await vscode.window.showQuickPick(items, { title: 'Open Go Core Dump', placeHolder: 'A core file of the workspace, or Browse…' });
    if (!picked) return undefined;
    if (picked.uri) return picked.uri.fsPath;
  }
  const picked = await vscode.window.showOpenDialog({
    title: 'Open Go Core Dump',
    openLabel: 'Open Core Dump',
    canSelectMany: false,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return picked?.[0]?.fsPath;
}

/** Where a core's chosen executable is remembered: the core's path, size and modification time. */
export function coreKey(corePath: string): string | undefined {
  try {
    const st = statSync(corePath);
    return `${corePath}|${st.size}|${Math.floor(st.mtimeMs)}`;
  } catch {
    return undefined;
  }
}

function rememberedBinary(state: vscode.Memento, corePath: string): string | undefined {
  const key = coreKey(corePath);
  return key ? state.get<Record<string, string>>(StateKeys.chosenBinaries, {})[key] : undefined;
}

async function rememberBinary(state: vscode.Memento, corePath: string, binary: string): Promise<void> {
  const key = coreKey(corePath);
  if (!key) return;
  const all = { ...state.get<Record<string, string>>(StateKeys.chosenBinaries, {}) };
  all[key] = binary;
  // Keep the most recent 50 choices.
  const entries = Object.entries(all).slice(-50);
  await state.update(StateKeys.chosenBinaries, Object.fromEntries(entries));
}

/** The places the executable was looked for, one line each (the "binary not found" dialog). */
export function placesSearched(
  corePath: string,
  e: ExecutableMissingError | undefined,
  candidates: number,
  lookup?: Pick<ExecutableLookup, 'buildIdDirs' | 'debuginfod'>,
): string[] {
  const lines: string[] = [];
  if (e?.recordedPath) lines.push(`the path recorded in the core: ${e.recordedPath}`);
  else lines.push('the path recorded in the core: none (the core names no executable file)');
  lines.push(`beside the core: ${dirname(corePath)}`);
  lines.push(`${candidates} file${candidates === 1 ? '' : 's'} of the workspace`);
  for (const d of lookup?.buildIdDirs ?? []) lines.push(`build-ID directory ${d}`);
  for (const u of lookup?.debuginfod.urls ?? []) lines.push(`debuginfod server ${u}`);
  for (const r of e?.rejected ?? []) lines.push(`rejected ${r.path}: ${r.reason}`);
  return lines;
}

/**
 * Asks for the executable in a modal dialog (it stays until answered; the progress notification
 * waits behind it) with `detail`: where we looked, or what was wrong with the last choice.
 */
async function pickBinary(corePath: string, why: string, detail: string): Promise<string | undefined> {
  const choice = await vscode.window.showWarningMessage(why, { modal: true, detail }, 'Choose Executable…');
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
      const lookup = lookupFromSettings(deps.logger);
      const workspaceFolders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
      let lastStage = '';
      let lastPct = 0;
      const onProgress = (p: OpenCoreProgress) => {
        // A bar that moves: increments of the stage's fraction done (decompressing, downloading).
        const done = p.stage === 'decompress' ? p.readBytes / Math.max(1, p.totalBytes) : p.totalBytes ? p.receivedBytes / p.totalBytes : 0;
        if (p.stage !== lastStage) {
          lastStage = p.stage;
          lastPct = 0;
        }
        const pct = Math.min(100, Math.floor(done * 100));
        progress.report({ message: progressMessage(p), ...(pct > lastPct ? { increment: pct - lastPct } : {}) });
        lastPct = Math.max(lastPct, pct);
      };
      let engine: CoreEngine | undefined;
      const remembered = binaryPath ? undefined : rememberedBinary(deps.state, corePath);
      let binary = binaryPath ?? remembered;
      let chosen = false;
      for (let attempt = 0; attempt < 4 && !engine; attempt++) {
        let candidates: string[] = [];
        try {
          candidates = binary ? [] : await executableCandidates(corePath);
          engine = await deps.analyze(corePath, binary, {
            candidates,
            buildIdDirs: lookup.buildIdDirs,
            debuginfod: lookup.debuginfod,
            workspaceFolders,
            onProgress,
            signal: abort.signal,
          });
        } catch (e) {
          if (token.isCancellationRequested) return undefined;
          if (binary && binary === remembered && !chosen) {
            // The executable remembered for this core is gone or changed: look again.
            deps.logger.warn(`the executable remembered for ${corePath} (${binary}) is not usable: ${formatError(e, 'editor', { oneLine: true })}`);
            binary = undefined;
            continue;
          }
          if (e instanceof ExecutableNotFoundError) {
            const places = placesSearched(corePath, e.cause instanceof ExecutableMissingError ? e.cause : undefined, candidates.length, lookup);
            deps.logger.warn(`no executable matching ${corePath}; looked at:\n  ${places.join('\n  ')}`);
            binary = await pickBinary(corePath, `No executable matching ${name} was found. Which binary crashed?`, `Looked at:\n${places.map((p) => `• ${p}`).join('\n')}`);
            if (!binary) return undefined;
            chosen = true;
            continue;
          }
          const msg = formatError(e, 'editor');
          deps.logger.error(`open ${corePath}: ${msg}`);
          if (!(e instanceof CoreReadError) || !BINARY_PROBLEMS.has(e.kind)) {
            // Nothing the user can pick would help (not a core, truncated, unreadable): say so and end.
            void vscode.window.showErrorMessage(`Cannot open ${name}: ${msg}`, 'Show Log').then((c) => {
              if (c === 'Show Log') void vscode.commands.executeCommand(Commands.showLog);
            });
            return undefined;
          }
          binary = await pickBinary(corePath, `Cannot open ${name} with ${binary ? basename(binary) : 'that executable'}.`, msg);
          if (!binary) return undefined;
          chosen = true;
        }
      }
      if (!engine) return undefined;
      if (chosen && binary) await rememberBinary(deps.state, corePath, binary);
      const core = deps.sessions.add(engine);
      const how = chosen
        ? 'chosen by you'
        : binaryPath
          ? 'given'
          : binary === remembered && remembered
            ? 'chosen earlier for this core'
            : foundByText(core.report.executable.foundBy);
      openedLines(core, how, workspaceFolders).forEach((l) => deps.logger.info(l));
      const mapper = deps.sources.for(core);
      deps.onOpened?.(core);
      void vscode.commands.executeCommand(`${Views.panicFrames}.focus`);
      const origin = originOf(core.report.crash.frames);
      const source = origin?.file && origin.line ? mapper.explainFrame(origin) : undefined;
      if (source?.found && origin?.line) {
        const doc = await vscode.workspace.openTextDocument(source.found.path);
        const pos = new vscode.Position(origin.line - 1, 0);
        await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: true });
      } else if (origin?.file) {
        deps.logger.info(
          `source of ${origin.function} (${origin.file}:${origin.line}) not found` +
            (source?.rejected.length ? `: ${source.rejected.map((r) => `${r.path} (${r.why})`).join('; ')}` : ''),
        );
      }
      if (token.isCancellationRequested) return core;

      const decision = await startDelveOrNot(deps, core, corePath, options, settings, mapper, abort.signal, (m) => progress.report({ message: m }));
      if (!decision) return token.isCancellationRequested ? core : undefined;
      core.adapter = decision;
      deps.logger.info(decisionLine(corePath, decision));
      deps.sessions.update(core);
      if (token.isCancellationRequested) return core;
      if (options.startDebugSession) {
        const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(corePath)) ?? vscode.workspace.workspaceFolders?.[0];
        // The Go Core views stay in front; Call Stack, Variables and Disassembly are one click away.
        await vscode.debug.startDebugging(
          folder,
          {
            type: DEBUG_TYPE,
            request: 'launch',
            name: sessionName(core, deps.sessions.all.map((c) => c.corePath)),
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

/**
 * Looks for Delve and starts it on the core when it can serve the debug session (adapterChoice.ts);
 * otherwise says why our own adapter serves it. Undefined when the core was closed meanwhile.
 */
async function startDelveOrNot(
  deps: OpenCoreDeps,
  core: OpenCore,
  corePath: string,
  options: OpenCoreOptions,
  settings: InspectorSettings,
  mapper: SourcePathMapper,
  signal: AbortSignal,
  report: (message: string) => void,
): Promise<AdapterDecision | undefined> {
  const name = basename(corePath);
  const goVersion = core.report.go.version ?? undefined;
  const setting = adapterSetting(vscode.workspace.getConfiguration(Settings.section).get(Settings.debugAdapter));
  const early = chooseBeforeDelve(setting, { hasDwarf: core.engine.binary.hasDwarf, path: core.binaryPath });
  if (early) return early;
  report('looking for Delve');
  const ignored = ignoredMachineSettings();
  ignored.forEach((m) => deps.logger.warn(m));
  let decision: AdapterDecision;
  let pick: Awaited<ReturnType<typeof findDelveFor>> | undefined;
  try {
    pick = await findDelveFor(goVersion, {
      dlvPath: options.dlvPath ?? (Object.keys(settings.dlvPaths).length ? settings.dlvPaths : settings.dlvPath),
      alternateToolsDlv: settings.goAlternateDlv,
    });
    decision = chooseAfterLookup(setting, { found: true, version: pick.version, path: pick.path, inRange: pick.inRange, rangeText: formatRange(pick.goRange) }, goVersion);
  } catch (e) {
    const msg = formatError(e, 'editor') + (ignored.length ? ` (${ignored.join(' ')})` : '');
    deps.logger.warn(`Delve for ${corePath}: ${msg}`);
    decision = chooseAfterLookup(setting, { found: false, error: msg.split('\n')[0]! }, goVersion);
  }
  if (decision.adapter !== 'delve' || !pick) return decision;
  if (!pick.inRange) core.notes.push(`Delve ${pick.version} does not support ${goVersion ?? 'this Go version'}: running it with --check-go-version=false`);
  report('starting Delve');
  try {
    const session = await CoreSession.open({
      // Delve reads the decompressed copy of a compressed core.
      corePath: core.report.core.compression?.decompressedPath ?? corePath,
      programPath: core.binaryPath,
      goVersion,
      dlv: pick,
      timeoutMs: settings.requestTimeoutMs,
      // Closing a core ends its Delve at once: disconnect, then SIGTERM and SIGKILL 300 ms apart.
      killGraceMs: 300,
      trace: settings.trace,
      substitutePath: [...(options.substitutePath ?? settings.substitutePath), ...derivedSubstitutePath(core.report.crash.frames, mapper)],
      signal,
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
    return decision;
  } catch (e) {
    if (signal.aborted) return undefined;
    const msg = formatError(e, 'editor');
    deps.logger.error(`Delve for ${corePath}: ${msg}`);
    core.notes.push(`No Delve session: ${msg.split('\n')[0]}`);
    void vscode.window.showWarningMessage(`Delve could not open ${name}: ${msg.split('\n')[0]} The debug session is served by Go Core's own adapter.`);
    return chooseAfterDelveFailed(msg.split('\n')[0]!);
  }
}
