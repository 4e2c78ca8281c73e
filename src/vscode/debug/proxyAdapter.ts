// The in-process debug adapter of a `go-core` debug session. It serves VS Code's Call Stack, Variables,
// Watch and Disassembly views over the Delve connection the extension already opened for the core, so
// the views and the debug session ask one Delve. The handshake requests (initialize, launch,
// configurationDone) are answered here, because Delve has already been initialised and launched on
// the core; every other request is forwarded with its own sequence number. `readMemory` is added
// from the engine where Delve lacks it: Delve before 1.26 does not implement it, and 1.26+ reads
// only the strings and slices it handed out a memoryReference for (service/dap/server.go
// referencesCollection); any other address (a register, the hex editor, a _panic field) is read
// from the core by our engine. Delve's Registers scope gets memoryReferences so the memory view opens on them.
import { existsSync } from 'node:fs';
import type { DebugProtocol } from '@vscode/debugprotocol';
import * as vscode from 'vscode';
import type { CrashSummary } from '../../analysis/crashSummary.js';
import type { CoreEngine } from '../../analysis/engine.js';
import { formatError } from '../../core/errors.js';
import { addressReadable, BREAKPOINTS_NEVER_HIT, CORE_CANNOT_RUN, deemphasizeAboveOrigin, exceptionInfo, originIndexIn, MemoryRequestError, readMemoryBody, RUN_REQUESTS, stoppedBody } from './coreRequests.js';
import type { CoreSession, SessionEndInfo } from '../../delve/coreSession.js';

/** Events of Delve's that must not reach VS Code a second time (they belong to our own handshake). */
const SWALLOWED_EVENTS = new Set(['initialized', 'stopped']);
/** How deep in a goroutine's stack the crash's origin is looked for (it sits below the signal and throw frames). */
const ORIGIN_SEARCH_FRAMES = 100;

export class ProxyDebugAdapter implements vscode.DebugAdapter {
  private readonly emitter = new vscode.EventEmitter<vscode.DebugProtocolMessage>();
  readonly onDidSendMessage = this.emitter.event;
  private seq = 1;
  private readonly subscriptions: { dispose(): void }[] = [];
  private ended = false;
  /** Delve ended before the handshake was over: `terminated` follows configurationDone instead of `stopped`. */
  private delveEnded = false;
  private handshakeDone = false;
  /** memoryReferences Delve handed out: readMemory on them goes to Delve (1.26+). */
  private readonly delveRefs = new Set<string>();
  /** Whether a frame's source path exists here (asked once per path). */
  private readonly sourceExists = new Map<string, boolean>();
  /** Per goroutine: where the crash's origin is in its stack (originAt). */
  private readonly originIndex = new Map<number, Promise<number>>();

  constructor(
    private readonly session: CoreSession,
    /** Called when VS Code ends the debug session (disconnect/terminate). */
    private readonly onDisconnect: () => void,
    /** The engine's crash summary of this core: the exception widget shows it. */
    private readonly crash?: CrashSummary,
    /** The engine of this core: readMemory where Delve cannot answer it. */
    private readonly engine?: CoreEngine,
  ) {
    const onEnded = ({ reason }: SessionEndInfo): void => {
      if (this.ended || this.delveEnded) return;
      this.delveEnded = true;
      this.event('output', { category: 'important', output: `Delve session ended: ${reason}\n` });
      // A `terminated` that VS Code gets before its handshake is over leaves the session hanging.
      if (this.handshakeDone) this.event('terminated', {});
    };
    session.on('ended', onEnded);
    this.subscriptions.push(
      session.client.onEvent((e) => {
        if (!SWALLOWED_EVENTS.has(e.event)) this.send({ ...e, seq: this.seq++ });
      }),
      { dispose: () => void session.off('ended', onEnded) },
    );
  }

  handleMessage(message: vscode.DebugProtocolMessage): void {
    const m = message as DebugProtocol.ProtocolMessage;
    if (m.type !== 'request') return;
    void this.handleRequest(m as DebugProtocol.Request);
  }

  private async handleRequest(req: DebugProtocol.Request): Promise<void> {
    switch (req.command) {
      case 'initialize':
        this.respond(req, {
          ...this.session.capabilities,
          supportsConfigurationDoneRequest: true,
          supportsExceptionInfoRequest: this.crash !== undefined || this.session.capabilities.supportsExceptionInfoRequest,
          supportsReadMemoryRequest: this.engine !== undefined || this.session.capabilities.supportsReadMemoryRequest,
          supportsStepBack: false,
          supportsRestartRequest: false,
          supportsGotoTargetsRequest: false,
          supportsRestartFrame: false,
        });
        this.event('initialized', {});
        return;
      case 'launch':
      case 'attach':
        this.respond(req, undefined);
        return;
      case 'configurationDone': {
        this.respond(req, undefined);
        this.handshakeDone = true;
        if (this.delveEnded) this.event('terminated', {});
        else this.event('stopped', stoppedBody(this.session.stoppedEvent.body, this.crash));
        return;
      }
      case 'exceptionInfo':
        if (this.crash) {
          this.respond(req, exceptionInfo(this.crash));
          return;
        }
        break;
      case 'setBreakpoints':
        // A core is a snapshot: nothing will ever run, so breakpoints are accepted and never verified.
        this.respond(req, {
          breakpoints: ((req.arguments as DebugProtocol.SetBreakpointsArguments).breakpoints ?? []).map(() => ({
            verified: false,
            message: BREAKPOINTS_NEVER_HIT,
          })),
        });
        return;
      case 'setExceptionBreakpoints':
      case 'setFunctionBreakpoints':
        this.respond(req, req.command === 'setFunctionBreakpoints' ? { breakpoints: [] } : undefined);
        return;
      case 'readMemory': {
        const args = req.arguments as DebugProtocol.ReadMemoryArguments;
        if (this.engine && !(this.session.capabilities.supportsReadMemoryRequest && this.delveRefs.has(args.memoryReference))) {
          try {
            this.respond(req, readMemoryBody(this.engine, args));
          } catch (e) {
            // A bad request (not an address, a negative count) or a read the core cannot answer:
            // either way VS Code gets an answer, never an unhandled rejection.
            const why = e instanceof MemoryRequestError ? e.message : formatError(e, 'editor');
            this.respondError(req, `Unable to read memory: ${why}`);
          }
          return;
        }
        break;
      }
      case 'disconnect':
      case 'terminate':
        this.ended = true;
        this.respond(req, undefined);
        // DAP: a terminated debuggee is announced after `terminate`; `disconnect` ends without it.
        if (req.command === 'terminate') this.event('terminated', {});
        this.onDisconnect();
        return;
    }
    if (this.ended) {
      // VS Code may still ask (the threads of the last stop) while it tears the session down.
      this.respondError(req, 'The debug session has ended.');
      return;
    }
    if (RUN_REQUESTS.has(req.command)) {
      this.respondError(req, CORE_CANNOT_RUN, true);
      return;
    }
    try {
      const res = await this.session.client.forward(req);
      if (res.success && (req.command === 'variables' || req.command === 'evaluate')) this.noteMemoryReferences(res);
      if (res.success && req.command === 'stackTrace') {
        this.deemphasizeMissingSources(res);
        const args = req.arguments as DebugProtocol.StackTraceArguments;
        const frames = (res.body as DebugProtocol.StackTraceResponse['body'] | undefined)?.stackFrames;
        if (frames) deemphasizeAboveOrigin(frames, await this.originAt(args.threadId), args.startFrame ?? 0);
      }
      const out: DebugProtocol.Response = { ...res, seq: this.seq++, request_seq: req.seq };
      this.send(out);
    } catch (err) {
      this.respondError(req, err instanceof Error ? err.message : String(err));
    }
  }

  /**
   * Where the crash's origin is in the crash goroutine's whole stack (-1: another goroutine, or not
   * found), asked of Delve once (VS Code pages the stack: its first page may hold only the top frame).
   */
  private originAt(threadId: number): Promise<number> {
    let at = this.originIndex.get(threadId);
    if (!at) {
      // Only the crash's goroutine holds the origin (Delve's thread ids are goroutine ids).
      const origin = this.crash && this.crash.goroutine === threadId ? this.crash.origin : null;
      at = origin
        ? this.session.stackTrace(threadId, { startFrame: 0, levels: ORIGIN_SEARCH_FRAMES }).then(
            (p) => originIndexIn(p.frames, origin),
            () => -1,
          )
        : Promise.resolve(-1);
      this.originIndex.set(threadId, at);
    }
    return at;
  }

  /**
   * A frame whose source file is not on this machine (cgo's generated `/tmp/go-build…/main.cgo2.c`,
   * a build machine's path) is deemphasized, so VS Code does not open it on the stop (a "file not
   * found" editor) but focuses the first frame it can show; the frame keeps its path and stays clickable.
   */
  private deemphasizeMissingSources(res: DebugProtocol.Response): void {
    const body = res.body as DebugProtocol.StackTraceResponse['body'] | undefined;
    for (const f of body?.stackFrames ?? []) {
      const path = f.source?.path;
      if (!f.source || !path || f.source.sourceReference) continue;
      let found = this.sourceExists.get(path);
      if (found === undefined) this.sourceExists.set(path, (found = existsSync(path)));
      if (!found) f.source.presentationHint = 'deemphasize';
    }
  }

  /**
   * Remembers the memoryReferences Delve handed out (its readMemory answers only those), and gives
   * a register of Delve's Registers scope (evaluateName `_RSP`, value `0x…`) that points into the
   * core a memoryReference our engine reads (the memory view opens on it).
   */
  private noteMemoryReferences(res: DebugProtocol.Response): void {
    const body = res.body as { variables?: DebugProtocol.Variable[]; memoryReference?: string } | undefined;
    if (body?.memoryReference) this.delveRefs.add(body.memoryReference);
    for (const v of body?.variables ?? []) {
      if (v.memoryReference) this.delveRefs.add(v.memoryReference);
      else if (this.engine && v.evaluateName?.startsWith('_') && /^0x[0-9a-f]+$/i.test(v.value) && addressReadable(this.engine, BigInt(v.value))) {
        v.memoryReference = v.value;
      }
    }
  }

  private respond(req: DebugProtocol.Request, body: unknown): void {
    const out: DebugProtocol.Response = {
      type: 'response',
      seq: this.seq++,
      request_seq: req.seq,
      command: req.command,
      success: true,
      body,
    };
    this.send(out);
  }

  private respondError(req: DebugProtocol.Request, message: string, showUser = false): void {
    const out: DebugProtocol.ErrorResponse = {
      type: 'response',
      seq: this.seq++,
      request_seq: req.seq,
      command: req.command,
      success: false,
      message,
      body: { error: { id: 1, format: message, showUser } },
    };
    this.send(out);
  }

  private event(event: string, body: unknown): void {
    const out: DebugProtocol.Event = { type: 'event', seq: this.seq++, event, body };
    this.send(out);
  }

  private send(m: DebugProtocol.ProtocolMessage): void {
    this.emitter.fire(m as vscode.DebugProtocolMessage);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.emitter.dispose();
  }
}
