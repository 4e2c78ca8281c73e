// Build IDs without fixtures: the GNU build ID of a system binary against readelf -n, and the
// old-style quoted text build ID. (Fixture binaries and cores: test/integration/buildid.test.ts.)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { parseGoBuildIdText, readBuildIds } from '../../src/core/buildid.js';
import { ElfFile } from '../../src/core/elf.js';

describe('GNU build ID', () => {
  it('of a system binary equals readelf -n', () => {
    const path = '/bin/ls';
    const out = execFileSync('readelf', ['-nW', path], { encoding: 'utf8', timeout: 30_000 });
    const m = /Build ID: ([0-9a-f]+)/.exec(out);
    assert.ok(m, 'readelf shows a build ID for /bin/ls');
    const elf = ElfFile.open(path);
    try {
      const ids = readBuildIds(elf);
      assert.equal(ids.gnu, m[1]);
      assert.equal(ids.go, undefined);
    } finally {
      elf.close();
    }
  });
});

describe('old-style text build ID', () => {
  it('parses the quoted ID after the \\xff marker', () => {
    const buf = Buffer.concat([Buffer.from([0x90, 0x90]), Buffer.from('\xff Go build ID: "abc/def"\n \xff', 'latin1')]);
    assert.equal(parseGoBuildIdText(buf), 'abc/def');
    assert.equal(parseGoBuildIdText(Buffer.from('no id here')), undefined);
  });
});
