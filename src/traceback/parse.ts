// Parse the text a crashing Go program printed (its traceback) into a Traceback: header lines,
// goroutine blocks, `runtime stack:` sections and register dumps. Every input line becomes exactly
// one TracebackLine (unrecognised lines are kept as `other`); format.ts rebuilds the text.
// Never throws on any input; time and memory are linear in the input size.
import {
  MAX_LINE,
  UNAVAILABLE,
  parseCall,
  parseCreatedBy,
  parseElided,
  parseFatal,
  parseGoroutineHeader,
  parseLocation,
  parsePanic,
  parseRegister,
  parseRuntimeMessage,
  parseSignal,
  parseSignalPc,
  parseSignalTitle,
} from './lines.js';
import type {
  CrashKind,
  Frame,
  Goroutine,
  LocationLine,
  RegisterDump,
  RuntimeStack,
  Stack,
  Traceback,
  TracebackLine,
} from './types.js';

export type * from './types.js';
export { crashingGoroutine, originFrame, isRuntimeFunction } from './crash.js';
export { formatTraceback, formatLine } from './format.js';

/** Split text into lines and their terminators (`\n`, `\r\n`, or `` for the last line). */
export function splitLines(text: string): { lines: string[]; terminators: string[] } {
  const lines: string[] = [];
  const terminators: string[] = [];
  let pos = 0;
  for (;;) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) {
      lines.push(text.slice(pos));
      terminators.push('');
      break;
    }
    const cr = nl > pos && text[nl - 1] === '\r';
    lines.push(text.slice(pos, cr ? nl - 1 : nl));
    terminators.push(cr ? '\r\n' : '\n');
    pos = nl + 1;
  }
  return { lines, terminators };
}

function hex(s: string | undefined): bigint | undefined {
  return s === undefined ? undefined : BigInt(s);
}

/** A header-level line: anything outside a stack. */
function parseLoose(text: string, i: number): TracebackLine {
  if (text === '') return { kind: 'blank', line: i, text };
  if (text.length > MAX_LINE) return { kind: 'other', line: i, text };
  return (
    parsePanic(text, i) ??
    parseFatal(text, i) ??
    parseRuntimeMessage(text, i) ??
    parseSignal(text, i) ??
    parseSignalTitle(text, i) ??
    parseSignalPc(text, i) ??
    parseRegister(text, i) ??
    parseElided(text, i) ?? { kind: 'other', line: i, text }
  );
}

function frameOf(call: Frame['call']): Frame {
  return { call, func: call.func.value, inlined: call.inlined };
}

function attachLocation(frame: Frame, location: LocationLine): void {
  frame.location = location;
  frame.file = location.file.value;
  frame.lineNumber = location.lineNumber.value;
  const pc = hex(location.pc?.value);
  const sp = hex(location.sp?.value);
  const fp = hex(location.fp?.value);
  if (pc !== undefined) frame.pc = pc;
  if (sp !== undefined) frame.sp = sp;
  if (fp !== undefined) frame.fp = fp;
  if (location.offset) frame.offset = parseInt(location.offset.value, 16);
}

export function parseTraceback(text: string): Traceback {
  const split = splitLines(text);
  const tb: Traceback = {
    lines: [],
    terminators: split.terminators,
    panics: [],
    fatalErrors: [],
    runtimeMessages: [],
    goroutines: [],
    runtimeStacks: [],
    registerDumps: [],
    others: [],
    kind: 'unknown',
  };
  // The stack being read (a goroutine or a runtime stack), and what its last line was.
  let stack: (Goroutine | RuntimeStack) | undefined;
  let pending: 'frame' | 'createdBy' | undefined;
  let dump: RegisterDump | undefined;

  const endStack = (): void => {
    stack = undefined;
    pending = undefined;
  };

  for (let i = 0; i < split.lines.length; i++) {
    const s = split.lines[i]!;
    let out: TracebackLine | undefined;
    const long = s.length > MAX_LINE;

    const header = long ? undefined : parseGoroutineHeader(s, i);
    if (header) {
      const g: Goroutine = {
        header,
        id: header.id.value,
        status: header.status.value,
        lockedToThread: header.lockedToThread,
        items: [],
        frames: [],
        firstLine: i,
        lastLine: i,
      };
      if (header.waitMinutes) g.waitMinutes = header.waitMinutes.value;
      if (header.gp) g.gp = BigInt(header.gp.value);
      if (header.m) g.m = header.m.value === 'nil' ? null : Number(header.m.value);
      if (header.mp) g.mp = BigInt(header.mp.value);
      tb.goroutines.push(g);
      stack = g;
      pending = undefined;
      out = header;
    } else if (s === 'runtime stack:') {
      const line = { kind: 'runtimeStack' as const, line: i, text: s };
      const r: RuntimeStack = { header: line, items: [], frames: [], firstLine: i, lastLine: i };
      tb.runtimeStacks.push(r);
      stack = r;
      pending = undefined;
      out = line;
    } else if (stack && !long && s !== '') {
      out = readStackLine(stack, s, i);
      if (out) stack.lastLine = i;
    }
    if (!out) {
      out = parseLoose(s, i);
      // An unrecognised non-blank line inside a block (`signal arrived during cgo execution`, a
      // note of a newer runtime) stays in the block; anything else ends it.
      if (stack && out.kind === 'other' && s !== '') {
        stack.lastLine = i;
        pending = undefined;
      } else if (stack) endStack();
    }

    // Register dumps: a title and PC line, then (after a stack, usually) the registers.
    if (out.kind === 'signalTitle') {
      dump = { title: out, registers: [], firstLine: i, lastLine: i };
      tb.registerDumps.push(dump);
    } else if (out.kind === 'signalPc') {
      if (!dump || dump.pcLine || dump.registers.length) {
        dump = { registers: [], firstLine: i, lastLine: i };
        tb.registerDumps.push(dump);
      }
      dump.pcLine = out;
      dump.lastLine = i;
    } else if (out.kind === 'register') {
      const prev = tb.lines[i - 1];
      if (!dump || (prev?.kind !== 'register' && dump.registers.length > 0)) {
        dump = { registers: [], firstLine: i, lastLine: i };
        tb.registerDumps.push(dump);
      }
      dump.registers.push(out);
      dump.lastLine = i;
    }

    switch (out.kind) {
      case 'panic':
        tb.panics.push(out);
        break;
      case 'fatal':
        tb.fatalErrors.push(out);
        break;
      case 'runtime':
        tb.runtimeMessages.push(out);
        break;
      case 'signal':
        tb.signal ??= out;
        break;
      case 'other':
        tb.others.push(out);
        break;
      default:
        break;
    }
    tb.lines.push(out);
  }
  tb.kind = crashKind(tb);
  return tb;

  /** A line inside a stack, or undefined when it does not belong to the stack. */
  function readStackLine(st: Stack, s: string, i: number): TracebackLine | undefined {
    if (pending === 'frame' || pending === 'createdBy') {
      const location = parseLocation(s, i);
      if (location) {
        if (pending === 'frame') attachLocation(st.frames[st.frames.length - 1]!, location);
        else if (st.createdBy) st.createdBy.location = location;
        pending = undefined;
        return location;
      }
    }
    pending = undefined;
    const created = parseCreatedBy(s, i);
    if (created) {
      st.createdBy = { line: created };
      pending = 'createdBy';
      return created;
    }
    const elided = parseElided(s, i);
    if (elided) {
      st.items.push({ kind: 'elided', line: elided });
      return elided;
    }
    if (UNAVAILABLE.test(s)) {
      const line = { kind: 'unavailable' as const, line: i, text: s };
      st.items.push({ kind: 'unavailable', line });
      return line;
    }
    const call = parseCall(s, i);
    if (call) {
      const frame = frameOf(call);
      st.frames.push(frame);
      st.items.push({ kind: 'frame', frame });
      pending = 'frame';
      return call;
    }
    return undefined;
  }
}

function crashKind(tb: Traceback): CrashKind {
  if (tb.panics.length > 0) return 'panic';
  if (tb.fatalErrors.length > 0) return 'fatal';
  if (tb.signal) return 'signal';
  return 'unknown';
}
