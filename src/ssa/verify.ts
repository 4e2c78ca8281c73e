// "Same code" test between a rebuilt function and the binary: the object code printed by `-S`
// (relocated fields zeroed) must equal the binary's bytes at the function's entry outside the
// bits the linker fills in (relocForms.ts: whole rel32 fields on amd64; on arm64 only the
// immediates of BL and of ADRP+ADD/LDR pairs, so opcodes and registers are compared too), the
// rest of the binary's function range must be padding, and every direct call (amd64 R_CALL,
// arm64 R_CALLARM64) in the binary must land on the entry of the function the relocation names.
// Buildinfo differences shift rodata, so PC-relative operands differ legitimately: they are
// relocated and masked. Any doubt gives verified=false: never a wrong "verified".
import type { ListingFunction } from './listing.js';
import { maskRelocation, RELOC_FORMS } from './relocForms.js';

/** Resolves a runtime address to the function containing it (pclntab). */
export type FunctionResolver = (addr: bigint) => { name: string; entry: bigint } | undefined;

export interface VerifyResult {
  verified: boolean;
  /** Why not verified (or what was checked when verified). */
  reason: string;
  /** First differing byte offset from the entry, when the bytes differ. */
  firstDiff?: number;
  /** Bytes compared outside relocated fields. */
  comparedBytes: number;
  /** Calls whose targets were checked. */
  checkedCalls: number;
}

/** Symbol as pclntab names it: drop an ABI marker such as `<ABI0>`. */
export function normalizeSymbol(sym: string): string {
  // cgo turns a call of C.f into a call of the package's generated _Cfunc_f; the -S listing of the
  // rebuilt package names the target as written (pkg.C.f), the binary's pclntab as linked.
  return sym.replace(/<ABI[^>]*>$/, '').replace(/\.C\.([A-Za-z_]\w*)$/, '._Cfunc_$1');
}

/**
 * Compare. `binaryCode` is the binary's bytes from `entry` to the function's end (pclntab end),
 * `entry` the runtime address of the first byte (calls are PC-relative: only the difference
 * matters, so link-time or runtime addresses both work as long as `resolve` uses the same).
 */
export function verifyCode(
  listing: ListingFunction,
  binaryCode: Buffer,
  entry: bigint,
  resolve: FunctionResolver,
): VerifyResult {
  const code = listing.code;
  const fail = (reason: string, firstDiff?: number): VerifyResult => ({
    verified: false,
    reason,
    ...(firstDiff !== undefined ? { firstDiff } : {}),
    comparedBytes: 0,
    checkedCalls: 0,
  });
  if (code.length === 0 || code.length !== listing.size) {
    return fail(`the -S listing holds ${code.length} of the function's ${listing.size} bytes`);
  }
  if (binaryCode.length < code.length) {
    return fail(
      `unverified: the rebuilt function is ${code.length} bytes, the binary's only ${binaryCode.length}: the code differs (source or flags changed)`,
      binaryCode.length,
    );
  }
  // Per byte, the bits the linker writes (not compared).
  const masked = new Uint8Array(code.length);
  for (const r of listing.relocs) {
    if (r.size === 0) continue;
    if (r.offset < 0 || r.offset + r.size > code.length)
      return fail(`relocation ${r.type} at ${r.offset}+${r.size} is outside the function`);
    maskRelocation(masked, r.type, r.offset, r.size);
  }
  let compared = 0;
  for (let i = 0; i < code.length; i++) {
    if (masked[i] === 0xff) continue;
    if (((code[i]! ^ binaryCode[i]!) & ~masked[i]! & 0xff) !== 0) {
      return fail(
        `unverified: the code differs (source or flags changed): first difference at offset ${i} (+0x${i.toString(16)})`,
        i,
      );
    }
    compared++;
  }
  for (let i = code.length; i < binaryCode.length; i++) {
    const b = binaryCode[i];
    if (b !== 0xcc && b !== 0x00 && b !== 0x90) {
      return fail(
        `unverified: the binary's function is longer than the rebuilt one (${binaryCode.length} > ${code.length} bytes)`,
        i,
      );
    }
  }
  let calls = 0;
  for (const r of listing.relocs) {
    const call = RELOC_FORMS[r.type]?.call;
    if (!call) continue;
    if (r.size !== 4) return fail(`${r.type} at ${r.offset} has size ${r.size}; only 4-byte call fields are checked`);
    const target = call.target(binaryCode.subarray(r.offset, r.offset + 4), entry + BigInt(r.offset));
    const at = r.offset + call.instructionOffset;
    const fn = resolve(target);
    const want = normalizeSymbol(r.symbol);
    if (!fn)
      return fail(
        `unverified: the call at offset ${at} goes to 0x${target.toString(16)}, which is in no function (expected ${want})`,
        r.offset,
      );
    if (fn.name !== want || fn.entry + BigInt(r.addend) !== target) {
      return fail(
        `unverified: the call at offset ${at} goes to ${fn.name}+${target - fn.entry}, the rebuilt code calls ${want}+${r.addend}`,
        r.offset,
      );
    }
    calls++;
  }
  return {
    verified: true,
    reason: `verified: ${compared} bytes equal outside the linker-filled bits of ${listing.relocs.filter((r) => r.size > 0).length} relocated fields, ${calls} call targets match`,
    comparedBytes: compared,
    checkedCalls: calls,
  };
}

/** Source position of a runtime address in the binary (pclntab, innermost inlined position). */
export type PositionResolver = (addr: bigint) => { file: string; line: number } | undefined;

function baseName(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i >= 0 ? p.slice(i + 1) : p;
}

/**
 * Same code can come from a shifted source (a line added above the function): the mapping to
 * source lines would then be wrong. Check that every instruction's line in the listing equals the
 * binary's pclntab line at the same offset (file compared by base name: absolute paths differ
 * between machines). Only the last instruction at each offset is compared (zero-length ones take
 * the position of the instruction that follows in pclntab).
 */
export function verifyPositions(listing: ListingFunction, entry: bigint, position: PositionResolver): VerifyResult {
  let compared = 0;
  const ins = listing.instructions;
  for (let k = 0; k < ins.length; k++) {
    const i = ins[k]!;
    if (i.op === 'TEXT' || i.op === 'PCDATA' || i.op === 'FUNCDATA') continue;
    if (k + 1 < ins.length && ins[k + 1]!.offset === i.offset) continue;
    if (i.line === undefined || i.file === undefined || i.offset >= listing.size) continue;
    const p = position(entry + BigInt(i.offset));
    if (!p) continue;
    if (p.line !== i.line || baseName(p.file) !== baseName(i.file)) {
      return {
        verified: false,
        reason:
          `unverified: the code is the same but the source lines moved (source changed): at offset ${i.offset} ` +
          `the binary says ${baseName(p.file)}:${p.line}, the rebuilt source ${baseName(i.file)}:${i.line}`,
        firstDiff: i.offset,
        comparedBytes: 0,
        checkedCalls: 0,
      };
    }
    compared++;
  }
  return { verified: true, reason: `${compared} instruction positions match`, comparedBytes: 0, checkedCalls: 0 };
}
