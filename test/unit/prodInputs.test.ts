// Production inputs without cores (issue 14): compression recognised by magic, the zstd frame guard
// refusing bombs before decoding, the LZ4 frame decoder on hand-made frames, cut-short streams,
// non-regular files refused before opening, build-ID directory candidates, debuginfod URL parsing,
// the command line's and the editor's lookup settings, the module-root mapping, and the manifest's
// "Open Core Dump" on compressed core names.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { debuginfodUrls } from '../../src/analysis/debuginfod.js';
import { moduleRootMapping, recordedModuleRoot } from '../../src/analysis/pathMapping.js';
import { compressionOf, decompressCoreSync, decoderFor } from '../../src/core/compressed.js';
import { CoreReadError } from '../../src/core/errors.js';
import { buildIdCandidates } from '../../src/core/executable.js';
import { Lz4Decoder } from '../../src/core/lz4.js';
import { FileSource, openRegularFile } from '../../src/core/source.js';
import { ZstdFrameGuard } from '../../src/core/zstd.js';
import { lookupFromEnv } from '../../src/report/cli.js';
import { executableLookup } from '../../src/vscode/productionInputs.js';

const tmp = mkdtempSync(join(tmpdir(), 'gci-prod-unit-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function kindOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof CoreReadError, String(e));
    return e.kind;
  }
  return 'ok';
}

function decodeAll(format: 'zstd' | 'xz' | 'lz4', data: Buffer, max = 1 << 30): Buffer {
  const d = decoderFor(format, 'x', max);
  const out: Buffer[] = [];
  d.push(data, (b) => out.push(Buffer.from(b)));
  d.end((b) => out.push(Buffer.from(b)));
  return Buffer.concat(out);
}

describe('compression by magic', () => {
  it('knows zstd, xz, lz4 (frame and legacy) and nothing else', () => {
    assert.equal(compressionOf(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0])), 'zstd');
    assert.equal(compressionOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0])), 'xz');
    assert.equal(compressionOf(Buffer.from([0x04, 0x22, 0x4d, 0x18])), 'lz4');
    assert.equal(compressionOf(Buffer.from([0x02, 0x21, 0x4c, 0x18])), 'lz4');
    assert.equal(compressionOf(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])), undefined);
    assert.equal(compressionOf(Buffer.alloc(0)), undefined);
  });
});

describe('zstd frame guard', () => {
  const frame = (fhd: number, rest: number[]): Buffer => Buffer.from([0x28, 0xb5, 0x2f, 0xfd, fhd, ...rest]);
  it('refuses a declared content size above the bound before decoding', () => {
    const h = frame(0xc0 | 0x20, [0, 0, 0, 0, 0, 0, 0, 0]);
    h.writeBigUInt64LE(1n << 40n, 5);
    const g = new ZstdFrameGuard('bomb.zst', 1 << 30);
    assert.throws(() => g.feed(h), (e: unknown) => e instanceof CoreReadError && e.kind === 'too-large' && /1099511627776/.test(e.message));
  });
  it('refuses a window above 128 MiB (a 2 GiB window descriptor)', () => {
    // Window descriptor: exponent 21 → 2^31.
    const g = new ZstdFrameGuard('w.zst', 2 ** 40);
    assert.throws(() => g.feed(frame(0x00, [21 << 3])), (e: unknown) => e instanceof CoreReadError && e.kind === 'too-large' && /window/.test(e.message));
  });
  it('walks skippable frames and blocks byte by byte', () => {
    const g = new ZstdFrameGuard('s.zst', 2 ** 40);
    // A skippable frame of 3 bytes, then a frame: single segment, FCS 1 byte = 3, one raw last block "abc".
    const bytes = [0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9, 0x28, 0xb5, 0x2f, 0xfd, 0x20, 3, (3 << 3) | 1, 0, 0, 0x61, 0x62, 0x63];
    for (const b of bytes) g.feed(Buffer.from([b]));
    assert.equal(g.atBoundary, true);
    assert.equal(g.frames, 2);
    assert.deepEqual(decodeAll('zstd', Buffer.from(bytes)).toString(), 'abc');
  });
  it('a cut-short or garbage stream is a typed error', () => {
    assert.equal(kindOf(() => decodeAll('zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 3, 0x19, 0]))), 'truncated');
    assert.equal(kindOf(() => decodeAll('zstd', Buffer.from('not zstd at all'))), 'corrupt');
    assert.equal(kindOf(() => decodeAll('xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, 0, 1]))), 'truncated');
    assert.equal(kindOf(() => decodeAll('xz', Buffer.from('garbage garbage garbage'))), 'corrupt');
  });
});

describe('LZ4 frames', () => {
  /** A frame: FLG version 01, independent blocks, 64 KiB max, no checksums; blocks as given. */
  const lz4 = (blocks: Buffer[]): Buffer => {
    const parts: Buffer[] = [Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82])];
    for (const b of blocks) {
      const h = Buffer.alloc(4);
      h.writeUInt32LE(b.length);
      parts.push(h, b);
    }
    parts.push(Buffer.alloc(4));
    return Buffer.concat(parts);
  };
  it('decodes literals and an overlapping match (a run)', () => {
    // "ab" then a match at offset 2 of length 4 + 6 = 10, then literal "!" (the last sequence is literals only).
    const block = Buffer.from([0x26, 0x61, 0x62, 0x02, 0x00, 0x10, 0x21]);
    assert.equal(decodeAll('lz4', lz4([block])).toString(), 'ab' + 'abababababab'.slice(0, 10) + '!');
  });
  it('stored blocks, and a stream cut short', () => {
    const raw = Buffer.from('stored!');
    const h = Buffer.alloc(4);
    h.writeUInt32LE((raw.length | 0x80000000) >>> 0);
    const f = Buffer.concat([Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]), h, raw, Buffer.alloc(4)]);
    assert.equal(decodeAll('lz4', f).toString(), 'stored!');
    assert.equal(kindOf(() => decodeAll('lz4', f.subarray(0, f.length - 3))), 'truncated');
  });
  it('a match reaching before the start is corrupt', () => {
    const d = new Lz4Decoder('bad.lz4');
    assert.throws(() => d.push(lz4([Buffer.from([0x10, 0x61, 0x09, 0x00, 0x00])]), () => undefined), (e: unknown) => e instanceof CoreReadError && e.kind === 'corrupt');
  });
});

describe('decompression into the cache', () => {
  it('round-trips what the real tools write, sparse, with progress, and refuses above maxBytes', () => {
    const plain = join(tmp, 'plain');
    const data = Buffer.concat([Buffer.from('head'), Buffer.alloc(3 * 4096 + 17), Buffer.from('tail'), Buffer.alloc(8192)]);
    writeFileSync(plain, data);
    for (const [fmt, cmd] of [
      ['zstd', `zstd -q -f -o ${plain}.zst ${plain}`],
      ['xz', `xz -T1 -k -f ${plain}`],
      ['lz4', `lz4 -q -f ${plain} ${plain}.lz4`],
    ] as const) {
      execFileSync('bash', ['-c', cmd]);
      const z = `${plain}.${fmt === 'zstd' ? 'zst' : fmt}`;
      const seen: number[] = [];
      const r = decompressCoreSync(z, fmt, { dir: join(tmp, 'out'), onProgress: (p) => seen.push(p.writtenBytes) });
      assert.deepEqual(readFileSync(r.path), data, fmt);
      assert.equal(seen[seen.length - 1], data.length);
      assert.equal(decompressCoreSync(z, fmt, { dir: join(tmp, 'out') }).cached, true);
      assert.equal(kindOf(() => decompressCoreSync(z, fmt, { dir: join(tmp, 'out2'), maxBytes: 4096 })), 'too-large');
    }
  });
});

describe('non-regular files are refused before they are opened', () => {
  it('a FIFO, a directory, a device: typed, at once', () => {
    const fifo = join(tmp, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const [p, re] of [
      [fifo, /FIFO/],
      [tmp, /directory/],
      ['/dev/null', /character device/],
    ] as const) {
      const t0 = performance.now();
      assert.throws(() => new FileSource(p), (e: unknown) => e instanceof CoreReadError && e.kind === 'not-regular' && re.test(e.message));
      assert.throws(() => openRegularFile(p), CoreReadError);
      assert.ok(performance.now() - t0 < 200);
    }
  });
});

describe('where the executable is looked for', () => {
  it('build-ID directories: <dir>/<id>/executable, .build-id/ab/cdef(.debug), <dir>/<go id>/executable; existing files only', () => {
    const gnu = 'ab' + 'cd'.repeat(19);
    const d = join(tmp, 'ids');
    mkdirSync(join(d, gnu), { recursive: true });
    writeFileSync(join(d, gnu, 'executable'), 'x');
    mkdirSync(join(d, '.build-id', 'ab'), { recursive: true });
    writeFileSync(join(d, '.build-id', 'ab', `${gnu.slice(2)}.debug`), 'x');
    mkdirSync(join(d, 'Go1', 'Go2'), { recursive: true });
    writeFileSync(join(d, 'Go1', 'Go2', 'executable'), 'x');
    assert.deepEqual(buildIdCandidates({ gnu, go: 'Go1/Go2' }, [d, 'relative', '/nowhere']), [
      join(d, gnu, 'executable'),
      join(d, '.build-id', 'ab', `${gnu.slice(2)}.debug`),
      join(d, 'Go1', 'Go2', 'executable'),
    ]);
    assert.deepEqual(buildIdCandidates({ gnu: '../../etc', go: '../x' }, [d]), [], 'an ID never makes a path leave the directory');
  });

  it('debuginfod servers: space separated, http(s) only', () => {
    assert.deepEqual(debuginfodUrls(' http://127.0.0.1:8002  https://a.example/x file:///etc ftp://b nonsense '), [
      'http://127.0.0.1:8002',
      'https://a.example/x',
    ]);
    assert.deepEqual(debuginfodUrls(undefined), []);
  });

  it('the command line takes the environment', () => {
    assert.deepEqual(
      lookupFromEnv({ GO_CORE_BUILD_ID_DIRS: '/a:rel:/b', DEBUGINFOD_URLS: 'http://127.0.0.1:1', DEBUGINFOD_TIMEOUT: '5', DEBUGINFOD_MAXSIZE: '1000' }),
      { buildIdDirs: ['/a', '/b'], debuginfod: { urls: ['http://127.0.0.1:1'], timeoutMs: 5000, maxBytes: 1000 } },
    );
  });

  it('the editor: user settings and the environment only, nothing downloaded when untrusted', () => {
    const r = executableLookup({
      buildIdDirs: { globalValue: ['/ids', 'rel'], workspaceValue: ['/evil'] },
      debuginfodUrls: { globalValue: ['http://127.0.0.1:2'], workspaceFolderValue: ['http://127.0.0.1:3'] },
      env: { DEBUGINFOD_URLS: 'http://127.0.0.1:1' },
      trusted: true,
    });
    assert.deepEqual(r.buildIdDirs, ['/ids']);
    assert.deepEqual(r.debuginfod.urls, ['http://127.0.0.1:1', 'http://127.0.0.1:2']);
    assert.equal(r.info.length, 2, r.info.join('\n'));
    const u = executableLookup({ buildIdDirs: {}, debuginfodUrls: { globalValue: ['http://127.0.0.1:2'] }, env: {}, trusted: false });
    assert.deepEqual(u.debuginfod.urls, []);
    assert.match(u.info.join('\n'), /not trusted/);
  });
});

describe('sources built elsewhere', () => {
  it("the recorded module root: the main file's directory less the package's place in the module", () => {
    assert.equal(recordedModuleRoot('/app/cmd/server/main.go', 'example.com/app/cmd/server', 'example.com/app'), '/app');
    assert.equal(recordedModuleRoot('/go/src/example.com/app/main.go', 'example.com/app', 'example.com/app'), '/go/src/example.com/app');
    assert.equal(recordedModuleRoot('example.com/app/main.go', 'example.com/app', 'example.com/app'), undefined, '-trimpath');
    assert.equal(recordedModuleRoot('/app/other/main.go', 'example.com/app/cmd/server', 'example.com/app'), undefined);
  });
  it('maps to the workspace folder whose go.mod declares the main module', () => {
    const files: Record<string, string> = { '/ws/a/go.mod': 'module example.com/other\n', '/ws/b/go.mod': 'module example.com/app\n\ngo 1.22\n' };
    const m = moduleRootMapping({
      recordedMainFile: '/app/cmd/server/main.go',
      mainPackage: 'example.com/app/cmd/server',
      mainModule: 'example.com/app',
      workspaceFolders: ['/ws/a', '/ws/b'],
      readFile: (p) => files[p],
    });
    assert.deepEqual(m, { recorded: '/app', local: '/ws/b', module: 'example.com/app' });
  });
});

describe('manifest: Open Core Dump on compressed cores', () => {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    contributes: { menus: Record<string, { command: string; when: string }[]> };
  };
  const when = manifest.contributes.menus['explorer/context']!.find((m) => m.command === 'goCoreInspector.openCoreDump')!.when;
  /** The clause's filename tests (==, =~ and the extension), OR-ed as the clause does. */
  const shown = (name: string): boolean => {
    const ext = name.includes('.') ? name.slice(name.lastIndexOf('.')) : '';
    return [...when.matchAll(/resourceFilename == (\S+?)(?=\s|\))|resourceFilename =~ \/(.+?)\/(?=\s|\))|resourceExtname == (\S+?)(?=\s|\))/g)].some((m) =>
      m[1] !== undefined ? name === m[1] : m[2] !== undefined ? new RegExp(m[2].replace(/\\\//g, '/')).test(name) : ext === m[3],
    );
  };
  it('appears on core.*.zst, *.core.xz and friends, and not on other files', () => {
    for (const n of ['core', 'core.1234', 'prog.core', 'core.1234.zst', 'core.prog.1000.0123abcd.4242.1700000000000000.zst', 'core.xz', 'app.core.xz', 'app.core.lz4', 'core.lz4'])
      assert.ok(shown(n), `${n}: ${when}`);
    for (const n of ['main.go', 'notes.zst', 'score.xz', 'core.txt', 'core.zst.bak']) assert.ok(!shown(n), n);
  });
});
