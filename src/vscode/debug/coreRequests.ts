// What every debug session on a core answers the same way, whichever adapter serves it (Delve behind
// our proxy, or our own engine adapter): a core never runs, breakpoints never hit, the exception
// is the crash the engine read, and `readMemory` reads the core by address.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { CrashSummary } from '../../analysis/crashSummary.js';
import { readMemoryRange, type MemoryRange } from '../../analysis/debugTargets.js';
import type { CoreEngine } from '../../analysis/engine.js';

/**
 * Requests that would run the process. A core never runs: they are answered with an error (for
 * Delve, before they reach it: its "can not continue execution of core process" would replace the
 * panic in VS Code's exception widget).
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
export const BREAKPOINTS_NEVER_HIT = 'A core dump does not run; breakpoints never hit.';

/** The exceptionInfo answer: the crash kind and the messages the runtime printed (from the engine). */
/** Delve may print a package by its last path element (`sync.(*Mutex).unlockSlow` for internal/sync's). */
function shortName(name: string): string {
  const end = name.search(/[([]/);
  const head = end < 0 ? name : name.slice(0, end);
  return name.slice(head.lastIndexOf('/') + 1);
}

/** The index of the crash's origin among a stack's frames (matched by line and function), or -1. */
export function originIndexIn(frames: readonly DebugProtocol.StackFrame[], origin: { function: string; line: number } | null | undefined): number {
  if (!origin) return -1;
  const want = shortName(origin.function);
  return frames.findIndex((f) => f.line === origin.line && shortName(f.name) === want);
}

/**
 * Dims the frames above the crash's origin (`originAt`: its index in the whole stack; frames of a
 * page starting at `startFrame`): VS Code focuses the first frame neither it nor its source marks
 * deemphasized or subtle, so it opens the origin's line (the frame Panic Frames marks), not the
 * runtime's signal or throw code. The frames stay listed and clickable.
 */
export function deemphasizeAboveOrigin(frames: DebugProtocol.StackFrame[], originAt: number, startFrame = 0): void {
  for (let i = 0; i < frames.length && startFrame + i < originAt; i++) {
    const f = frames[i]!;
    f.presentationHint = 'subtle';
    if (f.source) f.source.presentationHint = 'deemphasize';
  }
}

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
 * The stopped event VS Code gets: the adapter's goroutine, with the crash in place of its own text.
 * Delve stops a core with reason `exception` and the text of its own failed `continue` ("can not
 * continue execution of core process"), which VS Code shows in the Call Stack and the exception widget.
 */
export function stoppedBody(
  base: DebugProtocol.StoppedEvent['body'],
  crash: CrashSummary | undefined,
): DebugProtocol.StoppedEvent['body'] {
  if (!crash) return { ...base, allThreadsStopped: true };
  const info = exceptionInfo(crash);
  return { ...base, reason: 'exception', description: `Paused on ${crash.kind}`, text: info.description ?? crash.kind, allThreadsStopped: true };
}

/** A memoryReference as an address: `0x…` hex (what we hand out) or decimal. Undefined when it is neither. */
export function referenceAddress(ref: string): bigint | undefined {
  const s = ref.trim();
  if (/^0x[0-9a-f]+$/i.test(s)) return BigInt(s);
  if (/^[0-9]+$/.test(s)) return BigInt(s);
  return undefined;
}

export class MemoryRequestError extends Error {}

/** Whether the core holds the byte at an address (a variable showing it gets a memoryReference). */
export function addressReadable(engine: CoreEngine, address: bigint): boolean {
  return address > 0n && address < 2n ** 64n && readMemoryRange(engine, address, 1).data.length === 1;
}

/** The answer to DAP readMemory from the core (base64 of the readable prefix, the rest counted unreadable). */
export function readMemoryBody(engine: CoreEngine, args: DebugProtocol.ReadMemoryArguments): DebugProtocol.ReadMemoryResponse['body'] {
  const base = referenceAddress(args.memoryReference);
  if (base === undefined) throw new MemoryRequestError(`memoryReference ${JSON.stringify(args.memoryReference)} is not an address`);
  if (args.count < 0) throw new MemoryRequestError('negative count');
  const address = base + BigInt(args.offset ?? 0);
  if (address < 0n || address >= 2n ** 64n) throw new MemoryRequestError(`address ${address} is outside the 64-bit address space`);
  const r: MemoryRange = readMemoryRange(engine, address, args.count);
  return {
    address: '0x' + r.address.toString(16),
    ...(r.data.length ? { data: r.data.toString('base64') } : { data: '' }),
    ...(r.unreadableBytes ? { unreadableBytes: r.unreadableBytes } : {}),
  };
}
