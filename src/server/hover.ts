// Hovers on PCs and offsets: `pc=0x...` and `+0x1d` on a frame's location line, `pc=` of the
// `[signal ...]` line, `PC=` of a signal's PC line and the `rip`/`pc` register. With a binary
// associated the PC is resolved through its pclntab (function, offset, file:line); without one the
// hover repeats what the log says about that frame.
import type { Hover, Position, Range } from 'vscode-languageserver';
import type { Span } from '../traceback/types.js';
import type { Analysis } from './analysis.js';
import type { Association } from './associations.js';
import { type PcResolution, sameFunction } from './binarySymbols.js';

/** What the hovered token is. */
export interface PcTarget {
  kind: 'pc' | 'offset';
  span: Span;
  line: number;
  /** Runtime PC, when the token is (or the line prints) a pc. */
  pc?: bigint;
  offset?: number;
  /** The PC is exact (faulting or interrupted instruction), not a return address. */
  exact: boolean;
  /** What the log says about this frame. */
  func?: string;
  file?: string;
  lineNumber?: number;
}

const within = (s: Span, ch: number): boolean => ch >= s.start && ch <= s.end;

function parseHex(s: string): bigint | undefined {
  return /^0x[0-9a-fA-F]+$/.test(s) ? BigInt(s) : undefined;
}

/** The PC or offset token under a position, with what the log says about it. */
export function pcTargetAt(a: Analysis, pos: Position): PcTarget | undefined {
  const l = a.traceback.lines[pos.line];
  if (!l) return undefined;
  const ch = pos.character;
  if (l.kind === 'location') {
    const at = a.frameAt(l.line);
    const frame = at?.frame;
    const prev = at && at.index > 0 ? at.stack.frames[at.index - 1] : undefined;
    const base = {
      line: l.line,
      // A PC is a return address except in the frame a signal interrupted (below runtime.sigpanic).
      exact: prev?.func === 'runtime.sigpanic',
      func: frame?.func ?? at?.createdBy,
      file: l.file.value,
      lineNumber: l.lineNumber.value,
      pc: l.pc ? parseHex(l.pc.value) : undefined,
      offset: l.offset ? parseInt(l.offset.value, 16) : undefined,
    };
    if (l.pc && within(l.pc.span, ch)) return { kind: 'pc', span: l.pc.span, ...base };
    if (l.offset && within({ start: l.offset.span.start - 1, end: l.offset.span.end }, ch)) {
      return { kind: 'offset', span: { start: l.offset.span.start - 1, end: l.offset.span.end }, ...base };
    }
    return undefined;
  }
  if (l.kind === 'signal' || l.kind === 'signalPc') {
    for (const f of l.fields) {
      if (f.key.toLowerCase() === 'pc' && within(f.span, ch)) {
        return { kind: 'pc', span: f.span, line: l.line, pc: parseHex(f.value), exact: true };
      }
    }
    return undefined;
  }
  if (l.kind === 'register' && /^(rip|pc|eip)$/.test(l.name.value) && within(l.value.span, ch)) {
    return { kind: 'pc', span: l.value.span, line: l.line, pc: parseHex(l.value.value), exact: true };
  }
  return undefined;
}

function range(t: PcTarget): Range {
  return { start: { line: t.line, character: t.span.start }, end: { line: t.line, character: t.span.end } };
}

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

function basename(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i < 0 ? p : p.slice(i + 1);
}

/** What the log itself says about the frame. */
function fromLog(t: PcTarget): string[] {
  const out: string[] = [];
  if (t.func) out.push(`**${t.func}**${t.offset !== undefined ? ` +${hex(t.offset)}` : ''}`);
  if (t.file) out.push(`\`${t.file}:${t.lineNumber ?? '?'}\``);
  if (t.pc !== undefined) out.push(`pc ${hex(t.pc)}`);
  return out;
}

/** Resolves a target through the associated binary: by its pc, or by function entry + offset. */
export function resolveTarget(t: PcTarget, assoc: Association): PcResolution | undefined {
  if (t.pc !== undefined) return assoc.symbols.resolve(t.pc - assoc.bias, !t.exact);
  if (t.func && t.offset !== undefined) {
    const entry = assoc.symbols.entryOf(t.func);
    if (entry !== undefined) return assoc.symbols.resolve(entry + BigInt(t.offset), !t.exact);
  }
  return undefined;
}

export function pcHover(a: Analysis, pos: Position, assoc: Association | undefined): Hover | null {
  const t = pcTargetAt(a, pos);
  if (!t) return null;
  const parts: string[] = [];
  if (!assoc) {
    parts.push(...fromLog(t));
    parts.push('_From the log. Associate the binary (code lens at the top) to resolve PCs._');
    return { range: range(t), contents: { kind: 'markdown', value: parts.join('\n\n') } };
  }
  const res = resolveTarget(t, assoc);
  const bin = basename(assoc.binaryPath);
  if (!res) {
    parts.push(...fromLog(t));
    parts.push(
      `_${bin} has no function at this ${t.pc !== undefined ? `pc` : 'offset'}: is it the binary that printed this log?_`,
    );
    return { range: range(t), contents: { kind: 'markdown', value: parts.join('\n\n') } };
  }
  parts.push(`**${res.function}** +${hex(res.offset)}`);
  parts.push(`\`${res.file}:${res.line}\``);
  for (const c of res.inlined) parts.push(`inlined here: \`${c.function}\` at \`${c.file}:${c.line}\``);
  const pcText = t.pc !== undefined ? `pc ${hex(t.pc)}` : `entry ${hex(res.entry + assoc.bias)}`;
  parts.push(`${pcText} · resolved through \`${bin}\`${assoc.bias !== 0n ? ` (load bias ${hex(assoc.bias)})` : ''}`);
  if (t.func && !sameFunction(t.func, res.function)) {
    parts.push(`_The log names \`${t.func}\` here: is ${bin} the binary that printed this log?_`);
  }
  return { range: range(t), contents: { kind: 'markdown', value: parts.join('\n\n') } };
}
