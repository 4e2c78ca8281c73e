// The go-traceback TextMate grammar on the tracebacks the runtime printed for every generated crash
// fixture (every provisioned Go version), tokenized with the engine VS Code uses
// (test/support/tracebackGrammar.ts). Each line is checked against what the traceback parser says
// it is: goroutine headers, frames (function name range), source lines (path, line, offset,
// pc/sp/fp), created-by lines and the crash header. Expected ranges come from the parser and from
// the line text itself, never from values written here. (The 10,000-goroutine traceback: its
// first 20,000 lines.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTraceback } from '../../src/traceback/parse.js';
import type { Located, SignalField, Span, Traceback } from '../../src/traceback/types.js';
import { listFixtures, provisionedGoVersions } from '../support/fixtures.js';
import { tokenizeText, type LineToken } from '../support/tracebackGrammar.js';

/** A scope name matches when it equals `want` or extends it (`want.go-traceback`, `want.more`). */
function hasScope(scopes: string[], want: string): boolean {
  return scopes.some((s) => s === want || s.startsWith(want + '.'));
}

class LineChecker {
  checks = 0;
  constructor(
    private readonly where: string,
    private readonly lines: string[],
    private readonly tokens: LineToken[][],
  ) {}

  /** Every character of [start, end) of line `i` carries scope `want` (every token overlapping it does). */
  span(i: number, s: Span, want: string, what: string): void {
    assert.ok(s.end > s.start, `${this.where}:${i + 1}: empty span for ${what}`);
    let covered = s.start;
    for (const t of this.tokens[i]!) {
      if (t.end <= s.start || t.start >= s.end) continue;
      if (t.start > covered || !hasScope(t.scopes, want)) {
        assert.fail(
          `${this.where}:${i + 1}: ${what} ${JSON.stringify(this.lines[i]!.slice(s.start, s.end))} ` +
            `at column ${Math.max(t.start, s.start)} has scopes [${t.scopes.join(', ')}], expected ${want}\n` +
            `  line: ${JSON.stringify(this.lines[i])}`,
        );
      }
      covered = t.end;
    }
    assert.ok(covered >= s.end, `${this.where}:${i + 1}: ${what} is not covered by tokens`);
    this.checks++;
  }

  /** No character of line `i` carries a scope starting with `prefix`. */
  none(i: number, prefix: string, why: string): void {
    for (const t of this.tokens[i]!) {
      if (t.scopes.some((s) => s.startsWith(prefix))) {
        assert.fail(
          `${this.where}:${i + 1}: ${why}: found ${prefix} in [${t.scopes.join(', ')}]\n  line: ${JSON.stringify(this.lines[i])}`,
        );
      }
    }
    this.checks++;
  }
}

/** The package path of a function name as Go prints it: up to the last slash, then to the first dot. */
function packageSpan(func: Located<string>): Span | undefined {
  const name = func.value;
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  return dot > 0 ? { start: func.span.start, end: func.span.start + dot } : undefined;
}

function checkFields(c: LineChecker, i: number, fields: SignalField[]): void {
  for (const f of fields) {
    c.span(i, { start: f.span.start, end: f.span.start + f.key.length }, 'variable.other.key', `field ${f.key}`);
    const value = { start: f.span.end - f.value.length, end: f.span.end };
    if (/^0x[0-9a-f]+$/.test(f.value)) c.span(i, value, 'constant.numeric.hex', `value of ${f.key}`);
    else if (/^\d+$/.test(f.value)) c.span(i, value, 'constant.numeric.integer', `value of ${f.key}`);
  }
}

/** Checks every line of one traceback; returns how many frames were checked. */
function checkParsedTraceback(
  where: string,
  tb: Traceback,
  lines: string[],
  tokens: LineToken[][],
): { frames: number; checks: number } {
  const c = new LineChecker(where, lines, tokens);
  let frames = 0;
  assert.equal(tb.lines.length, lines.length, `${where}: parser and tokenizer disagree on the number of lines`);
  for (const l of tb.lines) {
    const i = l.line;
    assert.equal(l.text, lines[i], `${where}:${i + 1}: line text differs`);
    switch (l.kind) {
      case 'panic': {
        const kw = l.text.indexOf('panic');
        c.span(i, { start: kw, end: kw + 5 }, 'keyword.control.panic', 'panic keyword');
        if (l.message.span.end > l.message.span.start)
          c.span(i, l.message.span, 'string.unquoted.message.panic', 'panic message');
        if (l.recovered) {
          const at = l.text.lastIndexOf('recovered');
          c.span(i, { start: at, end: at + 9 }, 'storage.modifier.recovered', '[recovered]');
        }
        if (l.repanicked) {
          const at = l.text.lastIndexOf('repanicked');
          c.span(i, { start: at, end: at + 10 }, 'storage.modifier.repanicked', 'repanicked');
        }
        break;
      }
      case 'fatal':
        c.span(i, { start: 0, end: 'fatal error'.length }, 'keyword.control.fatal-error', 'fatal error keyword');
        c.span(i, l.message.span, 'string.unquoted.message.fatal-error', 'fatal error message');
        break;
      case 'runtime':
        c.span(i, { start: 0, end: 'runtime'.length }, 'keyword.other.runtime', 'runtime: prefix');
        c.span(i, l.message.span, 'string.unquoted.message.runtime', 'runtime message');
        break;
      case 'signal':
        c.span(i, l.signal.span, 'constant.language.signal', 'signal name');
        c.span(i, l.description.span, 'string.unquoted.message.signal', 'signal description');
        checkFields(c, i, l.fields);
        break;
      case 'signalTitle':
        c.span(i, l.signal.span, 'constant.language.signal', 'signal name');
        c.span(i, l.description.span, 'string.unquoted.message.signal', 'signal description');
        break;
      case 'signalPc':
        checkFields(c, i, l.fields);
        break;
      case 'goroutine':
        c.span(i, { start: 0, end: 'goroutine'.length }, 'storage.type.goroutine', 'goroutine keyword');
        c.span(i, l.id.span, 'constant.numeric.integer.goroutine-id', 'goroutine id');
        c.span(i, l.status.span, 'entity.name.tag.status', 'goroutine status');
        if (l.waitMinutes) c.span(i, l.waitMinutes.span, 'constant.numeric.duration', 'wait time');
        for (const v of [l.gp, l.mp]) if (v) c.span(i, v.span, 'constant.numeric.hex', 'gp/mp');
        if (l.lockedToThread) {
          const at = l.text.indexOf('locked to thread');
          c.span(i, { start: at, end: at + 16 }, 'storage.modifier.locked', 'locked to thread');
        }
        break;
      case 'call': {
        frames++;
        c.span(i, l.func.span, 'entity.name.function', 'function name');
        const pkg = packageSpan(l.func);
        if (pkg) c.span(i, pkg, 'entity.name.namespace.package', 'package path');
        if (l.args.span.end > l.args.span.start) c.span(i, l.args.span, 'meta.arguments', 'arguments');
        if (l.inlined) c.span(i, l.args.span, 'constant.language.ellipsis', 'inlined (...)');
        break;
      }
      case 'location':
        c.span(i, l.file.span, 'markup.underline.link', 'file path');
        c.span(i, l.lineNumber.span, 'constant.numeric.integer.line', 'line number');
        if (l.offset) c.span(i, l.offset.span, 'constant.numeric.hex.offset', '+0x offset');
        for (const [k, v] of [
          ['fp', l.fp],
          ['sp', l.sp],
          ['pc', l.pc],
        ] as const) {
          if (v) {
            c.span(i, v.span, 'constant.numeric.hex', `${k}= value`);
            c.span(i, { start: v.span.start - k.length - 1, end: v.span.start - 1 }, 'variable.other.key', `${k}= key`);
          }
        }
        break;
      case 'createdBy':
        c.span(i, { start: 0, end: 'created by'.length }, 'keyword.other.created-by', 'created by');
        c.span(i, l.func.span, 'entity.name.function', 'creator function');
        if (l.goroutine) c.span(i, l.goroutine.span, 'constant.numeric.integer.goroutine-id', 'creator goroutine');
        break;
      case 'elided':
        c.span(i, { start: 0, end: l.text.length }, 'comment.line.elided', 'elided frames');
        break;
      case 'unavailable':
        c.span(i, { start: 1, end: l.text.length }, 'comment.line.unavailable', 'stack unavailable');
        break;
      case 'runtimeStack':
        c.span(i, { start: 0, end: 'runtime stack'.length }, 'keyword.other.runtime-stack', 'runtime stack:');
        break;
      case 'register':
        c.span(i, l.name.span, 'variable.language.register', 'register name');
        c.span(i, l.value.span, 'constant.numeric.hex.register', 'register value');
        break;
      case 'blank':
        break;
      case 'other': {
        const m = /^exit status (\d+)$/.exec(l.text);
        if (m) {
          c.span(i, { start: 0, end: 'exit status'.length }, 'keyword.control.exit', 'exit status');
          c.span(
            i,
            { start: l.text.length - m[1]!.length, end: l.text.length },
            'constant.numeric.integer.exit-status',
            'exit code',
          );
        } else {
          // Program output and unknown lines must not look like traceback structure.
          c.none(i, 'meta.frame', 'a line the parser does not read as a frame');
          c.none(i, 'meta.header.goroutine', 'a line the parser does not read as a goroutine header');
        }
        break;
      }
    }
  }
  return { frames, checks: c.checks };
}

/**
 * Large tracebacks (the 10,000-goroutine one) are checked on their first goroutine blocks only: the
 * text is cut at the last blank line before MAX_LINES, so every block checked is whole.
 */
const MAX_LINES = 20_000;

function leadingBlocks(text: string): string {
  const lines = text.split('\n');
  if (lines.length <= MAX_LINES) return text;
  let cut = MAX_LINES;
  while (cut > 0 && lines[cut - 1] !== '') cut--;
  return lines.slice(0, cut > 0 ? cut : MAX_LINES).join('\n');
}

test('grammar on every fixture traceback agrees with the traceback parser', async () => {
  const fixtures = listFixtures();
  const provisioned = provisionedGoVersions();
  const versions = new Set(fixtures.map((f) => f.goMinor));
  const kinds = new Set<string>();
  for (const f of fixtures) {
    const where = `${f.fixture} go${f.goMinor} (${f.tracebackPath})`;
    const text = leadingBlocks(f.traceback);
    const tb = parseTraceback(text);
    for (const l of tb.lines) kinds.add(l.kind);
    const { lines, tokens } = await tokenizeText(text);
    const r = checkParsedTraceback(where, tb, lines, tokens);
    assert.ok(r.frames > 0, `${where}: no frame checked`);
  }
  // Every Go version that has fixtures was covered, and the fixtures exercise the main line kinds.
  for (const v of versions) assert.ok(provisioned.includes(v), `fixtures for go${v}, which is not provisioned`);
  for (const k of ['panic', 'fatal', 'goroutine', 'call', 'location', 'createdBy', 'runtimeStack', 'signal']) {
    assert.ok(kinds.has(k), `no fixture traceback has a ${k} line: the fixture set changed?`);
  }
});
