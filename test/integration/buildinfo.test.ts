// .go.buildinfo on every fixture binary (and from its core's memory), against `go version -m`
// run with the toolchain that built the fixture.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildSetting, readBuildInfo } from '../../src/core/buildinfo.js';
import { CoreFile } from '../../src/core/coreFile.js';
import { ElfFile } from '../../src/core/elf.js';
import { buildInfoFromCore } from '../../src/core/executable.js';
import { cacheDir, goBinary, listFixtures } from '../support/fixtures.js';

const goEnv = { ...process.env, GOTOOLCHAIN: 'local', GOCACHE: join(cacheDir(), 'gocache'), GOFLAGS: '-mod=mod' };

/** `go version -m`: first line "<file>: <version>", then tab-indented module info lines. */
function goVersionM(minor: string, prog: string): { version: string; lines: string[] } {
  const out = execFileSync(goBinary(minor), ['version', '-m', prog], { encoding: 'utf8', env: goEnv, timeout: 60_000 });
  const [first, ...rest] = out.trimEnd().split('\n');
  return { version: first!.slice(first!.lastIndexOf(': ') + 2), lines: rest.map((l) => l.replace(/^\t/, '')) };
}

/** Independent reading of go's printed `build` lines: JSON handles Go's quoting of these values. */
function printedSettings(lines: string[]): [string, string][] {
  return lines
    .filter((l) => l.startsWith('build\t'))
    .map((l) => {
      const kv = l.slice(6);
      const i = kv.startsWith('"') ? kv.indexOf('"=') + 1 : kv.indexOf('=');
      const k = kv.slice(0, i);
      const v = kv.slice(i + 1);
      return [k.startsWith('"') ? (JSON.parse(k) as string) : k, v.startsWith('"') ? (JSON.parse(v) as string) : v];
    });
}

const fixtures = listFixtures();

describe('buildinfo of every fixture', () => {
  for (const f of fixtures) {
    it(`${f.fixture} go${f.goMinor}`, () => {
      const want = goVersionM(f.goMinor, f.prog);
      const elf = ElfFile.open(f.prog);
      const core = CoreFile.open(f.core);
      try {
        const bi = readBuildInfo(elf);
        assert.equal(bi.goVersion, f.goVersion);
        assert.equal(bi.goVersion, want.version);
        assert.equal(bi.ptrSize, 8);
        assert.equal(bi.littleEndian, true);
        assert.deepEqual(bi.modinfo.trimEnd().split('\n'), want.lines);
        assert.deepEqual(
          bi.settings.map((s) => [s.key, s.value]),
          printedSettings(want.lines),
        );
        assert.equal(buildSetting(bi, 'GOARCH'), 'amd64');
        assert.equal(buildSetting(bi, 'GOOS'), 'linux');
        // Go 1.19 does not record -buildmode at all.
        if (f.goMinor === '1.19') assert.equal(buildSetting(bi, '-buildmode'), undefined);
        else assert.equal(buildSetting(bi, '-buildmode'), f.variant === 'pie' ? 'pie' : 'exe');
        if (f.variant === 'stripped') assert.equal(buildSetting(bi, '-ldflags'), '-s -w');
        assert.ok(bi.path.length > 0);
        assert.ok(bi.main, 'main module');
        // The same, read from the core alone (the writable segment holding it was dumped).
        const fromCore = buildInfoFromCore(core);
        assert.ok(fromCore, 'buildinfo found in the core');
        assert.equal(fromCore.goVersion, f.goVersion);
        assert.deepEqual(fromCore.settings, bi.settings);
        assert.deepEqual(fromCore.main, bi.main);
      } finally {
        elf.close();
        core.close();
      }
    });
  }
});
