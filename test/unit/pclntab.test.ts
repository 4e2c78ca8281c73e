// pclntab headers on hand-made bytes: the Go 1.16 format is unsupported, garbage and short tables
// are typed errors. (The reader on every fixture binary: test/integration/pclntab.test.ts.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pclntab, PCLNTAB_MAGIC_116 } from '../../src/core/pclntab.js';
import { CoreReadError } from '../../src/core/errors.js';

describe('pclntab: headers', () => {
  it('rejects the Go 1.16 format with an unsupported error', () => {
    const buf = Buffer.alloc(64);
    buf.writeUInt32LE(PCLNTAB_MAGIC_116, 0);
    buf[6] = 1;
    buf[7] = 8;
    assert.throws(() => new Pclntab(buf, { file: 'old' }), (e: unknown) => e instanceof CoreReadError && e.kind === 'unsupported' && /1\.16/.test(e.message));
  });
  it('rejects garbage and short tables with typed errors', () => {
    assert.throws(() => new Pclntab(Buffer.alloc(4)), (e: unknown) => e instanceof CoreReadError);
    assert.throws(() => new Pclntab(Buffer.from('hello world, not a pclntab')), (e: unknown) => e instanceof CoreReadError && e.kind === 'not-go');
    const buf = Buffer.alloc(72);
    buf.writeUInt32LE(0xfffffff1, 0);
    buf[6] = 1;
    buf[7] = 8;
    buf.writeBigUInt64LE(1000000n, 8); // nfunc larger than the table
    assert.throws(() => new Pclntab(buf), (e: unknown) => e instanceof CoreReadError && e.kind === 'corrupt');
  });
});
