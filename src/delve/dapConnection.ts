// DAP wire framing: `Content-Length: N\r\n\r\n` + N bytes of UTF-8 JSON, over any byte stream.
// Handles partial chunks, several messages per chunk, and bounds header and body sizes so that a
// broken peer can never make us allocate without limit.
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DapFramingError } from './errors.js';

export interface DapConnectionOptions {
  /** Largest accepted message body, in bytes (default 64 MiB). */
  maxMessageBytes?: number;
  /** Largest accepted header block, in bytes (default 8 KiB). */
  maxHeaderBytes?: number;
}

export interface DapConnectionEvents {
  message: [DebugProtocol.ProtocolMessage];
  /** A framing or stream error; the connection closes right after. */
  error: [Error];
  /** The stream ended or was closed; emitted once. */
  close: [reason: string];
}

const HEADER_END = Buffer.from('\r\n\r\n', 'ascii');
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_HEADER_BYTES = 8 * 1024;

/** Incremental DAP frame decoder: push bytes in, get whole messages out. Pure, no I/O. */
export class DapFrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private bodyLength = -1;
  private readonly maxMessageBytes: number;
  private readonly maxHeaderBytes: number;

  constructor(opts: DapConnectionOptions = {}) {
    this.maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.maxHeaderBytes = opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  }

  /** Adds bytes; returns the messages completed by them. Throws DapFramingError on bad input. */
  push(chunk: Buffer): DebugProtocol.ProtocolMessage[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: DebugProtocol.ProtocolMessage[] = [];
    for (;;) {
      if (this.bodyLength < 0) {
        const data = this.flatten();
        const end = data.indexOf(HEADER_END);
        if (end < 0) {
          if (data.length > this.maxHeaderBytes) {
            throw new DapFramingError(`DAP header longer than ${this.maxHeaderBytes} bytes without a blank line`);
          }
          return out;
        }
        if (end > this.maxHeaderBytes) {
          throw new DapFramingError(`DAP header longer than ${this.maxHeaderBytes} bytes`);
        }
        this.bodyLength = parseHeader(data.subarray(0, end).toString('ascii'), this.maxMessageBytes);
        this.consume(end + HEADER_END.length);
      }
      if (this.buffered < this.bodyLength) return out;
      const data = this.flatten();
      const body = data.subarray(0, this.bodyLength);
      this.consume(this.bodyLength);
      this.bodyLength = -1;
      out.push(parseBody(body));
    }
  }

  /** Bytes received but not yet part of a complete message. */
  get pendingBytes(): number {
    return this.buffered;
  }

  private flatten(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private consume(n: number): void {
    const data = this.flatten().subarray(n);
    this.chunks = data.length ? [data] : [];
    this.buffered = data.length;
  }
}

function parseHeader(text: string, maxMessageBytes: number): number {
  let length = -1;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) throw new DapFramingError(`malformed DAP header line ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name !== 'content-length') continue;
    const value = line.slice(colon + 1).trim();
    if (!/^\d{1,15}$/.test(value)) throw new DapFramingError(`bad DAP Content-Length ${JSON.stringify(value)}`);
    length = Number(value);
  }
  if (length < 0) throw new DapFramingError('DAP header without Content-Length');
  if (length > maxMessageBytes) {
    throw new DapFramingError(`DAP message of ${length} bytes exceeds the limit of ${maxMessageBytes} bytes`);
  }
  return length;
}

function parseBody(body: Buffer): DebugProtocol.ProtocolMessage {
  let msg: unknown;
  try {
    msg = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new DapFramingError(`DAP message body is not JSON: ${(e as Error).message}`);
  }
  if (typeof msg !== 'object' || msg === null || typeof (msg as { type?: unknown }).type !== 'string') {
    throw new DapFramingError('DAP message is not an object with a "type"');
  }
  return msg as DebugProtocol.ProtocolMessage;
}

/** Encodes one DAP message with its Content-Length header. */
export function encodeDapMessage(msg: DebugProtocol.ProtocolMessage): Buffer {
  const body = Buffer.from(JSON.stringify(msg), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

/**
 * A DAP message channel over a readable and a writable stream (a socket is both).
 * Emits `message` per decoded message, `error` on framing/stream errors, and `close` once.
 */
export class DapConnection extends EventEmitter<DapConnectionEvents> {
  private readonly decoder: DapFrameDecoder;
  private closedReason: string | undefined;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    opts: DapConnectionOptions = {},
  ) {
    super();
    this.decoder = new DapFrameDecoder(opts);
    input.on('data', (chunk: Buffer | string) => this.onData(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    input.on('end', () => this.close('the connection was closed by the peer'));
    input.on('close', () => this.close('the connection was closed'));
    input.on('error', (e: Error) => this.fail(e));
    if (output !== (input as unknown)) output.on('error', (e: Error) => this.fail(e));
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Why the connection closed, once it has. */
  get closeReason(): string | undefined {
    return this.closedReason;
  }

  /** Sends a message; returns false when the connection is already closed. */
  send(msg: DebugProtocol.ProtocolMessage): boolean {
    if (this.closed) return false;
    this.output.write(encodeDapMessage(msg));
    return true;
  }

  /** Closes both directions; emits `close` (once). */
  close(reason = 'the connection was closed'): void {
    if (this.closed) return;
    this.closedReason = reason;
    this.input.removeAllListeners('data');
    this.input.on('error', () => undefined);
    this.output.on('error', () => undefined);
    this.input.destroy();
    if (this.output !== (this.input as unknown)) this.output.end();
    this.emit('close', reason);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let msgs: DebugProtocol.ProtocolMessage[];
    try {
      msgs = this.decoder.push(chunk);
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    for (const m of msgs) {
      if (this.closed) return;
      this.emit('message', m);
    }
  }

  private fail(e: Error): void {
    if (this.closed) return;
    // Only emit 'error' when someone listens: an unhandled 'error' event would throw.
    if (this.listenerCount('error') > 0) this.emit('error', e);
    this.close(`${e.name}: ${e.message}`);
  }
}
