// What a linux/arm64 core written by qemu-user holds, read by our readers, against the fixture's
// own facts (scripts/make-cores ran the program under qemu-aarch64 with GOTRACEBACK=crash):
// NT_PRSTATUS with the arm64 register set (x0–x30, sp, pc, pstate), no NT_FILE and no NT_SIGINFO,
// the crashing thread found by pr_cursig (SIGABRT: qemu writes the threads in its own order, the
// crashing one not always first), R28 holding a g of that thread's M, the executable found beside
// the core and confirmed by its read-only data (the core holds no text page), an executable of
// another architecture or build rejected, and `go-core report --json` valid against the schema
// with the core's architecture and the signal's source.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeCore } from '../../src/analysis/coreAnalysis.js';
import { buildReport } from '../../src/analysis/report.js';
import { ARM64 } from '../../src/core/arch/index.js';
import { CoreFile } from '../../src/core/coreFile.js';
import { openCoreWithBinary } from '../../src/core/executable.js';
import { CoreReadError } from '../../src/core/errors.js';
import { fixture, listFixtures } from '../support/fixtures.js';
import { validate, type Schema } from '../support/jsonSchema.js';

const SCHEMA = JSON.parse(readFileSync(join(__dirname, '..', '..', 'schemas', 'report.schema.json'), 'utf8')) as Schema;

describe('linux/arm64 cores written by qemu-user', () => {
  const fixtures = listFixtures({ goarch: 'arm64' });
  it('every arm64 fixture was made by qemu-user from an arm64 build', () => {
    assert.ok(fixtures.length >= 20, `only ${fixtures.length} arm64 fixtures`);
    for (const f of fixtures) assert.deepEqual([f.goarch, f.coreSource], ['arm64', 'qemu'], f.dir);
  });

  for (const f of fixtures) {
    it(`${f.fixture} go${f.goMinor}: notes, threads, g register, executable and report`, () => {
      const core = CoreFile.open(f.core);
      try {
        assert.equal(core.arch, 'arm64');
        assert.equal(core.files.length, 0, 'qemu writes no NT_FILE');
        assert.equal(core.signal, undefined, 'qemu writes no NT_SIGINFO');
        assert.equal(core.process?.fname, 'prog');
        for (const t of core.threads) {
          assert.deepEqual(Object.keys(t.regs), [...ARM64.prstatusRegs], `thread ${t.tid} registers`);
          assert.equal(t.pc, t.regs.pc);
          assert.equal(t.sp, t.regs.sp);
          assert.equal(t.lr, t.regs.x30);
        }
        const signalled = core.threads.filter((t) => t.signal !== 0);
        assert.equal(signalled.length, 1, 'one thread has pr_cursig set');
        assert.equal(signalled[0]!.signal, 6, 'SIGABRT (GOTRACEBACK=crash)');
        assert.equal(core.crashingThread, signalled[0], 'the crashing thread is the signalled one, wherever qemu put it');
      } finally {
        core.close();
      }

      const a = analyzeCore(f.core);
      try {
        assert.equal(a.foundBy, 'beside-core');
        assert.equal(a.cw.verification, 'read-only-data');
        assert.equal(a.cw.binary?.name, f.prog);
        assert.equal(a.syms.pclntab.arch, ARM64);
        assert.ok(a.layout, `no layout: ${a.layoutProblem}`);
        assert.equal(a.layout.source, 'table');
        const crashT = a.cw.core.crashingThread;
        const cur = a.current(crashT);
        assert.ok(cur, 'R28 of the crashing thread points at a g of its M');
        assert.equal(cur.g, crashT.regs.x28);
        const r = buildReport(a);
        const errors: string[] = [];
        validate(SCHEMA, SCHEMA, JSON.parse(JSON.stringify(r)), '$', errors);
        assert.deepEqual(errors, [], 'report JSON valid against schemas/report.schema.json');
        assert.equal(r.core.arch, 'arm64');
        assert.deepEqual(r.signal && [r.signal.number, r.signal.source, r.signal.address], [6, 'prstatus', null]);
        assert.equal(r.crash.tid, crashT.tid);
      } finally {
        a.close();
      }
    });
  }

  it('an executable of another architecture or another build is rejected', () => {
    const f = fixture('index-arm64', '1.27');
    const amd64 = fixture('index', '1.27');
    assert.throws(
      () => openCoreWithBinary(f.core, amd64.prog),
      (e: unknown) => e instanceof CoreReadError && /amd64 executable and the core is arm64/.test(e.message),
    );
    const other = fixture('custom-error-arm64', '1.27');
    assert.throws(
      () => openCoreWithBinary(f.core, other.prog),
      (e: unknown) => e instanceof CoreReadError && /read-only data differs/.test(e.message),
    );
  });
});
