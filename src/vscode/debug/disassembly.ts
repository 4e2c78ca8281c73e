// x86-64 disassembly of a core's code for the DAP `disassemble` request, decoded by iced-x86 (the
// Rust decoder compiled to WebAssembly: no native binary in the .vsix, complete and exact for every
// instruction a Go, C or assembly function can hold). Text is Intel syntax, branch and call
// targets and RIP-relative operands resolved to Go function names from pclntab (stripped binaries
// too). Backward offsets are decoded from the entry of the function holding the address (pclntab
// knows every function's entry), so instruction boundaries before the pc are exact; before code
// with no known entry (C without symbols) placeholders are returned instead of a guess.
import type * as Iced from 'iced-x86';

/** What the disassembler needs of a core: its bytes and the symbols of its code. */
export interface CodeSource {
  /** Bytes at addr: the readable prefix of [addr, addr+len). */
  read(addr: bigint, len: number): Buffer;
  /** The function holding pc, by pclntab: name and entry. */
  functionAt(pc: bigint): { name: string; entry: bigint } | undefined;
  /** The innermost source line of an instruction. */
  lineAt(pc: bigint): { file: string; line: number } | undefined;
}

export interface DisassembledInstruction {
  address: bigint;
  /** Hex bytes, space-separated; empty for a placeholder. */
  bytes: string;
  /** Intel syntax, with `<function+0x12>` after resolved targets. */
  text: string;
  /** `main.main` at a function's entry, `main.main+0x1a` otherwise (DAP `symbol`). */
  symbol?: string;
  file?: string;
  line?: number;
  /** No instruction here: the bytes are not in the core, or no function entry is known before the address. */
  invalid?: boolean;
}

const MAX_INSN = 15;
/** Bytes decoded before the address at most (functions walked back from its own entry). */
const MAX_BACK_BYTES = 64 * 1024;
/** Instructions answered at most per request. */
export const MAX_INSTRUCTIONS = 4096;

let iced: typeof Iced | undefined;
/** iced-x86 compiles its WebAssembly when first required: only when a disassembly is asked for. */
function decoderModule(): typeof Iced {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  iced ??= require('iced-x86') as typeof Iced;
  return iced;
}

const hx = (n: bigint): string => '0x' + n.toString(16);

function symbolOf(src: CodeSource, pc: bigint): string | undefined {
  const f = src.functionAt(pc);
  if (!f) return undefined;
  return pc === f.entry ? f.name : `${f.name}+${hx(pc - f.entry)}`;
}

/** Decodes [start, end) linearly. Stops at the first byte not in the core. */
function decodeRange(src: CodeSource, start: bigint, end: bigint): DisassembledInstruction[] {
  const m = decoderModule();
  const bytes = src.read(start, Number(end - start) + MAX_INSN);
  if (bytes.length === 0) return [];
  const decoder = new m.Decoder(64, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), m.DecoderOptions.None);
  decoder.ip = start;
  const formatter = new m.Formatter(m.FormatterSyntax.Intel);
  formatter.hexPrefix = '0x';
  formatter.hexSuffix = '';
  formatter.uppercaseHex = false;
  formatter.spaceAfterOperandSeparator = true;
  formatter.branchLeadingZeros = false;
  formatter.ripRelativeAddresses = false;
  const out: DisassembledInstruction[] = [];
  try {
    while (decoder.canDecode && decoder.ip < end) {
      const ins = decoder.decode();
      try {
        const ip = ins.ip;
        const len = Number(ins.nextIP - ip);
        const off = Number(ip - start);
        if (off + len > bytes.length) break; // cut by the end of readable bytes
        let text = ins.isInvalid ? '(bad)' : formatter.format(ins);
        const fc = ins.flowControl;
        const direct =
          fc === m.FlowControl.Call || fc === m.FlowControl.UnconditionalBranch || fc === m.FlowControl.ConditionalBranch;
        if (direct && !ins.isInvalid) {
          const target = ins.nearBranchTarget;
          const sym = target ? symbolOf(src, target) : undefined;
          if (sym) text += ` <${sym}>`;
        } else if (!ins.isInvalid && ins.isIpRelMemoryOperand) {
          const sym = symbolOf(src, ins.ipRelMemoryAddress);
          text += sym ? ` ; ${hx(ins.ipRelMemoryAddress)} <${sym}>` : ` ; ${hx(ins.ipRelMemoryAddress)}`;
        }
        out.push({
          address: ip,
          bytes: [...bytes.subarray(off, off + len)].map((b) => b.toString(16).padStart(2, '0')).join(' '),
          text,
          ...(ins.isInvalid ? { invalid: true } : {}),
        });
      } finally {
        ins.free();
      }
    }
  } finally {
    decoder.free();
    formatter.free();
  }
  return out;
}

function placeholder(address: bigint): DisassembledInstruction {
  return { address, bytes: '', text: '??', invalid: true };
}

/**
 * `count` instructions starting `instructionOffset` instructions from the one at (or holding)
 * `address` (DAP `disassemble`: memoryReference + offset, instructionOffset, instructionCount).
 */
export function disassemble(src: CodeSource, address: bigint, instructionOffset: number, count: number): DisassembledInstruction[] {
  const n = Math.max(0, Math.min(count, MAX_INSTRUCTIONS));
  if (n === 0) return [];
  // Where decoding can start on an instruction boundary: function entries at or before the address.
  let start = address;
  const f = src.functionAt(address);
  if (f) {
    start = f.entry;
    // Walk back over whole functions until enough instructions lie before the address (at most
    // one per byte, at least one per 15 bytes: 15 bytes per wanted instruction is always enough).
    const want = BigInt(Math.max(0, -instructionOffset) * MAX_INSN);
    while (address - start < want && address - start < BigInt(MAX_BACK_BYTES) && start > 0n) {
      const prev = src.functionAt(start - 1n);
      if (!prev || prev.entry >= start) break;
      start = prev.entry;
    }
  }
  const after = BigInt(Math.max(1, n + Math.max(0, instructionOffset)) * MAX_INSN);
  const decoded = decodeRange(src, start, address + after);
  const at = decoded.findIndex((i) => i.address <= address && address < i.address + BigInt(Math.max(1, i.bytes.split(' ').length)));
  if (at < 0) {
    // Nothing decodes at the address (not in the core): placeholders from it.
    return Array.from({ length: n }, (_, k) => placeholder(address + BigInt(k + instructionOffset)));
  }
  const out: DisassembledInstruction[] = [];
  const first = at + instructionOffset;
  for (let k = first; k < first + n; k++) {
    if (k < 0) {
      out.push(placeholder(decoded[0]!.address - BigInt(-k)));
    } else if (k >= decoded.length) {
      const last = decoded[decoded.length - 1]!;
      const end = last.address + BigInt(last.bytes ? last.bytes.split(' ').length : 1);
      out.push(placeholder(end + BigInt(k - decoded.length)));
    } else {
      // Symbol and source line only for the instructions answered (a line lookup walks its function's table).
      const ins = decoded[k]!;
      const where = src.lineAt(ins.address);
      const sym = symbolOf(src, ins.address);
      out.push({ ...ins, ...(sym ? { symbol: sym } : {}), ...(where ? { file: where.file, line: where.line } : {}) });
    }
  }
  return out;
}
