// The CFI reader (src/core/cfi.ts) on hand-made .eh_frame bytes (DWARF 5 §6.4, LSB eh_frame) and
// on garbage: bounded, never throws out of a lookup.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDebugFrame, parseEhFrame } from '../../src/core/cfi.js';

/** A gcc-like CIE ("zR", pcrel|sdata4, cfa rsp+8, ra at cfa-8) and one FDE at 0x1000, 0x20 bytes: push rbp at +1. */
function ehFrame(): Buffer {
  const cie = Buffer.from([0, 0, 0, 0, 1, 0x7a, 0x52, 0, 1, 0x78, 0x10, 1, 0x1b, 0x0c, 7, 8, 0x90, 1, 0, 0]);
  const cieLen = Buffer.alloc(4);
  cieLen.writeUInt32LE(cie.length);
  const fdeBody = Buffer.alloc(4 + 4 + 4 + 1 + 4);
  const fdeStart = 4 + cie.length; // offset of the FDE's length field
  fdeBody.writeUInt32LE(fdeStart + 4); // CIE pointer: back to offset 0
  const pcAt = fdeStart + 8; // the pc field's offset in the section
  fdeBody.writeInt32LE(0x1000 - pcAt, 4);
  fdeBody.writeUInt32LE(0x20, 8);
  fdeBody[12] = 0; // augmentation data length
  Buffer.from([0x41, 0x0e, 0x10, 0x86, 0x02]).copy(fdeBody, 13 - 0); // advance 1; cfa off 16; rbp at cfa-16
  const fdeLen = Buffer.alloc(4);
  const fde = Buffer.concat([fdeBody.subarray(0, 13), Buffer.from([0x41, 0x0e, 0x10, 0x86, 0x02, 0, 0, 0])]);
  fdeLen.writeUInt32LE(fde.length);
  return Buffer.concat([cieLen, cie, fdeLen, fde, Buffer.alloc(4)]);
}

test('eh_frame: CFA and register rules before and after the prologue', () => {
  const t = parseEhFrame({ data: ehFrame(), addr: 0n }, 'test');
  assert.equal(t.size, 1);
  assert.equal(t.problems, 0);
  const at0 = t.rulesAt(0x1000n)!;
  assert.deepEqual(at0.cfa, { kind: 'reg', reg: 7, offset: 8n });
  assert.deepEqual(at0.regs.get(16), { kind: 'offset', offset: -8n });
  const at1 = t.rulesAt(0x1001n)!;
  assert.deepEqual(at1.cfa, { kind: 'reg', reg: 7, offset: 16n });
  assert.deepEqual(at1.regs.get(6), { kind: 'offset', offset: -16n });
  assert.equal(t.rulesAt(0x1020n), undefined);
});

test('CFI fuzz: random bytes and mutated tables never throw and stay bounded', () => {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const good = ehFrame();
  for (let i = 0; i < 3000; i++) {
    const buf = i % 2 ? Buffer.from(good) : Buffer.alloc(Math.floor(rnd() * 200));
    for (let j = 0; j < buf.length; j++) if (i % 2 === 0 || rnd() < 0.1) buf[j] = Math.floor(rnd() * 256);
    for (const parse of [parseEhFrame, parseDebugFrame]) {
      const t = parse({ data: buf, addr: 0n }, 'fuzz');
      for (const pc of [0n, 0x1000n, 0x1005n, BigInt(Math.floor(rnd() * 0x2000))]) t.rulesAt(pc);
    }
  }
});
