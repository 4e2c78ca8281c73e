// The crash-log language client: starts the traceback language server (dist/server.js) for
// `go-traceback` documents, and implements the commands its code lenses name.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import {
  AssociateBinaryRequest,
  GroupsRequest,
  SsaPermissionsNotification,
  type SsaPermissions,
  TRACEBACK_SERVER_EXEC_ARGV,
  type AssociateBinaryParams,
  type GroupsParams,
  type GroupsResult,
} from '../../server/protocol.js';
import { Commands, Settings, TRACEBACK_LANGUAGE_ID } from '../constants.js';
import type { CoreSessions } from '../session/coreSessions.js';
import { readSettings } from '../settings.js';
import type { SsaConsent } from '../editor/ssaConsent.js';

export function groupsDocument(result: GroupsResult, focusKey?: string): string {
  const lines = [
    `// ${result.goroutineCount.toLocaleString('en-US')} goroutines in ${result.groups.length} groups of identical stacks`,
    `// ${result.uri}`,
    '',
  ];
  for (const g of result.groups) {
    const mark = g.key === focusKey ? ' <<' : '';
    const ids = g.ids.slice(0, 12).join(', ') + (g.ids.length > 12 ? `, … (${g.ids.length})` : '');
    lines.push(`${g.count} goroutine${g.count === 1 ? '' : 's'} [${g.statuses.join(', ')}]${mark}`);
    lines.push(`  ids: ${ids}`);
    for (const f of g.frames) lines.push(`  ${f.func}`, `      ${f.file ?? '?'}:${f.line ?? '?'}`);
    if (g.createdBy) lines.push(`  created by ${g.createdBy}`);
    lines.push('');
  }
  return lines.join('\n');
}

export function startTracebackClient(
  context: vscode.ExtensionContext,
  sessions: CoreSessions,
  consent: SsaConsent,
): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { execArgv: [...TRACEBACK_SERVER_EXEC_ARGV] } },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', ...TRACEBACK_SERVER_EXEC_ARGV] } },
  };
  const substitutePath = () => vscode.workspace.getConfiguration(Settings.section).get(Settings.substitutePath) ?? [];
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { language: TRACEBACK_LANGUAGE_ID, scheme: 'file' },
      { language: TRACEBACK_LANGUAGE_ID, scheme: 'untitled' },
    ],
    // GOROOTs the crash-log links may lead into (readSettings: user settings only when untrusted).
    initializationOptions: { substitutePath: substitutePath(), goroots: Object.values(readSettings().goroots) },
    synchronize: { configurationSection: Settings.section },
  };
  const client = new LanguageClient('goTraceback', 'Go Traceback', serverOptions, clientOptions);
  // The server starts with the first crash log (the extension also wakes for every .txt and .log
  // file, to recognise crash logs among them: most are not).
  let started: Promise<void> | undefined;
  const ensureStarted = (): Promise<void> => (started ??= client.start().then(() => sendPermissions()));
  const startFor = (doc: vscode.TextDocument): void => {
    if (doc.languageId === TRACEBACK_LANGUAGE_ID) void ensureStarted();
  };
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(startFor));
  vscode.workspace.textDocuments.forEach(startFor);
  // A crash log opened while a core is open is resolved through that core's binary (unless the user
  // associated another one).
  const associated = new Map<string, string>();
  const autoAssociate = async (doc: vscode.TextDocument): Promise<void> => {
    const core = sessions.active;
    const binary = core?.binaryPath;
    const uri = doc.uri.toString();
    if (!binary || doc.languageId !== TRACEBACK_LANGUAGE_ID || associated.has(uri)) return;
    associated.set(uri, binary);
    await ensureStarted();
    // The open core's load bias: the server uses it instead of deriving one from the log.
    const bias = core?.engine?.binary.bias;
    await client
      .sendRequest(AssociateBinaryRequest, {
        uri,
        binaryPath: binary,
        ...(bias !== undefined ? { loadBias: `0x${bias.toString(16)}` } : {}),
      } satisfies AssociateBinaryParams)
      .catch(() => undefined);
  };
  // Which binaries the hovers may rebuild for SSA: only those the user allowed, only from trusted
  // workspace folders (none in an untrusted workspace).
  const sendPermissions = async (): Promise<void> => {
    if (!started) return; // sent when the server starts
    const p: SsaPermissions = {
      allowedBuildIds: consent.allowed(),
      allowedRoots: vscode.workspace.isTrusted ? (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath) : [],
      goroots: readSettings().goroots,
    };
    await client.sendNotification(SsaPermissionsNotification, p).catch(() => undefined);
  };
  context.subscriptions.push(
    consent.onDidChange(() => void sendPermissions()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void sendPermissions()),
    vscode.workspace.onDidChangeWorkspaceFolders(() => void sendPermissions()),
  );
  const associateOpen = () => vscode.workspace.textDocuments.forEach((d) => void autoAssociate(d));
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument((d) => void autoAssociate(d)),
    vscode.workspace.onDidCloseTextDocument((d) => associated.delete(d.uri.toString())),
    sessions.onDidChange(associateOpen),
  );
  context.subscriptions.push(
    // A client never started has nothing to stop.
    { dispose: () => (started ? void client.dispose() : undefined) },
    vscode.commands.registerCommand(Commands.showGoroutineGroups, async (uri?: string, key?: string) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri.toString();
      if (!target) return;
      await ensureStarted();
      const result = await client.sendRequest<GroupsResult>(GroupsRequest, { uri: target } satisfies GroupsParams);
      const doc = await vscode.workspace.openTextDocument({ content: groupsDocument(result, key), language: TRACEBACK_LANGUAGE_ID });
      await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    }),
    vscode.commands.registerCommand(Commands.showRaceGroup, async (uri?: string, line?: number, lines?: number[]) => {
      if (!uri || line === undefined || !lines) return;
      const u = vscode.Uri.parse(uri);
      const at = (l: number) => new vscode.Position(l, 0);
      // VS Code's references peek: the other reports' WARNING lines, beside the one clicked.
      await vscode.commands.executeCommand(
        'editor.action.showReferences',
        u,
        at(line),
        lines.filter((l) => l !== line).map((l) => new vscode.Location(u, new vscode.Range(at(l), at(l)))),
      );
    }),
    vscode.commands.registerCommand(Commands.associateBinary, async (uri?: string) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri.toString();
      if (!target) return;
      const suggested = sessions.active?.binaryPath;
      const picked = await vscode.window.showOpenDialog({
        title: 'Binary that printed this traceback',
        openLabel: 'Associate',
        canSelectMany: false,
        defaultUri: suggested ? vscode.Uri.file(suggested) : vscode.workspace.workspaceFolders?.[0]?.uri,
      });
      if (!picked?.[0]) return;
      await ensureStarted();
      const r = await client.sendRequest<{ ok: boolean; message?: string }>(AssociateBinaryRequest, {
        uri: target,
        binaryPath: picked[0].fsPath,
      } satisfies AssociateBinaryParams);
      if (!r.ok) void vscode.window.showErrorMessage(r.message ?? `Cannot use ${picked[0].fsPath} for this traceback.`);
      else associated.set(target, picked[0].fsPath);
    }),
    vscode.commands.registerCommand(Commands.openTracebackFromClipboard, async () => {
      const text = await vscode.env.clipboard.readText();
      if (!text.trim()) {
        void vscode.window.showInformationMessage('The clipboard is empty: copy a Go panic or traceback first.');
        return;
      }
      const doc = await vscode.workspace.openTextDocument({ content: text, language: TRACEBACK_LANGUAGE_ID });
      await vscode.window.showTextDocument(doc);
    }),
  );
  return client;
}
