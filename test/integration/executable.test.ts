// Finding and confirming a core's executable on the fixtures; mismatches are typed errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readBuildIds } from '../../src/core/buildid.js';
import { ElfFile } from '../../src/core/elf.js';
import { BuildIdMismatchError, CoreReadError } from '../../src/core/errors.js';
import { executableCandidates, openCoreWithBinary } from '../../src/core/executable.js';
import { CoreFile } from '../../src/core/coreFile.js';
import { listFixtures } from '../support/fixtures.js';

const fixtures = listFixtures({ goMinor: '1.22' });
const byName = (n: string) => fixtures.find((f) => f.fixture === n)!;

describe('openCoreWithBinary', () => {
  for (const f of fixtures) {
    it(`${f.fixture}: finds and confirms the executable from the core alone`, () => {
      const r = openCoreWithBinary(f.core);
      try {
        assert.equal(r.binary?.name, f.prog);
        assert.equal(r.verification, 'go-build-id');
        assert.equal(r.buildInfo?.goVersion, f.goVersion);
        assert.equal(r.coreBuildIds.go, r.binaryBuildIds?.go);
        assert.equal(r.bias !== 0n, f.variant === 'pie');
        // Text through memory, bias applied.
        const pc = r.core.crashingThread.pc;
        assert.deepEqual(r.memory.read(pc, 16), r.binary!.readVaddr(pc - r.bias!, 16));
      } finally {
        r.close();
      }
    });
  }

  it('accepts an explicitly given matching binary', () => {
    const f = byName('index-pie');
    const r = openCoreWithBinary(f.core, f.prog);
    assert.equal(r.verification, 'go-build-id');
    r.close();
  });

  it('rejects a binary of another build with both IDs and both files named', () => {
    const a = byName('index');
    const b = byName('nilptr-goroutine');
    const ea = ElfFile.open(a.prog);
    const eb = ElfFile.open(b.prog);
    const ida = readBuildIds(ea).go!;
    const idb = readBuildIds(eb).go!;
    ea.close();
    eb.close();
    assert.throws(
      () => openCoreWithBinary(a.core, b.prog),
      (e: unknown) =>
        e instanceof BuildIdMismatchError &&
        e.kind === 'build-id-mismatch' &&
        e.coreBuildId === ida &&
        e.binaryBuildId === idb &&
        e.message.includes(ida) &&
        e.message.includes(idb) &&
        e.message.includes(a.core) &&
        e.message.includes(b.prog),
    );
  });

  it('skips non-matching candidates and reports them', () => {
    const a = byName('index');
    const other = byName('index-stripped');
    const core = CoreFile.open(a.core);
    const cands = executableCandidates(core, [other.prog]);
    core.close();
    assert.equal(cands[0], other.prog);
    assert.ok(cands.includes(a.prog));
    const r = openCoreWithBinary(a.core, undefined, { candidates: [other.prog] });
    assert.equal(r.binary?.name, a.prog);
    assert.equal(r.rejected[0]?.path, other.prog);
    r.close();
  });

  it('an executable given as the core, or a core as the binary: typed errors', () => {
    const f = byName('index');
    assert.throws(
      () => openCoreWithBinary(f.prog),
      (e: unknown) => e instanceof CoreReadError && e.kind === 'not-core' && e.file === f.prog,
    );
    assert.throws(
      () => openCoreWithBinary(f.core, f.core),
      (e: unknown) => e instanceof CoreReadError && e.kind === 'not-executable',
    );
  });
});
