// Call frame information (DWARF 5 §6.4, and the `.eh_frame` variant of the LSB, "Exception Frames"):
// CIEs and FDEs of `.eh_frame` and `.debug_frame`, and the CFA and register rules at a pc, for
// code without a pclntab (C compiled by gcc or clang, the TSan runtime, shared libraries).
//
// The reader is bounded like the others: every read goes through ByteReader (a CoreReadError, never
// a RangeError), the FDE count and each rule program's length are capped, DWARF expressions run at
// most MAX_EXPR_STEPS operations, and remember_state nests at most MAX_STATE_DEPTH. A table that
// cannot be read at an FDE skips that FDE (`problems` counts them); rules that cannot be evaluated
// at a pc are `undefined`, and the unwinder stops there with a reason.
//
// Registers are DWARF numbers (System V amd64 psABI, figure 3.36): 0 rax, 1 rdx, 2 rcx, 3 rbx,
// 4 rsi, 5 rdi, 6 rbp, 7 rsp, 8–15 r8–r15, 16 the return address.
import { ByteReader, Cursor } from './bytes.js';
import { CoreReadError } from './errors.js';
import { lastStartingAtOrBelow } from './ranges.js';

export const DW_REG_NAMES = ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;
export const DW_REG_RSP = 7;
export const DW_REG_RBP = 6;
export const DW_REG_RA = 16;

/** More FDEs than any real binary has (libc has ~3,000, a race build ~20,000). */
export const MAX_FDES = 2_000_000;
/** Operations run for one DWARF expression. */
export const MAX_EXPR_STEPS = 1000;
/** Nesting of DW_CFA_remember_state. */
export const MAX_STATE_DEPTH = 64;
/** Instructions run for one pc (CIE initial instructions plus the FDE's up to pc). */
export const MAX_RULE_STEPS = 100_000;

export type RegisterRule =
  | { kind: 'undefined' }
  | { kind: 'same' }
  | { kind: 'offset'; offset: bigint } // saved at cfa+offset
  | { kind: 'val-offset'; offset: bigint } // the value is cfa+offset
  | { kind: 'register'; reg: number } // in another register
  | { kind: 'expression'; expr: Buffer } // saved at the address the expression computes
  | { kind: 'val-expression'; expr: Buffer };

export type CfaRule = { kind: 'reg'; reg: number; offset: bigint } | { kind: 'expression'; expr: Buffer };

export interface FrameRules {
  cfa: CfaRule;
  regs: Map<number, RegisterRule>;
  /** The FDE's CIE has augmentation 'S': a signal trampoline, whose pc is not a return address. */
  signalFrame: boolean;
  /** The return-address column of the CIE. */
  raReg: number;
  /** Where the FDE's code starts (bias not applied). */
  start: bigint;
}

interface Cie {
  codeAlign: bigint;
  dataAlign: bigint;
  raReg: number;
  fdeEncoding: number;
  signalFrame: boolean;
  initial: Buffer;
}

interface Fde {
  start: bigint;
  end: bigint;
  cie: Cie;
  instructions: Buffer;
}

const DW_EH_PE_omit = 0xff;

/** The FDEs of one section, sorted by start address, with a lookup by pc. */
export class CallFrameTable {
  private readonly fdes: Fde[];
  /** FDEs or CIEs that could not be decoded (skipped). */
  readonly problems: number;
  readonly file: string;

  constructor(fdes: Fde[], problems: number, file: string) {
    this.fdes = fdes.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    this.problems = problems;
    this.file = file;
  }

  get size(): number {
    return this.fdes.length;
  }

  /** The FDE covering `pc` (an address of the file, before any load bias). */
  private find(pc: bigint): Fde | undefined {
    const b = lastStartingAtOrBelow(this.fdes, pc, (f) => f.start);
    const best = this.fdes[b];
    // Overlapping FDEs are rare; look back a little for one that covers pc.
    if (best && pc < best.end) return best;
    for (let i = b - 1, n = 0; i >= 0 && n < 8; i--, n++) {
      const f = this.fdes[i]!;
      if (f.start <= pc && pc < f.end) return f;
    }
    return undefined;
  }

  /** Whether some FDE covers pc. */
  covers(pc: bigint): boolean {
    return this.find(pc) !== undefined;
  }

  /** The rules in effect at `pc`, or undefined when no FDE covers it or its program is corrupt. */
  rulesAt(pc: bigint): FrameRules | undefined {
    const fde = this.find(pc);
    if (!fde) return undefined;
    try {
      return runRules(fde, pc, this.file);
    } catch (e) {
      if (e instanceof CoreReadError) return undefined;
      throw e;
    }
  }
}

export interface CfiSection {
  data: Buffer;
  /** Address of the section's first byte (for pc-relative pointers in .eh_frame). */
  addr: bigint;
}

/** Parses `.eh_frame` (CIE pointers relative, 0 length ends it, augmentation-encoded pointers). */
export function parseEhFrame(sec: CfiSection, file: string): CallFrameTable {
  return parse(sec, file, true);
}

/** Parses `.debug_frame` (CIE pointers are section offsets, 0xffffffff marks a CIE). */
export function parseDebugFrame(sec: CfiSection, file: string): CallFrameTable {
  return parse(sec, file, false);
}

function parse(sec: CfiSection, file: string, eh: boolean): CallFrameTable {
  const what = eh ? '.eh_frame' : '.debug_frame';
  const r = new ByteReader(sec.data, { file, what, kind: 'corrupt' });
  const cies = new Map<number, CieWithAug | null>();
  const fdes: Fde[] = [];
  let problems = 0;
  let off = 0;
  while (off + 4 <= r.length) {
    if (fdes.length >= MAX_FDES) {
      problems++;
      break;
    }
    let len: number;
    let hdr = 4;
    try {
      len = r.u32(off);
      if (len === 0xffffffff) {
        len = r.u64n(off + 4, 'extended length');
        hdr = 12;
      }
    } catch {
      problems++;
      break;
    }
    if (len === 0) {
      if (eh) break; // the terminator
      off += hdr;
      continue;
    }
    const body = off + hdr;
    const next = body + len;
    if (next > r.length || next <= off) {
      problems++;
      break;
    }
    try {
      const is64 = hdr === 12;
      const idWidth = is64 ? 8 : 4;
      const id = is64 ? r.u64(body) : BigInt(r.u32(body));
      const isCie = eh ? id === 0n : is64 ? id === 0xffffffffffffffffn : id === 0xffffffffn;
      if (!isCie) {
        const cieOff = eh ? body - Number(id) : Number(id);
        let cie = cies.get(cieOff);
        if (cie === undefined) {
          cie = readCieAt(r, cieOff, eh);
          cies.set(cieOff, cie);
        }
        if (!cie) throw new CoreReadError('corrupt', file, `${file}: ${what}: FDE at ${off} names a bad CIE`);
        const c = new Cursor(r, body + idWidth);
        const start = readPointer(c, eh ? cie.fdeEncoding : 0, sec.addr, true);
        const range = readPointer(c, eh ? cie.fdeEncoding & 0x0f : 0, sec.addr, false);
        if (cie.augmentationData) c.pos = c.ulebn() + c.pos;
        if (c.pos > next) throw new CoreReadError('corrupt', file, `${file}: ${what}: FDE at ${off} overruns its length`);
        if (start !== undefined && range !== undefined && range > 0n) {
          fdes.push({ start, end: start + range, cie, instructions: r.bytes(c.pos, next - c.pos) });
        }
      }
    } catch (e) {
      if (!(e instanceof CoreReadError)) throw e;
      problems++;
    }
    off = next;
  }
  return new CallFrameTable(fdes, problems, file);
}

interface CieWithAug extends Cie {
  augmentationData: boolean;
}

function readCieAt(r: ByteReader, off: number, eh: boolean): CieWithAug | null {
  try {
    let len = r.u32(off);
    let hdr = 4;
    if (len === 0xffffffff) {
      len = r.u64n(off + 4, 'extended length');
      hdr = 12;
    }
    const body = off + hdr;
    const end = body + len;
    r.check(body, len, 'CIE');
    const c = new Cursor(r, body + (hdr === 12 ? 8 : 4));
    const version = c.u8();
    if (version !== 1 && version !== 3 && version !== 4) return null;
    const aug = r.cstring(c.pos, 64);
    c.pos += Buffer.byteLength(aug, 'latin1') + 1;
    if (version === 4) c.advance(2); // address_size, segment_selector_size
    const codeAlign = c.uleb();
    const dataAlign = c.sleb();
    const raReg = version === 1 ? c.u8() : c.ulebn();
    let fdeEncoding = 0;
    let signalFrame = false;
    let augmentationData = false;
    if (aug.startsWith('z')) {
      augmentationData = true;
      const augLen = c.ulebn();
      const augEnd = c.pos + augLen;
      for (const ch of aug.slice(1)) {
        if (ch === 'R') fdeEncoding = c.u8();
        else if (ch === 'P') {
          const enc = c.u8();
          readPointer(c, enc, 0n, false);
        } else if (ch === 'L') c.u8();
        else if (ch === 'S') signalFrame = true;
        else if (ch === 'B') continue;
        else break;
      }
      c.pos = augEnd;
    } else if (aug !== '' && eh) return null;
    if (c.pos > end) return null;
    return { codeAlign, dataAlign, raReg, fdeEncoding, signalFrame, initial: r.bytes(c.pos, end - c.pos), augmentationData };
  } catch (e) {
    if (e instanceof CoreReadError) return null;
    throw e;
  }
}

/** A pointer in DW_EH_PE encoding; undefined for an omitted or unsupported (datarel, ...) one. */
function readPointer(c: Cursor, enc: number, secAddr: bigint, applyRel: boolean): bigint | undefined {
  if (enc === DW_EH_PE_omit) return undefined;
  const at = secAddr + BigInt(c.pos);
  let v: bigint;
  switch (enc & 0x0f) {
    case 0x00:
      v = c.u64();
      break;
    case 0x01:
      v = c.uleb();
      break;
    case 0x02:
      v = BigInt(c.u16());
      break;
    case 0x03:
      v = BigInt(c.u32());
      break;
    case 0x04:
      v = c.u64();
      break;
    case 0x09:
      v = c.sleb();
      break;
    case 0x0a:
      v = BigInt((c.u16() << 16) >> 16);
      break;
    case 0x0b:
      v = BigInt(c.i32());
      break;
    case 0x0c:
      v = BigInt.asIntN(64, c.u64());
      break;
    default:
      throw new CoreReadError('corrupt', c.r.file, `${c.r.file}: ${c.r.what}: unknown pointer encoding 0x${enc.toString(16)}`);
  }
  if (!applyRel) return v;
  switch (enc & 0x70) {
    case 0x00:
      return BigInt.asUintN(64, v);
    case 0x10: // pcrel
      return BigInt.asUintN(64, at + v);
    default:
      return undefined; // textrel, datarel, funcrel, aligned: not emitted for amd64 code
  }
}

interface RuleState {
  cfa: CfaRule;
  regs: Map<number, RegisterRule>;
}

function copyState(s: RuleState): RuleState {
  return { cfa: s.cfa, regs: new Map(s.regs) };
}

function runRules(fde: Fde, pc: bigint, file: string): FrameRules {
  const cie = fde.cie;
  const state: RuleState = { cfa: { kind: 'reg', reg: DW_REG_RSP, offset: 8n }, regs: new Map() };
  const budget = { steps: 0 };
  const initial = run(cie.initial, cie, state, fde.start, pc, file, budget, [], undefined);
  run(fde.instructions, cie, state, fde.start, pc, file, budget, [], initial);
  return { cfa: state.cfa, regs: state.regs, signalFrame: cie.signalFrame, raReg: cie.raReg, start: fde.start };
}

/** Runs CFA instructions from `loc` while loc <= pc; returns the state (for DW_CFA_restore). */
function run(
  code: Buffer,
  cie: Cie,
  state: RuleState,
  start: bigint,
  pc: bigint,
  file: string,
  budget: { steps: number },
  stack: RuleState[],
  initial: RuleState | undefined,
): RuleState {
  const r = new ByteReader(code, { file, what: 'call frame instructions', kind: 'corrupt' });
  const c = new Cursor(r);
  let loc = start;
  const offsetRule = (n: bigint): RegisterRule => ({ kind: 'offset', offset: n * cie.dataAlign });
  const restore = (reg: number) => {
    const rule = initial?.regs.get(reg);
    if (rule) state.regs.set(reg, rule);
    else state.regs.delete(reg);
  };
  const advance = (delta: bigint): boolean => {
    loc += delta * cie.codeAlign;
    return loc > pc;
  };
  const setCfaReg = (reg: number) => {
    state.cfa = { kind: 'reg', reg, offset: state.cfa.kind === 'reg' ? state.cfa.offset : 0n };
  };
  const setCfaOffset = (offset: bigint) => {
    if (state.cfa.kind === 'reg') state.cfa = { kind: 'reg', reg: state.cfa.reg, offset };
  };
  while (c.pos < r.length) {
    if (++budget.steps > MAX_RULE_STEPS) throw new CoreReadError('corrupt', file, `${file}: call frame program too long`);
    const op = c.u8();
    const hi = op & 0xc0;
    const low = op & 0x3f;
    if (hi === 0x40) {
      if (advance(BigInt(low))) break;
      continue;
    }
    if (hi === 0x80) {
      state.regs.set(low, offsetRule(c.uleb()));
      continue;
    }
    if (hi === 0xc0) {
      restore(low);
      continue;
    }
    switch (op) {
      case 0x00: // nop
        break;
      case 0x01: // set_loc
        loc = c.u64();
        if (loc > pc) return state;
        break;
      case 0x02:
        if (advance(BigInt(c.u8()))) return state;
        break;
      case 0x03:
        if (advance(BigInt(c.u16()))) return state;
        break;
      case 0x04:
        if (advance(BigInt(c.u32()))) return state;
        break;
      case 0x05:
        state.regs.set(c.ulebn(), offsetRule(c.uleb()));
        break;
      case 0x06:
        restore(c.ulebn());
        break;
      case 0x07:
        state.regs.set(c.ulebn(), { kind: 'undefined' });
        break;
      case 0x08:
        state.regs.set(c.ulebn(), { kind: 'same' });
        break;
      case 0x09: {
        const reg = c.ulebn();
        state.regs.set(reg, { kind: 'register', reg: c.ulebn() });
        break;
      }
      case 0x0a:
        if (stack.length >= MAX_STATE_DEPTH) throw new CoreReadError('corrupt', file, `${file}: DW_CFA_remember_state nests too deep`);
        stack.push(copyState(state));
        break;
      case 0x0b: {
        const s = stack.pop();
        if (!s) throw new CoreReadError('corrupt', file, `${file}: DW_CFA_restore_state without remember_state`);
        // The CFA is restored too (DWARF 5 §6.4.2.4).
        state.cfa = s.cfa;
        state.regs = s.regs;
        break;
      }
      case 0x0c: {
        const reg = c.ulebn();
        state.cfa = { kind: 'reg', reg, offset: c.uleb() };
        break;
      }
      case 0x0d:
        setCfaReg(c.ulebn());
        break;
      case 0x0e:
        setCfaOffset(c.uleb());
        break;
      case 0x0f: {
        const n = c.ulebn();
        state.cfa = { kind: 'expression', expr: c.bytes(n) };
        break;
      }
      case 0x10: {
        const reg = c.ulebn();
        const n = c.ulebn();
        state.regs.set(reg, { kind: 'expression', expr: c.bytes(n) });
        break;
      }
      case 0x11: {
        const reg = c.ulebn();
        state.regs.set(reg, { kind: 'offset', offset: c.sleb() * cie.dataAlign });
        break;
      }
      case 0x12: {
        const reg = c.ulebn();
        state.cfa = { kind: 'reg', reg, offset: c.sleb() * cie.dataAlign };
        break;
      }
      case 0x13:
        setCfaOffset(c.sleb() * cie.dataAlign);
        break;
      case 0x14: {
        const reg = c.ulebn();
        state.regs.set(reg, { kind: 'val-offset', offset: c.uleb() * cie.dataAlign });
        break;
      }
      case 0x15: {
        const reg = c.ulebn();
        state.regs.set(reg, { kind: 'val-offset', offset: c.sleb() * cie.dataAlign });
        break;
      }
      case 0x16: {
        const reg = c.ulebn();
        const n = c.ulebn();
        state.regs.set(reg, { kind: 'val-expression', expr: c.bytes(n) });
        break;
      }
      case 0x2e: // GNU_args_size
        c.uleb();
        break;
      case 0x2f: {
        const reg = c.ulebn();
        state.regs.set(reg, { kind: 'offset', offset: -c.uleb() * cie.dataAlign });
        break;
      }
      default:
        throw new CoreReadError('corrupt', file, `${file}: unknown call frame instruction 0x${op.toString(16)}`);
    }
  }
  return copyState(state);
}

/** Register values for expression evaluation and rule application (DWARF numbers). */
export type RegisterFile = Map<number, bigint>;

/**
 * Evaluates a DWARF expression of a CFI rule (the subset compilers emit for CFA and register
 * rules: constants, DW_OP_breg*, arithmetic, comparisons, deref), with `initial` pushed first when
 * given. Undefined when it uses anything else, reads unreadable memory, or runs too long.
 */
export function evalCfiExpression(
  expr: Buffer,
  regs: RegisterFile,
  read: (addr: bigint) => bigint | undefined,
  initial?: bigint,
): bigint | undefined {
  const st: bigint[] = initial !== undefined ? [initial] : [];
  const r = new ByteReader(expr, { what: 'DWARF expression', kind: 'corrupt' });
  const c = new Cursor(r);
  const u = (v: bigint) => BigInt.asUintN(64, v);
  try {
    for (let steps = 0; c.pos < r.length; steps++) {
      if (steps >= MAX_EXPR_STEPS || st.length > 64) return undefined;
      const op = c.u8();
      if (op >= 0x30 && op <= 0x4f) {
        st.push(BigInt(op - 0x30)); // lit0..31
        continue;
      }
      if (op >= 0x70 && op <= 0x8f) {
        const base = regs.get(op - 0x70);
        if (base === undefined) return undefined;
        st.push(u(base + c.sleb())); // breg0..31
        continue;
      }
      const pop = (): bigint => {
        const v = st.pop();
        if (v === undefined) throw new CoreReadError('corrupt', '<expression>', 'DWARF expression stack underflow');
        return v;
      };
      switch (op) {
        case 0x06: {
          const v = read(pop());
          if (v === undefined) return undefined;
          st.push(v);
          break;
        }
        case 0x08: st.push(BigInt(c.u8())); break;
        case 0x09: st.push(u(BigInt((c.u8() << 24) >> 24))); break;
        case 0x0a: st.push(BigInt(c.u16())); break;
        case 0x0b: st.push(u(BigInt((c.u16() << 16) >> 16))); break;
        case 0x0c: st.push(BigInt(c.u32())); break;
        case 0x0d: st.push(u(BigInt(c.i32()))); break;
        case 0x0e: st.push(c.u64()); break;
        case 0x0f: st.push(c.u64()); break;
        case 0x10: st.push(c.uleb()); break;
        case 0x11: st.push(u(c.sleb())); break;
        case 0x12: st.push(st[st.length - 1] ?? pop()); break; // dup
        case 0x13: pop(); break; // drop
        case 0x14: st.push(st[st.length - 2] ?? pop()); break; // over
        case 0x16: { const a = pop(); const b = pop(); st.push(a, b); break; } // swap
        case 0x1a: { const b = pop(); st.push(pop() & b); break; }
        case 0x1c: { const b = pop(); st.push(u(pop() - b)); break; }
        case 0x1e: { const b = pop(); st.push(u(pop() * b)); break; }
        case 0x21: { const b = pop(); st.push(pop() | b); break; }
        case 0x22: { const b = pop(); st.push(u(pop() + b)); break; }
        case 0x23: st.push(u(pop() + c.uleb())); break; // plus_uconst
        case 0x24: { const b = pop(); st.push(b >= 64n ? 0n : u(pop() << b)); break; }
        case 0x25: { const b = pop(); st.push(b >= 64n ? 0n : pop() >> b); break; }
        case 0x27: { const b = pop(); st.push(pop() ^ b); break; }
        case 0x29: { const b = pop(); st.push(pop() === b ? 1n : 0n); break; }
        case 0x2a: { const b = BigInt.asIntN(64, pop()); st.push(BigInt.asIntN(64, pop()) >= b ? 1n : 0n); break; }
        case 0x2b: { const b = BigInt.asIntN(64, pop()); st.push(BigInt.asIntN(64, pop()) > b ? 1n : 0n); break; }
        case 0x2c: { const b = BigInt.asIntN(64, pop()); st.push(BigInt.asIntN(64, pop()) <= b ? 1n : 0n); break; }
        case 0x2d: { const b = BigInt.asIntN(64, pop()); st.push(BigInt.asIntN(64, pop()) < b ? 1n : 0n); break; }
        case 0x2e: { const b = pop(); st.push(pop() !== b ? 1n : 0n); break; }
        case 0x96: break; // nop
        default:
          return undefined;
      }
    }
  } catch (e) {
    if (e instanceof CoreReadError) return undefined;
    throw e;
  }
  return st.pop();
}
