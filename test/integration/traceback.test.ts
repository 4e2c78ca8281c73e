// The traceback parser on every generated fixture (every provisioned Go version). Expected values
// come from the text itself, through independent simple regular expressions, never from the parser.
// (Small inline cases of rarer syntax: test/unit/traceback.test.ts.)
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { crashingGoroutine, formatTraceback, isRuntimeFunction, originFrame, parseTraceback } from '../../src/traceback/parse.js';
import { listFixtures } from '../support/fixtures.js';

/** What independent simple regular expressions find in the text, in one pass over its lines. */
function census(raw: string[]) {
  const c = {
    panics: 0,
    fatals: 0,
    runtimeMessages: 0,
    runtimeStacks: 0,
    createdBy: 0,
    elided: 0,
    calls: 0,
    headers: [] as number[],
    locations: [] as number[],
  };
  let inBlock = false;
  raw.forEach((l, i) => {
    if (/^\t?panic: /.test(l)) c.panics++;
    if (l.startsWith('fatal error: ')) c.fatals++;
    if (l.startsWith('runtime: ')) c.runtimeMessages++;
    if (l.startsWith('created by ')) c.createdBy++;
    if (/^\.\.\..*frames elided\.\.\.$/.test(l)) c.elided++;
    if (/^\t\S.*\.(go|s):\d+( |$)/.test(l)) c.locations.push(i);
    if (/^goroutine \d+ .*\[.*\]:$/.test(l)) {
      c.headers.push(i);
      inBlock = true;
    } else if (l === 'runtime stack:') {
      c.runtimeStacks++;
      inBlock = true;
    } else if (l === '') inBlock = false;
    // A frame's call line: not indented, ends with `)`, inside a block.
    else if (inBlock && /^[^\s].*\)$/.test(l)) c.calls++;
  });
  return c;
}

describe('parseTraceback on every fixture traceback', () => {
  const fixtures = listFixtures();
  for (const f of fixtures) {
    it(`${f.fixture} go${f.goMinor}`, () => {
      const text = f.traceback;
      const raw = text.split('\n');
      const tb = parseTraceback(text);

      // Nothing lost: one parsed line per input line, and the text rebuilt from the fields.
      assert.equal(tb.lines.length, raw.length);
      tb.lines.forEach((l, i) => assert.equal(l.line, i));
      assert.equal(formatTraceback(tb), text);
      // Every line of a runtime traceback is understood.
      assert.deepEqual(
        tb.others.map((o) => `${o.line}: ${o.text}`),
        [],
      );

      // Header.
      const c = census(raw);
      assert.equal(tb.panics.length, c.panics);
      for (const p of tb.panics) {
        assert.equal(p.recovered, raw[p.line]!.includes(' [recovered'));
        assert.equal(p.nested, raw[p.line]!.startsWith('\t'));
      }
      assert.equal(tb.fatalErrors.length, c.fatals);
      assert.equal(tb.runtimeMessages.length, c.runtimeMessages);
      const sig = raw.findIndex((l) => l.startsWith('[signal '));
      assert.equal(tb.signal?.line, sig < 0 ? undefined : sig);
      if (tb.signal) {
        const addr = /addr=(0x[0-9a-f]+)/.exec(raw[sig]!)![1];
        assert.equal(tb.signal.fields.find((x) => x.key === 'addr')?.value, addr);
        assert.equal(tb.signal.signal.value, /^\[signal (SIG\w+)/.exec(raw[sig]!)![1]);
      }
      const expectedKind = raw[0]!.startsWith('panic: ') ? 'panic' : 'fatal error';
      assert.equal(tb.kind, expectedKind);

      // Goroutine blocks and runtime stacks.
      const headerLines = c.headers;
      assert.equal(tb.goroutines.length, headerLines.length);
      assert.deepEqual(
        tb.goroutines.map((g) => g.header.line),
        headerLines,
      );
      for (const g of tb.goroutines) {
        const l = raw[g.header.line]!;
        assert.equal(g.id, Number(/^goroutine (\d+)/.exec(l)![1]));
        assert.equal(g.status, /\[([^\],]+)/.exec(l)![1]);
        assert.equal(g.gp !== undefined, l.includes(' gp='));
        assert.equal(g.m !== undefined, l.includes(' m='));
      }
      assert.equal(tb.runtimeStacks.length, c.runtimeStacks);

      // Every tab-indented file:line line is a frame's (or a created-by's) location.
      const locLines = c.locations;
      for (const i of locLines) assert.equal(tb.lines[i]!.kind, 'location', `line ${i}: ${raw[i]}`);
      const stacks = [...tb.goroutines, ...tb.runtimeStacks];
      const attached = stacks.reduce(
        (n, s) => n + s.frames.filter((fr) => fr.location).length + (s.createdBy?.location ? 1 : 0),
        0,
      );
      assert.equal(attached, locLines.length);
      assert.equal(stacks.filter((s) => s.createdBy).length, c.createdBy);
      assert.equal(
        stacks.reduce((n, s) => n + s.items.filter((x) => x.kind === 'elided').length, 0),
        c.elided,
      );
      // Frames: non-indented lines ending in `)` inside blocks.
      const callCount = stacks.reduce((n, s) => n + s.frames.length, 0);
      assert.equal(callCount, c.calls);
      // PCs as printed.
      for (const s of stacks) {
        for (const fr of s.frames) {
          const m = / pc=(0x[0-9a-f]+)$/.exec(fr.location?.text ?? '');
          assert.equal(fr.pc, m ? BigInt(m[1]!) : undefined);
        }
      }

      // The crashing goroutine: the first one printed, running, whose number the header names.
      const crashing = crashingGoroutine(tb);
      assert.ok(crashing, 'no crashing goroutine');
      const firstHeader = raw[headerLines[0]!]!;
      assert.equal(crashing.id, Number(/^goroutine (\d+)/.exec(firstHeader)![1]));
      // A deadlock (checkdead on g0) runs no goroutine: the first printed is a blocked one.
      const deadlock = /^fatal error: all goroutines are asleep - deadlock!$/m.test(f.traceback);
      if (!deadlock) {
        assert.match(firstHeader, /\[running\]:$/);
        assert.equal(crashing.status, 'running');
      } else assert.ok(tb.goroutines.every((x) => x.status !== 'running'), 'a deadlock: no goroutine running');
      // Its origin frame is the program's own code, in the source copy the fixture was built from.
      // (A deadlock's first goroutine is parked in the standard library: its first main frame.)
      const origin = deadlock ? crashing.frames.find((fr) => fr.func.startsWith('main.')) : originFrame(crashing);
      assert.ok(origin, 'no origin frame');
      assert.match(origin.func, /^main\./);
      assert.equal(origin.file, join(f.srcDir, 'main.go'));
      assert.ok(raw[origin.location!.line]!.startsWith(`\t${origin.file}:${origin.lineNumber}`));
      const above = crashing.frames.slice(0, crashing.frames.indexOf(origin));
      for (const fr of above) assert.ok(isRuntimeFunction(fr.func) || (deadlock && !fr.func.startsWith('main.')), fr.func);

      // Spans point at the printed text.
      for (const g of tb.goroutines.slice(0, 50)) {
        const l = raw[g.header.line]!;
        assert.equal(l.slice(g.header.id.span.start, g.header.id.span.end), String(g.id));
        for (const fr of g.frames) {
          const loc = fr.location;
          if (!loc) continue;
          const lt = raw[loc.line]!;
          assert.equal(lt.slice(loc.file.span.start, loc.file.span.end), fr.file);
          assert.equal(lt.slice(loc.lineNumber.span.start, loc.lineNumber.span.end), String(fr.lineNumber));
          if (loc.pc) assert.equal(lt.slice(loc.pc.span.start, loc.pc.span.end), loc.pc.value);
          if (loc.offset)
            assert.equal(lt.slice(loc.offset.span.start - 1, loc.offset.span.end), '+' + loc.offset.value);
          const ct = raw[fr.call.line]!;
          assert.equal(ct.slice(fr.call.func.span.start, fr.call.func.span.end), fr.func);
          assert.equal(ct.slice(fr.call.args.span.start - 1, fr.call.args.span.end + 1), `(${fr.call.args.value})`);
        }
      }
    });
  }
});
