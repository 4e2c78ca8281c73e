// The architecture descriptions (src/core/arch) against the kernel's and Go's declarations:
// arm64 user_pt_regs order in NT_PRSTATUS, the ucontext's uc_mcontext at +176 (Go's
// runtime/defs_linux_arm64.go: uc_flags, uc_link, uc_stack (24), uc_sigmask, 120 + 8 bytes of
// padding), and the return-address rule's instruction address per architecture.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AMD64, ARM64, archSpec, readSavedRegisters } from '../../src/core/arch/index.js';
import { parsePrstatus } from '../../src/core/notes.js';
import { instructionPc, lookupPc } from '../../src/core/returnAddress.js';
import { CoreReadError } from '../../src/core/errors.js';

test('arm64 NT_PRSTATUS: x0–x30, sp, pc, pstate after the 112-byte header; lr is x30', () => {
  const desc = Buffer.alloc(112 + 34 * 8 + 8);
  desc.writeInt32LE(4242, 32); // pr_pid
  desc.writeUInt16LE(6, 12); // pr_cursig
  for (let i = 0; i < 34; i++) desc.writeBigUInt64LE(BigInt(0x1000 + i), 112 + i * 8);
  const t = parsePrstatus(desc, 'arm64', true, 'core', 0);
  assert.equal(t.tid, 4242);
  assert.equal(t.signal, 6);
  assert.equal(Object.keys(t.regs).length, 34);
  assert.equal(t.regs.x28, 0x101cn);
  assert.equal(t.lr, 0x101en);
  assert.equal(t.sp, 0x101fn);
  assert.equal(t.pc, 0x1020n);
  assert.equal(t.fp, 0x101dn);
  assert.equal(t.regs.pstate, 0x1021n);
});

test('arm64 signal context: registers at uc_mcontext (+176) + 8; sp +432, pc +440', () => {
  const byName = new Map(ARM64.signal.registers.map((r) => [r.name, r.offset]));
  assert.equal(byName.get('x0'), 184);
  assert.equal(byName.get('x28'), 184 + 28 * 8);
  assert.equal(byName.get('x30'), 424);
  assert.equal(byName.get('sp'), 432);
  assert.equal(byName.get('pc'), 440);
  assert.equal(byName.get('pstate'), 448);
  // The siginfo precedes the ucontext in arm64's rt_sigframe; it follows it on amd64.
  assert.equal(ARM64.signal.siginfoFromUcontext, -128n);
  assert.equal(AMD64.signal.siginfoFromUcontext, 304n);
  const uc = 0x4000n;
  const mem = Buffer.alloc(512);
  mem.writeBigUInt64LE(0xabcdn, 440);
  mem.writeBigUInt64LE(0x40001000n, 432);
  const regs = readSavedRegisters(ARM64, { tryRead: (a, n) => (a >= uc && a + BigInt(n) <= uc + 512n ? mem.subarray(Number(a - uc), Number(a - uc) + n) : undefined) }, uc);
  assert.equal(regs?.pc, 0xabcdn);
  assert.equal(regs?.sp, 0x40001000n);
  assert.equal(readSavedRegisters(ARM64, { tryRead: () => undefined }, uc), undefined);
});

test('return address: looked up at pc−1 everywhere; the call instruction is pc−4 on arm64, unknown on amd64', () => {
  assert.equal(lookupPc(0x88bd0n, true), 0x88bcfn);
  assert.equal(instructionPc(0x88bd0n, true, ARM64), 0x88bccn);
  assert.equal(instructionPc(0x88bd0n, false, ARM64), 0x88bd0n);
  assert.equal(instructionPc(0x48099en, true, AMD64), undefined);
  assert.equal(instructionPc(0x48099en, false, AMD64), 0x48099en);
});

test('frame layout: amd64 pushes the return address, arm64 keeps it at 0(sp) with the frame pointer below', () => {
  assert.deepEqual([AMD64.callPushBytes, AMD64.returnAddressAt(0x100n, 0x140n), AMD64.savedFramePointerAt(0x100n, 0x140n)], [8n, 0x138n, 0x130n]);
  assert.deepEqual([ARM64.callPushBytes, ARM64.returnAddressAt(0x100n, 0x140n), ARM64.savedFramePointerAt(0x100n, 0x140n)], [0n, 0x100n, 0xf8n]);
  assert.equal(ARM64.gReg, 'x28');
  assert.equal(AMD64.gReg, 'r14');
  assert.throws(() => archSpec('unknown', 'f'), CoreReadError);
});

test('DWARF register numbering: names of real registers, sp/fp/return-address columns, callee-saved', () => {
  for (const a of [AMD64, ARM64]) {
    const d = a.dwarf;
    for (const n of d.names) if (n) assert.ok(a.prstatusRegs.includes(n), `${a.name}: DWARF register ${n} is in NT_PRSTATUS`);
    assert.equal(d.names[d.sp], a.spReg);
    assert.equal(d.names[d.fp], a.fpReg);
    for (const r of d.calleeSaved) assert.ok(d.names[r], `${a.name}: callee-saved ${r} is a register`);
  }
  // AAPCS64 DWARF: x30 (LR) is the return-address column and a register; amd64's column 16 is not.
  assert.equal(ARM64.dwarf.names[ARM64.dwarf.returnAddress], ARM64.lrReg);
  assert.equal(AMD64.dwarf.names[AMD64.dwarf.returnAddress], undefined);
  assert.deepEqual(ARM64.dwarf.calleeSaved.map((r) => ARM64.dwarf.names[r]), ['x19', 'x20', 'x21', 'x22', 'x23', 'x24', 'x25', 'x26', 'x27', 'x28', 'x29', 'x30']);
  assert.deepEqual(AMD64.dwarf.calleeSaved.map((r) => AMD64.dwarf.names[r]), ['rbx', 'rbp', 'r12', 'r13', 'r14', 'r15']);
});
