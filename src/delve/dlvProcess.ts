// The `dlv dap` child process: spawn it on a transport only we can reach (see dapTransport.ts: a
// Unix socket in a private directory, or Delve dialling in to us with its peer checked), connect a
// DapClient, and end it for sure (disconnect → SIGTERM → SIGKILL, plus a process 'exit' hook).
// Delve in DAP mode also exits by itself when its only client connection closes, so even a parent
// killed with SIGKILL leaves no Delve behind once the socket drops.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { DapClient } from './dapClient.js';
import { DapConnection } from './dapConnection.js';
import type { DelveLogger } from './dapTypes.js';
import { canCheckTcpPeers, delveDapFeatures, DialInListener, privateSocketPath } from './dapTransport.js';
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

const LISTEN_RE = /DAP server listening at:\s*(\S+)/;
const OUTPUT_LINES_KEPT = 40;

/** Every live Delve we started: killed synchronously if this Node process exits. */
const live = new Set<ChildProcess>();
/** Private socket directories still in use: removed when their Delve exits, or when we do. */
const socketDirs = new Set<string>();
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
    for (const d of socketDirs) removeSocketDir(d);
  });
}

function removeSocketDir(dir: string): void {
  socketDirs.delete(dir);
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // nothing more to do on the way out
  }
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
    /** Where we reached Delve: the Unix socket's path, or `dial-in 127.0.0.1:PORT`. */
    readonly address: string,
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
    const logger = opts.logger;
    const startTimeoutMs = opts.startTimeoutMs ?? 20_000;
    const features = await delveDapFeatures(opts.dlvPath, startTimeoutMs);
    // A Unix socket where Delve has them; else Delve dials in to us (older Delves, Linux only); a
    // Delve whose help cannot be read gets the dial-in flags, and its start reports why it failed.
    const useUnix = features.unixSocket;
    if (features.known && !features.unixSocket && !features.clientAddr) {
      throw new DelveStartError(
        opts.dlvPath,
        'this Delve has neither a Unix-socket listener nor --client-addr, so it can only be reached on a TCP ' +
          'port that any local user could connect to first; use Delve 1.20 or newer (1.24+ listens on a private Unix socket)',
        [],
      );
    }
    if (!useUnix && features.clientAddr && !canCheckTcpPeers()) {
      throw new DelveStartError(
        opts.dlvPath,
        'this Delve can only be reached over TCP, and on this system we cannot check that a TCP connection ' +
          'comes from it (no /proc); use Delve 1.24 or newer, which listens on a private Unix socket',
        [],
      );
    }
    const socket = useUnix ? privateSocketPath() : undefined;
    let listener: DialInListener | undefined;
    if (socket) socketDirs.add(socket.dir);
    else listener = await DialInListener.listen();
    const transportArg = socket ? `--listen=unix:${socket.path}` : `--client-addr=127.0.0.1:${listener!.port}`;
    const args = ['dap', transportArg];
    if (opts.checkGoVersion === false) args.push('--check-go-version=false');
    if (opts.trace) args.push('--log', '--log-output=dap');
    logger?.('info', `starting ${opts.dlvPath} ${args.join(' ')}`);
    const child = spawn(opts.dlvPath, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) live.add(child);
    child.on('exit', () => {
      live.delete(child);
      if (socket) removeSocketDir(socket.dir);
    });
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

    const giveUp = (): void => {
      child.kill('SIGKILL');
      listener?.close();
      if (socket) removeSocketDir(socket.dir);
    };
    let conn: Socket;
    let address: string;
    try {
      if (socket) {
        await waitForListening(child, output, opts.dlvPath, startTimeoutMs, socket.path);
        address = socket.path;
        conn = await connectSocket(socket.path, startTimeoutMs).catch((e: Error) => {
          throw new DelveStartError(opts.dlvPath, `cannot connect to ${socket.path}: ${e.message}`, output);
        });
      } else {
        address = `dial-in 127.0.0.1:${listener!.port}`;
        conn = await waitForDialIn(child, listener!, output, opts.dlvPath, startTimeoutMs, (from) =>
          logger?.('info', `closed a connection from ${from} to Delve's dial-in port: it is not from Delve (pid ${child.pid})`),
        );
        listener!.close(); // one connection only
      }
    } catch (e) {
      giveUp();
      throw e;
    }
    const dap = new DapConnection(conn, conn);
    conn.resume(); // the reader is attached (a dial-in socket arrives paused)
    const clientOpts: ConstructorParameters<typeof DapClient>[1] = {};
    if (opts.requestTimeoutMs !== undefined) clientOpts.defaultTimeoutMs = opts.requestTimeoutMs;
    if (opts.trace && logger) clientOpts.trace = logger;
    const client = new DapClient(dap, clientOpts);
    return new DlvProcess(opts.dlvPath, child, output, address, client, opts.killGraceMs ?? 2000, logger);
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

/**
 * Waits for the child to do something (`until` resolves), failing with a DelveStartError when it
 * exits first, fails to start, or takes longer than `timeoutMs`; `what` names the awaited step.
 */
function waitForChild<T>(
  child: ChildProcess,
  output: string[],
  dlvPath: string,
  timeoutMs: number,
  what: string,
  until: (settle: (v: T) => void) => () => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let stopWatching: () => void = () => undefined;
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      // Let the output handlers drain the last chunk first.
      setImmediate(() => {
        cleanup();
        reject(new DelveStartError(dlvPath, `it exited (${describeExit(code, signal)}) before ${what}`, output));
      });
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(new DelveStartError(dlvPath, e.message, output));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new DelveStartError(dlvPath, `it was not ${what} within ${timeoutMs} ms`, output));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      stopWatching();
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.on('exit', onExit);
    child.on('error', onError);
    stopWatching = until((v) => {
      cleanup();
      resolve(v);
    });
  });
}

/** Waits for Delve's `DAP server listening at: <path>` line naming our socket. */
function waitForListening(
  child: ChildProcess,
  output: string[],
  dlvPath: string,
  timeoutMs: number,
  socketPath: string,
): Promise<void> {
  return waitForChild<void>(child, output, dlvPath, timeoutMs, 'listening', (settle) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      for (const m of seen.matchAll(new RegExp(LISTEN_RE, 'g'))) {
        if (m[1] === socketPath || m[1] === `unix:${socketPath}`) settle();
      }
    };
    child.stdout!.on('data', onData);
    return () => child.stdout!.off('data', onData);
  });
}

/** Waits for Delve to dial in to our listener (only its own connection is taken). */
function waitForDialIn(
  child: ChildProcess,
  listener: DialInListener,
  output: string[],
  dlvPath: string,
  timeoutMs: number,
  rejected: (from: string) => void,
): Promise<Socket> {
  return waitForChild<Socket>(child, output, dlvPath, timeoutMs, 'connecting to us', (settle) => {
    let stopped = false;
    void listener
      .accept(() => child.pid, rejected)
      .then((s) => {
        if (stopped) s.destroy();
        else settle(s);
      });
    return () => {
      stopped = true;
    };
  });
}

function connectSocket(path: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ path });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
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
