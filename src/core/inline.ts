// The inline tree (FUNCDATA_InlTree) of a function: one `inlinedCall` record per inlined call,
// indexed by the PCDATA_InlTreeIndex value of a pc. Its layout changed in Go 1.20:
//   Go 1.18/1.19 (20 bytes): parent i16, funcID u8, pad u8, file i32, line i32, nameOff i32, parentPc i32
//   Go 1.20+     (16 bytes): funcID u8, pad [3]u8, nameOff i32, parentPc i32, startLine i32
// In both, the position of an inlined frame is the outer function's pcfile/pcln at the pc being
// expanded, and the caller of an inlined call is found at `entry + parentPc` (runtime/symtab.go).
import type { PclntabFormat } from './pclntab.js';

export interface InlinedCall {
  funcID: number;
  /** Offset of the inlined function's name in funcnametab. */
  nameOff: number;
  /** Offset from the outer function's entry of an instruction positioned at the call site. */
  parentPc: number;
  /** Go 1.20+: line of the inlined function's `func` keyword; 0 before. */
  startLine: number;
}

export function inlinedCallSize(format: PclntabFormat): number {
  return format === 'go1.18' ? 20 : 16;
}

/** Decodes one record; `buf` holds at least inlinedCallSize(format) bytes. */
export function decodeInlinedCall(buf: Buffer, format: PclntabFormat): InlinedCall {
  if (buf.length < inlinedCallSize(format)) throw new RangeError('short inlinedCall record');
  if (format === 'go1.18') {
    return { funcID: buf.readUInt8(2), nameOff: buf.readInt32LE(12), parentPc: buf.readInt32LE(16), startLine: 0 };
  }
  return { funcID: buf.readUInt8(0), nameOff: buf.readInt32LE(4), parentPc: buf.readInt32LE(8), startLine: buf.readInt32LE(12) };
}
