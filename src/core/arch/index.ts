// The architecture description of a core or executable, from its ELF machine (src/core/elfTypes.ts).
import { CoreReadError } from '../errors.js';
import type { Arch } from '../elfTypes.js';
import { AMD64 } from './amd64.js';
import { ARM64 } from './arm64.js';
import type { ArchSpec } from './types.js';

export type { ArchSpec, SavedRegister } from './types.js';
export { AMD64, ARM64 };

export function archSpec(arch: Arch, file = '<input>'): ArchSpec {
  if (arch === 'amd64') return AMD64;
  if (arch === 'arm64') return ARM64;
  throw new CoreReadError('unsupported', file, `${file}: only amd64 and arm64 are supported`);
}

/** The registers a signal context at `uc` saved, by name, or undefined when unreadable. */
export function readSavedRegisters(spec: ArchSpec, mem: { tryRead(addr: bigint, len: number): Buffer | undefined }, uc: bigint): Record<string, bigint> | undefined {
  const regs = spec.signal.registers;
  const last = regs.reduce((m, r) => Math.max(m, r.offset), 0) + 8;
  const first = regs.reduce((m, r) => Math.min(m, r.offset), last);
  const b = mem.tryRead(uc + BigInt(first), last - first);
  if (!b) return undefined;
  const out: Record<string, bigint> = {};
  for (const r of regs) out[r.name] = b.readBigUInt64LE(r.offset - first);
  return out;
}
