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
  parseRaceFound,
  parseRegister,
  parseRuntimeMessage,
  parseSignal,
  parseSignalPc,
  parseSignalTitle,
} from './lines.js';
import { RaceReader } from './raceReader.js';
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
    parseElided(text, i) ??
    parseRaceFound(text, i) ?? { kind: 'other', line: i, text }
  );
}

function frameOf(call: Frame['call']): Frame {
  return { call, func: call.func.value, inlined: call.inlined };
}

/** A frame from its call line and, when printed, its location line. */
function frameOfLines(call: Frame['call'], location: LocationLine | undefined): Frame {
  return location ? frameWithLocation(call, location) : frameOf(call);
}

/** The frame of `call` with its location: one object literal per common layout (no property added later). */
function frameWithLocation(call: Frame['call'], location: LocationLine): Frame {
  const func = call.func.value;
  const inlined = call.inlined;
  const file = location.file.value;
  const lineNumber = location.lineNumber.value;
  const { offset, fp, sp, pc } = location;
  if (offset && fp && sp && pc) {
    return {
      call,
      func,
      inlined,
      location,
      file,
      lineNumber,
      pc: BigInt(pc.value),
      sp: BigInt(sp.value),
      fp: BigInt(fp.value),
      offset: parseInt(offset.value, 16),
    };
  }
  if (offset && !fp && !sp && !pc) {
    return { call, func, inlined, location, file, lineNumber, offset: parseInt(offset.value, 16) };
  }
  const frame: Frame = { call, func, inlined, location, file, lineNumber };
  const pcv = hex(pc?.value);
  const spv = hex(sp?.value);
  const fpv = hex(fp?.value);
  if (pcv !== undefined) frame.pc = pcv;
  if (spv !== undefined) frame.sp = spv;
  if (fpv !== undefined) frame.fp = fpv;
  if (offset) frame.offset = parseInt(offset.value, 16);
  return frame;
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
    races: [],
    others: [],
    kind: 'unknown',
  };
  // Race reports of -race builds (raceReader.ts): their lines are the reader's while one is open.
  const races = new RaceReader(split.lines, frameOfLines);
  // The stack being read (a goroutine or a runtime stack), and what its last line was.
  let stack: (Goroutine | RuntimeStack) | undefined;
  // What the next line must be to continue the last frame: its location line (already parsed when
  // the call line was read: the frame is built once, complete), or the `created by` location.
  let pending: LocationLine | 'createdBy' | undefined;
  let dump: RegisterDump | undefined;

  const endStack = (): void => {
    stack = undefined;
    pending = undefined;
  };

  for (let i = 0; i < split.lines.length; i++) {
    const s = split.lines[i]!;
    const long = s.length > MAX_LINE;
    let out: TracebackLine | undefined = long ? undefined : races.read(s, i);
    // A report opening inside a goroutine block ends the block.
    if (out && stack) endStack();

    const header = out || long ? undefined : parseGoroutineHeader(s, i);
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
    } else if (!out && s === 'runtime stack:') {
      const line = { kind: 'runtimeStack' as const, line: i, text: s };
      const r: RuntimeStack = { header: line, items: [], frames: [], firstLine: i, lastLine: i };
      tb.runtimeStacks.push(r);
      stack = r;
      pending = undefined;
      out = line;
    } else if (!out && stack && !long && s !== '') {
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
      case 'raceFound':
        tb.raceFound ??= out;
        break;
      case 'other': {
        tb.others.push(out);
        // `exit status N`: the go command's line after the program's output (cmd/go, run and test).
        const exit = /^exit status (\d+)$/.exec(out.text);
        if (exit) tb.exitStatus = { line: out, status: Number(exit[1]) };
        break;
      }
      default:
        break;
    }
    tb.lines.push(out);
  }
  tb.races = races.reports;
  tb.kind = crashKind(tb);
  return tb;

  /** A line inside a stack, or undefined when it does not belong to the stack. */
  function readStackLine(st: Stack, s: string, i: number): TracebackLine | undefined {
    const c0 = s.charCodeAt(0);
    const before = pending;
    pending = undefined;
    if (before === 'createdBy') {
      const location = parseLocation(s, i);
      if (location) {
        if (st.createdBy) st.createdBy.location = location;
        return location;
      }
    } else if (before?.line === i) {
      // The location line read with the call line before it.
      return before;
    }
    const created = c0 === 99 /* c */ ? parseCreatedBy(s, i) : undefined;
    if (created) {
      st.createdBy = { line: created };
      pending = 'createdBy';
      return created;
    }
    const elided = c0 === 46 /* . */ ? parseElided(s, i) : undefined;
    if (elided) {
      st.items.push({ kind: 'elided', line: elided });
      return elided;
    }
    if ((c0 <= 32 || c0 > 127) && UNAVAILABLE.test(s)) {
      const line = { kind: 'unavailable' as const, line: i, text: s };
      st.items.push({ kind: 'unavailable', line });
      return line;
    }
    const call = parseCall(s, i);
    if (call) {
      // Look ahead: the frame's location line, when it follows, is parsed now so that the frame is
      // built once, complete (the line itself is returned as this location when it is reached).
      const next = split.lines[i + 1];
      const location = next !== undefined && next.length <= MAX_LINE ? parseLocation(next, i + 1) : undefined;
      const frame = location ? frameWithLocation(call, location) : frameOf(call);
      st.frames.push(frame);
      st.items.push({ kind: 'frame', frame });
      pending = location;
      return call;
    }
    return undefined;
  }
}

function crashKind(tb: Traceback): CrashKind {
  if (tb.panics.length > 0) return 'panic';
  if (tb.fatalErrors.length > 0) return 'fatal error';
  if (tb.signal) return 'signal';
  // A fault outside Go code or on g0 (Go 1.21+): the log starts with `SIGSEGV: segmentation
  // violation` and `PC=… m=… sigcode=… addr=…` (signal_unix.go sighandler → dieFromSignal path).
  // It precedes every goroutine block (a register dump after a goroutine belongs to another thread).
  const first = tb.registerDumps[0];
  const firstGoroutine = tb.goroutines[0]?.header.line ?? Infinity;
  if (first?.title && first.firstLine < firstGoroutine) return 'signal';
  return 'unknown';
}
