// Issue 12: crashes outside Go code (C through cgo, a callback from C, a libc function, the race
// runtime on the system stack), for every provisioned Go version. Checked against the header the
// runtime printed (traceback.txt: the lines before the first blank line), and, where the runtime
// cannot see (the frames on g0 in C and the instrumented code that ran on the system stack),
// against the fixture's source (test/fixtures/programs/<name>/main.go names the expected frames).
// A missing fixture fails the test (scripts/make-cores makes them; cgo fixtures need gcc).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { analyzeCore } from '../../src/analysis/coreAnalysis.js';
import { crashSummary } from '../../src/analysis/crashSummary.js';
import { buildReport } from '../../src/analysis/report.js';
import { fixture, provisionedGoVersions } from '../support/fixtures.js';

/** The header lines the runtime printed, up to the first blank line. */
function printedHeader(tracebackPath: string): string[] {
  const lines = readFileSync(tracebackPath, 'utf8').split('\n');
  const end = lines.indexOf('');
  return lines.slice(0, end < 0 ? lines.length : end);
}

/** From each fixture's source: the frames, in order, that the crashing thread's walk must hold. */
const EXPECTED: Record<string, { frames: string[]; origin: string; kindNew: string }> = {
  'cgo-inlined-fault': { frames: ['sum_counts', 'runtime.asmcgocall', 'runtime.cgocall', 'main._Cfunc_sum_counts', 'main.total', 'main.main'], origin: 'sum_counts', kindNew: 'signal' },
  'cgo-libc-fault': { frames: ['runtime.asmcgocall', 'runtime.cgocall', 'main._Cfunc_strlen', 'main.measure', 'main.main'], origin: 'libc.so.6', kindNew: 'signal' },
  'race-systemstack': {
    frames: ['__tsan_func_enter', 'racecall', 'runtime.racefuncenter', 'main.instrumented', 'main.onSystemStack', 'runtime.systemstack', 'main.main'],
    origin: 'main.instrumented',
    kindNew: 'signal',
  },
  'cgo-callback-panic': { frames: ['main.goCallback', 'runtime.cgocallback', 'runtime.cgocall', 'main._Cfunc_call_go', 'main.main'], origin: 'main.goCallback', kindNew: 'panic' },
};

function inOrder(have: string[], want: string[]): boolean {
  let i = 0;
  for (const h of have) if (i < want.length && h === want[i]) i++;
  return i === want.length;
}

describe('crashes outside Go code (issue 12)', () => {
  for (const minor of provisionedGoVersions()) {
    for (const [name, exp] of Object.entries(EXPECTED)) {
      test(`${name} go${minor}`, () => {
        const f = fixture(name, minor);
        const a = analyzeCore(f.core, { binary: f.prog });
        try {
          const report = buildReport(a);
          const s = crashSummary(a, report, { groupGoroutines: false });
          const header = printedHeader(f.tracebackPath);
          // Messages: exactly the header lines the runtime printed.
          assert.deepEqual(s.messages, header);
          assert.equal(s.kind, header[0]!.startsWith('fatal error:') ? 'fatal error' : exp.kindNew);
          // Frames: from the faulting function through the switches to main.main (fixture source).
          const names = report.crash.frames.map((x) => x.function);
          assert.ok(inOrder(names, exp.frames), `frames ${names.join(' > ')} lack, in order, ${exp.frames.join(' > ')}`);
          assert.ok(s.origin && s.origin.function.startsWith(exp.origin), `origin ${s.origin?.function}, expected ${exp.origin}`);
          if (name !== 'cgo-callback-panic') {
            // The fault's signal, code and address as printed; the C frame is a frame of its own.
            assert.equal(s.signal?.number, 11);
            assert.equal(s.signal?.address, '0x10');
            assert.ok(report.crash.frames.some((x) => x.language === 'c' && x.signalFrame), 'the faulting C frame');
            assert.ok(s.fault, 'the fault context (which g, M, curg)');
            assert.equal(s.fault.curg, 1);
          }
          if (name === 'race-systemstack') {
            // The g in R14 at the fault is g0, whose racectx is 0 (runtime.main sets it).
            assert.equal(s.fault?.gKind, 'g0');
            assert.equal(s.fault?.racectx, '0x0');
            assert.ok(s.notes.some((n) => n.includes('main.instrumented') && n.includes('racectx = 0')), s.notes.join('\n'));
          }
        } finally {
          a.close();
        }
      });
    }
  }
});
