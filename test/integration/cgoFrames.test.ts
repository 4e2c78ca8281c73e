// Issue 12: crashes outside Go code (C through cgo, a callback from C, a libc function, the race
// runtime on the system stack), for every provisioned Go version. Checked against the header the
// runtime printed (traceback.txt: the lines before the first blank line), and, where the runtime
// cannot see (the frames on g0 in C and the instrumented code that ran on the system stack),
// against the fixture's source (test/fixtures/programs/<name>/main.go names the expected frames).
// A missing fixture fails the test (scripts/make-cores makes them; cgo fixtures need gcc).
// linux/arm64: the cgo programs cross-built with the provisioned aarch64-linux-gnu-gcc, linked
// statically and run under qemu-aarch64 (`<name>-arm64`), checked the same way; libc is then in the
// executable (Debian's static libc.a carries symbols but no DWARF: the strlen frame has no line).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { analyzeCore } from '../../src/analysis/coreAnalysis.js';
import { crashSummary } from '../../src/analysis/crashSummary.js';
import { buildReport } from '../../src/analysis/report.js';
import { annotateFrames } from '../../src/analysis/annotate.js';
import { openCore } from '../../src/analysis/engine.js';
import { waitsReport } from '../../src/analysis/waits.js';
import { runCli } from '../../src/report/cli.js';
import { crashingGoroutine, originFrame, parseTraceback, type Traceback } from '../../src/traceback/parse.js';
import { formatReportText } from '../../src/report/text.js';
import { validate, type Schema } from '../support/jsonSchema.js';
import { fixture, libcDebugDir, provisionedGoVersions } from '../support/fixtures.js';

/** The header lines the runtime printed, up to the first blank line. */
function printedHeader(tracebackPath: string): string[] {
  const lines = readFileSync(tracebackPath, 'utf8').split('\n');
  const end = lines.indexOf('');
  return lines.slice(0, end < 0 ? lines.length : end);
}

/**
 * From each fixture's source: the frames, in order, that the crashing thread's walk must hold;
 * the origin; and the C frames' file:line, each given by the text of its line in the fixture's
 * file (DWARF: the C compile units' line tables and inlined subroutines; a cgo preamble's lines
 * are the .go file's, a .c file's its own).
 */
const EXPECTED: Record<string, { frames: string[]; origin: string | null; kindNew: string; fault: boolean; cLines?: { function: string; file: string; text: string; inlined: boolean }[] }> = {
  'cgo-inlined-fault': {
    frames: ['read_count', 'sum_counts', 'runtime.asmcgocall', 'runtime.cgocall', 'main._Cfunc_sum_counts', 'main.total', 'main.main'],
    origin: 'read_count',
    kindNew: 'signal',
    fault: true,
    cLines: [
      { function: 'read_count', file: 'main.go', text: 'return c->count;', inlined: true },
      { function: 'sum_counts', file: 'main.go', text: 'total += read_count(c + i);', inlined: false },
    ],
  },
  // strlen of glibc is an IFUNC: the faulting frame is the implementation the CPU chose
  // (__strlen_avx2, __strlen_evex, …), named by libc's separate debug file (libc6-dbg).
  'cgo-libc-fault': { frames: ['runtime.asmcgocall', 'runtime.cgocall', 'main._Cfunc_strlen', 'main.measure', 'main.main'], origin: '__strlen', kindNew: 'signal', fault: true },
  'race-systemstack': {
    frames: ['__tsan_func_enter', 'racecall', 'runtime.racefuncenter', 'main.instrumented', 'main.onSystemStack', 'runtime.systemstack', 'main.main'],
    origin: 'main.instrumented',
    kindNew: 'signal',
    fault: true,
  },
  // The C frames of this callback are overwritten in the core (the panic's deferred unwindm
  // restores g0.sched.sp and fatalpanic's systemstack reuses that g0 stack): the walk goes back
  // to runtime.cgocall as the runtime's traceback does (cgoDelve.test.ts says what Delve does).
  'cgo-callback-panic': { frames: ['main.goCallback', 'runtime.cgocallback', 'runtime.cgocall', 'main._Cfunc_call_go', 'main.main'], origin: 'main.goCallback', kindNew: 'panic', fault: false },
  // A fatal error in the callback runs no deferred call: the C frames below runtime.cgocallback
  // stay on g0 (the runtime's traceback does not show them: it jumps to runtime.cgocall). The cgo
  // wrapper of call_go tail-calls it (jmp), so it has no frame of its own.
  'cgo-callback-fatal': {
    frames: ['main.goCallback', 'runtime.cgocallback', 'crosscall2', 'goCallback', 'relay', 'call_go', 'runtime.asmcgocall', 'runtime.cgocall', 'main._Cfunc_call_go', 'main.main'],
    // A fatal error's origin follows the ordinary rule: the first frame outside the runtime as the
    // runtime printed it (the runtime's throw, linked into sync as sync.fatal, is the runtime's).
    origin: 'printed',
    kindNew: 'fatal error',
    fault: false,
    cLines: [
      { function: 'relay', file: 'callback.c', text: 'goCallback(x + 1);', inlined: false },
      { function: 'call_go', file: 'callback.c', text: 'relay(x * 2);', inlined: false },
    ],
  },
};

/** The programs with a linux/arm64 variant (scripts/make-cores): no -race build under qemu-user. */
const ARM64_PROGRAMS = ['cgo-inlined-fault', 'cgo-libc-fault', 'cgo-callback-panic', 'cgo-callback-fatal'];

/** Every fixture checked here: its name, its program (the key of EXPECTED) and its architecture. */
const CASES = [
  ...Object.keys(EXPECTED).map((program) => ({ fixture: program, program, arch: 'amd64' })),
  ...ARM64_PROGRAMS.map((program) => ({ fixture: `${program}-arm64`, program, arch: 'arm64' })),
];

/** Function names of goroutine `id` as the runtime printed them, from `runtime.cgocall` on. */
function printedFromCgocall(tb: Traceback, id: number): string[] {
  const names = tb.goroutines.find((g) => g.id === id)?.frames.map((x) => x.func) ?? [];
  return names.slice(Math.max(0, names.indexOf('runtime.cgocall')));
}

/** The 1-based line of the fixture file holding `text` (exactly one). */
function lineOf(srcDir: string, file: string, text: string): number {
  const lines = readFileSync(join(srcDir, file), 'utf8').split('\n');
  const at = lines.flatMap((l, i) => (l.includes(text) ? [i + 1] : []));
  assert.equal(at.length, 1, `${file} holds "${text}" ${at.length} times`);
  return at[0]!;
}

function inOrder(have: string[], want: string[]): boolean {
  let i = 0;
  for (const h of have) if (i < want.length && h === want[i]) i++;
  return i === want.length;
}

describe('crashes outside Go code (issue 12)', () => {
  for (const minor of provisionedGoVersions()) {
    for (const { fixture: fixtureName, program: name, arch } of CASES) {
      const exp = EXPECTED[name]!;
      test(`${fixtureName} go${minor}`, () => {
        const f = fixture(fixtureName, minor);
        assert.equal(f.goarch, arch);
        const a = analyzeCore(f.core, { binary: f.prog, buildIdDirs: [libcDebugDir()] });
        try {
          // arm64: a static executable linked by GNU ld keeps its read-only data in the text
          // segment (R E), which qemu-user does not dump, and the core's one read-only segment is
          // RELRO (relocated at start-up): nothing confirms the executable, and the report says so.
          if (arch === 'arm64') assert.equal(a.cw.verification, 'unverified');
          const report = buildReport(a);
          const s = crashSummary(a, report, { groupGoroutines: false });
          const header = printedHeader(f.tracebackPath);
          // Messages: exactly the header lines the runtime printed.
          assert.deepEqual(s.messages, header);
          assert.equal(s.kind, header[0]!.startsWith('fatal error:') ? 'fatal error' : exp.kindNew);
          // Frames: from the faulting function through the switches to main.main (fixture source).
          const names = report.crash.frames.map((x) => x.function);
          assert.ok(inOrder(names, exp.frames), `frames ${names.join(' > ')} lack, in order, ${exp.frames.join(' > ')}`);
          // Back on the goroutine after the C frames on g0: the frames the runtime printed for it,
          // from runtime.cgocall to its start (the runtime's own traceback is the oracle there).
          const back = names.lastIndexOf('runtime.asmcgocall');
          if (back >= 0) assert.deepEqual(names.slice(back + 1), printedFromCgocall(parseTraceback(f.traceback), 1), 'the goroutine below asmcgocall as printed');
          assert.equal(back >= 0, name !== 'race-systemstack' && name !== 'cgo-callback-panic', 'the walk went through asmcgocall');
          if (exp.origin === 'printed') {
            const printed = originFrame(crashingGoroutine(parseTraceback(f.traceback))!)!;
            assert.match(printed.func, /unlockSlow$/, 'the printed origin is the unlock that found the mutex unlocked');
            assert.equal(s.origin?.function, printed.func, 'origin as printed');
            assert.equal(s.origin?.line, printed.lineNumber, 'origin line as printed');
          } else if (exp.origin !== null) assert.ok(s.origin && s.origin.function.startsWith(exp.origin), `origin ${s.origin?.function}, expected ${exp.origin}`);
          // C frames with file:line from DWARF, inlined C functions included.
          for (const c of exp.cLines ?? []) {
            const fr = report.crash.frames.find((x) => x.function === c.function && x.language === 'c');
            assert.ok(fr, `no C frame ${c.function} in ${names.join(' > ')}`);
            assert.equal(basename(fr.file), c.file, `${c.function}: file`);
            assert.equal(fr.line, lineOf(f.srcDir, c.file, c.text), `${c.function}: line of "${c.text}"`);
            assert.equal(fr.inlined, c.inlined, `${c.function}: inlined`);
          }
          // A callback whose C frames are gone from the core says so (cgo-callback-panic); one whose
          // C frames were walked does not.
          const lostNote = s.notes.some((n) => n.startsWith('The C frames that called back into Go'));
          assert.equal(lostNote, name === 'cgo-callback-panic', s.notes.join('\n'));
          if (name === 'cgo-libc-fault' && arch === 'arm64') {
            // Linked statically: strlen is the executable's own (glibc's IFUNC choice, __strlen_mte
            // or __strlen_asimd), named by .symtab; libc.a has no DWARF, so no line.
            const libc = report.crash.frames.find((x) => x.language === 'c' && x.signalFrame)!;
            assert.equal(libc.module, 'prog');
            assert.match(libc.function, /^__strlen_/);
            assert.equal(libc.line, 0);
          } else if (name === 'cgo-libc-fault') {
            // The libc frame: its symbol and line from libc's debug file; the module stays libc.so.6.
            const libc = report.crash.frames.find((x) => x.language === 'c' && x.signalFrame)!;
            assert.equal(libc.module, 'libc.so.6');
            assert.match(libc.function, /^__strlen_/);
            assert.match(libc.file, /strlen[-\w]*\.S$/);
            assert.ok(libc.line > 0);
          }
          if (exp.fault) {
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
            // The header's one sentence names the instrumented function (fixture source) and racectx 0.
            const why = s.fault?.explanation ?? '';
            assert.ok(why.includes('main.instrumented') && why.includes('racectx = 0') && why.includes('__tsan_func_enter'), why);
            assert.ok(formatReportText({ ...report, runtime: s }).includes(`\n             ${why}\n`), 'the text report prints it in the crash header');
            // racectx of every M's g0, gsignal and curg (race build): g0's is 0 on every M
            // (runtime.main sets m0's; other Ms' g0 are made with none), the user goroutine's is not.
            assert.ok(s.ms.length > 0 && s.ms.every((m) => m.racectx && m.racectx.g0 === '0x0'), JSON.stringify(s.ms.map((m) => m.racectx)));
            const crashM = s.ms.find((m) => m.crashing)!;
            assert.equal(crashM.curg?.goid, 1);
            assert.ok(crashM.racectx?.curg && crashM.racectx.curg !== '0x0', `curg racectx ${crashM.racectx?.curg}`);
          } else {
            // Builds without -race carry no racectx.
            assert.ok(s.ms.every((m) => m.racectx === null));
          }
        } finally {
          a.close();
        }
      });
    }
  }
});

describe('go-core report --json of crashes outside Go code follows the schema', () => {
  const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'schemas', 'report.schema.json'), 'utf8')) as Schema;
  for (const minor of provisionedGoVersions()) {
    for (const { fixture: fixtureName, program: name } of CASES) {
      test(`${fixtureName} go${minor}`, async () => {
        const f = fixture(fixtureName, minor);
        // As the command line builds it (src/report/cli.ts), without Delve.
        const engine = openCore(f.core, { binary: f.prog, buildIdDirs: [libcDebugDir()] });
        try {
          const r = engine.report();
          r.runtime = { ...engine.crash(), ...waitsReport(engine.waits()) };
          const json: unknown = JSON.parse(JSON.stringify(r));
          const errors: string[] = [];
          validate(schema, schema, json, '$', errors);
          assert.deepEqual(errors, []);
          // SSA on C frames (go-core report --ssa and the editor, one code path): none, nothing rebuilt.
          const anns = await annotateFrames(engine, r.crash.frames, { sourceRoot: () => undefined, allowedRoots: [], allowRebuild: false });
          for (const x of anns) {
            if (r.crash.frames[x.frame]!.language === 'c') assert.match(x.error ?? '', /is C code.*C code has no SSA/, x.function);
          }
          assert.equal(anns.some((x) => r.crash.frames[x.frame]!.language === 'c'), name !== 'cgo-callback-panic', 'C frames were annotated');
          // C frames are in the JSON (not in cgo-callback-panic's: its C frames are gone from the core).
          assert.equal(r.crash.frames.some((x) => x.language === 'c'), name !== 'cgo-callback-panic');
        } finally {
          engine.close();
        }
      });
    }
  }
});

describe('go-core pc on a pc of C code', () => {
  for (const minor of provisionedGoVersions()) {
    for (const name of ['cgo-inlined-fault', 'cgo-inlined-fault-arm64']) {
      test(`${name} go${minor}: the faulting pc is C code, named with its inlined C function and lines; no SSA`, async () => {
        const f = fixture(name, minor);
        const engine = openCore(f.core, { binary: f.prog });
        const fault = engine.report().crash.frames.find((x) => x.function === 'sum_counts')!;
        engine.close();
        // The pc the runtime printed (PC=… on Go 1.21+, [signal … pc=…] on Go 1.19) is sum_counts'.
        assert.ok(f.traceback.includes(`pc=${fault.pc}`) || f.traceback.includes(`PC=${fault.pc}`), `${fault.pc} is not in the traceback`);
        let err = '';
        const rc = await runCli(['pc', fault.pc, '--binary', f.prog, '--core', f.core], { out: () => undefined, err: (x) => (err += x) });
        assert.equal(rc, 1);
        const line = (text: string) => lineOf(f.srcDir, 'main.go', text);
        assert.equal(
          err,
          `go-core: ${fault.pc} is C code in prog: sum_counts+${fault.offset} (inlined read_count at ${join(f.srcDir, 'main.go')}:${line('return c->count;')}, ` +
            `sum_counts at ${join(f.srcDir, 'main.go')}:${line('total += read_count(c + i);')}); C code has no SSA\n`,
        );
      });
    }
  }
});

