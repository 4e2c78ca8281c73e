// The in-process debug adapter of a `go-core` debug session. It serves VS Code's Call Stack, Variables,
// Watch and Disassembly views over the Delve connection the extension already opened for the core, so
// the views and the debug session ask one Delve. The handshake requests (initialize, launch,
// configurationDone) are answered here, because Delve has already been initialised and launched on
// the core; every other request is forwarded with its own sequence number.
import type { DebugProtocol } from '@vscode/debugprotocol';
import * as vscode from 'vscode';
import type { CrashSummary } from '../../analysis/crashSummary.js';
import type { CoreSession, SessionEndInfo } from '../../delve/coreSession.js';

/** Events of Delve's that must not reach VS Code a second time (they belong to our own handshake). */
const SWALLOWED_EVENTS = new Set(['initialized', 'stopped']);

/**
 * Requests that would run the process. A core never runs: they are answered here with an error and
 * never reach Delve (whose "can not continue execution of core process" would replace the panic in
 * VS Code's exception widget).
 */
export const RUN_REQUESTS = new Set([
  'continue',
  'next',
  'stepIn',
  'stepOut',
  'stepBack',
  'reverseContinue',
  'pause',
  'restart',
  'restartFrame',
  'goto',
]);

export const CORE_CANNOT_RUN = 'A core cannot run: it is a snapshot of the process when it crashed.';

/** The exceptionInfo answer: the crash kind and the messages the runtime printed (from the engine). */
export function exceptionInfo(crash: CrashSummary): DebugProtocol.ExceptionInfoResponse['body'] {
  const messages = crash.messages.length ? crash.messages : [crash.kind === 'signal' && crash.signal ? `signal ${crash.signal.name}` : crash.kind];
  return {
    exceptionId: crash.kind,
    description: messages.join('\n'),
    breakMode: 'unhandled',
    details: {
      message: messages.join('\n'),
      typeName: crash.panics[0]?.type ?? crash.kind,
      ...(crash.signal ? { fullTypeName: `signal ${crash.signal.name} addr=${crash.signal.address} pc=${crash.signal.pc}` } : {}),
    },
  };
}

/**
 * The stopped event VS Code gets: Delve's goroutine, with the crash in place of Delve's text. Delve
 * stops a core with reason `exception` and the text of its own failed `continue` ("can not continue
 * execution of core process"), which VS Code shows in the Call Stack and the exception widget.
 */
export function stoppedBody(
  delve: DebugProtocol.StoppedEvent['body'],
  crash: CrashSummary | undefined,
): DebugProtocol.StoppedEvent['body'] {
  if (!crash) return { ...delve, allThreadsStopped: true };
  const info = exceptionInfo(crash);
  return { ...delve, reason: 'exception', description: `Paused on ${crash.kind}`, text: info.description ?? crash.kind, allThreadsStopped: true };
}

export class ProxyDebugAdapter implements vscode.DebugAdapter {
  private readonly emitter = new vscode.EventEmitter<vscode.DebugProtocolMessage>();
  readonly onDidSendMessage = this.emitter.event;
  private seq = 1;
  private readonly subscriptions: { dispose(): void }[] = [];
  private ended = false;
  /** Delve ended before the handshake was over: `terminated` follows configurationDone instead of `stopped`. */
  private delveEnded = false;
  private handshakeDone = false;

  constructor(
    private readonly session: CoreSession,
    /** Called when VS Code ends the debug session (disconnect/terminate). */
    private readonly onDisconnect: () => void,
    /** The engine's crash summary of this core: the exception widget shows it. */
    private readonly crash?: CrashSummary,
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
            message: 'A core dump does not run; breakpoints never hit.',
          })),
        });
        return;
      case 'setExceptionBreakpoints':
      case 'setFunctionBreakpoints':
        this.respond(req, req.command === 'setFunctionBreakpoints' ? { breakpoints: [] } : undefined);
        return;
      case 'disconnect':
      case 'terminate':
        this.ended = true;
        this.respond(req, undefined);
        this.onDisconnect();
        return;
    }
    if (RUN_REQUESTS.has(req.command)) {
      this.respondError(req, CORE_CANNOT_RUN, true);
      return;
    }
    try {
      const res = await this.session.client.forward(req);
      const out: DebugProtocol.Response = { ...res, seq: this.seq++, request_seq: req.seq };
      this.send(out);
    } catch (err) {
      this.respondError(req, err instanceof Error ? err.message : String(err));
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
