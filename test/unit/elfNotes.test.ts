// Regression: a core whose PT_NOTE segment is a few MB of zeros describes hundreds of thousands of
// empty notes (found by the mutation fuzz on a fresh set of cores). It must end in a typed error,
// not a RangeError from the call stack.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoreFile } from '../../src/core/coreFile.js';
import { CoreReadError } from '../../src/core/errors.js';

function coreWithZeroNotes(noteBytes: number): Buffer {
  const ehsize = 64;
  const phentsize = 56;
  const buf = Buffer.alloc(ehsize + phentsize + noteBytes);
  buf.write('\x7fELF', 0, 'latin1');
  buf[4] = 2; // ELFCLASS64
  buf[5] = 1; // little endian
  buf[6] = 1; // EV_CURRENT
  buf.writeUInt16LE(4, 16); // ET_CORE
  buf.writeUInt16LE(62, 18); // EM_X86_64
  buf.writeUInt32LE(1, 20);
  buf.writeBigUInt64LE(BigInt(ehsize), 32); // e_phoff
  buf.writeUInt16LE(ehsize, 52);
  buf.writeUInt16LE(phentsize, 54);
  buf.writeUInt16LE(1, 56); // e_phnum
  const ph = ehsize;
  buf.writeUInt32LE(4, ph); // PT_NOTE
  buf.writeBigUInt64LE(BigInt(ehsize + phentsize), ph + 8); // p_offset
  buf.writeBigUInt64LE(BigInt(noteBytes), ph + 32); // p_filesz
  buf.writeBigUInt64LE(BigInt(noteBytes), ph + 40); // p_memsz
  buf.writeBigUInt64LE(4n, ph + 48); // p_align
  return buf;
}

test('millions of empty notes give a typed error, not a stack overflow', () => {
  const started = Date.now();
  assert.throws(
    () => CoreFile.open(coreWithZeroNotes(4 * 1024 * 1024), { name: 'zero-notes.core' }),
    (e: unknown) => e instanceof CoreReadError && /notes/.test(e.message),
  );
  assert.ok(Date.now() - started < 2000, 'well under a second or two');
});
