// A minimal LSP client for the traceback language server: spawns the server as a child process and
// talks JSON-RPC to it over its stdin/stdout, as VS Code's language client does. Used by
// test/integration/server.test.ts and bench/traceback-server.ts. Every request has a timeout and
// stop() always ends the child.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeLens, DocumentLink, DocumentSymbol, FoldingRange } from 'vscode-languageserver/node';
import {
  type MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  createMessageConnection,
} from 'vscode-languageserver/node';
import { TRACEBACK_SERVER_EXEC_ARGV } from '../../src/server/protocol.js';

const repo = join(__dirname, '..', '..');

export interface ServerClientOptions {
  /** Run the bundle dist/server.js (after `node scripts/build.mjs`) instead of src/server/main.ts with tsx. */
  bundled?: boolean;
  workspaceFolders: string[];
  initializationOptions?: unknown;
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number;
  /** Extra node options for the server process (e.g. `--cpu-prof`), before the script. */
  nodeArgs?: string[];
}

export class ServerClient {
  private stderr = '';
  private exited = false;

  private constructor(
    readonly child: ChildProcess,
    readonly conn: MessageConnection,
    private readonly timeoutMs: number,
  ) {
    child.stderr?.on('data', (d: Buffer) => {
      if (this.stderr.length < 64 * 1024) this.stderr += d.toString();
    });
    child.on('exit', () => {
      this.exited = true;
    });
  }

  static async start(opts: ServerClientOptions): Promise<ServerClient> {
    const args = opts.bundled
      ? [join(repo, 'dist', 'server.js'), '--stdio']
      : ['--import', 'tsx', join(repo, 'src', 'server', 'main.ts'), '--stdio'];
    if (opts.bundled && !existsSync(args[0]!))
      throw new Error(`${args[0]} is missing: run \`node scripts/build.mjs\` first`);
    // As the VS Code client starts it (TRACEBACK_SERVER_EXEC_ARGV), plus the caller's options.
    const nodeArgs = [...TRACEBACK_SERVER_EXEC_ARGV, ...(opts.nodeArgs ?? [])];
    const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
    const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    conn.onNotification('window/logMessage', () => undefined);
    conn.onNotification('window/showMessage', () => undefined);
    // As VS Code does: accept dynamic registrations (the server registers for workspace folder changes).
    conn.onRequest('client/registerCapability', () => null);
    conn.onRequest('client/unregisterCapability', () => null);
    conn.listen();
    const client = new ServerClient(child, conn, opts.timeoutMs ?? 60_000);
    try {
      await client.request('initialize', {
        processId: process.pid,
        rootUri: null,
        capabilities: { workspace: { workspaceFolders: true, configuration: false } },
        workspaceFolders: opts.workspaceFolders.map((p) => ({ uri: pathToFileURL(p).href, name: p })),
        initializationOptions: opts.initializationOptions,
      });
      await conn.sendNotification('initialized', {});
    } catch (e) {
      client.kill();
      throw e;
    }
    return client;
  }

  /** A request with a timeout; the error names the method and carries the server's stderr. */
  async request<R>(method: string, params: unknown, timeoutMs = this.timeoutMs): Promise<R> {
    if (this.exited) throw new Error(`traceback server exited before ${method}; stderr:\n${this.stderr}`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${method}: no answer within ${timeoutMs} ms; stderr:\n${this.stderr}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.conn.sendRequest<R>(method, params), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Links with their targets: those sent without one are resolved with `documentLink/resolve`, as
   * VS Code does when the user follows a link (in batches: a large log has tens of thousands).
   */
  async resolveLinks<L extends { target?: string }>(links: L[]): Promise<L[]> {
    const out: L[] = [];
    for (let i = 0; i < links.length; i += 2000) {
      const batch = links.slice(i, i + 2000);
      out.push(...(await Promise.all(batch.map((l) => (l.target ? l : this.request<L>('documentLink/resolve', l))))));
    }
    return out;
  }

  /** What VS Code asks of an opened crash log: links, folding ranges, symbols, lenses and the server's groups request. */
  async documentFeatures<G>(uri: string, groupsMethod: string): Promise<[DocumentLink[], FoldingRange[], DocumentSymbol[], CodeLens[], G]> {
    const doc = { textDocument: { uri } };
    return Promise.all([
      this.request<DocumentLink[]>('textDocument/documentLink', doc),
      this.request<FoldingRange[]>('textDocument/foldingRange', doc),
      this.request<DocumentSymbol[]>('textDocument/documentSymbol', doc),
      this.request<CodeLens[]>('textDocument/codeLens', doc),
      this.request<G>(groupsMethod, { uri }),
    ]);
  }

  async notify(method: string, params: unknown): Promise<void> {
    await this.conn.sendNotification(method, params);
  }

  async open(uri: string, text: string, version = 1): Promise<void> {
    await this.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'go-traceback', version, text } });
  }

  async close(uri: string): Promise<void> {
    await this.notify('textDocument/didClose', { textDocument: { uri } });
  }

  /** shutdown + exit, then kill if the process is still there after 5 s. */
  async stop(): Promise<void> {
    try {
      if (!this.exited) {
        await this.request('shutdown', null, 5000);
        await this.notify('exit', null);
        await new Promise<void>((resolve) => {
          if (this.exited) return resolve();
          const t = setTimeout(resolve, 5000);
          this.child.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    } finally {
      this.kill();
    }
  }

  kill(): void {
    this.conn.dispose();
    if (!this.exited) this.child.kill('SIGKILL');
  }
}
