// A Go core dump opened in Delve through DAP: initialize → launch (mode core) → configurationDone
// → the `stopped` event; then read-only queries. One Delve process per session.
//
// Sharing the session with VS Code's debugger (an inline DebugAdapter): the core is already open,
// so the adapter answers `initialize` with `capabilities`, `launch`/`attach` and
// `configurationDone` with success (then sends `initialized` before and `stoppedEvent` after, as
// Delve did), passes every other request through `client.forward()` (which keeps VS Code's seq),
// relays `client.onEvent()` events except `initialized`/`stopped` replays, and on `disconnect`
// answers itself and decides whether to `close()` the session (the extension's views may still
// use it). `ended` tells both sides when Delve is gone.
//
// Requests are typed by DapRequestMap (dapTypes.ts): `request('stackTrace', args)` takes
// StackTraceArguments and resolves with a StackTraceResponse.
import { EventEmitter } from 'node:events';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DapClient, RequestOptions } from './dapClient.js';
import type { DapArgs, DapCommand, DapResponse, DelveLogger } from './dapTypes.js';
import { DlvProcess, type DlvExitInfo } from './dlvProcess.js';
import { crashInfo, type CrashingGoroutine, type CrashRule } from './frames.js';
import { CoreOpenError, DapCancelledError, DapRequestError, DapTimeoutError } from './errors.js';

/** vscode-go / Delve DAP semantics: `from` is the local (workspace) path, `to` the path recorded in the binary. */
export interface SubstitutePath {
  from: string;
  to: string;
}

/** Which Delve to run: a path, or a pick from dlvDiscovery (its `inRange` decides the version check). */
export type DelveChoice = string | { path: string; version?: string; inRange?: boolean };

export interface CoreSessionOptions {
  corePath: string;
  programPath: string;
  /** The program's Go version (from buildinfo), for messages only. */
  goVersion?: string;
  dlv: DelveChoice;
  /** Default timeout of each request (default 15 000 ms). */
  timeoutMs?: number;
  /** Time allowed for starting Delve and loading the core (default 60 000 ms). */
  openTimeoutMs?: number;
  logger?: DelveLogger;
  /** Log the DAP traffic and run Delve with `--log --log-output=dap`. */
  trace?: boolean;
  substitutePath?: SubstitutePath[];
  /** Aborts opening (Delve is then stopped). */
  signal?: AbortSignal;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Time between disconnect, SIGTERM and SIGKILL when the session is closed (default 2 000 ms each). */
  killGraceMs?: number;
}

export interface StackPage {
  frames: DebugProtocol.StackFrame[];
  totalFrames: number | undefined;
}

export interface SessionEndInfo {
  reason: string;
  /** Set when Delve's process exited on its own. */
  exit?: DlvExitInfo;
  unexpected: boolean;
}

interface CoreSessionEvents {
  ended: [SessionEndInfo];
}

export class CoreSession extends EventEmitter<CoreSessionEvents> {
  private threadsCache: Promise<DebugProtocol.Thread[]> | undefined;
  private endInfo: SessionEndInfo | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly corePath: string,
    readonly programPath: string,
    readonly dlv: DlvProcess,
    /** What Delve answered to `initialize`. */
    readonly capabilities: DebugProtocol.Capabilities,
    /** The `stopped` event Delve sent after configurationDone (replay it to a proxied UI). */
    readonly stoppedEvent: DebugProtocol.StoppedEvent,
    /** Delve ran with --check-go-version=false. */
    readonly goVersionCheckDisabled: boolean,
  ) {
    super();
    this.client.onClosed((reason) => void this.onClientClosed(reason));
  }

  private async onClientClosed(reason: string): Promise<void> {
    const unexpected = this.closing === undefined;
    // The socket usually drops just before the process exit is reported: wait a little for it.
    const exit = await Promise.race([this.dlv.exited, delay(1000).then(() => undefined)]);
    // Delve may still be running (connection dropped): make sure it goes.
    if (!exit) void this.dlv.dispose();
    this.endInfo = exit ? { reason, unexpected, exit } : { reason, unexpected };
    this.emit('ended', this.endInfo);
  }

  /** The dlv executable this session runs. */
  get dlvPath(): string {
    return this.dlv.dlvPath;
  }

  /** The DAP client connected to this session's Delve (for forward() and events). */
  get client(): DapClient {
    return this.dlv.client;
  }

  /** True once the connection to Delve is gone (the `ended` event follows shortly). */
  get ended(): boolean {
    return this.client.closed;
  }

  get endReason(): SessionEndInfo | undefined {
    return this.endInfo;
  }

  /** Starts Delve and opens the core. Throws CoreOpenError, DelveStartError, DapCancelledError. */
  static async open(opts: CoreSessionOptions): Promise<CoreSession> {
    const dlvPath = typeof opts.dlv === 'string' ? opts.dlv : opts.dlv.path;
    const checkGoVersion = typeof opts.dlv === 'string' ? true : opts.dlv.inRange !== false;
    const openTimeoutMs = opts.openTimeoutMs ?? 60_000;
    if (opts.signal?.aborted) throw new DapCancelledError('open core');
    const deadline = Date.now() + openTimeoutMs;
    const left = (): number => Math.max(1, deadline - Date.now());
    const dlv = await DlvProcess.start({
      dlvPath,
      checkGoVersion,
      trace: opts.trace ?? false,
      startTimeoutMs: Math.min(openTimeoutMs, 20_000),
      requestTimeoutMs: opts.timeoutMs ?? 15_000,
      ...(opts.killGraceMs !== undefined ? { killGraceMs: opts.killGraceMs } : {}),
      ...(opts.logger ? { logger: opts.logger } : {}),
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      ...(opts.env ? { env: opts.env } : {}),
    });
    if (opts.signal?.aborted) {
      await dlv.dispose();
      throw new DapCancelledError('open core');
    }
    const client = dlv.client;
    const fail = async (detail: string, cause?: unknown): Promise<never> => {
      await dlv.dispose();
      if (cause instanceof DapCancelledError) throw cause;
      let msg = detail;
      const printed = dlv.lastOutput.filter((l) => l.trim() && !/DAP server listening at/.test(l));
      if (printed.length) msg += `\nDelve printed:\n${printed.slice(-10).join('\n')}`;
      throw new CoreOpenError(opts.corePath, opts.programPath, msg, cause);
    };
    const ro = (): RequestOptions => ({ timeoutMs: left(), ...(opts.signal ? { signal: opts.signal } : {}) });
    let caps: DebugProtocol.Capabilities;
    try {
      const init = await client.request(
        'initialize',
        {
          clientID: 'go-core-inspector',
          clientName: 'Go Core Dump Inspector',
          adapterID: 'go',
          linesStartAt1: true,
          columnsStartAt1: true,
          pathFormat: 'path',
          supportsVariableType: true,
          supportsMemoryReferences: true,
        },
        ro(),
      );
      caps = init.body ?? {};
      client.supportsCancelRequest = caps.supportsCancelRequest === true;
    } catch (e) {
      return fail(`the DAP initialize request failed: ${(e as Error).message}`, e);
    }
    const stopped = client.waitForEvent('stopped', ro());
    stopped.catch(() => undefined);
    try {
      const args: Record<string, unknown> = {
        name: 'core',
        mode: 'core',
        program: opts.programPath,
        coreFilePath: opts.corePath,
        // Delve's Registers scope in VS Code's Variables view (as our own adapter shows them).
        showRegisters: true,
      };
      if (opts.substitutePath?.length) args.substitutePath = opts.substitutePath;
      await client.request('launch', args, ro());
    } catch (e) {
      const why = e instanceof DapRequestError ? e.delveMessage : (e as Error).message;
      return fail(`Delve refused the core: ${why}`, e);
    }
    let stoppedEvent: DebugProtocol.StoppedEvent;
    try {
      await client.request('configurationDone', undefined, ro());
      stoppedEvent = (await stopped) as DebugProtocol.StoppedEvent;
    } catch (e) {
      const what = e instanceof DapTimeoutError ? `no stop within ${openTimeoutMs} ms` : (e as Error).message;
      return fail(`Delve did not stop on the core: ${what}`, e);
    }
    opts.logger?.(
      'info',
      `core ${opts.corePath} open in Delve ${dlvPath} (pid ${dlv.pid}); ${stoppedOn(stoppedEvent)}` +
        (checkGoVersion ? '' : ' (Go version check disabled)'),
    );
    return new CoreSession(opts.corePath, opts.programPath, dlv, caps, stoppedEvent, !checkGoVersion);
  }

  /** A request typed by DapRequestMap; rejects at once with DapClosedError once the session has ended. */
  request<C extends DapCommand>(command: C, args: DapArgs<C>, opts: RequestOptions = {}): Promise<DapResponse<C>> {
    return this.client.request(command, args, opts);
  }

  /** Every goroutine Delve lists (capped by Delve at 1024 + the selected one), fetched once. */
  threads(opts: RequestOptions = {}): Promise<DebugProtocol.Thread[]> {
    if (!this.threadsCache) {
      const p = this.request('threads', undefined, opts).then((r) => r.body.threads);
      p.catch(() => {
        if (this.threadsCache === p) this.threadsCache = undefined;
      });
      this.threadsCache = p;
    }
    return this.threadsCache;
  }

  /** Frames of a goroutine (DAP thread id = goroutine id), paged. */
  async stackTrace(
    threadId: number,
    page: { startFrame?: number; levels?: number } = {},
    opts: RequestOptions = {},
  ): Promise<StackPage> {
    const r = await this.request(
      'stackTrace',
      { threadId, startFrame: page.startFrame ?? 0, levels: page.levels ?? 50 },
      opts,
    );
    return { frames: r.body.stackFrames, totalFrames: r.body.totalFrames };
  }

  /**
   * Disassembles `instructionCount` instructions starting `instructionOffset` instructions from
   * the address `memoryReference` (e.g. a frame's instructionPointerReference, `0x48099e`).
   */
  async disassemble(
    memoryReference: string,
    offsets: { offset?: number; instructionOffset?: number } = {},
    instructionCount = 20,
    opts: RequestOptions = {},
  ): Promise<DebugProtocol.DisassembledInstruction[]> {
    const args: DebugProtocol.DisassembleArguments = { memoryReference, instructionCount, resolveSymbols: true };
    if (offsets.offset !== undefined) args.offset = offsets.offset;
    if (offsets.instructionOffset !== undefined) args.instructionOffset = offsets.instructionOffset;
    const r = await this.request('disassemble', args, opts);
    return r.body?.instructions ?? [];
  }

  /** Delve's disassembly of the instruction at pc, or of the call before it for a return address. */
  async instructionAt(pc: bigint, isReturnAddress: boolean): Promise<string | undefined> {
    const ins = await this.disassemble('0x' + pc.toString(16), { instructionOffset: -4 }, 8, { timeoutMs: 5000 });
    const at = ins.findIndex((i) => BigInt(i.address) === pc);
    const hit = at < 0 ? undefined : isReturnAddress ? ins[at - 1] : ins[at];
    return hit?.instruction;
  }

  /**
   * The goroutine that crashed. Rule (the same for Delve 1.20, 1.24 and 1.27, whose DAP servers
   * all send, in core mode, a `stopped` event with reason "exception" and the thread id of the
   * goroutine selected when the core was loaded, i.e. the goroutine of the thread the kernel
   * dumped first, the one that raised the fatal signal):
   * 1. the goroutine of the `stopped` event, if its stack has a crash frame (CRASH_FUNCTIONS);
   * 2. else the goroutine Delve marks selected (`*`) in `threads`, if its stack has one;
   * 3. else the first goroutine in Delve's list whose stack has one (at most `scanLimit` stacks);
   * 4. else the `stopped` event's goroutine, with crashFrameIndex -1.
   */
  async crashingGoroutine(opts: RequestOptions & { scanLimit?: number } = {}): Promise<CrashingGoroutine> {
    const look = async (id: number, rule: CrashRule): Promise<CrashingGoroutine | undefined> => {
      try {
        const { frames } = await this.stackTrace(id, { levels: 64 }, opts);
        return crashInfo(id, rule, frames);
      } catch (e) {
        if (e instanceof DapRequestError) return undefined;
        throw e;
      }
    };
    const stoppedId = this.stoppedEvent.body.threadId;
    const first = stoppedId !== undefined && stoppedId > 0 ? await look(stoppedId, 'stopped-event') : undefined;
    if (first && first.crashFrameIndex >= 0) return first;
    const threads = await this.threads(opts);
    const selected = threads.find((t) => /^\s*\*/.test(t.name));
    if (selected && selected.id !== stoppedId) {
      const s = await look(selected.id, 'selected-goroutine');
      if (s && s.crashFrameIndex >= 0) return s;
    }
    const limit = opts.scanLimit ?? 2048;
    for (const t of threads.slice(0, limit)) {
      if (t.id === stoppedId || t.id === selected?.id) continue;
      const s = await look(t.id, 'stack-search');
      if (s && s.crashFrameIndex >= 0) return s;
    }
    if (first) return first;
    throw new DapRequestError(
      'stackTrace',
      `Delve found no goroutine with a readable stack in the core (stopped on ${stoppedId ?? 'no goroutine'}; ` +
        `it listed ${threads.length} thread(s)). A stripped executable (-ldflags=-s -w) has no DWARF for Delve to use.`,
    );
  }

  /** Ends the session: disconnects and stops Delve. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.dlv.dispose();
    return this.closing;
  }
}

/** Which goroutine Delve stopped on, in words: none when no goroutine was running (a deadlock's core). */
export function stoppedOn(e: DebugProtocol.StoppedEvent): string {
  const id = e.body.threadId;
  return id !== undefined && id > 0
    ? `stopped on goroutine ${id}`
    : 'stopped with no goroutine running (every goroutine was parked, as in a deadlock)';
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
