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

const GOROUTINE = /^goroutine (\d+)(?: gp=(0x[0-9a-f]+))?(?: m=(\d+|nil))?(?: mp=(0x[0-9a-f]+))?( )\[([^\]]*)\]:$/d;
export function parseGoroutineHeader(text: string, line: number): GoroutineHeaderLine | undefined {
  const m = GOROUTINE.exec(text);
  if (!m) return undefined;
  const state = loc(m, 6)!;
  const items: Located<string>[] = [];
  let pos = state.span.start;
  for (const part of state.value.split(', ')) {
    items.push(at(part, pos, part.length));
    pos += part.length + 2;
  }
  const status = items[0]!;
  let waitMinutes: Located<number> | undefined;
  let lockedToThread = false;
  const extra: Located<string>[] = [];
  for (const it of items.slice(1)) {
    const mm = /^(\d+) minutes?$/.exec(it.value);
    if (mm && !waitMinutes) waitMinutes = { value: Number(mm[1]), span: it.span };
    else if (it.value === 'locked to thread') lockedToThread = true;
    else extra.push(it);
  }
  const gp = loc(m, 2);
  const mm = loc(m, 3);
  const mp = loc(m, 4);
  return {
    kind: 'goroutine',
    line,
    text,
    id: { value: Number(m[1]), span: idx(m, 1) },
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
  if (text.length < 3 || !text.endsWith(')') || /^\s/.test(text)) return undefined;
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

const LOCATION =
  /^(\s+)(.*):(\d+)(?: \+(0x[0-9a-f]+))?(?: fp=(0x[0-9a-f]+))?(?: sp=(0x[0-9a-f]+))?(?: pc=(0x[0-9a-f]+))?$/;
export function parseLocation(text: string, line: number): LocationLine | undefined {
  // The most frequent line: spans are computed from the fixed layout (no `d` flag, less garbage).
  const m = LOCATION.exec(text);
  if (!m || m[2] === '') return undefined;
  const indent = m[1]!;
  const file = at(m[2]!, indent.length, m[2]!.length);
  const lineNumber = at(Number(m[3]), file.span.end + 1, m[3]!.length);
  const out: LocationLine = { kind: 'location', line, text, indent, file, lineNumber };
  let pos = lineNumber.span.end;
  const names = ['offset', 'fp', 'sp', 'pc'] as const;
  const prefixes = [' +', ' fp=', ' sp=', ' pc='];
  for (let k = 0; k < 4; k++) {
    const v = m[4 + k];
    if (v === undefined) continue;
    pos += prefixes[k]!.length;
    out[names[k]!] = at(v, pos, v.length);
    pos += v.length;
  }
  return out;
}

const CREATED_BY = /^created by (\S+?)(?: in goroutine (\d+))?$/d;
export function parseCreatedBy(text: string, line: number): CreatedByLine | undefined {
  const m = CREATED_BY.exec(text);
  if (!m) return undefined;
  return {
    kind: 'createdBy',
    line,
    text,
    func: loc(m, 1)!,
    ...(m[2] !== undefined ? { goroutine: { value: Number(m[2]), span: idx(m, 2) } } : {}),
  };
}

const ELIDED = /^\.\.\.(?:additional|(\d+)) frames elided\.\.\.$/d;
export function parseElided(text: string, line: number): ElidedLine | undefined {
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
