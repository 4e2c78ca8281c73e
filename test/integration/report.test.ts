// `go-core report` as users run it: the CLI bundled with esbuild (same options as
// scripts/build.mjs) and run with plain node on real fixture cores; text and --json output, the
// JSON validated against schemas/report.schema.json, and bad input → exit 1 with one line.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as esbuild from 'esbuild';
import { fixture, listFixtures } from '../support/fixtures.js';
import { validate, type Schema } from '../support/jsonSchema.js';

const root = join(__dirname, '..', '..');
let dir = '';
let cli = '';

function run(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('go-core report', () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'go-core-report-'));
    cli = join(dir, 'go-core.js');
    await esbuild.build({
      entryPoints: [join(root, 'src', 'report', 'cli.ts')],
      outfile: cli,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      banner: { js: '#!/usr/bin/env node' },
      logLevel: 'error',
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const schema = JSON.parse(readFileSync(join(root, 'schemas', 'report.schema.json'), 'utf8')) as Schema;

  for (const fx of listFixtures({ fixture: /^(index|index-pie|index-stripped|stack-overflow|nilptr-goroutine)$/ })) {
    it(`--json on ${fx.fixture} go${fx.goMinor} follows the schema and the traceback`, () => {
      const r = run(['report', fx.core, '--binary', fx.prog, '--json']);
      assert.equal(r.status, 0, r.stderr);
      const rep = JSON.parse(r.stdout) as {
        schemaVersion: number;
        go: { version: string };
        crash: { goroutine: number; onSystemStack: boolean; frames: { function: string; stack: string; inlined: boolean }[] };
        threads: { crashing: boolean }[];
        executable: { pie: boolean; goBuildId: string };
      };
      const errors: string[] = [];
      validate(schema, schema, rep, '$', errors);
      assert.deepEqual(errors, []);
      assert.equal(rep.schemaVersion, 1);
      assert.equal(rep.go.version, fx.goVersion);
      assert.equal(rep.threads.filter((t) => t.crashing).length, 1);
      assert.equal(rep.executable.pie, fx.fixture === 'index-pie');
      const header = /^goroutine (\d+)/m.exec(fx.traceback);
      assert.ok(header, 'no goroutine header in the traceback');
      assert.equal(rep.crash.goroutine, Number(header[1]));
      const fns = rep.crash.frames.map((f) => f.function);
      if (fx.program === 'index') {
        assert.ok(rep.crash.frames.some((f) => f.inlined && f.function === 'main.pick'), `no inlined main.pick in ${fns.join(', ')}`);
      }
      if (fx.fixture === 'stack-overflow') {
        assert.ok(rep.crash.onSystemStack, 'stack overflow should be on the system stack');
        const firstG = rep.crash.frames.findIndex((f) => f.stack === `goroutine ${rep.crash.goroutine}`);
        assert.ok(firstG > 0 && rep.crash.frames.slice(0, firstG).some((f) => f.function === 'runtime.morestack'), 'g0 frames then goroutine frames');
      }
    });
  }

  it('text output reads like a traceback', () => {
    const fx = fixture('index', listFixtures({ fixture: 'index' })[0]!.goMinor);
    const r = run(['report', fx.core, '--binary', fx.prog]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^go: +${fx.goVersion.replace(/\./g, '\\.')}`, 'm'));
    assert.match(r.stdout, /^signal: +SIGABRT \(6\)/m);
    assert.match(r.stdout, /^ {4}main\.pick\(\.\.\.\) {2}\[inlined\]$/m);
    assert.match(r.stdout, /^ {2}\* \d+ +pc=0x[0-9a-f]+ runtime\.raise\+0x[0-9a-f]+/m);
  });

  it('finds the executable from the core when --binary is omitted', () => {
    const fx = listFixtures({ fixture: 'index' })[0]!;
    const r = run(['report', fx.core, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { executable: { verification: string } }).executable.verification, 'go-build-id');
  });

  describe('bad input: exit 1, one line naming the file', () => {
    const fx = listFixtures({ fixture: 'index' })[0]!;
    const other = listFixtures({ fixture: 'map-writes', goMinor: fx.goMinor })[0]!;
    const cases: [string, () => string[], RegExp][] = [
      ['missing file', () => ['report', join(dir, 'nope')], /does not exist/],
      ['empty file', () => ['report', write('empty', Buffer.alloc(0))], /empty|too short|no bytes/i],
      ['not ELF', () => ['report', write('text', Buffer.from('hello, this is not a core\n'))], /ELF/],
      ['an executable passed as the core', () => ['report', fx.prog], /not a core/],
      ['a binary that does not match', () => ['report', fx.core, '--binary', other.prog], /build ID/],
      ['a FIFO given as the core', () => ['report', fifo('fifo')], /is a FIFO \(named pipe\), not a file/],
      ['a directory given as the core', () => ['report', dir], /is a directory, not a file/],
      ['a device given as the binary', () => ['report', fx.core, '--binary', '/dev/zero'], /is a character device, not a file/],
    ];
    for (const [name, args, re] of cases) {
      it(name, () => {
        const t0 = Date.now();
        const r = run(args());
        assert.equal(r.status, 1, `exit ${r.status}; stdout ${r.stdout.slice(0, 200)} stderr ${r.stderr}`);
        const lines = r.stderr.trimEnd().split('\n');
        assert.equal(lines.length, 1, `stderr is not one line: ${r.stderr}`);
        assert.match(lines[0]!, /^go-core: /);
        assert.match(lines[0]!, re);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
        // A FIFO, device or directory is refused before it is opened: no hang, at once.
        assert.ok(Date.now() - t0 < (/FIFO|directory|device/.test(name) ? 5_000 : 10_000), `took ${Date.now() - t0} ms`);
      });
    }
    it('a truncated core is not an error: it is read as far as it goes and the report says what is missing', () => {
      const r = run(['report', write('trunc', head(fx.core, 100_000)), '--binary', fx.prog]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^TRUNCATED: +the core has 100000 of its \d+ bytes; \d+ segment\(s\) cut off:/m);
    });
    it('usage errors exit 2', () => {
      for (const args of [[], ['bogus'], ['report'], ['report', 'a', 'b'], ['report', 'x', '--frob']]) {
        const r = run(args);
        assert.equal(r.status, 2, `args ${args.join(' ')}: exit ${r.status}`);
        assert.match(r.stderr, /usage: go-core report/);
      }
    });
  });
});

function write(name: string, data: Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

function fifo(name: string): string {
  const p = join(dir, name);
  rmSync(p, { force: true });
  execFileSync('mkfifo', [p]);
  return p;
}

function head(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(n);
    return b.subarray(0, readSync(fd, b, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}
