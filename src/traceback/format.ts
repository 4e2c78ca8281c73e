// Rebuild traceback text from parsed lines. Each structured line is rebuilt from its parsed fields
// and the fixed words of the runtime's output (not copied from `text`), so that
// formatTraceback(parseTraceback(t)) === t proves the parser read every piece of every line.
import type { Located, RaceGoroutineRef, SignalField, Traceback, TracebackLine } from './types.js';

function gap(text: string, from: number, to: number): string {
  // Only whitespace may be taken from the original line (alignment padding).
  const s = text.slice(from, to);
  return /^\s*$/.test(s) ? s : '\u0000';
}

function fields(fs: SignalField[]): string {
  return fs.map((f) => ` ${f.key}=${f.value}`).join('');
}

function opt(prefix: string, v: Located<string> | undefined): string {
  return v ? prefix + v.value : '';
}

function raceGoroutine(g: RaceGoroutineRef): string {
  return g.main ? 'main goroutine' : `goroutine ${g.id}`;
}

/** The text of one parsed line, rebuilt from its fields. */
export function formatLine(l: TracebackLine): string {
  switch (l.kind) {
    case 'panic':
      return `${l.nested ? '\t' : ''}panic: ${l.message.value}${l.suffix?.value ?? ''}`;
    case 'fatal':
      return `fatal error: ${l.message.value}`;
    case 'runtime':
      return `runtime: ${l.message.value}`;
    case 'signal':
      return `[signal ${l.signal.value}: ${l.description.value}${fields(l.fields)}]`;
    case 'signalTitle':
      return `${l.signal.value}: ${l.description.value}`;
    case 'signalPc':
      return fields(l.fields).slice(1);
    case 'register':
      return l.name.value + gap(l.text, l.name.span.end, l.value.span.start) + l.value.value;
    case 'goroutine': {
      const h = l;
      // The bracketed items in printed order: status first, then the others by position.
      const items = [h.status, ...h.extra].map((x) => ({ start: x.span.start, text: x.value }));
      if (h.waitMinutes) {
        const n = h.waitMinutes.value;
        items.push({ start: h.waitMinutes.span.start, text: `${n} minute${n === 1 ? '' : 's'}` });
      }
      if (h.lockedToThread) {
        const at = h.state.value.indexOf('locked to thread');
        items.push({ start: h.state.span.start + at, text: 'locked to thread' });
      }
      items.sort((a, b) => a.start - b.start);
      return (
        `goroutine ${h.id.value}${opt(' gp=', h.gp)}${opt(' m=', h.m)}${opt(' mp=', h.mp)}` +
        ` [${items.map((x) => x.text).join(', ')}]:`
      );
    }
    case 'call':
      return `${l.indent ?? ''}${l.func.value}(${l.args.value})`;
    case 'location':
      return (
        `${l.indent}${l.file.value}:${l.lineNumber.value}${opt(' +', l.offset)}` +
        `${opt(' fp=', l.fp)}${opt(' sp=', l.sp)}${opt(' pc=', l.pc)}`
      );
    case 'createdBy':
      return `created by ${l.func.value}${l.goroutine ? ` in goroutine ${l.goroutine.value}` : ''}`;
    case 'elided':
      return l.count ? `...${l.count.value} frames elided...` : '...additional frames elided...';
    case 'runtimeStack':
      return 'runtime stack:';
    case 'raceBanner':
      return '==================';
    case 'raceWarning':
      return 'WARNING: DATA RACE';
    case 'raceAccess':
      return `${l.op.value} at ${l.address.value} by ${raceGoroutine(l.goroutine)}:`;
    case 'raceCreatedAt':
      return `Goroutine ${l.goroutine.value} (${l.state.value}) created at:`;
    case 'raceHeapBlock':
      return `Heap block of size ${l.size.value} at ${l.address.value} allocated by ${raceGoroutine(l.goroutine)}:`;
    case 'raceGlobal':
      return `Global var ${l.name.value} of size ${l.size.value} at ${l.address.value} declared at ${l.file.value}:${l.lineNumber.value}`;
    case 'raceNoStack':
      return '  [failed to restore the stack]';
    case 'raceFound':
      return `Found ${l.count.value} data race(s)`;
    case 'blank':
      return '';
    case 'unavailable':
    case 'other':
      return l.text;
  }
}

/** The whole text, rebuilt line by line with the original line terminators. */
export function formatTraceback(tb: Traceback): string {
  let out = '';
  for (let i = 0; i < tb.lines.length; i++) out += formatLine(tb.lines[i]!) + (tb.terminators[i] ?? '');
  return out;
}

/**
 * A frame as the runtime prints it in a traceback (src/runtime/traceback.go, printFuncName and
 * the `\tfile:line +0xoff` line): the engine's crash frames (ReportFrame) have this shape.
 */
export interface PrintableFrame {
  function: string;
  /** `` when unknown. */
  file: string;
  /** 0 when unknown. */
  line: number;
  inlined: boolean;
  /** Hex offset of pc in the physical function (`0x1d`); not printed for inlined frames. */
  offset: string;
}

/** The `created by` lines of a goroutine, as the runtime prints them after its frames. */
export interface PrintableCreator {
  function: string;
  file: string;
  line: number;
  offset: string;
  goroutine?: number | undefined;
}

/**
 * Frames as the Go runtime would print them, innermost first (for "Copy as Traceback Text"). With
 * `messages` the text starts with the crash's header lines and a blank line (as the runtime prints
 * a panic); with `creator` it ends with `created by …`. The result parses back with parse.ts.
 */
export function framesAsTraceback(
  frames: readonly PrintableFrame[],
  header?: string,
  more: { messages?: readonly string[]; creator?: PrintableCreator | undefined } = {},
): string {
  const lines: string[] = more.messages?.length ? [...more.messages, ''] : [];
  if (header) lines.push(header);
  for (const f of frames) {
    lines.push(`${f.function}(${f.inlined ? '...' : ''})`);
    const where = f.file ? `${f.file}:${f.line}` : '?';
    lines.push(`\t${where}${f.inlined ? '' : ` +${f.offset}`}`);
  }
  const c = more.creator;
  if (c) {
    lines.push(`created by ${c.function}${c.goroutine !== undefined ? ` in goroutine ${c.goroutine}` : ''}`);
    lines.push(`\t${c.file}:${c.line} +${c.offset}`);
  }
  return lines.join('\n') + '\n';
}
