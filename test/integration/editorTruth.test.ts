// Issue 16's engine items, through `go-core report` (runCli, in process) on real cores of every
// provisioned Go version, against the runtime's printed traceback and the fixtures' source:
// - nested panics: each _panic record names the frame that raised it (nested-panics,
//   recovered-repanic, defer-panic, inlined-nilptr);
// - stack overflow: the walk reaches main.main and runtime.main and counts the recursion exactly,
//   as `...N frames elided...` does, in seconds;
// - deadlock: no unknown goroutine; the blocked goroutines listed with their blocking lines;
// - signal frames: the inlined frames of the faulting frame share its rule (pc itself);
// - `--ssa`: the editor's annotations, on the origin frame of index, nilptr-goroutine and
//   inlined-nilptr.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { plausibleSource } from '../../src/analysis/pathMapping.js';
import { runCli } from '../../src/report/cli.js';
import type { Report, ReportFrame } from '../../src/analysis/report.js';
import { isRuntimeFunction } from '../../src/traceback/crash.js';
import { crashingGoroutine, parseTraceback } from '../../src/traceback/parse.js';
import type { Frame } from '../../src/traceback/types.js';
import { listFixtures, type Fixture } from '../support/fixtures.js';
import { validate, type Schema } from '../support/jsonSchema.js';

const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'schemas', 'report.schema.json'), 'utf8')) as Schema;

async function report(f: Fixture, extra: string[] = []): Promise<{ report: Report; stderr: string; ms: number }> {
  let out = '';
  let err = '';
  const t0 = Date.now();
  const code = await runCli(['report', f.core, '--binary', f.prog, '--json', '--no-delve', ...extra], {
    out: (s) => (out += s),
    err: (s) => (err += s),
  });
  const ms = Date.now() - t0;
  assert.equal(code, 0, err);
  const r = JSON.parse(out) as Report;
  const errors: string[] = [];
  validate(schema, schema, r, '$', errors);
  assert.deepEqual(errors, [], 'the report follows schemas/report.schema.json');
  return { report: r, stderr: err, ms };
}

/** The printed traceback's crashing goroutine. */
function printedGoroutine(f: Fixture) {
  const g = crashingGoroutine(parseTraceback(f.traceback));
  assert.ok(g, `${f.tracebackPath}: no crashing goroutine`);
  return g;
}

/** The last n frames, an entry with `repeat` expanded (each frame fp−sp above the previous). */
function lastFrames(entries: readonly ReportFrame[], n: number): ReportFrame[] {
  const out: ReportFrame[] = [];
  for (let i = entries.length - 1; i >= 0 && out.length < n; i--) {
    const e = entries[i]!;
    const size = BigInt(e.fp) - BigInt(e.sp);
    for (let k = e.repeat - 1; k >= 0 && out.length < n; k--) {
      const sp = BigInt(e.sp) + BigInt(k) * size;
      out.unshift({ ...e, sp: `0x${sp.toString(16)}`, fp: `0x${(sp + size).toString(16)}`, repeat: 1 });
    }
  }
  return out;
}

const sourceLine = (f: Fixture, line: number): string => readFileSync(join(f.srcDir, 'main.go'), 'utf8').split('\n')[line - 1] ?? '';

describe('nested panics: each _panic record is tied to the frame that raised it', () => {
  for (const f of listFixtures({ fixture: /^(nested-panics|recovered-repanic|defer-panic|inlined-nilptr|index)$/ })) {
    test(`${f.fixture} go${f.goMinor}`, async () => {
      const { report: r } = await report(f);
      const panics = r.runtime!.panics.filter((p) => !p.goexit);
      // Oracle: the printed stack, innermost first; below each printed `panic(...)` (gopanic) frame,
      // the first frame outside the runtime raised that panic. Records are newest first, as are
      // the gopanic frames from the top of the stack.
      const g = printedGoroutine(f);
      const printed: Frame[] = [];
      g.frames.forEach((fr, i) => {
        if (fr.func !== 'panic' && fr.func !== 'runtime.gopanic') return;
        const raiser = g.frames.slice(i + 1).find((x) => !isRuntimeFunction(x.func));
        if (raiser) printed.push(raiser);
      });
      assert.equal(panics.length, printed.length, 'one record per printed gopanic frame');
      panics.forEach((p, k) => {
        assert.ok(p.raisingFrame, `record ${k} (${p.value}) has a raising frame`);
        assert.equal(p.raisingFrame.function, printed[k]!.func, `record ${k} (${p.value}): function`);
        assert.equal(p.raisingFrame.line, printed[k]!.lineNumber, `record ${k} (${p.value}): line`);
        assert.deepEqual(r.crash.frames[p.raisingFrameIndex!], p.raisingFrame, 'raisingFrameIndex points into crash.frames');
      });
      if (f.fixture === 'nested-panics') {
        // The fixture's source marks each raising line: `// raises A`, `// raises B`, `// raises C`.
        assert.deepEqual(panics.map((p) => p.value), ['C after B', 'B', 'A']);
        for (const p of panics) assert.match(sourceLine(f, p.raisingFrame!.line), new RegExp(`// raises ${p.value[0]}$`), `${p.value}`);
        assert.deepEqual(panics.map((p) => p.recovered), [false, true, false]);
      }
    });
  }
});

describe('stack overflow: the whole stack, the recursion counted exactly', () => {
  for (const f of listFixtures({ fixture: 'stack-overflow' })) {
    test(`stack-overflow go${f.goMinor}`, async () => {
      const { report: r, ms } = await report(f);
      const label = `goroutine ${r.runtime!.goroutine}`;
      const ours = r.crash.frames.filter((x) => x.stack === label);
      const depth = ours.reduce((n, x) => n + x.repeat, 0);
      assert.equal(r.crash.stop.reason, 'top', `the walk was cut: ${r.crash.stop.detail}`);
      assert.ok(ours.length < 200, `${ours.length} entries: the recursion is counted, not listed`);
      const g = printedGoroutine(f);
      const elidedAt = g.items.findIndex((i) => i.kind === 'elided');
      assert.ok(elidedAt > 0, 'the runtime elided frames');
      const head = g.items.slice(0, elidedAt).flatMap((i) => (i.kind === 'frame' ? [i.frame] : []));
      const tail = g.items.slice(elidedAt + 1).flatMap((i) => (i.kind === 'frame' ? [i.frame] : []));
      const elided = g.items[elidedAt]!;
      const count = elided.kind === 'elided' ? elided.line.count?.value : undefined;
      if (count !== undefined) {
        // Go 1.21+: `...N frames elided...` between the innermost and outermost printed frames.
        assert.equal(depth, head.length + count + tail.length, 'exact depth = printed + elided');
        const bottom = lastFrames(ours, tail.length);
        assert.deepEqual(
          bottom.map((x) => [x.function, x.line, x.pc, x.sp]),
          tail.map((x) => [x.func === 'panic' ? 'runtime.gopanic' : x.func, x.lineNumber, `0x${x.pc!.toString(16)}`, `0x${x.sp!.toString(16)}`]),
          'the bottom frames are those the runtime printed',
        );
      } else {
        // Go 1.19 prints no count: the bottom frames are main.main, runtime.main, runtime.goexit.
        assert.deepEqual(ours.slice(-3).map((x) => x.function), ['main.main', 'runtime.main', 'runtime.goexit']);
      }
      // The fixture's source: recurse(len(os.Args)) then n+1 per call, so the innermost frame's
      // argument (printed by the runtime) is the number of main.recurse frames.
      const n = Number(BigInt(/^main\.recurse\((0x[0-9a-f]+)\??\)$/m.exec(f.traceback)![1]!));
      assert.equal(ours.filter((x) => x.function === 'main.recurse').reduce((k, x) => k + x.repeat, 0), n, 'main.recurse frames');
      const run = ours.find((x) => x.repeat > 1)!;
      assert.equal(run.function, 'main.recurse');
      console.log(`stack-overflow go${f.goMinor}: ${depth} frames (main.recurse × ${n}) in ${ms} ms`);
      assert.ok(ms < 15_000, `walking the overflowed stack took ${ms} ms`);
    });
  }
});

describe('deadlock: the blocked goroutines are the story', () => {
  for (const f of listFixtures({ fixture: 'mutex-deadlock' })) {
    test(`mutex-deadlock go${f.goMinor}`, async () => {
      const { report: r } = await report(f);
      const s = r.runtime!;
      assert.equal(s.kind, 'fatal error');
      assert.deepEqual(s.messages, ['fatal error: all goroutines are asleep - deadlock!']);
      const tb = parseTraceback(f.traceback);
      // Oracle: the printed goroutines that run the program's code (a frame in package main).
      const printed = tb.goroutines.filter((g) => g.frames.some((fr) => fr.func.startsWith('main.')));
      assert.equal(printed.length, 2, 'main and the worker are printed');
      assert.equal(s.goroutine, printedGoroutine(f).id, 'the goroutine the runtime printed first, not unknown');
      // The thread that found the deadlock ran on g0: its "runtime stack:" as printed ends where
      // g0's stack begins (runtime.mcall after park_m, or runtime.mstart for an M that was idle),
      // and so does our walk, complete (not "walk cut").
      const runtimeStack = readFileSync(f.tracebackPath, 'utf8').split('\n\n').find((b) => b.startsWith('runtime stack:'));
      const lastPrinted = runtimeStack?.split('\n').filter((l) => /^\S/.test(l) && l !== 'runtime stack:').pop();
      const lastFn = /^(\S+)\(/.exec(lastPrinted ?? '')?.[1];
      assert.match(lastFn ?? '', /^runtime\.(mcall|mstart)$/, `the printed runtime stack ends at mcall or mstart: ${lastPrinted}`);
      assert.equal(r.crash.frames.at(-1)?.function, lastFn, 'our walk ends where the printed runtime stack ends');
      assert.equal(r.crash.stop.reason, 'top', `the walk is complete: ${r.crash.stop.detail}`);
      assert.deepEqual(s.blocked.map((b) => b.goid), printed.map((g) => g.id), 'the blocked goroutines, in the printed order');
      s.blocked.forEach((b, i) => {
        const g = printed[i]!;
        assert.equal(b.status, g.status, `goroutine ${b.goid}: status as printed`);
        const own = g.frames.find((fr) => fr.func.startsWith('main.'))!;
        assert.equal(b.blockingFrame?.function, own.func, `goroutine ${b.goid}: blocking function`);
        assert.equal(b.blockingFrame?.line, own.lineNumber, `goroutine ${b.goid}: blocking line`);
        assert.match(sourceLine(f, own.lineNumber!), /\/\/ blocks:/, 'the source marks the blocking line');
      });
    });
  }
});

describe('source mapping: the files a core names are plausible sources of their own frames', () => {
  // A deadlock's origin is `sync.runtime_Semacquire…` at runtime/sema.go, declared there as
  // `sync_runtime_Semacquire…` (go:linkname): the views said "source not found" for the toolchain's
  // own file. Every frame of every blocked goroutine whose recorded file exists here (the fixtures'
  // sources and the provisioned GOROOTs) must pass the content check that the views apply.
  for (const f of listFixtures({ fixture: /^(mutex-deadlock|wait-mutex-exited|wait-waitgroup|wait-chan-cycle)$/ })) {
    test(`${f.fixture} go${f.goMinor}`, async () => {
      const { report: r } = await report(f);
      const frames = r.runtime!.blocked.flatMap((b) => b.frames);
      const checked = frames.filter((x) => x.file && x.line && existsSync(x.file));
      assert.ok(checked.some((x) => x.file!.includes('/src/runtime/')), 'GOROOT files are among the checked ones');
      for (const x of checked) {
        assert.ok(plausibleSource(readFileSync(x.file!, 'utf8'), x.line!, x.function, x.file!), `${x.function} at ${x.file}:${x.line}`);
      }
    });
  }
});

describe('signal frames: the inlined frames of the faulting frame share its rule', () => {
  for (const f of listFixtures({ fixture: /^(inlined-nilptr|nilptr-goroutine|index)$/ })) {
    test(`${f.fixture} go${f.goMinor}`, async () => {
      const { report: r } = await report(f);
      // Every logical frame of one physical frame has the same rule.
      const byPhysical = new Map<string, ReportFrame[]>();
      for (const x of r.crash.frames) {
        const k = `${x.stack}|${x.pc}|${x.sp}`;
        byPhysical.set(k, [...(byPhysical.get(k) ?? []), x]);
      }
      for (const group of byPhysical.values()) {
        assert.equal(new Set(group.map((x) => x.returnAddress)).size, 1, `one rule for ${group.map((x) => x.function).join(', ')}`);
        if (group.some((x) => x.signalFrame)) assert.ok(group.every((x) => !x.returnAddress), 'a signal frame is the instruction itself');
      }
      const origin = r.runtime!.origin!;
      if (f.fixture === 'inlined-nilptr') {
        // Oracle: the traceback prints the inlined method, then sum at the faulting pc.
        const g = printedGoroutine(f);
        const o = g.frames.find((x) => !isRuntimeFunction(x.func))!;
        assert.equal(o.func, 'main.(*node).Weight');
        assert.ok(o.inlined, 'printed as inlined');
        assert.equal(origin.function, 'main.(*node).Weight');
        assert.equal(origin.line, o.lineNumber);
        assert.ok(origin.inlined);
        assert.equal(origin.returnAddress, false, 'the inlined origin frame uses the faulting pc');
        const sig = /pc=(0x[0-9a-f]+)\]$/m.exec(f.traceback)![1]!;
        assert.equal(origin.pc, sig, 'its pc is the faulting pc the runtime printed');
      } else if (f.fixture === 'index') {
        assert.equal(origin.returnAddress, true, 'a call of panicIndex: a return address');
      } else {
        assert.equal(origin.returnAddress, false);
      }
    });
  }
});

describe('go-core report --ssa: the editor annotations of the crash frames', () => {
  for (const f of listFixtures({ fixture: /^(index|nilptr-goroutine|inlined-nilptr)$/ })) {
    test(`${f.fixture} go${f.goMinor}`, async () => {
      const { report: r, stderr } = await report(f, ['--ssa', '--source', f.srcDir]);
      assert.ok(r.ssa, 'the report has the ssa annotations');
      const origin = r.ssa.find((a) => a.origin);
      assert.ok(origin, 'the origin frame is annotated');
      assert.equal(origin.error, null, `origin not mapped: ${origin.error} (${stderr})`);
      assert.ok(origin.verified, `origin not verified: ${origin.reason}`);
      assert.equal(r.crash.frames[origin.frame]!.function, origin.function);
      assert.equal(origin.returnAddress, r.crash.frames[origin.frame]!.returnAddress, 'the rule of the frame');
      assert.ok(origin.instruction && origin.ssaValue, 'an instruction and its SSA value');
      if (f.program === 'index') {
        assert.equal(origin.function, 'main.pick');
        assert.equal(origin.returnAddress, true);
        assert.equal(BigInt(origin.lookupPc!), BigInt(origin.pc) - 1n, 'return address: pc−1');
        assert.match(origin.instruction.text, /^CALL\s+runtime\.(panicIndex|panicBounds|goPanicIndex)/, origin.instruction.text);
      } else {
        // The faulting load itself, on the inlined origin frame too.
        assert.equal(origin.returnAddress, false);
        assert.equal(origin.lookupPc, origin.pc, 'a signal frame: pc itself');
        assert.equal(origin.instruction.pc, origin.pc, 'the instruction at the faulting pc');
        // A load from the nil pointer (Go 1.27 folds it into the add: ADDQ (SI), DX).
        assert.match(origin.instruction.text, /^[A-Z]\w*\s+(-?\d+|0x[0-9a-f]+)?\([A-Z0-9]+\)/, `a memory operand: ${origin.instruction.text}`);
        assert.match(origin.ssaValue.op, /load/i, origin.ssaValue.text);
        const sig = /pc=(0x[0-9a-f]+)\]$/m.exec(f.traceback)![1]!;
        assert.equal(origin.pc, sig, 'the faulting pc the runtime printed');
      }
      if (f.program === 'inlined-nilptr') {
        assert.ok(origin.inlined, 'the origin is the inlined method');
        // Its physical frame (main.sum) is annotated with the same answer.
        const phys = r.ssa.find((a) => a.pc === origin.pc && !a.inlined)!;
        assert.equal(phys.function, 'main.sum');
        assert.deepEqual([phys.lookupPc, phys.instruction, phys.ssaValue, phys.verified], [origin.lookupPc, origin.instruction, origin.ssaValue, origin.verified]);
      }
      // Every annotated frame with a mapping: the rule of its frame, pc−1 exactly for return addresses.
      for (const a of r.ssa.filter((x) => x.error === null)) {
        assert.equal(a.returnAddress, r.crash.frames[a.frame]!.returnAddress);
        assert.equal(BigInt(a.lookupPc!), BigInt(a.pc) - (a.returnAddress ? 1n : 0n));
      }
    });
  }
});
