// BufferMemory: reads inside its bytes, typed errors outside. (Memory over real fixture cores
// against gdb: test/integration/memory.test.ts.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoreReadError, UnmappedAddressError } from '../../src/core/errors.js';
import { BufferMemory } from '../../src/core/memory.js';

describe('BufferMemory', () => {
  it('reads inside and rejects outside', () => {
    const m = new BufferMemory(0x1000n, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    assert.equal(m.readU32(0x1000n), 0x04030201);
    assert.equal(m.readU64(0x1001n), 0x0908070605040302n);
    assert.equal(m.readGoString(0x1000n, 3n), '\x01\x02\x03');
    assert.equal(m.readGoString(0x1000n, 100n, 2), '\x01\x02');
    assert.throws(() => m.read(0x1008n, 2), UnmappedAddressError);
    assert.throws(() => m.readGoString(0x1000n, -1n), CoreReadError);
  });
});
