// Hovers on PCs and offsets: `pc=0x...` and `+0x1d` on a frame's location line, `pc=` of the
// `[signal ...]` line, `PC=` of a signal's PC line and the `rip`/`pc` register. With a binary
// associated the PC is resolved through its pclntab (function, offset, file:line); without one the
// hover repeats what the log says about that frame. The instruction and SSA value come from the
// SSA mapping of the engine's binary (ssaHoverLines), for binaries the user allowed to be rebuilt.
import type { Hover, Position, Range } from 'vscode-languageserver';
import type { SourcePathMapper } from '../analysis/pathMapping.js';
import { sourceRootOf } from '../analysis/sourceRoot.js';
import { RebuildNotAllowedError } from '../ssa/pcToSsa.js';
import type { SsaPermissions } from './protocol.js';
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
    // A race report's frame (raceHover.ts): its `+0x..` is pc minus the entry of the physical
    // function while the name printed may be an inlined one, so it is not resolved by name.
    if (!at) return undefined;
    const frame = at.frame;
    const prev = at.index > 0 ? at.stack.frames[at.index - 1] : undefined;
    const base = {
      line: l.line,
      // A PC is a return address except in the frame a signal interrupted (below runtime.sigpanic).
      exact: prev?.func === 'runtime.sigpanic',
      func: frame?.func ?? at.createdBy,
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
  parts.push(`**${res.function}** +${hex(res.offset)}${res.language === 'c' ? ' (C code)' : ''}`);
  if (res.file || res.language !== 'c') parts.push(`\`${res.file}:${res.line}\``);
  for (const c of res.inlined) parts.push(`inlined here: \`${c.function}\` at \`${c.file}:${c.line}\``);
  const pcText = t.pc !== undefined ? `pc ${hex(t.pc)}` : `entry ${hex(res.entry + assoc.bias)}`;
  parts.push(`${pcText} · resolved through \`${bin}\`${assoc.bias !== 0n ? ` (load bias ${hex(assoc.bias)})` : ''}`);
  if (t.func && !sameFunction(t.func, res.function)) {
    parts.push(`_The log names \`${t.func}\` here: is ${bin} the binary that printed this log?_`);
  }
  return { range: range(t), contents: { kind: 'markdown', value: parts.join('\n\n') } };
}

/** What a hover needs to show a PC's instruction and SSA value (src/ssa through the engine's binary). */
export interface SsaHoverContext {
  permissions: SsaPermissions;
  /** Maps the binary's recorded main.main file to the workspace (the server's mapper). */
  mapper: SourcePathMapper;
  /** Bound on a rebuild started by a hover (default 60 s). */
  timeoutMs?: number;
}

/**
 * The instruction at a PC and the SSA value that produced it, with whether that was verified: from
 * the SSA cache, or from a rebuild when the user allowed this binary (by build ID) in the client.
 * The return-address rule is the log's: a pc= of a calling frame names the CALL before it.
 */
export async function ssaHoverLines(t: PcTarget, assoc: Association, ctx: SsaHoverContext): Promise<string[]> {
  const bin = assoc.symbols.binary;
  if (!bin) return [];
  const res = resolveTarget(t, assoc);
  if (!res) return [];
  if (res.language === 'c') return ['_C code has no SSA value: SSA exists only for Go functions built by the Go compiler._'];
  const linkPc = t.pc !== undefined ? t.pc - assoc.bias : res.entry + BigInt(res.offset);
  const buildId = bin.buildIds.go ?? bin.buildIds.gnu;
  const allowed = buildId !== undefined && ctx.permissions.allowedBuildIds.includes(buildId);
  const root = sourceRootOf(bin, ctx.mapper).root;
  if (!root) return ['_Instruction and SSA value: the source of this binary is not in the workspace._'];
  try {
    const m = await bin.mapSsa({
      pc: linkPc,
      isReturnAddress: !t.exact,
      sourceRoot: root,
      allowedRoots: ctx.permissions.allowedRoots,
      goroots: ctx.permissions.goroots,
      ...(allowed ? { confirmRebuild: () => true } : {}),
      timeoutMs: ctx.timeoutMs ?? 60_000,
    });
    const out: string[] = [];
    if (m.instruction) {
      const at = m.entry + BigInt(m.instruction.offset) + assoc.bias;
      out.push(`instruction \`${m.instruction.text}\` at ${hex(at)}${t.exact ? '' : ' (the call before the return address)'}`);
    }
    const value = m.ssaValue?.text ?? m.ssaBlock?.text;
    if (value) out.push(`SSA \`${value}\``);
    out.push(m.verified ? '_verified: the rebuilt code equals the binary_' : `_not verified: ${m.reason}_`);
    return out;
  } catch (e) {
    if (e instanceof RebuildNotAllowedError) {
      return ['_Instruction and SSA value: not rebuilt yet. Allow rebuilding this binary ("Go Core: Show SSA for This Frame" asks)._'];
    }
    return [`_Instruction and SSA value: ${((e as Error).message ?? String(e)).split('\n')[0]}_`];
  }
}
