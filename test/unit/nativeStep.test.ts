// One CFI step (src/core/native.ts nativeStep) with each architecture's DWARF numbering
// (src/core/arch, `dwarf`): the rules are given as a CIE/FDE would yield them (src/core/cfi.ts
// parses real ones; test/integration/cgoFrames.test.ts walks real cores of both architectures).
// aarch64 (AAPCS64 DWARF: x0–x30 = 0–30, sp = 31, return-address column 30 = x30 itself); amd64
// (System V: rsp = 7, rbp = 6, return-address column 16 of its own).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AMD64, ARM64 } from '../../src/core/arch/index.js';
import type { FrameRules, RegisterFile, RegisterRule } from '../../src/core/cfi.js';
import { nativeStep, type NativeModule } from '../../src/core/native.js';

/** A module whose only code has `rules` (what NativeModule.rulesAt returns from its CFI). */
function moduleWith(rules: FrameRules | undefined): NativeModule {
  return { name: 'prog', problem: undefined, rulesAt: () => rules, symbolAt: () => ({ name: 'f', entry: 0x1000n }) } as unknown as NativeModule;
}

function memory(words: Record<string, bigint>) {
  return {
    tryRead(addr: bigint, len: number): Buffer | undefined {
      const v = words['0x' + addr.toString(16)];
      if (v === undefined || len !== 8) return undefined;
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(v);
      return b;
    },
  };
}

const rules = (cfa: FrameRules['cfa'], regs: [number, RegisterRule][], raReg: number): FrameRules => ({ cfa, regs: new Map(regs), signalFrame: false, raReg, start: 0x1000n });

test('arm64: a leaf that saved nothing returns to x30, which the caller still holds; sp stays', () => {
  const regs: RegisterFile = new Map([[31, 0x7000n], [29, 0x7100n], [30, 0x2004n], [19, 0x19n], [9, 0x9n]]);
  const step = nativeStep(moduleWith(rules({ kind: 'reg', reg: 31, offset: 0n }, [], 30)), memory({}), 0x1008n, regs, false, ARM64.dwarf);
  assert.ok(step.ok);
  assert.equal(step.pc, 0x2004n);
  assert.equal(step.cfa, 0x7000n);
  assert.equal(step.regs.get(31), 0x7000n);
  assert.equal(step.regs.get(30), 0x2004n, 'x30 is a register of the caller (it holds the return address after BL)');
  assert.equal(step.regs.get(29), 0x7100n, 'x29 callee-saved');
  assert.equal(step.regs.get(19), 0x19n, 'x19 callee-saved');
  assert.equal(step.regs.has(9), false, 'x9 is caller-saved: unknown in the caller');
});

test('arm64: a frame that stored x29/x30 (stp x29, x30, [sp, #-32]!; mov x29, sp) restores them from the CFA', () => {
  // DW_CFA_def_cfa: x29 + 32; x29 at cfa-32, x30 at cfa-24.
  const r = rules({ kind: 'reg', reg: 29, offset: 32n }, [[29, { kind: 'offset', offset: -32n }], [30, { kind: 'offset', offset: -24n }]], 30);
  const regs: RegisterFile = new Map([[31, 0x6fe0n], [29, 0x6fe0n], [30, 0x1234n]]);
  const step = nativeStep(moduleWith(r), memory({ '0x6fe0': 0x7100n, '0x6fe8': 0x2008n }), 0x1010n, regs, true, ARM64.dwarf);
  assert.ok(step.ok);
  assert.equal(step.pc, 0x2008n);
  assert.equal(step.cfa, 0x7000n);
  assert.equal(step.regs.get(29), 0x7100n);
  assert.equal(step.regs.get(30), 0x2008n);
  assert.equal(step.regs.get(31), 0x7000n);
});

test('arm64: no rule and no value for x30 is the outermost frame', () => {
  const step = nativeStep(moduleWith(rules({ kind: 'reg', reg: 31, offset: 16n }, [[30, { kind: 'undefined' }]], 30)), memory({}), 0x1008n, new Map([[31, 0x7000n], [30, 5n]]), false, ARM64.dwarf);
  assert.equal(step.ok, false);
  assert.equal(!step.ok && step.reason, 'top');
});

test('amd64: the return-address column 16 is no register of the caller; rsp is the CFA', () => {
  const r = rules({ kind: 'reg', reg: 7, offset: 16n }, [[16, { kind: 'offset', offset: -8n }], [6, { kind: 'offset', offset: -16n }]], 16);
  const step = nativeStep(moduleWith(r), memory({ '0x6ff8': 0x2008n, '0x6ff0': 0x7100n }), 0x1010n, new Map([[7, 0x6ff0n], [6, 0x6ff0n], [3, 0x33n]]), true, AMD64.dwarf);
  assert.ok(step.ok);
  assert.equal(step.pc, 0x2008n);
  assert.equal(step.cfa, 0x7000n);
  assert.equal(step.regs.get(7), 0x7000n);
  assert.equal(step.regs.get(6), 0x7100n);
  assert.equal(step.regs.get(3), 0x33n, 'rbx callee-saved');
  assert.equal(step.regs.has(16), false);
});

test('no call frame information: the step says so, with the module', () => {
  const step = nativeStep(moduleWith(undefined), memory({}), 0x1008n, new Map([[31, 0x7000n]]), false, ARM64.dwarf);
  assert.equal(step.ok, false);
  assert.match(!step.ok ? step.detail : '', /no call frame information for 0x1008 in prog/);
});
