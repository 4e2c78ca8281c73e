// Line grammar of Go tracebacks: one recogniser per line kind. Each returns the parsed line or
// undefined. Recognisers never backtrack more than linearly: lines longer than MAX_LINE are not
// parsed (they become `other` lines).
import type {
  CallLine,
  CreatedByLine,
  ElidedLine,
  FatalErrorLine,
  GoroutineHeaderLine,
  Located,
  LocationLine,
  PanicLine,
  RaceAccessLine,
  RaceCreatedAtLine,
  RaceFoundLine,
  RaceGlobalLine,
  RaceGoroutineRef,
  RaceHeapBlockLine,
  RegisterLine,
  RuntimeMessageLine,
  SignalField,
  SignalLine,
  SignalPcLine,
  SignalTitleLine,
  Span,
} from './types.js';

/** Longer lines are kept as `other` lines without trying the grammar. */
export const MAX_LINE = 65536;

function at<T>(value: T, start: number, length: number): Located<T> {
  return { value, span: { start, end: start + length } };
}

/** The offset of capture group `g` in a match made with the `d` flag. */
function idx(m: RegExpExecArray, g: number): Span {
  const r = m.indices?.[g];
  if (!r) throw new Error(`internal: group ${g} did not participate`);
  return { start: r[0], end: r[1] };
}

function loc(m: RegExpExecArray, g: number): Located<string> | undefined {
  if (m[g] === undefined) return undefined;
  return { value: m[g], span: idx(m, g) };
}

const PANIC = /^(\t?)panic: (.*?)( \[(recovered[^\]]*)\])?$/d;
export function parsePanic(text: string, line: number): PanicLine | undefined {
  const m = PANIC.exec(text);
  if (!m) return undefined;
  const suffix = loc(m, 3);
  const inside = m[4] ?? '';
  return {
    kind: 'panic',
    line,
    text,
    nested: m[1] === '\t',
    message: loc(m, 2)!,
    ...(suffix ? { suffix } : {}),
    recovered: inside.startsWith('recovered'),
    repanicked: /\brepanicked\b/.test(inside),
  };
}

const FATAL = /^fatal error: (.*)$/d;
export function parseFatal(text: string, line: number): FatalErrorLine | undefined {
  const m = FATAL.exec(text);
  return m ? { kind: 'fatal', line, text, message: loc(m, 1)! } : undefined;
}

const RUNTIME = /^runtime: (.*)$/d;
export function parseRuntimeMessage(text: string, line: number): RuntimeMessageLine | undefined {
  const m = RUNTIME.exec(text);
  return m ? { kind: 'runtime', line, text, message: loc(m, 1)! } : undefined;
}

/** ` key=value key=value` at `start` of `text` (each preceded by one space). */
function parseFields(text: string, start: number): SignalField[] | undefined {
  const fields: SignalField[] = [];
  const re = / ([A-Za-z]+)=([^ =]+)/gy;
  re.lastIndex = start;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const vstart = m.index + 2 + m[1]!.length;
    fields.push({ key: m[1]!, value: m[2]!, span: { start: m.index + 1, end: vstart + m[2]!.length } });
    if (re.lastIndex === text.length) break;
  }
  const end = fields.length ? fields[fields.length - 1]!.span.end : start;
  return end === text.length ? fields : undefined;
}

const SIGNAL = /^\[signal ([^:\]]+): ([^\]]*?)((?: [a-z]+=0x[0-9a-f]+)*)\]$/d;
export function parseSignal(text: string, line: number): SignalLine | undefined {
  const m = SIGNAL.exec(text);
  if (!m) return undefined;
  const fieldsSpan = idx(m, 3);
  const fields = parseFields(text.slice(0, fieldsSpan.end), fieldsSpan.start);
  if (!fields) return undefined;
  return { kind: 'signal', line, text, signal: loc(m, 1)!, description: loc(m, 2)!, fields };
}

const SIGNAL_TITLE = /^(SIG[A-Z0-9]+): (.+)$/d;
export function parseSignalTitle(text: string, line: number): SignalTitleLine | undefined {
  const m = SIGNAL_TITLE.exec(text);
  return m ? { kind: 'signalTitle', line, text, signal: loc(m, 1)!, description: loc(m, 2)! } : undefined;
}

export function parseSignalPc(text: string, line: number): SignalPcLine | undefined {
  if (!/^PC=0x[0-9a-f]+/.test(text)) return undefined;
  const fields = parseFields(' ' + text, 0);
  if (!fields) return undefined;
  // Shift spans back by the space added in front.
  for (const f of fields) f.span = { start: f.span.start - 1, end: f.span.end - 1 };
  return { kind: 'signalPc', line, text, fields };
}

const REGISTER = /^([a-z][a-z0-9]{0,7})( +)(0x[0-9a-f]+)$/d;
export function parseRegister(text: string, line: number): RegisterLine | undefined {
  const m = REGISTER.exec(text);
  return m ? { kind: 'register', line, text, name: loc(m, 1)!, value: loc(m, 3)! } : undefined;
}

const GOROUTINE = /^goroutine (\d+)(?: gp=(0x[0-9a-f]+))?(?: m=(\d+|nil))?(?: mp=(0x[0-9a-f]+))?( )\[([^\]]*)\]:$/;
export function parseGoroutineHeader(text: string, line: number): GoroutineHeaderLine | undefined {
  if (!text.startsWith('goroutine ')) return undefined;
  const m = GOROUTINE.exec(text);
  if (!m) return undefined;
  // Spans from the fixed layout (no `d` flag: one header per goroutine, 10,000s in a large log).
  let pos = 'goroutine '.length;
  const id: Located<number> = { value: Number(m[1]), span: { start: pos, end: pos + m[1]!.length } };
  pos = id.span.end;
  const field = (prefix: string, v: string | undefined): Located<string> | undefined => {
    if (v === undefined) return undefined;
    pos += prefix.length;
    const out = at(v, pos, v.length);
    pos += v.length;
    return out;
  };
  const gp = field(' gp=', m[2]);
  const mm = field(' m=', m[3]);
  const mp = field(' mp=', m[4]);
  const state = at(m[6]!, pos + 2, m[6]!.length);
  const items: Located<string>[] = [];
  let itemPos = state.span.start;
  for (const part of state.value.split(', ')) {
    items.push(at(part, itemPos, part.length));
    itemPos += part.length + 2;
  }
  const status = items[0]!;
  let waitMinutes: Located<number> | undefined;
  let lockedToThread = false;
  const extra: Located<string>[] = [];
  for (const it of items.slice(1)) {
    const minutes = /^(\d+) minutes?$/.exec(it.value);
    if (minutes && !waitMinutes) waitMinutes = { value: Number(minutes[1]), span: it.span };
    else if (it.value === 'locked to thread') lockedToThread = true;
    else extra.push(it);
  }
  return {
    kind: 'goroutine',
    line,
    text,
    id,
    ...(gp ? { gp } : {}),
    ...(mm ? { m: mm } : {}),
    ...(mp ? { mp } : {}),
    state,
    status,
    ...(waitMinutes ? { waitMinutes } : {}),
    lockedToThread,
    extra,
  };
}

/**
 * `func(args)`: the function name is everything before the parenthesis that matches the final
 * one (function names contain parentheses, `main.(*T).M`, and brackets, `main.F[...]`).
 */
export function parseCall(text: string, line: number): CallLine | undefined {
  if (text.length < 3 || text.charCodeAt(text.length - 1) !== 41 || isSpaceCode(text.charCodeAt(0))) return undefined;
  let depth = 0;
  let open = -1;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text[i];
    if (c === ')') depth++;
    else if (c === '(') {
      depth--;
      if (depth === 0) {
        open = i;
        break;
      }
    }
  }
  if (open <= 0) return undefined;
  const func = text.slice(0, open);
  // A Go symbol: no spaces (closures, receivers, generics and import paths have none).
  if (/\s/.test(func)) return undefined;
  const args = text.slice(open + 1, text.length - 1);
  return {
    kind: 'call',
    line,
    text,
    func: at(func, 0, func.length),
    args: at(args, open + 1, args.length),
    inlined: args === '...',
  };
}

/** `\s` of a regular expression, for one character code. */
function isSpaceCode(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return /\s/.test(String.fromCharCode(c));
}

const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

/** End of a `0x[0-9a-f]+` starting at `p`, or -1. */
function hexEnd(text: string, p: number): number {
  if (text.charCodeAt(p) !== 48 || text.charCodeAt(p + 1) !== 120) return -1;
  let q = p + 2;
  for (;;) {
    const c = text.charCodeAt(q);
    if ((c >= 48 && c <= 57) || (c >= 97 && c <= 102)) q++;
    else break;
  }
  return q > p + 2 ? q : -1;
}

/** The value of ` <prefix>0x...` at `p` (prefix includes the space), or undefined. */
function hexField(text: string, p: number, prefix: string): Located<string> | undefined {
  if (!text.startsWith(prefix, p)) return undefined;
  const start = p + prefix.length;
  const end = hexEnd(text, start);
  return end < 0 ? undefined : { value: text.slice(start, end), span: { start, end } };
}

/**
 * `\t/path/file.go:123 +0x1f fp=0x.. sp=0x.. pc=0x..`: what
 * `/^(\s+)(.*):(\d+)(?: \+(0x[0-9a-f]+))?(?: fp=(0x[0-9a-f]+))?(?: sp=(0x[0-9a-f]+))?(?: pc=(0x[0-9a-f]+))?$/`
 * matches (with a non-empty path), read by hand: the most frequent line, so no match arrays.
 */
export function parseLocation(text: string, line: number): LocationLine | undefined {
  let p = 0;
  while (p < text.length && isSpaceCode(text.charCodeAt(p))) p++;
  if (p === 0) return undefined;
  // The suffix holds no colon: only the last colon can end the path.
  const colon = text.lastIndexOf(':');
  if (colon <= p) return undefined;
  // `.` of the path does not match line terminators.
  if (LINE_TERMINATOR.test(text)) {
    const t = text.slice(p, colon);
    if (LINE_TERMINATOR.test(t)) return undefined;
  }
  let q = colon + 1;
  let n = 0;
  while (q < text.length) {
    const c = text.charCodeAt(q);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    q++;
  }
  const digits = q - colon - 1;
  if (digits === 0) return undefined;
  if (digits > 15) n = Number(text.slice(colon + 1, q));
  const lineNumber: Located<number> = { value: n, span: { start: colon + 1, end: q } };
  const offset = hexField(text, q, ' +');
  if (offset) q = offset.span.end;
  const fp = hexField(text, q, ' fp=');
  if (fp) q = fp.span.end;
  const sp = hexField(text, q, ' sp=');
  if (sp) q = sp.span.end;
  const pc = hexField(text, q, ' pc=');
  if (pc) q = pc.span.end;
  if (q !== text.length) return undefined;
  const indent = text.slice(0, p);
  const file: Located<string> = { value: text.slice(p, colon), span: { start: p, end: colon } };
  // One literal per common layout (all pieces, offset only, none): no property added later.
  if (offset && fp && sp && pc) return { kind: 'location', line, text, indent, file, lineNumber, offset, fp, sp, pc };
  if (offset && !fp && !sp && !pc) return { kind: 'location', line, text, indent, file, lineNumber, offset };
  const out: LocationLine = { kind: 'location', line, text, indent, file, lineNumber };
  if (offset) out.offset = offset;
  if (fp) out.fp = fp;
  if (sp) out.sp = sp;
  if (pc) out.pc = pc;
  return out;
}

const CREATED_BY = /^created by (\S+?)(?: in goroutine (\d+))?$/;
export function parseCreatedBy(text: string, line: number): CreatedByLine | undefined {
  if (!text.startsWith('created by ')) return undefined;
  const m = CREATED_BY.exec(text);
  if (!m) return undefined;
  const start = 'created by '.length;
  const func = at(m[1]!, start, m[1]!.length);
  if (m[2] === undefined) return { kind: 'createdBy', line, text, func };
  const g = func.span.end + ' in goroutine '.length;
  return { kind: 'createdBy', line, text, func, goroutine: at(Number(m[2]), g, m[2].length) };
}

const ELIDED = /^\.\.\.(?:additional|(\d+)) frames elided\.\.\.$/d;
export function parseElided(text: string, line: number): ElidedLine | undefined {
  if (!text.startsWith('...')) return undefined;
  const m = ELIDED.exec(text);
  if (!m) return undefined;
  return {
    kind: 'elided',
    line,
    text,
    ...(m[1] !== undefined ? { count: { value: Number(m[1]), span: idx(m, 1) } } : {}),
  };
}

export const UNAVAILABLE = /^\s+goroutine running on other thread; stack unavailable$/;

// Race reports (types.ts, after RaceBannerLine, gives the format and its source).

/** The line that opens and closes a race report (TSan's PrintReport). */
export const RACE_BANNER = '==================';
export const RACE_WARNING = 'WARNING: DATA RACE';
export const RACE_NO_STACK = '  [failed to restore the stack]';

/** `main goroutine` (group `main`) or `goroutine N` (group `id`). */
function goroutineRef(m: RegExpExecArray, main: number, id: number): RaceGoroutineRef {
  if (m[main] !== undefined) return { id: 1, main: true, span: idx(m, main) };
  const s = idx(m, id);
  return { id: Number(m[id]), main: false, span: { start: s.start - 'goroutine '.length, end: s.end } };
}

const RACE_ACCESS = /^(Read|Write|Previous read|Previous write) at (0x[0-9a-f]+) by (?:(main goroutine)|goroutine (\d+)):$/d;
export function parseRaceAccess(text: string, line: number): RaceAccessLine | undefined {
  const m = RACE_ACCESS.exec(text);
  if (!m) return undefined;
  const op = loc(m, 1)!;
  return {
    kind: 'raceAccess',
    line,
    text,
    op,
    write: op.value.endsWith('rite'),
    previous: op.value.startsWith('Previous'),
    address: loc(m, 2)!,
    goroutine: goroutineRef(m, 3, 4),
  };
}

const RACE_CREATED = /^Goroutine (\d+) \((running|finished)\) created at:$/d;
export function parseRaceCreatedAt(text: string, line: number): RaceCreatedAtLine | undefined {
  const m = RACE_CREATED.exec(text);
  if (!m) return undefined;
  return { kind: 'raceCreatedAt', line, text, goroutine: { value: Number(m[1]), span: idx(m, 1) }, state: loc(m, 2)! };
}

const RACE_HEAP = /^Heap block of size (\d+) at (0x[0-9a-f]+) allocated by (?:(main goroutine)|goroutine (\d+)):$/d;
export function parseRaceHeapBlock(text: string, line: number): RaceHeapBlockLine | undefined {
  const m = RACE_HEAP.exec(text);
  if (!m) return undefined;
  return {
    kind: 'raceHeapBlock',
    line,
    text,
    size: { value: Number(m[1]), span: idx(m, 1) },
    address: loc(m, 2)!,
    goroutine: goroutineRef(m, 3, 4),
  };
}

const RACE_GLOBAL = /^Global var (\S+) of size (\d+) at (0x[0-9a-f]+) declared at (.+):(\d+)$/d;
export function parseRaceGlobal(text: string, line: number): RaceGlobalLine | undefined {
  const m = RACE_GLOBAL.exec(text);
  if (!m) return undefined;
  return {
    kind: 'raceGlobal',
    line,
    text,
    name: loc(m, 1)!,
    size: { value: Number(m[2]), span: idx(m, 2) },
    address: loc(m, 3)!,
    file: loc(m, 4)!,
    lineNumber: { value: Number(m[5]), span: idx(m, 5) },
  };
}

const RACE_FOUND = /^Found (\d+) data race\(s\)$/d;
export function parseRaceFound(text: string, line: number): RaceFoundLine | undefined {
  if (!text.startsWith('Found ')) return undefined;
  const m = RACE_FOUND.exec(text);
  return m ? { kind: 'raceFound', line, text, count: { value: Number(m[1]), span: idx(m, 1) } } : undefined;
}

/** A race report's frame line: `  main.f()`, two spaces then a call (TSan's PrintStack). */
export function parseRaceCall(text: string, line: number): CallLine | undefined {
  if (!text.startsWith('  ') || isSpaceCode(text.charCodeAt(2))) return undefined;
  const c = parseCall(text.slice(2), line);
  if (!c) return undefined;
  const shift = (l: Located<string>): Located<string> => ({ value: l.value, span: { start: l.span.start + 2, end: l.span.end + 2 } });
  return { kind: 'call', line, text, indent: '  ', func: shift(c.func), args: shift(c.args), inlined: c.inlined };
}
