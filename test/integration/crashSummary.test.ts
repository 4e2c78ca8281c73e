// Issue 5's oracle checks, with our own readers only (no Delve): for every fixture of every
// provisioned Go version, the crash kind, the messages (each `panic:` line in order, with
// `[recovered]`), the originating signal, the crashing goroutine and its origin frame, and the g0 /
// curg data of the crashing M equal what the Go runtime printed when the program crashed. The
// linux/arm64 fixtures (run under qemu-user: no NT_SIGINFO, qemu's thread order) are included.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeCore } from '../../src/analysis/coreAnalysis.js';
import { crashSummary, type CrashSummary } from '../../src/analysis/crashSummary.js';
import { buildReport } from '../../src/analysis/report.js';
import { crashingGoroutine, originFrame, parseTraceback, type Traceback } from '../../src/traceback/parse.js';
import { listFixtures, type Fixture } from '../support/fixtures.js';

const fixtures = [...listFixtures(), ...listFixtures({ goarch: 'arm64' })];

function summarize(f: Fixture): CrashSummary {
  const a = analyzeCore(f.core, { binary: f.prog });
  try {
    return crashSummary(a, buildReport(a), { groupGoroutines: f.program === 'nilptr-goroutine' || f.program === 'many-goroutines' });
  } finally {
    a.close();
  }
}

function expectedKind(tb: Traceback): string {
  if (tb.panics.length > 0) return 'panic';
  if (tb.fatalErrors.length > 0) return 'fatal error';
  return 'signal';
}

describe('crash summary from raw memory equals the runtime traceback', () => {
  for (const f of fixtures) {
    test(`${f.fixture} go${f.goMinor}`, () => {
      const tb = parseTraceback(f.traceback);
      const s = summarize(f);
      const g = crashingGoroutine(tb);
      assert.ok(g, 'the traceback names a crashing goroutine');

      assert.equal(s.kind, expectedKind(tb), 'crash kind');
      const printed = [...tb.panics, ...tb.fatalErrors].sort((x, y) => x.line - y.line).map((l) => l.text.replace(/^\t+/, ''));
      if (s.kind === 'fatal error') {
        // Each throwing thread printed its line; the order between threads is not in the core.
        assert.deepEqual([...s.messages].sort(), [...printed].sort(), 'one fatal error line per throwing thread');
      } else {
        assert.deepEqual(s.messages, printed, 'the header lines, in order');
      }

      if (tb.signal) {
        assert.ok(s.signal, 'a signal started the crash');
        assert.equal(s.signal.name, tb.signal.signal.value);
        const field = (k: string) => tb.signal!.fields.find((x) => x.key === k)?.value;
        assert.equal(s.signal.code, field('code'));
        assert.equal(s.signal.address, field('addr'));
        assert.equal(s.signal.pc, field('pc'));
      } else {
        assert.equal(s.signal, null, 'no signal line was printed');
      }

      // Two goroutines that threw at once (map-writes, map-writers): the crash's goroutine is the one
      // the runtime printed first, not the one on the core's crashing thread.
      assert.equal(s.goroutine, g.id, 'crashing goroutine id');
      const o = originFrame(g);
      assert.ok(o, 'the traceback has an origin frame');
      assert.equal(s.origin?.function, o.func, 'origin function');
      assert.equal(s.origin?.line, o.lineNumber, 'origin line');

      // The crashing M: its curg is the crashing goroutine; Go 1.22+ prints gp= and m= for it.
      // A deadlock is found by an M with no goroutine (checkdead on g0): the goroutine is the first
      // blocked one, printed with m=nil.
      const crashingM = s.ms.find((x) => x.crashing);
      assert.ok(crashingM, 'the crashing thread belongs to an M');
      const deadlock = s.blocked.length > 0;
      const severalThrowers = s.ms.filter((x) => x.throwing > 0).length >= 2;
      // With several throwers the printed goroutine runs on another throwing M.
      const m = severalThrowers ? s.ms.find((x) => x.throwing > 0 && x.curg?.goid === s.goroutine) : crashingM;
      assert.ok(m, 'an M runs the crashing goroutine');
      if (deadlock) assert.equal(m.curg, null, 'a deadlock: the crashing M runs no goroutine');
      else assert.equal(m.curg?.goid, s.goroutine, 'the M runs the crashing goroutine');
      if (severalThrowers) assert.ok(!m.crashing && crashingM.throwing > 0, 'another thrower raised the final signal');
      const header = tb.goroutines.find((x) => x.id === s.goroutine)!.header;
      if (header.gp && header.m && !deadlock) {
        assert.equal(m.curg?.address, header.gp.value, 'gp= of the crashing goroutine');
        assert.equal(String(m.id), header.m.value, 'm= of the crashing goroutine');
        if (header.mp) assert.equal(m.address, header.mp.value, 'mp=');
      }
      if (s.kind === 'fatal error') assert.ok(m.throwing > 0, 'a fatal error sets m.throwing');
      assert.ok(m.g0.stackLo && m.g0.stackHi, 'g0 stack bounds');

      // The _panic chain has one record per printed panic line (newest first).
      if (s.kind === 'panic') {
        assert.equal(s.panics.filter((p) => !p.goexit).length, tb.panics.length, 'one _panic record per panic line');
        for (const p of s.panics) {
          assert.ok(p.fields.length > 0, 'fields with offsets');
          for (const fd of p.fields) assert.ok(fd.offset >= 0);
        }
      }
    });
  }

  for (const f of fixtures.filter((x) => x.program === 'nilptr-goroutine' || x.program === 'many-goroutines')) {
    test(`${f.fixture} go${f.goMinor}: other goroutines grouped by stack, counted as the runtime printed them`, () => {
      const tb = parseTraceback(f.traceback);
      const s = summarize(f);
      const others = tb.goroutines.filter((x) => x.id !== s.goroutine);
      assert.equal(s.goroutines.total, others.length, 'every other goroutine is grouped');
      assert.equal(
        s.goroutines.groups.reduce((n, g) => n + g.count, 0),
        s.goroutines.total,
      );
      // The groups' statuses cover the printed ones.
      const printed = new Set(others.map((x) => x.status));
      for (const g of s.goroutines.groups) assert.ok(printed.has(g.status), `status ${g.status} was printed`);
    });
  }
});
