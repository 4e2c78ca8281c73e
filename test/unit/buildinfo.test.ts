// .go.buildinfo decoding on hand-made bytes: build line quoting as Go writes it, and the pre-1.18
// pointer format. (Every fixture binary against `go version -m`: test/integration/buildinfo.test.ts.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILDINFO_MAGIC, goUnquote, parseBuildInfoAt, parseBuildLine } from '../../src/core/buildinfo.js';
import { BufferMemory } from '../../src/core/memory.js';

describe('build line quoting', () => {
  it('unquotes keys and values the way Go quotes them', () => {
    assert.deepEqual(parseBuildLine('-ldflags="-s -w"'), { key: '-ldflags', value: '-s -w' });
    assert.deepEqual(parseBuildLine('-gcflags=all=-N -l'), { key: '-gcflags', value: 'all=-N -l' });
    assert.deepEqual(parseBuildLine('"a=b"=c'), { key: 'a=b', value: 'c' });
    assert.deepEqual(parseBuildLine('CGO_CFLAGS='), { key: 'CGO_CFLAGS', value: '' });
    assert.equal(goUnquote('"tab\\there \\"q\\" \\u00e9 \\xff"'), 'tab\there "q" é \ufffd');
    assert.equal(parseBuildLine('=x'), undefined);
  });
});

describe('pre-1.18 pointer format', () => {
  it('follows the two string-header pointers (layout of debug/buildinfo for Go 1.13-1.17)', () => {
    const mem = Buffer.alloc(0x400);
    const base = 0x10000n;
    BUILDINFO_MAGIC.copy(mem, 0);
    mem[14] = 8; // pointer size
    mem[15] = 0; // little-endian, pointers (no inline strings)
    mem.writeBigUInt64LE(base + 0x100n, 16);
    mem.writeBigUInt64LE(base + 0x110n, 24);
    const version = 'go1.16.15';
    const sentinel = Buffer.alloc(16, 0x30);
    const mod = Buffer.concat([
      sentinel,
      Buffer.from('path\texample.com/x\nmod\texample.com/x\t(devel)\t\nbuild\t-ldflags="-s -w"\n'),
      sentinel,
    ]);
    mem.writeBigUInt64LE(base + 0x200n, 0x100);
    mem.writeBigUInt64LE(BigInt(version.length), 0x108);
    mem.writeBigUInt64LE(base + 0x280n, 0x110);
    mem.writeBigUInt64LE(BigInt(mod.length), 0x118);
    Buffer.from(version).copy(mem, 0x200);
    mod.copy(mem, 0x280);
    const m = new BufferMemory(base, mem);
    const bi = parseBuildInfoAt((a, n) => m.read(a, n), base, 'synthetic');
    assert.equal(bi.goVersion, version);
    assert.equal(bi.path, 'example.com/x');
    assert.deepEqual(bi.main, { path: 'example.com/x', version: '(devel)', sum: '' });
    assert.deepEqual(bi.settings, [{ key: '-ldflags', value: '-s -w' }]);
  });
});
