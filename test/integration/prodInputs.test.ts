// Cores as production hands them over (issue 14), on real fixture cores: compressed with the real
// `zstd`, `xz` and `lz4` tools (the report equals the uncompressed core's; the copy is sparse;
// a second open finds it in the cache), cut short (the report names what is missing and the frames
// it still has, checked against the runtime's printed traceback), a FIFO / device / directory
// refused at once, the executable found by build ID in a local directory and from a debuginfod
// server on 127.0.0.1 (and a wrong binary, a 404 and a slow server refused with typed errors), and
// the sources of a binary built elsewhere found by module path.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openCore, openCoreAsync } from '../../src/analysis/engine.js';
import { ExecutableMissingError } from '../../src/core/errors.js';
import type { Report } from '../../src/analysis/report.js';
import { decompressCoreSync, fileCompression } from '../../src/core/compressed.js';
import { CoreReadError } from '../../src/core/errors.js';
import { CoreFile } from '../../src/core/coreFile.js';
import { runCli } from '../../src/report/cli.js';
import { fixture } from '../support/fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'gci-prod-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const fx = fixture('index', '1.24');
const wrong = fixture('custom-error', '1.24').prog;
/** A private cache (set once the fixtures are found): decompressed cores and debuginfod downloads of this test only. */
const cache = join(tmp, 'cache');
process.env.GO_CORE_INSPECTOR_CACHE = cache;

/** The report without what legitimately differs between two ways of opening the same core. */
function comparable(r: Report): unknown {
  return { ...r, core: { ...r.core, path: '', compression: null }, executable: { ...r.executable, foundBy: '' } };
}

/**
 * A copy of the fixture core as production hands it over: the path it recorded for its executable
 * replaced by one of the same length that does not exist (the executable moved away).
 */
function movedCore(dest: string): void {
  const bytes = readFileSync(fx.core);
  const from = Buffer.from(fx.prog);
  const to = Buffer.from('/nonexistent/'.padEnd(from.length, 'x'));
  let n = 0;
  for (let i = bytes.indexOf(from); i >= 0; i = bytes.indexOf(from, i + 1)) {
    to.copy(bytes, i);
    n++;
  }
  assert.ok(n > 0, 'the core records the path of its executable');
  writeFileSync(dest, bytes);
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = tmp): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s), env, cwd });
  return { code, out, err };
}

describe('compressed cores', () => {
  const plain = openCore(fx.core, { binary: fx.prog });
  const expected = comparable(plain.report());
  const expectedCrash = plain.crash();
  plain.close();

  for (const [format, tool, ext] of [
    ['zstd', ['zstd', '-q', '-f', '-o'], 'zst'],
    ['xz', ['xz', '-T1', '-c'], 'xz'],
    ['lz4', ['lz4', '-q', '-f'], 'lz4'],
  ] as const) {
    it(`a .${ext} copy gives the same report as the core itself, read from a sparse copy in the cache`, () => {
      const dir = join(tmp, ext);
      mkdirSync(dir, { recursive: true });
      const z = join(dir, `core.1234.${ext}`);
      if (format === 'xz') writeFileSync(z, execFileSync('xz', ['-T1', '-c', fx.core], { maxBuffer: 1 << 30 }));
      else execFileSync(tool[0], [...tool.slice(1), ...(format === 'zstd' ? [z, fx.core] : [fx.core, z])]);
      assert.equal(fileCompression(z), format);
      const t0 = performance.now();
      const e = openCore(z, { binary: fx.prog });
      const ms = performance.now() - t0;
      try {
        const r = e.report();
        assert.equal(r.core.path, z, 'the report names the file given');
        assert.equal(r.core.compression?.format, format);
        assert.equal(r.core.compression?.cached, false);
        assert.ok(r.core.compression!.decompressedPath.startsWith(join(cache, 'decompressed')));
        assert.deepEqual(comparable(r), expected);
        assert.deepEqual(e.crash(), expectedCrash);
        const copy = statSync(r.core.compression!.decompressedPath);
        const orig = statSync(fx.core);
        assert.equal(copy.size, orig.size);
        assert.deepEqual(readFileSync(r.core.compression!.decompressedPath), readFileSync(fx.core));
        // Sparse: the copy takes about the disk space of the original (mostly holes), not its size.
        assert.ok(copy.blocks * 512 <= orig.blocks * 512 + 256 * 1024, `copy uses ${copy.blocks * 512} bytes, original ${orig.blocks * 512}`);
        assert.ok(copy.blocks * 512 < copy.size / 4, 'the copy has holes');
        console.log(
          `${format}: ${statSync(z).size} compressed bytes → ${copy.size} (${copy.blocks * 512} on disk), opened in ${ms.toFixed(0)} ms ` +
            `(decompression ${e.analysis.input.decompressed!.ms} ms)`,
        );
      } finally {
        e.close();
      }
      const again = openCore(z, { binary: fx.prog });
      assert.equal(again.report().core.compression?.cached, true, 'decompressed once: the second open uses the cache');
      again.close();
    });
  }

  it('the executable of a compressed core is looked for beside the compressed file', async () => {
    const dir = join(tmp, 'beside');
    mkdirSync(dir, { recursive: true });
    movedCore(join(dir, 'core'));
    const z = join(dir, 'core.zst');
    execFileSync('zstd', ['-q', '-f', '--rm', '-o', z, join(dir, 'core')]);
    copyFileSync(fx.prog, join(dir, 'prog'));
    const progress: number[] = [];
    const e = await openCoreAsync(z, { onProgress: (p) => p.stage === 'decompress' && progress.push(p.writtenBytes) });
    try {
      assert.equal(e.report().executable.path, join(dir, 'prog'));
      assert.equal(e.report().executable.foundBy, 'beside-core');
      assert.ok(progress.length > 0 && progress[progress.length - 1] === statSync(fx.core).size, 'progress ends at the full size');
    } finally {
      e.close();
    }
  });

  it('a decompression bomb (a tiny .zst of a terabyte of zeros, or a bound below the content) is refused, typed and fast', () => {
    const bomb = join(tmp, 'bomb.zst');
    // 256 MiB of zeros compresses to a few KiB; a 64 MiB bound stops it after 64 MiB of output.
    execFileSync('bash', ['-c', `head -c 268435456 /dev/zero | zstd -q -c > ${bomb}`]);
    assert.ok(statSync(bomb).size < 64 * 1024);
    const t0 = performance.now();
    assert.throws(
      () => decompressCoreSync(bomb, 'zstd', { maxBytes: 64 << 20, dir: join(tmp, 'bomb-out') }),
      (e: unknown) => e instanceof CoreReadError && e.kind === 'too-large' && /decompresses to more than 67108864 bytes/.test(e.message),
    );
    assert.ok(performance.now() - t0 < 5_000);
    // A frame header that declares a terabyte is refused before any decoding.
    const tb = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xc0 | 0x20, 0, 0, 0, 0, 0, 1, 0, 0, 0x01, 0, 0]);
    tb.writeBigUInt64LE(1n << 40n, 5);
    const p = join(tmp, 'tb.zst');
    writeFileSync(p, tb);
    assert.throws(
      () => decompressCoreSync(p, 'zstd', { dir: join(tmp, 'bomb-out') }),
      (e: unknown) => e instanceof CoreReadError && e.kind === 'too-large' && /declares 1099511627776 decompressed bytes/.test(e.message),
    );
  });
});

describe('truncated cores', () => {
  it('a core cut at 40 % gives a report that names the truncation and the frames it still has', async () => {
    const size = statSync(fx.core).size;
    const cut = join(tmp, 'core.cut40');
    writeFileSync(cut, readFileSync(fx.core).subarray(0, Math.floor(size * 0.4)));
    const r = await cli(['report', cut, '--binary', fx.prog, '--json', '--no-delve']);
    assert.equal(r.code, 0, r.err);
    const rep = JSON.parse(r.out) as Report & { runtime: { goroutine: number | null; messages: string[] } };
    assert.ok(rep.truncated, 'the report has truncated');
    assert.equal(rep.truncated.actualBytes, Math.floor(size * 0.4));
    assert.equal(rep.truncated.expectedBytes, size);
    assert.ok(rep.truncated.missingSegments.length > 0);
    for (const m of rep.truncated.missingSegments) assert.ok(m.presentBytes < m.fileBytes);
    // The notes (registers) are at the start of the file: the crash is still read, and its frames
    // equal what the runtime printed (the goroutine's stack lies in the part that is there).
    const tb = fx.traceback;
    const block = tb.slice(tb.indexOf(`goroutine ${rep.crash.goroutine} `)).split('\n\n')[0]!;
    assert.match(block, /\[running\]/);
    const printed = [...block.matchAll(/sp=(0x[0-9a-f]+) pc=(0x[0-9a-f]+)/g)].map((m) => `${m[1]} ${m[2]}`);
    assert.ok(printed.length >= 4, block);
    const ours = new Set(rep.crash.frames.map((f) => `${f.sp} ${f.pc}`));
    for (const p of printed) assert.ok(ours.has(p), `the runtime printed a frame at sp/pc ${p}; ours: ${[...ours].join(', ')}`);
    const fns = rep.crash.frames.filter((f) => f.stack.startsWith('goroutine')).map((f) => f.function);
    assert.ok(fns.includes('main.main') && fns.includes('main.pick'), fns.join(', '));
    assert.ok(rep.runtime.messages.some((m) => /index out of range \[5\] with length 3/.test(m)), JSON.stringify(rep.runtime.messages));
    const text = await cli(['report', cut, '--binary', fx.prog, '--no-delve']);
    assert.match(text.out, /^TRUNCATED: +the core has \d+ of its \d+ bytes/m);
  });

  it('a core cut inside the goroutine stacks: the walk ends with stop "unreadable" naming the address, never an exception', () => {
    const c = CoreFile.open(fx.core);
    const crashing = c.crashingThread;
    // Cut where the crashing goroutine's stack starts in the file: its frames are gone.
    const e0 = openCore(fx.core, { binary: fx.prog });
    const gFrame = e0.report().crash.frames.find((f) => f.stack.startsWith('goroutine'))!;
    e0.close();
    const sp = BigInt(gFrame.sp);
    const seg = c.segmentFor(sp)!;
    const at = seg.offset + Number(sp - seg.vaddr) - 64;
    c.close();
    assert.ok(crashing);
    const cut = join(tmp, 'core.cutstack');
    writeFileSync(cut, readFileSync(fx.core).subarray(0, at));
    const e = openCore(cut, { binary: fx.prog });
    try {
      const r = e.report();
      assert.ok(r.truncated);
      assert.equal(r.crash.stop.reason, 'unreadable', JSON.stringify(r.crash.stop));
      assert.match(r.crash.stop.detail, /0x[0-9a-f]+/);
      const seg2 = r.truncated.missingSegments.find((m) => BigInt(m.address) === seg.vaddr)!;
      assert.ok(seg2, 'the segment holding the stack is listed');
      assert.ok(seg2.goroutines.length > 0 || seg2.threads.length > 0 || r.truncated.notes.length > 0, JSON.stringify(seg2));
      e.crash(); // what the runtime knew, as far as the core goes: no exception
    } finally {
      e.close();
    }
  });
});

describe('bad input is refused before it is opened', () => {
  const cases: [string, () => string, RegExp][] = [
    [
      'a FIFO',
      () => {
        const p = join(tmp, 'core.fifo');
        rmSync(p, { force: true });
        execFileSync('mkfifo', [p]);
        return p;
      },
      /is a FIFO \(named pipe\), not a file/,
    ],
    ['a character device', () => '/dev/zero', /is a character device, not a file/],
    ['a directory', () => tmp, /is a directory, not a file/],
  ];
  for (const [name, make, re] of cases) {
    it(`${name} as the core or as the binary: a typed error in well under a second`, async () => {
      const p = make();
      for (const open of [() => openCore(p), () => openCore(fx.core, { binary: p })]) {
        const t0 = performance.now();
        assert.throws(open, (e: unknown) => e instanceof CoreReadError && e.kind === 'not-regular' && re.test(e.message));
        assert.ok(performance.now() - t0 < 500, `took ${performance.now() - t0} ms`);
      }
      const t0 = performance.now();
      const r = await cli(['report', p, '--no-delve']);
      assert.equal(r.code, 1);
      assert.match(r.err, re);
      assert.ok(performance.now() - t0 < 500);
    });
  }
});

describe('the executable elsewhere, found by build ID', () => {
  let gnu: string;
  let moved: string;
  before(() => {
    // The core as production hands it over: alone, the path it recorded gone.
    const dir = join(tmp, 'moved');
    mkdirSync(dir, { recursive: true });
    moved = join(dir, 'core');
    movedCore(moved);
    const e = openCore(fx.core, { binary: fx.prog });
    gnu = e.report().executable.gnuBuildId!;
    e.close();
    assert.match(gnu, /^[0-9a-f]{40}$/, 'Go 1.24 emits a GNU build ID');
  });

  it('without it, the error names the build ID and what to set', async () => {
    const r = await cli(['report', moved, '--no-delve']);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`cannot find the executable .*build ID ${gnu}.*GO_CORE_BUILD_ID_DIRS.*DEBUGINFOD_URLS`));
    assert.throws(() => openCore(moved), ExecutableMissingError);
  });

  it('in a build-ID directory: <dir>/<id>/executable and <dir>/.build-id/ab/cdef….debug', async () => {
    const plain = join(tmp, 'ids-plain');
    mkdirSync(join(plain, gnu), { recursive: true });
    copyFileSync(fx.prog, join(plain, gnu, 'executable'));
    const distro = join(tmp, 'ids-distro');
    mkdirSync(join(distro, '.build-id', gnu.slice(0, 2)), { recursive: true });
    symlinkSync(fx.prog, join(distro, '.build-id', gnu.slice(0, 2), `${gnu.slice(2)}.debug`));
    for (const dir of [plain, distro]) {
      const r = await cli(['report', moved, '--json', '--no-delve'], { GO_CORE_BUILD_ID_DIRS: `/nowhere:${dir}` });
      assert.equal(r.code, 0, r.err);
      const rep = JSON.parse(r.out) as Report;
      assert.equal(rep.executable.foundBy, 'build-id-dir');
      assert.ok(rep.executable.path.startsWith(dir));
      assert.equal(rep.executable.verification, 'go-build-id');
    }
  });

  describe('from a debuginfod server on 127.0.0.1', () => {
    let server: Server;
    let base = '';
    const hits: string[] = [];
    before(async () => {
      server = createServer((req, res) => {
        hits.push(req.url ?? '');
        const m = /^\/(\w+)\/buildid\/([0-9a-f]+)\/executable$/.exec(req.url ?? '');
        if (!m) {
          res.writeHead(400).end();
          return;
        }
        const [, mode, id] = m;
        if (mode === 'slow') return void setTimeout(() => res.writeHead(200).end(), 5_000).unref();
        if (mode === 'missing' || id !== gnu) {
          res.writeHead(404, 'Not Found').end();
          return;
        }
        const body = readFileSync(mode === 'wrong' ? wrong : fx.prog);
        res.writeHead(200, { 'content-length': body.length });
        res.end(body);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const a = server.address();
      base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    });
    after(() => server.closeAllConnections?.() ?? server.close());
    after(() => server.close());

    it('`go-core report core` with the executable moved away finds it by build ID', async () => {
      const r = await cli(['report', moved, '--json', '--no-delve'], { DEBUGINFOD_URLS: `${base}/missing ${base}/good` });
      assert.equal(r.code, 0, r.err);
      const rep = JSON.parse(r.out) as Report;
      assert.equal(rep.executable.foundBy, 'debuginfod');
      assert.equal(rep.executable.path, join(cache, 'debuginfod', gnu, 'executable'));
      assert.deepEqual(readFileSync(rep.executable.path), readFileSync(fx.prog));
      assert.ok(hits.includes(`/good/buildid/${gnu}/executable`));
      const ref = openCore(fx.core, { binary: fx.prog });
      assert.deepEqual(rep.crash, ref.report().crash);
      ref.close();
    });

    it('a wrong binary, a 404 and a slow server are refused with errors naming the server and the status', async () => {
      const dir = join(tmp, 'dl-refused');
      const attempt = async (url: string, timeoutMs = 10_000): Promise<string> => {
        try {
          (await openCoreAsync(moved, { debuginfod: { urls: [url], timeoutMs, dir } })).close();
        } catch (e) {
          assert.ok(e instanceof ExecutableMissingError, String(e));
          return e.message;
        }
        throw new Error(`${url} was accepted`);
      };
      assert.match(await attempt(`${base}/wrong`), new RegExp(`${base}/wrong/buildid/${gnu}/executable answered with a file that is not the executable with build ID ${gnu}: its build ID is [0-9a-f]+`));
      assert.match(await attempt(`${base}/missing`), new RegExp(`${base}/missing/buildid/${gnu}/executable answered 404 Not Found`));
      const t0 = performance.now();
      assert.match(await attempt(`${base}/slow`, 300), /\/slow\/buildid\/[0-9a-f]+\/executable did not answer within 300 ms/);
      assert.ok(performance.now() - t0 < 3_000);
      assert.throws(() => statSync(join(dir, gnu, 'executable')), 'nothing refused is kept');
    });
  });
});

describe('sources of a binary built elsewhere', () => {
  it('map to the workspace folder whose go.mod declares the main module, without any setting', async () => {
    const ws = join(tmp, 'workspace');
    mkdirSync(ws, { recursive: true });
    copyFileSync(join(fx.srcDir, 'go.mod'), join(ws, 'go.mod'));
    copyFileSync(join(fx.srcDir, 'main.go'), join(ws, 'main.go'));
    const r = await cli(['report', fx.core, '--binary', fx.prog, '--json', '--no-delve'], {}, ws);
    assert.equal(r.code, 0, r.err);
    const rep = JSON.parse(r.out) as Report;
    assert.deepEqual(rep.sources, { recordedRoot: fx.srcDir, localRoot: ws, module: 'example.com/index', by: 'module' });
    const text = await cli(['report', fx.core, '--binary', fx.prog, '--no-delve'], {}, ws);
    assert.ok(text.out.includes(`sources:     from ${fx.srcDir} → ${ws} (module example.com/index)`), text.out.slice(0, 600));
    // The binary's own build directory, or another module, is not "elsewhere".
    const same = await cli(['report', fx.core, '--binary', fx.prog, '--json', '--no-delve'], {}, fx.srcDir);
    assert.equal((JSON.parse(same.out) as Report).sources, null);
  });
});
