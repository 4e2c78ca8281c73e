// Issue 12: our frames of a crash outside Go code include every frame Delve gives, in order, on
// every cgo / race fixture and every provisioned Go, each core read by the real Delve that covers
// its Go version (test/support/fixtures.ts dlvForGo, as src/delve/goRange.ts picks it).
//
// Compared: Delve's stackTrace of the goroutine it stopped on (the crashing thread's goroutine)
// against our crashing thread's frames (gsignal, g0, then the goroutine), by function name: the
// runtime prints `runtime.gopanic` as `panic`; Delve names C functions `C.<name>`, prints a
// package path's last element only (`sync.fatal` for internal/sync.fatal), and drops argument lists.
//
// Where Delve's list has frames we do not, each is one of these, and the test checks why:
// - `???`: Delve could not name the pc (a TSan function of the race runtime, which has no DWARF;
//   a libc function without a symbol; or, after asmcgocall / cgocallback, a pc of 0 or 1 where it
//   lost the stack). A `???` with a pc inside a mapped module must be one of our frames (we name
//   it from .symtab / .dynsym, or `<module>+0x<offset>`).
// - a cgo wrapper `_cgo_<hash>_Cfunc_<name>` at its own entry (Delve 1.20.2, Go 1.19): Delve
//   takes asmcgocall's fn argument for a return address. That wrapper tail-called the C function
//   (`jmp`), so it has no frame; a return address is never a function's entry.
// - cgo-callback-panic: after runtime.cgocallback Delve reads g0.sched.sp, which the panic's
//   deferred unwindm (runtime/cgocall.go) already restored to its value before the callback, so
//   it walks stale g0 frames (fatalpanic's systemstack) until it meets runtime.cgocallback again.
//   The C frames of that callback are gone from the core (fatalpanic's systemstack overwrote them);
//   the test checks that what Delve shows right after cgocallback is not crosscall2 (the C
//   caller's frame), and our walk does as the runtime's traceback does (back to runtime.cgocall).
// - `runtime.systemstack_switch` right above `runtime.cgocall`: the pc asmcgocall saves in the
//   goroutine's g.sched, not a call; our walk crosses asmcgocall to the return address into
//   runtime.cgocall (the test checks that it does).
// - a `???` right after runtime.sigtramp: the signal restorer (libc's on Go 1.19 cgo programs);
//   we read the interrupted registers from the ucontext instead.
// Where we give more, the test says so per fixture in MORE (functions Delve never shows on that
// fixture, for every Go version and Delve).
//
// linux/arm64 (`<name>-arm64`: cross-built with the provisioned aarch64-linux-gnu-gcc, static, run
// under qemu-aarch64) is compared the same way. Delve's own arm64 defects met on these cores, each
// let through only where it happens and checked to be exactly that:
// - Delve 1.20.2 (Go 1.19) on cgo-callback-panic-arm64 cannot leave runtime.sigtramp (it repeats it
//   to its frame limit, as on the other arm64 cores where the crash ran on the goroutine): the
//   rest of its list is nothing to compare.
// - Delve 1.24.0 stops cgo-callback-panic-arm64 of Go 1.24 with no goroutine in its stopped event;
//   its thread list still shows the crashing goroutine on its thread (`[Go 1] runtime.raise
//   (Thread N)`), whose stack is taken.
// - cgo-callback-panic-arm64 (Go 1.22+): after runtime.cgocallback Delve walks on to
//   runtime.mstart and `???` (stale g0 frames, as on amd64 where it meets cgocallback again): the
//   frames after cgocallback are not compared, and are checked not to start with crosscall2.
// - The strlen of the static libc has symbols but no DWARF: Delve shows `???`, we name it from
//   .symtab (the `???` rule above checks it is one of our frames).
// - On arm64 Delve shows the C frames, runtime.asmcgocall and the goroutine below it on Go 1.22+
//   (and on cgo-callback-fatal every Go version), so MORE is shorter there.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { analyzeCore } from '../../src/analysis/coreAnalysis.js';
import { buildReport } from '../../src/analysis/report.js';
import { CoreSession } from '../../src/delve/coreSession.js';
import { liveDelvePids } from '../../src/delve/dlvProcess.js';
import type { Report } from '../../src/analysis/report.js';
import { runCli } from '../../src/report/cli.js';
import { dlvForGo, fixture, libcDebugDir, OUTSIDE_GO, provisionedGoVersions } from '../support/fixtures.js';

/** Where we give more than Delve, from each fixture's source (test/fixtures/programs/<name>). */
const MORE: Record<string, { functions: string[]; why: string; exceptGo?: string[] }> = {
  'cgo-inlined-fault': {
    functions: ['read_count'],
    why: 'the static C function gcc inlined at the faulting pc (DWARF inlined subroutine); Delve names only sum_counts, or (Go 1.19 core) no C frame at all',
  },
  'cgo-libc-fault': {
    functions: ['runtime.asmcgocall'],
    why: 'the switch from g0 back to the goroutine; Delve shows ??? for the libc frame and then runtime.cgocall, or (Go 1.19 core) no C frame at all',
  },
  'race-systemstack': {
    functions: ['__tsan_func_enter', 'runtime.racefuncenter'],
    why: 'the TSan function by its symbol and the race entry points that called it; Delve shows ??? and resumes at main.instrumented, or (Go 1.19 core) at runtime.systemstack',
  },
  'cgo-callback-panic': { functions: [], why: 'the C frames of the callback are overwritten in this core; both follow the runtime back to runtime.cgocall' },
  'cgo-callback-fatal': {
    functions: ['runtime.cgocall', 'main._Cfunc_call_go'],
    exceptGo: ['1.19'],
    why: 'the goroutine below asmcgocall (Delve 1.24/1.27 show ??? there and jump to main.main; Delve 1.20.2 shows them)',
  },
  'cgo-inlined-fault-arm64': {
    functions: ['read_count'],
    why: 'the static C function gcc inlined at the faulting pc (DWARF inlined subroutine); Delve names only sum_counts, or (Go 1.19 core) no C frame at all',
  },
  'cgo-libc-fault-arm64': {
    functions: ['runtime.asmcgocall'],
    exceptGo: ['1.22', '1.24', '1.27'],
    why: 'the C frames and the switch back to the goroutine on Go 1.19 (Delve 1.20.2 walks the goroutine from g.sched); on later cores Delve shows them, with ??? for strlen',
  },
  'cgo-callback-panic-arm64': { functions: [], why: 'the C frames of the callback are overwritten in this core; we follow the runtime back to runtime.cgocall' },
  'cgo-callback-fatal-arm64': { functions: [], why: 'Delve shows every C and Go frame of this callback on arm64' },
};

/** The fixtures compared: every crash outside Go code, and the arm64 variants of the cgo ones. */
const COMPARED = [...[...OUTSIDE_GO].sort(), ...['cgo-callback-fatal', 'cgo-callback-panic', 'cgo-inlined-fault', 'cgo-libc-fault'].map((n) => `${n}-arm64`)];

function norm(name: string): string {
  const f = name === 'panic' ? 'runtime.gopanic' : name;
  return f
    .replace(/\([^()]*\)$/, '')
    .replace(/^C\./, '')
    .replace(/\[[^\]]*\]/g, '[...]')
    .replace(/^.*\//, '')
    .trim();
}

after(() => {
  assert.deepEqual(liveDelvePids(), [], 'Delve processes left running');
});

describe('our frames include Delve\'s on crashes outside Go code (issue 12)', () => {
  for (const minor of provisionedGoVersions()) {
    for (const name of COMPARED) {
      test(`${name} go${minor}`, async () => {
        const f = fixture(name, minor);
        const arm64 = f.goarch === 'arm64';
        const program = name.replace(/-arm64$/, '');
        const a = analyzeCore(f.core, { binary: f.prog, buildIdDirs: [libcDebugDir()] });
        try {
          const report = buildReport(a);
          const ours = report.crash.frames.map((x) => ({ name: norm(x.function), pc: BigInt(x.pc) }));
          const native = a.native();
          const s = await CoreSession.open({ dlv: dlvForGo(minor), programPath: f.prog, corePath: f.core });
          let theirs: DebugProtocol.StackFrame[];
          try {
            let id = s.stoppedEvent.body.threadId;
            if (id === undefined && arm64) {
              // Delve 1.24.0 on cgo-callback-panic-arm64 of Go 1.24 (see the header): the goroutine
              // its thread list shows on a thread.
              assert.ok(name === 'cgo-callback-panic-arm64' && minor === '1.24', `Delve stopped on no goroutine on ${name} go${minor}`);
              const onThread = (await s.threads()).filter((t) => /\(Thread \d+\)$/.test(t.name));
              assert.equal(onThread.length, 1, JSON.stringify(onThread));
              id = onThread[0]!.id;
            }
            assert.ok(id !== undefined && id > 0, `Delve stopped on no goroutine`);
            theirs = (await s.stackTrace(id, { levels: 200 })).frames;
          } finally {
            await s.close();
          }
          const shown = theirs.map((x) => `${x.name} ${x.instructionPointerReference ?? ''}`).join('\n  ');
          const ourNames = ours.map((x) => x.name);
          const loop = theirs.findIndex((x, i) => i >= 1 && norm(x.name) === 'runtime.sigtramp' && norm(theirs[i - 1]!.name) === 'runtime.sigtramp');
          if (arm64 && loop >= 0) {
            // Delve 1.20.2 repeating runtime.sigtramp (see the header), only there; the frames
            // before the loop are compared, and ours reach main.main.
            assert.ok(name === 'cgo-callback-panic-arm64' && minor === '1.19', `Delve repeats runtime.sigtramp on ${name} go${minor}:\n  ${shown}`);
            assert.ok(theirs.slice(loop).every((x) => norm(x.name) === 'runtime.sigtramp'), `Delve's list after the loop:\n  ${shown}`);
            theirs = theirs.slice(0, loop);
            assert.ok(ourNames.includes('main.main'), `our walk does not reach main.main`);
          }
          // Delve's frames we have no counterpart for, each with its documented reason.
          const cb = theirs.findIndex((x) => norm(x.name) === 'runtime.cgocallback');
          const cb2 = cb >= 0 ? theirs.findIndex((x, i) => i > cb && norm(x.name) === 'runtime.cgocallback') : -1;
          if (cb2 >= 0) {
            assert.equal(program, 'cgo-callback-panic', `Delve walks runtime.cgocallback twice only where g0.sched.sp was restored:\n  ${shown}`);
            assert.notEqual(norm(theirs[cb + 1]!.name), 'crosscall2', 'Delve found the C caller, so the g0 frames are not stale');
          }
          // arm64 (see the header): Delve walks on from cgocallback into stale g0 frames.
          const staleTail = arm64 && program === 'cgo-callback-panic' && cb >= 0 && cb2 < 0 && cb + 1 < theirs.length;
          if (staleTail) {
            assert.notEqual(norm(theirs[cb + 1]!.name), 'crosscall2', 'Delve found the C caller, so the g0 frames are not stale');
            assert.ok(theirs.slice(cb + 1).every((x) => ['runtime.mstart', '???'].includes(norm(x.name))), `Delve's frames after cgocallback:\n  ${shown}`);
            const k = ourNames.indexOf('runtime.cgocallback');
            assert.ok(k >= 0 && ourNames.slice(k).includes('runtime.cgocall'), 'our walk goes back to runtime.cgocall');
          }
          const compared: string[] = [];
          theirs.forEach((x, i) => {
            const n = norm(x.name);
            const pc = x.instructionPointerReference ? BigInt(x.instructionPointerReference) : 0n;
            if (cb2 >= 0 && i > cb && i <= cb2) return; // stale g0 frames (see the header)
            if (staleTail && i > cb) return;
            if (n === '???') {
              // A pc in a mapped module must be a frame of ours, which names it.
              // Except the signal restorer the kernel returns to after runtime.sigtramp (libc's,
              // when cgo installed the handler through sigaction; Go 1.19): we read the
              // interrupted registers from the ucontext instead of walking through it.
              const restorer = i > 0 && norm(theirs[i - 1]!.name) === 'runtime.sigtramp';
              if (pc > 1n && native.moduleFor(pc) !== undefined && !restorer) {
                assert.ok(ours.some((o) => o.pc === pc), `Delve's ??? at ${x.instructionPointerReference} is not one of our frames`);
              }
              return;
            }
            const sym = pc ? native.moduleFor(pc)?.symbolAt(pc) : undefined;
            if (/^_cgo_[0-9a-f]+_Cfunc_/.test(n) && sym && sym.entry === pc) {
              // asmcgocall's fn argument read as a return address (Delve 1.20.2): not a frame.
              assert.equal(minor, '1.19', `Delve shows a cgo wrapper at its entry on go${minor}`);
              return;
            }
            const oursToo = ourNames.some((x, k) => x === 'runtime.systemstack_switch' && ourNames[k + 1] === 'runtime.cgocall');
            if (n === 'runtime.systemstack_switch' && norm(theirs[i + 1]?.name ?? '') === 'runtime.cgocall' && !oursToo) {
              // The pc asmcgocall saved in the goroutine's g.sched (gosave_systemstack_switch) so
              // that tracebacks of the goroutine start somewhere: not a call. Delve shows it when
              // it walks the goroutine from g.sched; we cross asmcgocall with the g and stack
              // depth it saved on g0 and land on the return address into runtime.cgocall.
              const k = ourNames.indexOf('runtime.asmcgocall');
              assert.ok(k >= 0 && ourNames[k + 1] === 'runtime.cgocall', `our walk does not cross asmcgocall into runtime.cgocall`);
              return;
            }
            compared.push(n);
          });
          // Not vacuous: Delve named frames of the program itself (Go or C) on every fixture but
          // where it loops in sigtramp before reaching them.
          assert.ok(loop >= 0 || compared.some((n) => n.startsWith('main.')), `Delve showed no frame of the program:\n  ${shown}`);
          // In order: each of Delve's (compared) frames is one of ours, after the previous one.
          let j = 0;
          for (const n of compared) {
            const k = ourNames.indexOf(n, j);
            assert.ok(k >= 0, `${name} go${minor}: Delve's frame ${n} is not among ours (in order) after ${ourNames[j - 1] ?? 'the start'}\nours:\n  ${ourNames.join('\n  ')}\nDelve:\n  ${shown}`);
            j = k + 1;
          }
          // Where we give more (MORE): functions Delve does not show on this fixture.
          const more = MORE[name]!;
          for (const fn of more.exceptGo?.includes(minor) ? [] : more.functions) {
            assert.ok(ourNames.includes(fn), `${name} go${minor}: our frames lack ${fn} (${more.why})`);
            assert.ok(!compared.includes(fn), `${name} go${minor}: Delve now shows ${fn}; update MORE (${more.why})\nDelve:\n  ${shown}`);
          }
        } finally {
          a.close();
        }
      });
    }
  }
});

// `go-core report`'s Delve cross-check (src/report/delveCheck.ts) on the same cores: it agrees on
// the goroutine, and on the origin wherever Delve's stack holds it (Delve names C functions
// `C.<name>`, shows `???` for a libc frame without symbols, does not expand the C function gcc
// inlined at the faulting pc); where Delve's stack of the goroutine does not reach the frames that
// ran on g0 (Go 1.19 cores: Delve walks the goroutine from its saved state), it says so. The
// arm64 variants agree the same way, except where Delve 1.20.2 loops in runtime.sigtramp
// (cgo-callback-panic-arm64, Go 1.19): its stack then holds no origin to compare (`origin: null`).
describe('go-core report: the Delve cross-check on crashes outside Go code', () => {
  for (const minor of provisionedGoVersions()) {
    for (const name of ['cgo-inlined-fault', 'cgo-libc-fault', 'race-systemstack', 'cgo-callback-panic', 'cgo-inlined-fault-arm64', 'cgo-libc-fault-arm64', 'cgo-callback-panic-arm64']) {
      test(`${name} go${minor}`, async () => {
        const f = fixture(name, minor);
        let out = '';
        // libc's debug file through a build-ID directory, as a user names one ($GO_CORE_BUILD_ID_DIRS).
        const env = { ...process.env, GO_CORE_BUILD_ID_DIRS: libcDebugDir() };
        const rc = await runCli(['report', f.core, '--binary', f.prog, '--json'], { out: (x) => (out += x), err: () => undefined, env });
        assert.equal(rc, 0);
        const r = JSON.parse(out) as Report;
        const d = r.delve!;
        assert.equal(d.error, null);
        assert.equal(d.agrees.goroutine, true);
        const onG0 = r.runtime!.origin!.stack === 'g0';
        const program = name.replace(/-arm64$/, '');
        if (d.agrees.origin === null && name === 'cgo-callback-panic-arm64' && minor === '1.19') {
          const tail = d.frames.slice(-10).map((x) => x.function);
          assert.ok(tail.every((x) => x === 'runtime.sigtramp'), `Delve's walk ends in ${tail.join(' > ')}`);
        } else if (d.agrees.origin !== true) {
          // Only where Delve's stack does not reach the g0 frames, and the note says so.
          assert.ok(onG0 && minor === '1.19', `${name} go${minor}: origin differs: ${JSON.stringify(d.agrees)}`);
          assert.match(d.agrees.note ?? '', /does not reach .* which ran on the g0 stack/);
        } else if (program === 'cgo-inlined-fault') {
          assert.match(d.agrees.note ?? '', /does not expand the inlined call read_count/);
        } else if (program === 'cgo-libc-fault') {
          assert.match(d.agrees.note ?? '', /Delve shows \?\?\? at 0x[0-9a-f]+, the frame we name __strlen_/);
        }
      });
    }
  }
});

