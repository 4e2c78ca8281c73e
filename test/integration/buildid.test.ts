// Go build IDs of the fixtures: from the binary (against `go tool buildid` of the fixture's
// toolchain), and from the core's memory (which must equal the binary's).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readBuildIds } from '../../src/core/buildid.js';
import { CoreFile } from '../../src/core/coreFile.js';
import { ElfFile } from '../../src/core/elf.js';
import { coreBuildIds, executableMapping } from '../../src/core/executable.js';
import { cacheDir, goBinary, listFixtures } from '../support/fixtures.js';

const goEnv = { ...process.env, GOTOOLCHAIN: 'local', GOCACHE: join(cacheDir(), 'gocache'), GOFLAGS: '-mod=mod' };

const all = listFixtures();

describe('Go build ID', () => {
  for (const f of all.filter((x) => x.program === 'index')) {
    it(`${f.fixture} go${f.goMinor}: equals go tool buildid`, () => {
      const want = execFileSync(goBinary(f.goMinor), ['tool', 'buildid', f.prog], {
        encoding: 'utf8',
        env: goEnv,
        timeout: 120_000,
      }).trim();
      const elf = ElfFile.open(f.prog);
      try {
        const ids = readBuildIds(elf);
        assert.equal(ids.go, want);
        // Go's internal linker writes no GNU build ID; readelf agrees.
        const notes = execFileSync('readelf', ['-nW', f.prog], { encoding: 'utf8', timeout: 30_000 });
        assert.equal(ids.gnu === undefined, !/NT_GNU_BUILD_ID/.test(notes));
      } finally {
        elf.close();
      }
    });
  }
  it('every core holds its binary`s Go build ID in the dumped first page of the executable', () => {
    for (const f of all) {
      const elf = ElfFile.open(f.prog);
      const core = CoreFile.open(f.core);
      try {
        const em = executableMapping(core);
        assert.ok(em && em.path?.endsWith('/prog'), `${f.fixture} ${f.goMinor}`);
        assert.equal(coreBuildIds(core).go, readBuildIds(elf).go, `${f.fixture} ${f.goMinor}`);
      } finally {
        elf.close();
        core.close();
      }
    }
  });
});
