// Race reports (`WARNING: DATA RACE`) in the traceback parser, on small inline cases of the forms
// the race-reports fixture does not print (a stack TSan could not restore, the heap block and the
// global variable lines, a report cut short by a panic); each must print back exactly. The lines
// follow TSan's Go report format (compiler-rt tsan_report.cpp, SANITIZER_GO). (The race detector's
// real output for every provisioned Go: test/integration/raceLogs.test.ts.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { looksLikeCrashLog } from '../../src/traceback/detect.js';
import { formatTraceback, parseTraceback, type Traceback } from '../../src/traceback/parse.js';
import { creationOf, raceReportAt, raceSignature } from '../../src/traceback/raceReport.js';

function parse(text: string): Traceback {
  const tb = parseTraceback(text);
  assert.equal(formatTraceback(tb), text);
  return tb;
}

const REPORT = [
  '==================',
  'WARNING: DATA RACE',
  'Write at 0x00c000014108 by goroutine 8:',
  '  example.com/shop.(*Cart).Add()',
  '      /build/src/cart.go:21 +0x4c',
  '  main.main.gowrap1()',
  '      /build/src/main.go:18 +0x2e',
  '',
  'Previous read at 0x00c000014108 by main goroutine:',
  '  [failed to restore the stack]',
  '',
  'Heap block of size 16 at 0x00c000014100 allocated by main goroutine:',
  '  main.main()',
  '      /build/src/main.go:15 +0x3a',
  '',
  'Global var total of size 8 at 0x0000005b4888 declared at /build/src/main.go:9',
  '',
  'Goroutine 8 (running) created at:',
  '  main.main()',
  '      /build/src/main.go:18 +0x7a',
  '==================',
];

describe('race reports', () => {
  it('reads accesses, a stack not restored, the heap block, the global and the creations', () => {
    const tb = parse([...REPORT, 'Found 1 data race(s)', 'exit status 66', ''].join('\n'));
    assert.equal(tb.races.length, 1);
    const r = tb.races[0]!;
    assert.equal(r.firstLine, 0);
    assert.equal(r.lastLine, REPORT.length - 1);
    assert.equal(r.close?.line, REPORT.length - 1);
    const [now, before] = r.accesses;
    assert.deepEqual(
      [now!.write, now!.previous, now!.goroutine, now!.mainGoroutine, now!.address],
      [true, false, 8, false, 0xc000014108n],
    );
    assert.deepEqual(now!.frames.map((f) => [f.func, f.file, f.lineNumber, f.offset]), [
      ['example.com/shop.(*Cart).Add', '/build/src/cart.go', 21, 0x4c],
      ['main.main.gowrap1', '/build/src/main.go', 18, 0x2e],
    ]);
    assert.deepEqual([now!.firstLine, now!.lastLine], [2, 6]);
    assert.deepEqual([before!.write, before!.previous, before!.goroutine, before!.mainGoroutine], [false, true, 1, true]);
    assert.equal(before!.noStack, true);
    assert.deepEqual(before!.frames, []);
    assert.deepEqual([before!.firstLine, before!.lastLine], [8, 9]);
    assert.equal(r.heapBlock?.header.size.value, 16);
    assert.equal(r.heapBlock?.header.goroutine.main, true);
    assert.deepEqual(r.heapBlock?.frames.map((f) => f.func), ['main.main']);
    assert.deepEqual(
      [r.global?.name.value, r.global?.size.value, r.global?.file.value, r.global?.lineNumber.value],
      ['total', 8, '/build/src/main.go', 9],
    );
    assert.equal(r.creations.length, 1);
    assert.equal(creationOf(r, now!), r.creations[0]);
    assert.equal(creationOf(r, before!), undefined);
    assert.equal(r.creations[0]!.running, true);
    assert.deepEqual(r.sections.map((s) => s.kind), ['access', 'access', 'heapBlock', 'creation']);
    assert.equal(tb.raceFound?.count.value, 1);
    assert.equal(tb.exitStatus?.status, 66);
    assert.equal(tb.kind, 'unknown');
    // The frame lines of a report are spans of the line: the function starts after the indent.
    const call = now!.frames[0]!.call;
    assert.equal(call.text.slice(call.func.span.start, call.func.span.end), 'example.com/shop.(*Cart).Add');
    assert.equal(raceReportAt(tb, 0), r);
    assert.equal(raceReportAt(tb, REPORT.length - 1), r);
    assert.equal(raceReportAt(tb, REPORT.length), undefined);
  });

  it('ends a report cut short where a traceback starts, and a goroutine block where a report starts', () => {
    const tb = parse(
      [
        ...REPORT.slice(0, 7),
        'panic: boom',
        '',
        'goroutine 1 [running]:',
        'main.main()',
        '\t/build/src/main.go:30 +0x1d',
        ...REPORT,
      ].join('\n'),
    );
    assert.equal(tb.races.length, 2);
    assert.equal(tb.races[0]!.close, undefined);
    assert.equal(tb.races[0]!.lastLine, 6);
    assert.equal(tb.panics[0]?.line, 7);
    assert.equal(tb.goroutines.length, 1);
    assert.equal(tb.goroutines[0]!.lastLine, 11);
    assert.equal(tb.races[1]!.firstLine, 12);
    assert.equal(tb.races[1]!.accesses.length, 2);
  });

  it('keeps a banner without the warning, and program output inside a report, as other lines', () => {
    const tb = parse(['==================', 'not a race', '', ...REPORT.slice(0, 8), 'hello from main', ...REPORT.slice(8)].join('\n'));
    assert.equal(tb.races.length, 1);
    assert.deepEqual(tb.others.map((o) => o.text), ['==================', 'not a race', 'hello from main']);
    assert.equal(tb.races[0]!.accesses.length, 2);
  });

  it('groups by the kinds and functions of both accesses, not by goroutines, addresses or lines', () => {
    const other = REPORT.map((l) =>
      l.replace('goroutine 8', 'goroutine 9').replace('0x00c000014108', '0x00c000099000').replace(':21 ', ':22 '),
    );
    const tb = parse([...REPORT, ...other, ...REPORT.map((l) => l.replace('Write at', 'Read at'))].join('\n'));
    const [a, b, c] = tb.races.map(raceSignature);
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  it('detects a race report by content, after other output, but not a banner alone', () => {
    assert.equal(looksLikeCrashLog(['ok', 'more output', ...REPORT].join('\n')), true);
    assert.equal(looksLikeCrashLog(['ok', ...REPORT].join('\r\n')), true);
    assert.equal(looksLikeCrashLog('==================\nWARNING: something\n'), false);
    assert.equal(looksLikeCrashLog('panic: boom\n'), true);
    assert.equal(looksLikeCrashLog('hello\npanic: x\n'), false);
  });
});
