// Typed errors of the Delve DAP client. Each says what failed and, where the user can act, what to do.
import { InspectorError } from '../core/errors.js';

/** The byte stream from Delve violated DAP framing (bad header, oversized message, bad JSON). */
export class DapFramingError extends InspectorError {
  override name = 'DapFramingError';
}

/** Delve answered a request with `success: false`. */
export class DapRequestError extends InspectorError {
  override name = 'DapRequestError';
  constructor(
    readonly command: string,
    /** Delve's own message (the response's `message`, or its body.error.format). */
    readonly delveMessage: string,
    /** The failed response as Delve sent it. */
    readonly response?: unknown,
  ) {
    super(`Delve failed the DAP '${command}' request: ${delveMessage}`);
  }
}

/** A request got no response within its timeout. */
export class DapTimeoutError extends InspectorError {
  override name = 'DapTimeoutError';
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`Delve did not answer the DAP '${command}' request within ${timeoutMs} ms`);
  }
}

/** The caller aborted the request (AbortSignal). */
export class DapCancelledError extends InspectorError {
  override name = 'DapCancelledError';
  constructor(readonly command: string) {
    super(`the DAP '${command}' request was cancelled`);
  }
}

/** The connection to Delve ended (Delve exited, crashed or was disposed) before a response came. */
export class DapClosedError extends InspectorError {
  override name = 'DapClosedError';
  constructor(
    readonly command: string | undefined,
    readonly reason: string,
  ) {
    super(
      command === undefined
        ? `the Delve session has ended: ${reason}`
        : `the DAP '${command}' request failed because the Delve session has ended: ${reason}`,
    );
  }
}

/** No usable Delve was found. The message says how to install one or point at one. */
export class DelveNotFoundError extends InspectorError {
  override name = 'DelveNotFoundError';
  constructor(
    /** The places that were searched, in order. */
    readonly searched: string[],
    detail?: string,
  ) {
    super(
      `Delve (dlv) was not found${detail ? ` (${detail})` : ''}. Install it with ` +
        '`go install github.com/go-delve/delve/cmd/dlv@latest` (it lands in $GOPATH/bin or ~/go/bin), ' +
        "or set 'goCoreInspector.dlvPath' (or 'goCoreInspector.dlvPaths' per Go version range, or vscode-go's 'go.alternateTools' entry for dlv) to its path. " +
        `Searched: ${searched.length ? searched.join(', ') : '(nothing)'}`,
    );
  }
}

/** Delve did not start: it exited early, did not listen or dial in in time, or could not be spawned. */
export class DelveStartError extends InspectorError {
  override name = 'DelveStartError';
  constructor(
    readonly dlvPath: string,
    detail: string,
    /** The last lines Delve printed on stderr/stdout. */
    readonly output: string[] = [],
  ) {
    super(
      `could not start Delve ${dlvPath}: ${detail}` + (output.length ? `\nDelve printed:\n${output.join('\n')}` : ''),
    );
  }
}

/** Opening a core through Delve failed (launch request refused, no stop, bad core or binary). */
export class CoreOpenError extends InspectorError {
  override name = 'CoreOpenError';
  constructor(
    readonly corePath: string,
    readonly programPath: string,
    detail: string,
    override readonly cause?: unknown,
  ) {
    super(`Delve could not open the core ${corePath} with the executable ${programPath}: ${detail}`);
  }
}
