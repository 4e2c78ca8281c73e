// Wires the traceback features to an LSP connection: document sync, links, folding ranges,
// symbols, code lenses, hovers (race reports' and PCs'), and the custom `goTraceback/groups`,
// `goTraceback/raceGroups` and `goTraceback/associateBinary` requests. main.ts creates the connection (stdio, ipc or pipe).
import { fileURLToPath } from 'node:url';
import {
  type Connection,
  CodeLensRefreshRequest,
  type InitializeParams,
  type InitializeResult,
  ResponseError,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { type Analysis, AnalysisCache } from './analysis.js';
import { BinaryAssociations, type BinaryOpener } from './associations.js';
import { foldingRanges } from './folding.js';
import { pcHover, pcTargetAt, ssaHoverLines } from './hover.js';
import { codeLenses } from './lenses.js';
import { raceHover } from './raceHover.js';
import { type LinkData, documentLinks, resolveDocumentLink } from './links.js';
import { SourcePathMapper, sourceRoots } from '../analysis/pathMapping.js';
import {
  type AssociateBinaryParams,
  AssociateBinaryRequest,
  type AssociateBinaryResult,
  type GroupsParams,
  GroupsRequest,
  type GroupsResult,
  RaceGroupsRequest,
  type RaceGroupsResult,
  type PathMapping,
  SETTINGS_SECTION,
  SsaPermissionsNotification,
  type SsaPermissions,
  type TracebackServerSettings,
} from './protocol.js';
import { documentSymbols } from './symbols.js';

/** Documents at least this long get their parse and feature times logged (window/logMessage). */
const SLOW_DOCUMENT_LINES = 20_000;

export interface TracebackServerOptions {
  /** Opens binaries for PC hovers (tests may pass another). */
  openBinary?: BinaryOpener;
}

/** Reads substitutePath from `{ substitutePath }` or `{ goCoreInspector: { substitutePath } }`. */
export function readSettings(raw: unknown): TracebackServerSettings | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const o = raw as Record<string, unknown>;
  const src = (o[SETTINGS_SECTION] && typeof o[SETTINGS_SECTION] === 'object' ? o[SETTINGS_SECTION] : o) as Record<
    string,
    unknown
  >;
  const sp = src['substitutePath'];
  if (!Array.isArray(sp)) return undefined;
  const substitutePath: PathMapping[] = sp
    .filter(
      (m): m is PathMapping => !!m && typeof m === 'object' && typeof m.from === 'string' && typeof m.to === 'string',
    )
    .map((m) => ({ from: m.from, to: m.to }));
  return { substitutePath };
}

/**
 * `goroots` of the initialization options: GOROOT directories links may lead into. Taken at start
 * only: the client sends the values it trusts (user settings, or any in a trusted workspace), while
 * `workspace/didChangeConfiguration` carries the workspace's settings as they are.
 */
export function readGoroots(raw: unknown): string[] {
  if (!raw || typeof raw !== 'object') return [];
  const g = (raw as Record<string, unknown>)['goroots'];
  return Array.isArray(g) ? g.filter((x): x is string => typeof x === 'string') : [];
}

function uriToPath(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

/** Registers every handler on the connection and starts listening. */
export function startTracebackServer(connection: Connection, opts: TracebackServerOptions = {}): void {
  const documents = new TextDocuments(TextDocument);
  const analyses = new AnalysisCache();
  const binaries = new BinaryAssociations(opts.openBinary);
  let workspaceFolders: string[] = [];
  let codeLensRefresh = false;
  let clientHasWorkspaceFolders = false;
  let settings: TracebackServerSettings = { substitutePath: [] };
  /** The user's GOROOTs, from the client at start (trusted settings only: see readGoroots). */
  let goroots: string[] = [];
  // Links lead only into the workspace folders, the module cache and GOROOTs (pathMapping.ts).
  const mapper = (): SourcePathMapper =>
    new SourcePathMapper({
      workspaceFolders,
      substitutePath: settings.substitutePath,
      allowedRoots: sourceRoots({ workspaceFolders, goroots }),
    });
  let resolver = mapper();
  // Nothing is rebuilt for a hover until the client says which binaries the user allowed.
  let ssaPermissions: SsaPermissions = { allowedBuildIds: [], allowedRoots: [], goroots: {} };
  const resetResolver = (): void => {
    resolver = mapper();
  };

  // Small numbers naming open documents in link `data` (a link resolve does not carry the URI).
  const docNumbers = new Map<string, LinkData>();
  const docUris = new Map<LinkData, string>();
  let nextDocNumber = 1;
  const docNumber = (uri: string): LinkData => {
    let n = docNumbers.get(uri);
    if (n === undefined) {
      n = nextDocNumber++;
      docNumbers.set(uri, n);
      docUris.set(n, uri);
    }
    return n;
  };

  const analysis = (uri: string): Analysis | undefined => {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    const before = analyses.peek(uri);
    const a = analyses.get(uri, doc.version, () => doc.getText());
    if (a !== before && a.traceback.lines.length >= SLOW_DOCUMENT_LINES) {
      connection.console.log(
        `${uri}: parsed ${a.traceback.lines.length} lines in ${a.parseMs.toFixed(0)} ms (CPU ${a.parseCpuMs.toFixed(0)} ms)`,
      );
    }
    return a;
  };
  /** Runs a feature and logs its time on large documents (the server's share of the latency). */
  const timed = <T>(what: string, uri: string, fn: (a: Analysis) => T, none: T): T => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const a = analysis(uri);
    if (!a) return none;
    const out = fn(a);
    if (a.traceback.lines.length >= SLOW_DOCUMENT_LINES) {
      const cpu = process.cpuUsage(c0);
      const ms = (performance.now() - t0).toFixed(0);
      connection.console.log(`${uri}: ${what} in ${ms} ms (CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms)`);
    }
    return out;
  };
  const requireAnalysis = (uri: string): Analysis => {
    const a = analysis(uri);
    if (!a) throw new ResponseError(-32602, `${uri} is not open in the traceback server: open it first`);
    return a;
  };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    workspaceFolders = folders.map(uriToPath).filter((p): p is string => p !== undefined);
    settings = readSettings(params.initializationOptions) ?? settings;
    goroots = readGoroots(params.initializationOptions);
    codeLensRefresh = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    clientHasWorkspaceFolders = params.capabilities.workspace?.workspaceFolders === true;
    resetResolver();
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Full,
        documentLinkProvider: { resolveProvider: true },
        foldingRangeProvider: true,
        documentSymbolProvider: true,
        codeLensProvider: { resolveProvider: false },
        hoverProvider: true,
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'go-traceback' },
    };
  });

  connection.onInitialized(() => {
    if (!clientHasWorkspaceFolders) return;
    // The library's workspace-folders feature owns the notification (it registers for it itself).
    connection.workspace.onDidChangeWorkspaceFolders((e) => {
      const removed = new Set(e.removed.map((f) => uriToPath(f.uri)));
      workspaceFolders = workspaceFolders.filter((f) => !removed.has(f));
      for (const f of e.added) {
        const path = uriToPath(f.uri);
        if (path) workspaceFolders.push(path);
      }
      resetResolver();
    });
  });

  connection.onDidChangeConfiguration((p) => {
    const s = readSettings(p.settings);
    if (s) {
      settings = s;
      resetResolver();
    }
  });

  documents.onDidClose((e) => {
    analyses.delete(e.document.uri);
    const n = docNumbers.get(e.document.uri);
    docNumbers.delete(e.document.uri);
    if (n !== undefined) docUris.delete(n);
  });

  connection.onDocumentLinks((p) =>
    timed('links', p.textDocument.uri, (a) => documentLinks(a.traceback, resolver, docNumber(a.uri)), []),
  );
  connection.onDocumentLinkResolve((link) => {
    const uri = typeof link.data === 'number' ? docUris.get(link.data) : undefined;
    const a = uri !== undefined ? analysis(uri) : undefined;
    return a ? resolveDocumentLink(a.traceback, resolver, link) : link;
  });
  connection.onFoldingRanges((p) => timed('folding ranges', p.textDocument.uri, (a) => foldingRanges(a.traceback), []));
  connection.onDocumentSymbol((p) => timed('symbols', p.textDocument.uri, (a) => documentSymbols(a.traceback), []));
  connection.onCodeLens((p) =>
    timed('code lenses', p.textDocument.uri, (a) => codeLenses(a, binaries.binaryPath(a.uri)), []),
  );
  connection.onHover(async (p) => {
    const a = analysis(p.textDocument.uri);
    if (!a) return null;
    const race = raceHover(a, p.position, resolver);
    if (race) return race;
    const assoc = binaries.get(a.uri, a);
    const h = pcHover(a, p.position, assoc);
    const t = h && assoc ? pcTargetAt(a, p.position) : undefined;
    if (!h || !t || !assoc || typeof h.contents !== 'object' || !('value' in h.contents)) return h;
    const lines = await ssaHoverLines(t, assoc, { permissions: ssaPermissions, mapper: resolver });
    if (lines.length > 0) h.contents = { kind: 'markdown', value: [h.contents.value, ...lines].join('\n\n') };
    return h;
  });
  connection.onNotification(SsaPermissionsNotification, (p: SsaPermissions) => {
    if (!p || !Array.isArray(p.allowedBuildIds) || !Array.isArray(p.allowedRoots)) return;
    ssaPermissions = {
      allowedBuildIds: p.allowedBuildIds.filter((x) => typeof x === 'string'),
      allowedRoots: p.allowedRoots.filter((x) => typeof x === 'string'),
      goroots: p.goroots && typeof p.goroots === 'object' ? p.goroots : {},
    };
  });

  connection.onRequest(GroupsRequest, (p: GroupsParams): GroupsResult => {
    const a = requireAnalysis(p.uri);
    return { uri: a.uri, version: a.version, goroutineCount: a.traceback.goroutines.length, groups: a.groups.groups };
  });
  connection.onRequest(RaceGroupsRequest, (p: GroupsParams): RaceGroupsResult => {
    const a = requireAnalysis(p.uri);
    const tb = a.traceback;
    return {
      uri: a.uri,
      version: a.version,
      reportCount: tb.races.length,
      ...(tb.raceFound ? { found: tb.raceFound.count.value } : {}),
      groups: a.raceGroups.groups,
    };
  });
  const associate = (p: AssociateBinaryParams): AssociateBinaryResult => {
    if (!p || typeof p.uri !== 'string' || typeof p.binaryPath !== 'string') {
      throw new ResponseError(-32602, `${AssociateBinaryRequest} needs { uri: string, binaryPath: string }`);
    }
    const bias = typeof p.loadBias === 'string' && /^0x[0-9a-f]{1,16}$/i.test(p.loadBias) ? BigInt(p.loadBias) : undefined;
    const result = binaries.associate(p.uri, p.binaryPath, analysis(p.uri), bias);
    // The "Associate binary…" lens now names the binary.
    if (result.ok && codeLensRefresh) connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
    return result;
  };
  connection.onRequest(AssociateBinaryRequest, associate);
  connection.onNotification(AssociateBinaryRequest, (p: AssociateBinaryParams) => {
    const r = associate(p);
    if (!r.ok) void connection.window.showErrorMessage(r.message);
  });

  connection.onShutdown(() => binaries.dispose());

  documents.listen(connection);
  connection.listen();
}
