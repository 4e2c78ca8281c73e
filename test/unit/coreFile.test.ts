// Core note layouts on hand-made notes (NT_PRSTATUS of arm64, NT_SIGINFO), per the kernel's structs.
// (The real fixture cores against gdb: test/integration/coreFile.test.ts.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ARM64_REGS, parsePrstatus, parseSiginfo } from '../../src/core/coreFile.js';

describe('note layouts', () => {
  it('arm64 NT_PRSTATUS: x0..x30, sp, pc, pstate after the 112-byte header', () => {
    const d = Buffer.alloc(112 + 34 * 8 + 8);
    d.writeUInt16LE(11, 12); // pr_cursig
    d.writeInt32LE(4242, 32); // pr_pid (the tid)
    for (let i = 0; i < 34; i++) d.writeBigUInt64LE(BigInt(0x1000 + i), 112 + 8 * i);
    const t = parsePrstatus(d, 'arm64', true, 'synthetic', 0);
    assert.equal(t.tid, 4242);
    assert.equal(t.signal, 11);
    assert.equal(Object.keys(t.regs).length, ARM64_REGS.length);
    assert.equal(t.regs.x0, 0x1000n);
    assert.equal(t.regs.x30, 0x1000n + 30n);
    assert.equal(t.sp, 0x1000n + 31n);
    assert.equal(t.pc, 0x1000n + 32n);
    assert.equal(t.regs.pstate, 0x1000n + 33n);
    assert.equal(t.fp, 0x1000n + 29n);
  });
  it('NT_SIGINFO of a fault carries si_addr', () => {
    const d = Buffer.alloc(128);
    d.writeInt32LE(11, 0);
    d.writeInt32LE(1, 8); // SEGV_MAPERR
    d.writeBigUInt64LE(0x10n, 16);
    assert.deepEqual(parseSiginfo(d, true, 'synthetic'), { signo: 11, errno: 0, code: 1, addr: 0x10n });
  });
});
