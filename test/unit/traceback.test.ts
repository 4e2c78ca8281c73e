// The traceback parser on every generated fixture (every provisioned Go version) and on small
// inline cases of rarer syntax. Expected values on fixtures come from the text itself, through
// independent simple regular expressions, never from the parser.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  crashingGoroutine,
  formatTraceback,
  isRuntimeFunction,
  originFrame,
  parseTraceback,
  type Traceback,
} from '../../src/traceback/parse.js';
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
      const expectedKind = raw[0]!.startsWith('panic: ') ? 'panic' : 'fatal';
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
      assert.match(firstHeader, /\[running\]:$/);
      assert.equal(crashing.status, 'running');
      // Its origin frame is the program's own code, in the source copy the fixture was built from.
      const origin = originFrame(crashing);
      assert.ok(origin, 'no origin frame');
      assert.match(origin.func, /^main\./);
      assert.equal(origin.file, join(f.srcDir, 'main.go'));
      assert.ok(raw[origin.location!.line]!.startsWith(`\t${origin.file}:${origin.lineNumber}`));
      const above = crashing.frames.slice(0, crashing.frames.indexOf(origin));
      for (const fr of above) assert.ok(isRuntimeFunction(fr.func), fr.func);

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

/** Parse, check the round trip, return the traceback. */
function parse(text: string): Traceback {
  const tb = parseTraceback(text);
  assert.equal(formatTraceback(tb), text);
  return tb;
}

describe('parseTraceback edge syntax', () => {
  it('reads generics, receivers, inlined frames, elided frames and created-by forms', () => {
    const tb = parse(
      [
        'panic: boom [recovered, repanicked]',
        '',
        'goroutine 7 gp=0xc000007dc0 m=nil [chan receive, 12 minutes, locked to thread]:',
        'example.com/x/pkg.Map[...](0xc0000a0000, {0x4b1f20, 0x3})',
        '\t/src/pkg/map.go:12 +0x1f',
        'example.com/x/pkg.(*Cache[go.shape.int]).Get(...)',
        '\t/src/pkg/cache.go:40',
        'main.(*T).M(0x0?, ...)',
        '\t/src/main.go:9 +0x2a fp=0xc000050f80 sp=0xc000050f60 pc=0x47e2aa',
        '...additional frames elided...',
        'created by main.main',
        '\t/src/main.go:20 +0x66',
        '',
        'goroutine 8 [select, 1 minute]:',
        'main.f()',
        '\t/src/main.go:3 +0x1',
        '...5 frames elided...',
        'main.g()',
        '\t/src/main.go:4 +0x2',
        'created by main.main in goroutine 1',
        '\t/src/main.go:21 +0x77',
        'exit status 2',
        '',
      ].join('\n'),
    );
    assert.equal(tb.panics.length, 1);
    assert.equal(tb.panics[0]!.recovered, true);
    assert.equal(tb.panics[0]!.repanicked, true);
    assert.equal(tb.panics[0]!.message.value, 'boom');
    const [g7, g8] = tb.goroutines;
    assert.equal(g7!.id, 7);
    assert.equal(g7!.status, 'chan receive');
    assert.equal(g7!.waitMinutes, 12);
    assert.equal(g7!.lockedToThread, true);
    assert.equal(g7!.m, null);
    assert.equal(g7!.gp, 0xc000007dc0n);
    assert.deepEqual(
      g7!.frames.map((f) => [f.func, f.inlined, f.lineNumber]),
      [
        ['example.com/x/pkg.Map[...]', false, 12],
        ['example.com/x/pkg.(*Cache[go.shape.int]).Get', true, 40],
        ['main.(*T).M', false, 9],
      ],
    );
    assert.equal(g7!.frames[0]!.call.args.value, '0xc0000a0000, {0x4b1f20, 0x3}');
    assert.equal(g7!.frames[0]!.offset, 0x1f);
    assert.equal(g7!.frames[2]!.pc, 0x47e2aan);
    assert.equal(g7!.frames[2]!.sp, 0xc000050f60n);
    assert.equal(g7!.frames[2]!.fp, 0xc000050f80n);
    assert.deepEqual(
      g7!.items.map((x) => x.kind),
      ['frame', 'frame', 'frame', 'elided'],
    );
    assert.equal(g7!.createdBy!.line.func.value, 'main.main');
    assert.equal(g7!.createdBy!.line.goroutine, undefined);
    assert.equal(g7!.createdBy!.location!.lineNumber.value, 20);
    assert.equal(g7!.firstLine, 2);
    assert.equal(g7!.lastLine, 11);
    assert.equal(g8!.waitMinutes, 1);
    assert.equal(g8!.lockedToThread, false);
    assert.equal(g8!.m, undefined);
    assert.equal(g8!.createdBy!.line.goroutine!.value, 1);
    const elided = g8!.items.find((x) => x.kind === 'elided');
    assert.equal(elided?.kind === 'elided' ? elided.line.count?.value : undefined, 5);
    assert.deepEqual(
      tb.others.map((o) => o.text),
      ['exit status 2'],
    );
    assert.equal(tb.lines[tb.lines.length - 1]!.kind, 'blank');
  });

  it('reads nested panics, a signal, runtime stacks, a SIGQUIT section and a register dump', () => {
    const text = [
      'panic: first [recovered]',
      '\tpanic: second',
      'fatal error: unexpected signal during runtime execution',
      '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4011aa]',
      '',
      'runtime stack:',
      'runtime.throw({0x49b801?, 0x419445?})',
      '\t/go/src/runtime/panic.go:1047 +0x5d fp=0x7ffd0 sp=0x7ffa0 pc=0x433b1d',
      '',
      'goroutine 1 [running]:',
      '\tgoroutine running on other thread; stack unavailable',
      '',
      '-----',
      '',
      'SIGQUIT: quit',
      'PC=0x46b0a1 m=3 sigcode=0',
      '',
      'goroutine 0 gp=0xc000102000 m=3 mp=0xc000100008 [idle]:',
      'runtime.futex(0x5a4d50, 0x80, 0x0, 0x0, 0x0, 0x0)',
      '\t/go/src/runtime/sys_linux_amd64.s:557 +0x21 fp=0x7f0 sp=0x7e8 pc=0x46b0a1',
      '',
      'rax    0xca',
      'rbx    0x0',
      'rflags 0x286',
    ].join('\r\n');
    const tb = parse(text);
    assert.deepEqual(
      tb.panics.map((p) => [p.message.value, p.nested, p.recovered, p.repanicked]),
      [
        ['first', false, true, false],
        ['second', true, false, false],
      ],
    );
    assert.equal(tb.kind, 'panic');
    assert.equal(tb.fatalErrors[0]!.message.value, 'unexpected signal during runtime execution');
    assert.equal(tb.signal!.signal.value, 'SIGSEGV');
    assert.equal(tb.signal!.description.value, 'segmentation violation');
    assert.deepEqual(
      tb.signal!.fields.map((f) => [f.key, f.value]),
      [
        ['code', '0x1'],
        ['addr', '0x0'],
        ['pc', '0x4011aa'],
      ],
    );
    assert.equal(tb.runtimeStacks.length, 1);
    assert.equal(tb.runtimeStacks[0]!.frames[0]!.func, 'runtime.throw');
    assert.equal(tb.goroutines.length, 2);
    assert.equal(tb.goroutines[0]!.items[0]!.kind, 'unavailable');
    assert.equal(tb.goroutines[1]!.m, 3);
    assert.equal(tb.goroutines[1]!.mp, 0xc000100008n);
    assert.equal(tb.registerDumps.length, 1);
    const dump = tb.registerDumps[0]!;
    assert.equal(dump.title?.signal.value, 'SIGQUIT');
    assert.deepEqual(
      dump.pcLine?.fields.map((f) => [f.key, f.value]),
      [
        ['PC', '0x46b0a1'],
        ['m', '3'],
        ['sigcode', '0'],
      ],
    );
    assert.deepEqual(
      dump.registers.map((r) => [r.name.value, r.value.value]),
      [
        ['rax', '0xca'],
        ['rbx', '0x0'],
        ['rflags', '0x286'],
      ],
    );
    assert.deepEqual(
      tb.others.map((o) => o.text),
      ['-----'],
    );
    assert.equal(tb.terminators[0], '\r\n');
  });

  it('keeps a block open across an unknown note line', () => {
    const tb = parse(
      [
        'goroutine 1 [syscall]:',
        'runtime.cgocall(0x45d0e0, 0xc000057f38)',
        '\t/go/src/runtime/cgocall.go:157 +0x4b fp=0xc000057f10 sp=0xc000057ed8 pc=0x40634b',
        'signal arrived during cgo execution',
        'main._Cfunc_crash()',
        '\t_cgo_gotypes.go:39 +0x29',
        '',
      ].join('\n'),
    );
    const g = tb.goroutines[0]!;
    assert.deepEqual(
      g.frames.map((f) => [f.func, f.file]),
      [
        ['runtime.cgocall', '/go/src/runtime/cgocall.go'],
        ['main._Cfunc_crash', '_cgo_gotypes.go'],
      ],
    );
    assert.equal(g.lastLine, 5);
    assert.equal(tb.others[0]!.text, 'signal arrived during cgo execution');
  });

  it('finds the origin frame below the runtime panic helpers', () => {
    const tb = parse(
      [
        'panic: runtime error: index out of range [5] with length 3',
        '',
        'goroutine 1 [running]:',
        'panic({0x4940e0?, 0xc00009c000?})',
        '\t/go/src/runtime/panic.go:779 +0x158',
        'runtime.goPanicIndex(0x5, 0x3)',
        '\t/go/src/runtime/panic.go:114 +0x7c',
        'main.pick(...)',
        '\t/src/main.go:11',
        'main.main()',
        '\t/src/main.go:16 +0x9e',
      ].join('\n'),
    );
    const g = crashingGoroutine(tb)!;
    assert.equal(originFrame(g)!.func, 'main.pick');
    assert.equal(originFrame(g)!.inlined, true);
    assert.equal(isRuntimeFunction('internal/runtime/maps.fatal'), true);
    assert.equal(isRuntimeFunction('runtimefoo.x'), false);
  });

  it('reads location lines exactly as printed, and keeps look-alikes as other lines', () => {
    const text = [
      'goroutine 1 [running]:',
      'main.a()',
      '\t/x:y/a.go:12 +0x1f',
      'main.b()',
      '\t/src/b.go:7 +0x1F',
      'main.c()',
      '\t/src/c.go:8 pc=0x4 sp=0x3',
      'main.d()',
      '\t/src/d.go:9 ',
      'main.e()',
      ' \t/src/e.go:10 fp=0x1 sp=0x2 pc=0x3',
      'main.f()',
      '\t:11',
      '',
    ].join('\n');
    const tb = parse(text);
    assert.deepEqual(
      tb.lines.map((l) => l.kind),
      [
        'goroutine',
        'call',
        'location',
        'call',
        'other',
        'call',
        'other',
        'call',
        'other',
        'call',
        'location',
        'call',
        'other',
        'blank',
      ],
    );
    const [a, , , , e] = tb.goroutines[0]!.frames;
    assert.deepEqual([a!.file, a!.lineNumber, a!.offset], ['/x:y/a.go', 12, 0x1f]);
    assert.deepEqual(
      [e!.file, e!.lineNumber, e!.offset, e!.fp, e!.sp, e!.pc],
      ['/src/e.go', 10, undefined, 1n, 2n, 3n],
    );
    assert.equal(e!.location!.indent, ' \t');
    assert.equal(tb.goroutines[0]!.frames.filter((f) => f.location).length, 2);
  });

  it('keeps anything else as other lines and never throws', () => {
    for (const text of [
      '',
      '\n',
      'hello\nworld',
      'goroutine x [running]:',
      'goroutine 1 [running]:\n((((\n)))\n\tno location\n',
      'panic: ' + 'x'.repeat(200000),
      'goroutine 1 [running]:\nmain.f(' + '('.repeat(100000) + ')\n',
      '[signal SIGSEGV: x code=0x1 addr=zz]',
    ]) {
      const tb = parse(text);
      assert.equal(tb.lines.length, text.split('\n').length);
    }
    assert.equal(parse('').kind, 'unknown');
  });
});
