// The `dlv dap` child process: spawn, read the address it prints, connect a DapClient, and end it
// for sure (disconnect → SIGTERM → SIGKILL, plus a process 'exit' hook). Delve in DAP mode also
// exits by itself when its only client connection closes, so even a parent killed with SIGKILL
// leaves no Delve behind once the socket drops.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { DapClient } from './dapClient.js';
import { DapConnection } from './dapConnection.js';
import type { DelveLogger } from './dapTypes.js';
import { DelveStartError } from './errors.js';

export interface DlvProcessOptions {
  dlvPath: string;
  /** false adds `--check-go-version=false` (Delve outside its supported Go range). Default true. */
  checkGoVersion?: boolean;
  /** Trace DAP traffic to the logger, and run Delve with `--log --log-output=dap`. */
  trace?: boolean;
  /** Time for Delve to print its address and accept the connection (default 20 000 ms). */
  startTimeoutMs?: number;
  /** Default timeout of each DAP request (default 15 000 ms). */
  requestTimeoutMs?: number;
  /** Time between disconnect, SIGTERM and SIGKILL when disposing (default 2 000 ms each). */
  killGraceMs?: number;
  logger?: DelveLogger;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface DlvExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the exit was not asked for by dispose(). */
  unexpected: boolean;
  /** The last lines Delve wrote to stderr/stdout. */
  lastOutput: string[];
}

interface DlvProcessEvents {
  exited: [DlvExitInfo];
}

const LISTEN_RE = /DAP server listening at:\s*(\S+):(\d+)/;
const OUTPUT_LINES_KEPT = 40;

/** Every live Delve we started: killed synchronously if this Node process exits. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** Pids of the Delve processes started by this module and still running (for tests and status). */
export function liveDelvePids(): number[] {
  return [...live].map((c) => c.pid).filter((p): p is number => p !== undefined);
}

export class DlvProcess extends EventEmitter<DlvProcessEvents> {
  private disposing: Promise<void> | undefined;
  private exitInfo: DlvExitInfo | undefined;
  private readonly exitedPromise: Promise<DlvExitInfo>;

  private constructor(
    readonly dlvPath: string,
    private readonly child: ChildProcess,
    private readonly output: string[],
    readonly host: string,
    readonly port: number,
    readonly client: DapClient,
    private readonly killGraceMs: number,
    private readonly logger: DelveLogger | undefined,
  ) {
    super();
    this.exitedPromise = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        live.delete(child);
        if (this.exitInfo) return;
        this.exitInfo = { code, signal, unexpected: this.disposing === undefined, lastOutput: [...output] };
        logger?.('info', `Delve (pid ${child.pid}) exited: code ${code}, signal ${signal}`);
        this.client.close(
          this.exitInfo.unexpected ? `Delve exited unexpectedly (${describeExit(code, signal)})` : 'Delve was stopped',
        );
        this.emit('exited', this.exitInfo);
        resolve(this.exitInfo);
      };
      if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode, child.signalCode);
      else child.once('exit', done);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** `host:port` Delve listens on. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  /** Resolves when the process has exited (for whatever reason). */
  get exited(): Promise<DlvExitInfo> {
    return this.exitedPromise;
  }

  /** The last lines Delve printed. */
  get lastOutput(): string[] {
    return [...this.output];
  }

  /** Starts `dlv dap`, connects, and returns the running process with its DapClient. */
  static async start(opts: DlvProcessOptions): Promise<DlvProcess> {
    installExitHook();
    const args = ['dap', '--listen=127.0.0.1:0'];
    if (opts.checkGoVersion === false) args.push('--check-go-version=false');
    if (opts.trace) args.push('--log', '--log-output=dap');
    const logger = opts.logger;
    const startTimeoutMs = opts.startTimeoutMs ?? 20_000;
    logger?.('info', `starting ${opts.dlvPath} ${args.join(' ')}`);
    const child = spawn(opts.dlvPath, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) live.add(child);
    child.on('exit', () => live.delete(child));
    child.on('error', (e) => logger?.('info', `Delve process error: ${e.message}`));
    const output: string[] = [];
    const keep = (category: 'stdout' | 'stderr') => {
      let partial = '';
      return (chunk: Buffer): void => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        if (partial.length > 8192) {
          lines.push(partial);
          partial = '';
        }
        for (const line of lines) {
          output.push(line);
          if (output.length > OUTPUT_LINES_KEPT) output.shift();
          logger?.(category, line);
        }
      };
    };
    child.stdout!.on('data', keep('stdout'));
    child.stderr!.on('data', keep('stderr'));

    let address: { host: string; port: number };
    try {
      address = await waitForAddress(child, output, opts.dlvPath, startTimeoutMs);
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    }
    let socket: Socket;
    try {
      socket = await connectSocket(address.host, address.port, startTimeoutMs);
    } catch (e) {
      child.kill('SIGKILL');
      throw new DelveStartError(
        opts.dlvPath,
        `cannot connect to ${address.host}:${address.port}: ${(e as Error).message}`,
        output,
      );
    }
    const conn = new DapConnection(socket, socket);
    const clientOpts: ConstructorParameters<typeof DapClient>[1] = {};
    if (opts.requestTimeoutMs !== undefined) clientOpts.defaultTimeoutMs = opts.requestTimeoutMs;
    if (opts.trace && logger) clientOpts.trace = logger;
    const client = new DapClient(conn, clientOpts);
    return new DlvProcess(
      opts.dlvPath,
      child,
      output,
      address.host,
      address.port,
      client,
      opts.killGraceMs ?? 2000,
      logger,
    );
  }

  /**
   * Ends the session and the process: DAP `disconnect` (terminateDebuggee), then SIGTERM, then
   * SIGKILL, each after a grace period. Idempotent; resolves once the process is gone.
   */
  dispose(): Promise<void> {
    this.disposing ??= this.stop();
    return this.disposing;
  }

  private async stop(): Promise<void> {
    if (this.exitInfo) return;
    const grace = this.killGraceMs;
    const gone = (ms: number): Promise<boolean> =>
      Promise.race([this.exitedPromise.then(() => true), delay(ms).then(() => this.hasExited)]);
    if (!this.client.closed) {
      await this.client.request('disconnect', { terminateDebuggee: true }, { timeoutMs: grace }).catch(() => undefined);
      this.client.close('the Delve session was closed');
    }
    if (await gone(grace)) return;
    this.logger?.('info', `Delve (pid ${this.pid}) still running after disconnect: SIGTERM`);
    this.child.kill('SIGTERM');
    if (await gone(grace)) return;
    this.logger?.('info', `Delve (pid ${this.pid}) still running after SIGTERM: SIGKILL`);
    this.child.kill('SIGKILL');
    await this.exitedPromise;
  }
}

function waitForAddress(
  child: ChildProcess,
  output: string[],
  dlvPath: string,
  timeoutMs: number,
): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      const m = LISTEN_RE.exec(seen);
      if (m) {
        cleanup();
        resolve({ host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) });
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      // Let the output handlers drain the last chunk first.
      setImmediate(() => {
        cleanup();
        reject(new DelveStartError(dlvPath, `it exited (${describeExit(code, signal)}) before listening`, output));
      });
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(new DelveStartError(dlvPath, e.message, output));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new DelveStartError(dlvPath, `it printed no 'DAP server listening at' line within ${timeoutMs} ms`, output),
      );
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', onExit);
    child.on('error', onError);
  });
}

function connectSocket(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.setNoDelay(true);
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
