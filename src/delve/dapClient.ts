// A DAP client over a DapConnection: sequence numbers, responses matched to requests, a timeout
// on every request, cancellation with AbortSignal, events, and a proxy (`forward`) that lets a
// foreign DAP session (VS Code's inline debug adapter) share the same Delve.
import { EventEmitter } from 'node:events';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DapConnection } from './dapConnection.js';
import type { DapArgs, DapCommand, DapResponse, DelveLogger } from './dapTypes.js';
import { DapCancelledError, DapClosedError, DapRequestError, DapTimeoutError } from './errors.js';

export interface DapClientOptions {
  /** Timeout of a request without its own (default 15 000 ms). */
  defaultTimeoutMs?: number;
  /** Receives the DAP traffic (`dap-send` / `dap-recv`) when set. */
  trace?: DelveLogger;
  /** Longest traced message text; longer ones are cut (default 4 000 characters). */
  traceMaxChars?: number;
}

export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Disposable {
  dispose(): void;
}

interface Pending {
  command: string;
  resolve(r: DebugProtocol.Response): void;
  reject(e: Error): void;
}

interface ClientEvents {
  event: [DebugProtocol.Event];
  closed: [reason: string];
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

export class DapClient {
  private seq = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly emitter = new EventEmitter<ClientEvents>();
  private closedReason: string | undefined;
  /** Set after `initialize` by whoever reads the capabilities; enables DAP `cancel` on abort. */
  supportsCancelRequest = false;
  readonly defaultTimeoutMs: number;

  constructor(
    private readonly conn: DapConnection,
    private readonly opts: DapClientOptions = {},
  ) {
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.emitter.setMaxListeners(0);
    conn.on('message', (m) => this.onMessage(m));
    conn.on('error', () => undefined); // the following 'close' carries the reason
    conn.on('close', (reason) => this.onClose(reason));
    if (conn.closed) this.onClose(conn.closeReason ?? 'the connection was closed');
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  get closeReason(): string | undefined {
    return this.closedReason;
  }

  /** Number of requests waiting for a response. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Sends a request and resolves with its successful response. Rejects with DapRequestError
   * (Delve said no), DapTimeoutError, DapCancelledError or DapClosedError.
   */
  async request<C extends DapCommand>(command: C, args: DapArgs<C>, opts?: RequestOptions): Promise<DapResponse<C>>;
  async request(command: string, args?: unknown, opts?: RequestOptions): Promise<DebugProtocol.Response>;
  async request(command: string, args?: unknown, opts: RequestOptions = {}): Promise<DebugProtocol.Response> {
    const r = await this.send(command, args, opts);
    if (!r.success) throw new DapRequestError(command, failureMessage(r), r);
    return r;
  }

  /**
   * Proxy for a foreign DAP session: sends `req` under our own sequence number and resolves with
   * Delve's response mapped back to the foreign `request_seq` (success or failure alike; the
   * caller assigns its own `seq`). Timeouts, cancellation and a dead session resolve with a
   * synthesized failure response instead of rejecting, so a debug adapter can pass it on as is.
   */
  async forward(req: DebugProtocol.Request, opts: RequestOptions = {}): Promise<DebugProtocol.Response> {
    try {
      const r = await this.send(req.command, req.arguments, opts);
      return { ...r, request_seq: req.seq };
    } catch (e) {
      return {
        seq: 0,
        type: 'response',
        request_seq: req.seq,
        command: req.command,
        success: false,
        message: (e as Error).message,
        body: { error: { id: 0, format: (e as Error).message, showUser: false } },
      };
    }
  }

  /** Subscribes to every DAP event from Delve. */
  onEvent(listener: (e: DebugProtocol.Event) => void): Disposable;
  /** Subscribes to one DAP event by name (`stopped`, `output`, `terminated`, ...). */
  onEvent(name: string, listener: (e: DebugProtocol.Event) => void): Disposable;
  onEvent(a: string | ((e: DebugProtocol.Event) => void), b?: (e: DebugProtocol.Event) => void): Disposable {
    const listener =
      typeof a === 'function'
        ? a
        : (e: DebugProtocol.Event) => {
            if (e.event === a) b!(e);
          };
    this.emitter.on('event', listener);
    return { dispose: () => this.emitter.off('event', listener) };
  }

  /** Resolves once with the first event named `name` (rejects on close, timeout or abort). */
  waitForEvent(name: string, opts: RequestOptions = {}): Promise<DebugProtocol.Event> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new DapClosedError(undefined, this.closedReason!));
      const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
      const cleanup = (): void => {
        clearTimeout(timer);
        sub.dispose();
        closeSub.dispose();
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const sub = this.onEvent(name, (e) => {
        cleanup();
        resolve(e);
      });
      const closeSub = this.onClosed((reason) => {
        cleanup();
        reject(new DapClosedError(undefined, `${reason} (while waiting for the '${name}' event)`));
      });
      const timer = setTimeout(() => {
        cleanup();
        reject(new DapTimeoutError(`${name} event`, timeoutMs));
      }, timeoutMs);
      const onAbort = (): void => {
        cleanup();
        reject(new DapCancelledError(`wait for ${name}`));
      };
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Called once when the connection ends; immediately if it already has. */
  onClosed(listener: (reason: string) => void): Disposable {
    if (this.closed) {
      queueMicrotask(() => listener(this.closedReason!));
      return { dispose: () => undefined };
    }
    this.emitter.once('closed', listener);
    return { dispose: () => this.emitter.off('closed', listener) };
  }

  /** Closes the connection; pending requests reject with DapClosedError. */
  close(reason = 'the client was closed'): void {
    this.conn.close(reason);
  }

  private send(command: string, args: unknown, opts: RequestOptions): Promise<DebugProtocol.Response> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new DapClosedError(command, this.closedReason!));
      if (opts.signal?.aborted) return reject(new DapCancelledError(command));
      const seq = this.seq++;
      const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
      const onAbort = (): void => {
        settle();
        if (this.supportsCancelRequest && !this.closed) {
          const cancel: DebugProtocol.CancelRequest = {
            seq: this.seq++,
            type: 'request',
            command: 'cancel',
            arguments: { requestId: seq },
          };
          this.write(cancel);
        }
        reject(new DapCancelledError(command));
      };
      const timer = setTimeout(() => {
        settle();
        reject(new DapTimeoutError(command, timeoutMs));
      }, timeoutMs);
      const settle = (): void => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        this.pending.delete(seq);
      };
      this.pending.set(seq, {
        command,
        resolve: (r) => {
          settle();
          resolve(r);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
      });
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const msg: DebugProtocol.Request = { seq, type: 'request', command };
      if (args !== undefined) msg.arguments = args;
      this.write(msg);
    });
  }

  private write(msg: DebugProtocol.ProtocolMessage): void {
    this.traceMsg('dap-send', msg);
    this.conn.send(msg);
  }

  private onMessage(m: DebugProtocol.ProtocolMessage): void {
    this.traceMsg('dap-recv', m);
    if (m.type === 'response') {
      const r = m as DebugProtocol.Response;
      // A response to a request that timed out or was cancelled is dropped here.
      this.pending.get(r.request_seq)?.resolve(r);
    } else if (m.type === 'event') {
      this.emitter.emit('event', m as DebugProtocol.Event);
    }
    // Reverse requests (runInTerminal, ...) are not used by Delve in core mode; ignored.
  }

  private onClose(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    for (const p of [...this.pending.values()]) p.reject(new DapClosedError(p.command, reason));
    this.emitter.emit('closed', reason);
  }

  private traceMsg(dir: 'dap-send' | 'dap-recv', m: DebugProtocol.ProtocolMessage): void {
    if (!this.opts.trace) return;
    const max = this.opts.traceMaxChars ?? 4000;
    let text = JSON.stringify(m);
    if (text.length > max) text = `${text.slice(0, max)}… (${text.length} chars)`;
    this.opts.trace(dir, text);
  }
}

/** The text of a failure response: Delve puts details in body.error.format. */
export function failureMessage(r: DebugProtocol.Response): string {
  const err = (r as DebugProtocol.ErrorResponse).body?.error;
  const detail = err?.format
    ? err.format.replace(/\{(\w+)\}/g, (_, k: string) => err.variables?.[k] ?? `{${k}}`)
    : undefined;
  if (detail && r.message && !detail.includes(r.message)) return `${r.message}: ${detail}`;
  return detail ?? r.message ?? 'unknown error';
}
