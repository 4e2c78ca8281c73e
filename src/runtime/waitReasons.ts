// The wait reason strings of a binary, read from its runtime.waitReasonStrings array ([N]string,
// statically initialised data) located through DWARF: used by the DWARF layout fallback, and by
// the tests to check the per-version tables.
import type { Dwarf } from '../core/dwarf.js';
import type { Memory } from '../core/memory.js';
import { RUNTIME_GLOBALS } from './layout.js';

/** undefined when the binary's DWARF has no runtime.waitReasonStrings. At most 1024 entries. */
export function readWaitReasonStrings(mem: Memory, dwarf: Dwarf, bias = 0n): string[] | undefined {
  return readStringArray(mem, dwarf, RUNTIME_GLOBALS.waitReasonStrings, bias);
}

/** A global [N]string variable (e.g. runtime.gStatusStrings) found through DWARF; N <= 1024. */
export function readStringArray(mem: Memory, dwarf: Dwarf, name: string, bias = 0n): string[] | undefined {
  const v = dwarf.variable(name);
  if (v?.address === undefined || v.typeOffset === undefined) return undefined;
  const t = dwarf.entryAt(v.typeOffset);
  if (!t) return undefined;
  const size = dwarf.typeSize(t);
  if (size <= 0 || size % 16 !== 0 || size / 16 > 1024) return undefined;
  const base = v.address + bias;
  const out: string[] = [];
  for (let i = 0; i < size / 16; i++) {
    const at = base + BigInt(16 * i);
    out.push(mem.readGoString(mem.readPtr(at), mem.readU64(at + 8n), 4096));
  }
  return out;
}
