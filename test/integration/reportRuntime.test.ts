// `go-core report --json`, with Delve and with --no-delve: the runtime section (crash kind,
// messages, crashing goroutine, origin frame, _panic chain, M table) equals what the Go runtime
// printed, and where Delve answers for the same core it agrees with our readers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from '../../src/report/cli.js';
import type { Report } from '../../src/analysis/report.js';
import { crashingGoroutine, originFrame, parseTraceback } from '../../src/traceback/parse.js';
import { listFixtures, provisionedGoVersions } from '../support/fixtures.js';

async function report(args: string[]): Promise<Report> {
  let out = '';
  let err = '';
  const status = await runCli(['report', ...args, '--json'], { out: (s) => (out += s), err: (s) => (err += s) });
  assert.equal(status, 0, `go-core report ${args.join(' ')} failed: ${err}`);
  return JSON.parse(out) as Report;
}

const versions = provisionedGoVersions();
const chosen = new Set([versions[0], versions[versions.length - 1]]);
// The deadlock fixtures of test/integration/waits.test.ts crash on g0 in runtime.checkdead with no
// goroutine of their own: which goroutine the report names for them is decided in crashSummary.ts
// (the deadlock crash-goroutine choice), not yet here.
const DEADLOCKS = new Set(['wait-mutex-exited', 'wait-chan-cycle', 'wait-waitgroup']);
const fixtures = listFixtures().filter(
  (f) => chosen.has(f.goMinor) && f.program !== 'many-goroutines' && f.program !== 'stack-overflow' && !DEADLOCKS.has(f.program),
);

describe('go-core report: runtime section against the traceback, with and without Delve', () => {
  for (const f of fixtures) {
    for (const noDelve of [true, false]) {
      test(`${f.fixture} go${f.goMinor}${noDelve ? ' --no-delve' : ' with Delve'}`, async () => {
        const tb = parseTraceback(f.traceback);
        const g = crashingGoroutine(tb)!;
        const r = await report([f.core, '--binary', f.prog, ...(noDelve ? ['--no-delve'] : [])]);
        const rt = r.runtime!;
        assert.ok(rt, 'the report has a runtime section');
        const printed = [...tb.panics, ...tb.fatalErrors].map((l) => l.text.replace(/^\t+/, ''));
        assert.deepEqual([...rt.messages].sort(), [...printed].sort(), 'messages');
        assert.equal(rt.kind, tb.panics.length ? 'panic' : 'fatal error');
        // Goroutines that threw at once: the crash's goroutine is the one the runtime printed first.
        assert.equal(rt.goroutine, g.id);
        assert.equal(rt.origin?.function, originFrame(g)?.func);
        const severalThrowers = rt.ms.filter((m) => m.throwing > 0).length >= 2;
        assert.equal(rt.panics.filter((p) => !p.goexit).length, tb.panics.length);
        if (rt.blocked.length > 0) {
          // A deadlock: the crashing M runs no goroutine; the crash's goroutine is the first blocked.
          assert.ok(rt.ms.some((m) => m.crashing && m.curg === null), 'the crashing M runs no goroutine');
          assert.equal(rt.blocked[0]!.goid, rt.goroutine);
        } else if (severalThrowers) {
          assert.ok(rt.ms.some((m) => !m.crashing && m.throwing > 0 && m.curg?.goid === rt.goroutine), 'the other throwing M runs the printed goroutine');
        } else assert.ok(rt.ms.some((m) => m.crashing && m.curg?.goid === rt.goroutine), 'the crashing M runs the crashing goroutine');
        if (noDelve) {
          assert.equal(r.delve, null);
          return;
        }
        const d = r.delve!;
        if (f.variant === 'stripped') {
          // Delve cannot read a stripped binary (no DWARF): it must say so, not hang or invent.
          assert.ok(d.error, 'Delve reports why it has no answer on a stripped binary');
          return;
        }
        if (rt.blocked.length > 0) {
          // A deadlock: the crashing thread runs no goroutine; Delve stops on none and says so.
          assert.match(d.error ?? '', /no goroutine/, 'Delve says it stopped on no goroutine');
          return;
        }
        assert.equal(d.error, null, `Delve: ${d.error}`);
        assert.equal(d.agrees.goroutine, true, `Delve names goroutine ${d.goroutine}, we name ${rt.goroutine}`);
        if (severalThrowers && d.goroutine !== rt.goroutine) assert.match(d.agrees.note ?? '', /several goroutines threw at once/);
        // Delve 1.27.1 drops the caller of a frameless leaf that faulted; the origin itself must agree.
        assert.notEqual(d.agrees.origin, false, `Delve's origin differs: ${JSON.stringify(d.frames.slice(0, 8))}`);
        // Where we give more: the origin is an inlined call at the faulting pc (the traceback shows it
        // with `(...)` right below runtime.sigpanic); Delve names its physical function, and says so.
        const tbGoroutine = parseTraceback(f.traceback).goroutines[0];
        const o = tbGoroutine ? originFrame(tbGoroutine) : undefined;
        const inlinedFault = !!o?.inlined && tbGoroutine!.frames[tbGoroutine!.frames.indexOf(o) - 1]?.func === 'runtime.sigpanic';
        if (inlinedFault) assert.match(d.agrees.note ?? '', /does not expand the inlined call/);
        else if (!severalThrowers) assert.equal(d.agrees.note ?? null, null);
      });
    }
  }
});
