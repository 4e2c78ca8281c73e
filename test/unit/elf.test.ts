// ByteReader and Cursor, the bounded readers under every parser: byte orders, LEB128, C strings and
// typed errors out of range. (The ELF reader on fixture binaries: test/integration/elf.test.ts.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteReader, Cursor } from '../../src/core/bytes.js';
import { CoreReadError } from '../../src/core/errors.js';

describe('ByteReader', () => {
  it('reads both byte orders, LEB128 and C strings; out of range is a CoreReadError', () => {
    const b = Buffer.from([
      0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xe5, 0x8e, 0x26, 0x7f, 0x80, 0x7f, 0x41, 0x42, 0x00,
    ]);
    const le = new ByteReader(b, { file: 'f', what: 'test' });
    const be = new ByteReader(b, { littleEndian: false });
    assert.equal(le.u16(0), 0x0201);
    assert.equal(be.u16(0), 0x0102);
    assert.equal(le.u32(0), 0x04030201);
    assert.equal(be.u64(0), 0x0102030405060708n);
    assert.equal(new ByteReader(Buffer.from([1, 2, 0, 0, 0, 0, 0, 0])).u64n(0), 0x0201);
    assert.deepEqual(le.uleb(8), { value: 624485n, next: 11 });
    assert.deepEqual(le.sleb(11), { value: -1n, next: 12 });
    assert.deepEqual(le.sleb(12), { value: -128n, next: 14 });
    assert.equal(le.cstring(14), 'AB');
    assert.equal(le.cstring(14, 1), 'A');
    const c = new Cursor(le, 8);
    assert.equal(c.uleb(), 624485n);
    assert.equal(c.pos, 11);
    for (const f of [
      () => le.u32(15),
      () => le.u8(-1),
      () => le.bytes(10, 100),
      () => le.u64(1.5),
      () => new ByteReader(Buffer.from([0x80, 0x80])).uleb(0),
    ]) {
      assert.throws(f, (e: unknown) => e instanceof CoreReadError && e.file !== undefined);
    }
    const big = new ByteReader(Buffer.alloc(8, 0xff));
    assert.throws(
      () => big.u64n(0),
      (e: unknown) => e instanceof CoreReadError && e.kind === 'corrupt',
    );
  });
});
