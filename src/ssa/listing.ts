// Parser for the compiler's `-S` listing (cmd/compile -S, as `go build -gcflags=pkg=-S` prints
// it on stderr). Shape, identical on Go 1.19 through 1.27 except where noted:
//
//   main.main STEXT size=185 args=0x0 locals=0x58 funcid=0x0 align=0x0      (1.27: align= first)
//   \t0x0000 00000 (/src/main.go:13)\tTEXT\tmain.main(SB), ABIInternal, $88-0
//   \t0x004a 00074 (<unknown line number>)\tNOP
//   \t0x0000 49 3b 66 10 0f 86 a5 00 00 00 48 83 ec 58 48 89  I;f.......H..XH.   (object code,
//                                                              relocated fields zeroed)
//   \trel 66+4 t=14 os.Args+8            (1.19–1.21: numeric type; 1.22+: t=R_PCREL)
//
// Instruction lines give the byte offset twice (hex, then decimal): the decimal column is NOT an
// instruction number. Symbol names may contain spaces (`type:[]interface {}`).

/** One instruction (or pseudo-instruction such as PCDATA/FUNCDATA) of the listing. */
export interface ListingInstruction {
  /** Byte offset from the function's entry. */
  offset: number;
  /** Source position as printed (the innermost inlined position); undefined when unknown. */
  file?: string;
  line?: number;
  /** Mnemonic, e.g. `CALL`, `MOVQ`, `PCDATA`. */
  op: string;
  /** Whole instruction text with its operands, tabs collapsed to single spaces. */
  text: string;
}

/** A relocation record of the object code: `rel off+size t=TYPE sym+add`. */
export interface ListingReloc {
  offset: number;
  size: number;
  /** Relocation type name (`R_CALL`), normalized from the numeric form printed before Go 1.22. */
  type: string;
  /** Target symbol; empty when the record has none. */
  symbol: string;
  addend: number;
}

/** One text symbol of the listing. */
export interface ListingFunction {
  name: string;
  /** Declared size from the header (`size=N`). */
  size: number;
  /** Header attributes (`nosplit`, `dupok`, ...). */
  flags: string[];
  instructions: ListingInstruction[];
  /** Object code with relocated fields zeroed (length = size when the dump is complete). */
  code: Buffer;
  relocs: ListingReloc[];
}

/** Numeric relocation types as printed by Go ≤ 1.21 (cmd/internal/objabi, stable 1.19–1.21). */
const NUMERIC_RELOC_TYPES: Record<number, string> = {
  1: 'R_ADDR',
  3: 'R_ADDRARM64',
  7: 'R_CALL',
  8: 'R_CALLARM',
  9: 'R_CALLARM64',
  10: 'R_CALLIND',
  14: 'R_PCREL',
  15: 'R_TLS_LE',
  16: 'R_TLS_IE',
  17: 'R_GOTOFF',
  18: 'R_PLT0',
  19: 'R_PLT1',
  20: 'R_PLT2',
  21: 'R_USEFIELD',
  22: 'R_USETYPE',
  23: 'R_USEIFACE',
  24: 'R_USEIFACEMETHOD',
};

/** Upper bound on listing text we parse (a whole package's -S can be large, but not this large). */
export const MAX_LISTING_CHARS = 256 * 1024 * 1024;

const HEADER_RE = /^(\S(?:.*\S)?) STEXT((?: [a-z]+)*) size=(\d+)(?: |$)/;
const INSN_RE = /^\t0x([0-9a-f]+) (\d+) \((.*?)\)\t(\S+)(?:\t(.*))?$/;
const HEX_RE = /^\t0x([0-9a-f]+)((?: [0-9a-f]{2}){1,16})(?: |$)/;
const REL_RE = /^\trel (\d+)\+(\d+) t=(\S+)(?: (.*))?$/;

/** Parse a `(file:line)` position; `<unknown line number>` gives neither. */
function parsePos(pos: string): { file?: string; line?: number } {
  const m = /^(.*):(\d+)$/.exec(pos);
  if (!m) return {};
  return { file: m[1]!, line: Number(m[2]) };
}

function relocTypeName(t: string): string {
  if (/^\d+$/.test(t)) return NUMERIC_RELOC_TYPES[Number(t)] ?? `RelocType(${t})`;
  return t;
}

function parseRelocTarget(rest: string | undefined): { symbol: string; addend: number } {
  if (!rest) return { symbol: '', addend: 0 };
  const m = /^(.*?)([+-]\d+)$/.exec(rest);
  if (!m) return { symbol: rest, addend: 0 };
  return { symbol: m[1]!, addend: Number(m[2]) };
}

/**
 * Parse every STEXT function of a `-S` listing. Data symbols are skipped. Lines from other
 * tools (the `# pkg` header, "dumped SSA ..." messages) are ignored.
 */
export function parseListing(text: string): ListingFunction[] {
  if (text.length > MAX_LISTING_CHARS) {
    throw new RangeError(`-S listing is ${text.length} characters, more than the ${MAX_LISTING_CHARS} accepted`);
  }
  const out: ListingFunction[] = [];
  let cur: { fn: ListingFunction; bytes: number[] } | undefined;
  const finish = (): void => {
    if (cur) {
      cur.fn.code = Buffer.from(cur.bytes);
      out.push(cur.fn);
      cur = undefined;
    }
  };
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!line.startsWith('\t')) {
      finish();
      const h = HEADER_RE.exec(line);
      if (h) {
        cur = {
          fn: {
            name: h[1]!,
            size: Number(h[3]),
            flags: h[2]!.trim() === '' ? [] : h[2]!.trim().split(' '),
            instructions: [],
            code: Buffer.alloc(0),
            relocs: [],
          },
          bytes: [],
        };
      }
      continue;
    }
    if (!cur) continue;
    const i = INSN_RE.exec(line);
    if (i) {
      const op = i[4]!;
      const operands = (i[5] ?? '').replace(/\t/g, ' ').trim();
      cur.fn.instructions.push({
        offset: parseInt(i[1]!, 16),
        ...parsePos(i[3]!),
        op,
        text: operands ? `${op} ${operands}` : op,
      });
      continue;
    }
    const r = REL_RE.exec(line);
    if (r) {
      cur.fn.relocs.push({
        offset: Number(r[1]),
        size: Number(r[2]),
        type: relocTypeName(r[3]!),
        ...parseRelocTarget(r[4]),
      });
      continue;
    }
    const x = HEX_RE.exec(line);
    if (x) {
      const at = parseInt(x[1]!, 16);
      if (at !== cur.bytes.length) continue; // out of order or repeated: ignore
      for (const b of x[2]!.trim().split(' ')) {
        if (cur.bytes.length < cur.fn.size) cur.bytes.push(parseInt(b, 16));
      }
    }
  }
  finish();
  return out;
}

/** The listing of one function by its symbol name (as pclntab names it). */
export function findListingFunction(fns: ListingFunction[], name: string): ListingFunction | undefined {
  return fns.find((f) => f.name === name);
}

/**
 * The instruction that occupies byte `offset` of the function: the last real instruction
 * starting at or before it (pseudo-instructions PCDATA/FUNCDATA/TEXT occupy no bytes and are
 * skipped unless nothing else matches).
 */
export function instructionAt(fn: ListingFunction, offset: number): ListingInstruction | undefined {
  let best: ListingInstruction | undefined;
  for (const ins of fn.instructions) {
    if (ins.offset > offset) break;
    if (isPseudo(ins.op)) continue;
    best = ins;
  }
  return best;
}

/** Pseudo-instructions that emit no machine code at their position. */
export function isPseudo(op: string): boolean {
  return op === 'TEXT' || op === 'PCDATA' || op === 'FUNCDATA' || op === 'END';
}
