// Parser for the GOSSAFUNC HTML (`<func>.html` on 1.19, `<func>,1.html` on 1.24+): the final
// `genssa` column (one row per emitted Prog: the SSA value or block that produced it, the Prog
// number, the source line, the instruction) and the last SSA pass before it (each value's op,
// type, aux, arguments, register). Shape checked on Go 1.19, 1.22, 1.24, 1.27:
//
//   <td id="genssa-exp" class="ssa-prog"><h2>genssa</h2><code><dl class="ssa-gen">
//   <dt class="ssa-prog-src"><span class="v40 ssa-value">v40</span></dt>
//   <dd class="ssa-prog">00008 <span class="l11 line-number">(<b>+11</b>)</span> CALL\truntime.panicIndex(SB)</dd>
//   <dd class="ssa-prog"># /src/main.go</dd>            (file of the following rows; also "# live at ..." notes)
//
//   <li class="ssa-long-value "><span class="v41 ssa-long-value"><span class="v41 ssa-value">v41</span>
//     <span class="l11 line-number">(11)</span> = LoweredPanicBoundsC &lt;mem&gt; [0] <span ...>v29</span> ...</li>
//
// The Prog numbers of genssa are instruction indexes before assembly, not byte offsets; they are
// matched to the `-S` listing's offsets by align.ts.
import { InspectorError } from '../core/errors.js';

/** One row of the genssa column. */
export interface GenssaRow {
  /** Prog number (index before assembly). */
  prog: number;
  /** `v40` / `b2` / undefined (prologue pseudo-instructions). */
  value?: string;
  /** Source file of the row (from the preceding `# file` row). */
  file?: string;
  line?: number;
  /** True when the line is a statement boundary (`+11`). */
  isStmt: boolean;
  op: string;
  /** Instruction text, tabs collapsed to single spaces. */
  text: string;
}

/** One SSA value of the last pass before genssa. */
export interface SsaValue {
  /** `v41`. */
  id: string;
  /** Op name: `LoweredPanicBoundsC`, `MOVQload`, `CALLstatic`, ... */
  op: string;
  /** Type without brackets: `mem`, `*account`, `int,mem`. */
  type: string;
  /** Auxiliary fields as printed (`[16]`, `{os.Args}`, `[auxtype=21 AuxInt=0 Aux={3}]`). */
  aux: string;
  /** Argument value ids in order. */
  args: string[];
  /** Register or location after `:` (`AX`), if any. */
  reg?: string;
  line?: number;
  /** The whole printed value, e.g. `v10 (+19) = MOVQload <int> [16] v6 v1 : AX`. */
  text: string;
  /** Block holding the value. */
  block: string;
}

/** A block of the last SSA pass: its kind line (`If v62 → b4 b3`). */
export interface SsaBlock {
  id: string;
  /** End-of-block text, e.g. `ULT v62 → b4 b3 (likely) (11)`. */
  text: string;
  kind: string;
}

export interface GenssaListing {
  /** Function name from the TEXT row (`main.main`). */
  function?: string;
  rows: GenssaRow[];
  /** Values of the last pass before genssa, by id. */
  values: Map<string, SsaValue>;
  blocks: Map<string, SsaBlock>;
  /** Name of the pass the values were taken from (the column id, e.g. `loop-rotate--+--stackframe--+--trim`). */
  lastPass?: string;
}

export class GenssaParseError extends InspectorError {
  constructor(message: string, file?: string) {
    super(file ? `${message} (${file})` : message, file !== undefined ? { file } : {});
    this.name = 'GenssaParseError';
  }
}

/** Upper bound on the HTML accepted (a huge function's dump is a few tens of MB). */
export const MAX_SSA_HTML_CHARS = 512 * 1024 * 1024;

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: ' ' };

/** Strip tags and decode entities. */
export function htmlText(s: string): string {
  return s.replace(/<[^>]*>/g, '').replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(n) && n >= 0 && n <= 0x10ffff ? String.fromCodePoint(n) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

/** `(+11)` / `(11)` / `(?)` → line and statement flag. */
function parseLineMark(s: string): { line?: number; isStmt: boolean } {
  const m = /^\((\+|-)?(\d+)\)$/.exec(s.trim());
  if (!m) return { isStmt: false };
  return { line: Number(m[2]), isStmt: m[1] === '+' };
}

/** Parse one printed value: `v41 (11) = LoweredPanicBoundsC <mem> [0] v29 v28 v44 : AX (x[int])`. */
export function parseValueText(text: string, block: string): SsaValue | undefined {
  const m = /^(v\d+) (\([^)]*\)) = (\S+?)(?=[ <[{]|$)(.*)$/.exec(text.trim());
  if (!m) return undefined;
  const { line } = parseLineMark(m[2]!);
  let rest = m[4]!;
  let type = '';
  const t = /^ ?</.exec(rest);
  if (t) {
    // balanced <...> (types may contain nested <> rarely, and spaces: `struct { a int }`)
    let depth = 0;
    let i = rest.indexOf('<');
    const start = i;
    for (; i < rest.length; i++) {
      if (rest[i] === '<') depth++;
      else if (rest[i] === '>' && --depth === 0) break;
    }
    type = rest.slice(start + 1, i);
    rest = rest.slice(i + 1);
  }
  let reg: string | undefined;
  const colon = rest.search(/ : /);
  let beforeReg = rest;
  if (colon >= 0) {
    beforeReg = rest.slice(0, colon);
    const r = /^ : (\S+)/.exec(rest.slice(colon));
    if (r) reg = r[1];
  }
  const args: string[] = [];
  let aux = '';
  for (const tok of beforeReg.trim().split(/ (?![^[{]*[\]}])/)) {
    if (/^v\d+$/.test(tok)) args.push(tok);
    else if (tok !== '') aux = aux ? `${aux} ${tok}` : tok;
  }
  const v: SsaValue = { id: m[1]!, op: m[3]!, type, aux, args, text: text.trim(), block };
  if (line !== undefined) v.line = line;
  if (reg !== undefined) v.reg = reg;
  return v;
}

/** Split the HTML into its pass columns: `[id, content]` in order. */
function columns(html: string): Array<[string, string]> {
  const re = /<td id="([^"]+)-exp"[^>]*>/g;
  const starts: Array<[string, number, number]> = [];
  for (let m = re.exec(html); m; m = re.exec(html)) starts.push([m[1]!, m.index, re.lastIndex]);
  return starts.map(([id, , from], k) => {
    const to = k + 1 < starts.length ? starts[k + 1]![1] : html.length;
    return [id, html.slice(from, to)];
  });
}

function parseGenssaColumn(col: string): { rows: GenssaRow[]; fn?: string } {
  const rows: GenssaRow[] = [];
  let file: string | undefined;
  let fn: string | undefined;
  const re = /<dt class="ssa-prog-src">(.*?)<\/dt>\s*<dd class="ssa-prog">(.*?)<\/dd>/gs;
  for (let m = re.exec(col); m; m = re.exec(col)) {
    const src = htmlText(m[1]!).trim();
    const body = m[2]!;
    const plain = htmlText(body);
    if (plain.startsWith('# ')) {
      const f = plain.slice(2).trim();
      if (!f.startsWith('live at ') && !f.startsWith('(') && f !== '') file = f;
      continue;
    }
    const r = /^(\d+) (\((?:\+|-)?(?:\d+|\?)\)) ([^\s]+)(?:[ \t]+(.*))?$/s.exec(plain.trim());
    if (!r) continue;
    const { line, isStmt } = parseLineMark(r[2]!);
    const op = r[3]!;
    const operands = (r[4] ?? '').replace(/\s+/g, ' ').trim();
    const row: GenssaRow = { prog: Number(r[1]), isStmt, op, text: operands ? `${op} ${operands}` : op };
    if (/^[vb]\d+$/.test(src)) row.value = src;
    if (file !== undefined) row.file = file;
    if (line !== undefined) row.line = line;
    if (op === 'TEXT' && fn === undefined) fn = /^(\S+?)\(SB\)/.exec(operands)?.[1];
    rows.push(row);
  }
  return fn === undefined ? { rows } : { rows, fn };
}

function parsePassColumn(col: string): { values: Map<string, SsaValue>; blocks: Map<string, SsaBlock> } {
  const values = new Map<string, SsaValue>();
  const blocks = new Map<string, SsaBlock>();
  const re = /<li class="ssa-(start-block|long-value|end-block)[^"]*">(.*?)<\/li>/gs;
  let block = '';
  for (let m = re.exec(col); m; m = re.exec(col)) {
    const text = htmlText(m[2]!).replace(/\s+/g, ' ').trim();
    if (m[1] === 'start-block') {
      block = /^(b\d+)/.exec(text)?.[1] ?? '';
    } else if (m[1] === 'long-value') {
      const v = parseValueText(text, block);
      if (v) values.set(v.id, v);
    } else if (block) {
      blocks.set(block, { id: block, text, kind: text.split(' ')[0] ?? '' });
    }
  }
  return { values, blocks };
}

/** Parse a GOSSAFUNC HTML dump. */
export function parseGenssaHtml(html: string, file?: string): GenssaListing {
  if (html.length > MAX_SSA_HTML_CHARS) {
    throw new GenssaParseError(
      `SSA dump is ${html.length} characters, more than the ${MAX_SSA_HTML_CHARS} accepted`,
      file,
    );
  }
  const cols = columns(html);
  const gi = cols.findIndex(([id]) => id === 'genssa');
  if (gi < 0) throw new GenssaParseError('no genssa column in the SSA dump', file);
  const { rows, fn } = parseGenssaColumn(cols[gi]![1]);
  if (rows.length === 0) throw new GenssaParseError('the genssa column has no instructions', file);
  const out: GenssaListing = { rows, values: new Map(), blocks: new Map() };
  if (fn !== undefined) out.function = fn;
  for (let k = gi - 1; k >= 0; k--) {
    const [id, content] = cols[k]!;
    if (!content.includes('ssa-long-value')) continue;
    const { values, blocks } = parsePassColumn(content);
    out.values = values;
    out.blocks = blocks;
    out.lastPass = id;
    break;
  }
  return out;
}
