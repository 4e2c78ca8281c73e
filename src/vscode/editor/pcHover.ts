// Hovering a PC shows that instruction: hex addresses (`0x491c0c`, `pc=0x491c0c`) and `func+0x1d`
// offsets, in Go files and crash logs, resolved in the active core's binary: function+offset, source
// line with inlined calls, the instruction (Delve's disassembly when its session is live) and the SSA
// value with its neighbours on the same line.
import * as vscode from 'vscode';
import type { PcDescription } from '../../analysis/engine.js';
import type { PcMapping } from '../../ssa/pcToSsa.js';
import type { CoreSessions, OpenCore } from '../session/coreSessions.js';
import { ssaText } from './ssaAnnotator.js';

/** What the hover shows for a pc: the engine's answer, the instruction, the SSA mapping of a crash frame at that pc. */
export interface PcHoverContent {
  pc: PcDescription;
  /** From the crash frame's mapping, else Delve's disassembly when its session is live. */
  instruction: string | undefined;
  mapping: PcMapping | undefined;
}

/** A PC reference found at a position of a line. */
export interface PcReference {
  range: [number, number];
  pc?: bigint;
  func?: string;
  offset?: number;
  /** `pc=`, `+0x` offsets in tracebacks are return addresses except the faulting frame. */
  isReturnAddress: boolean;
}

const HEX = /\b0x[0-9a-fA-F]{4,16}\b/g;
const FUNC_OFFSET = /([\w./*()[\]-]+?)\+0x([0-9a-fA-F]+)\b/g;

/** The PC reference under `character` of `line`, if any. */
export function pcReferenceAt(line: string, character: number): PcReference | undefined {
  for (const m of line.matchAll(FUNC_OFFSET)) {
    const start = m.index;
    const end = start + m[0].length;
    if (character >= start && character <= end && m[1] && !m[1].endsWith('/')) {
      // `\t/path/file.go:12 +0x1d` in a traceback: the offset belongs to the function of the line above;
      // the caller resolves a bare `+0x..` with context. Here the function is explicit.
      if (m[1].includes('.go:')) continue;
      return { range: [start, end], func: m[1], offset: parseInt(m[2]!, 16), isReturnAddress: true };
    }
  }
  for (const m of line.matchAll(HEX)) {
    const start = m.index;
    const end = start + m[0].length;
    if (character >= start && character <= end) {
      const before = line.slice(Math.max(0, start - 5), start);
      // In `[signal ... pc=0x...]` the PC is the faulting instruction itself.
      const faulting = /\[signal /.test(line) && before.endsWith('pc=');
      return { range: [start, end], pc: BigInt(m[0]), isReturnAddress: !faulting };
    }
  }
  return undefined;
}

export function describeMarkdown(c: PcHoverContent): vscode.MarkdownString {
  const d = c.pc;
  // Source frames innermost first: the physical function's position last, the inlined calls before it.
  const outer = d.frames[d.frames.length - 1];
  const inlined = d.frames.slice(0, -1);
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${d.function}+0x${d.offset.toString(16)}** — \`0x${d.pc.toString(16)}\`\n\n`);
  if (outer?.file) md.appendMarkdown(`${outer.file}:${outer.line || '?'}\n\n`);
  if (inlined.length) {
    md.appendMarkdown('Inlined calls at this PC:\n');
    md.appendCodeblock(inlined.map((i) => `${i.function}${i.file ? `  ${i.file}:${i.line || '?'}` : ''}`).join('\n'), 'text');
  }
  if (c.instruction) md.appendCodeblock(c.instruction, 'text');
  const ssa = c.mapping && ssaText(c.mapping);
  if (c.mapping && !ssa) {
    // The instruction is known but no SSA value produced it (a prologue, a spill the assembler added).
    md.appendMarkdown(`No SSA value: ${c.mapping.verified ? 'verified mapping; ' : ''}the instruction was added by the assembler\n`);
  }
  if (ssa) {
    const m = c.mapping!;
    md.appendMarkdown(m.verified ? '$(verified) SSA (verified)\n' : `$(warning) SSA (unverified${m.reason ? `: ${m.reason}` : ''})\n`);
    md.appendCodeblock([ssa, ...m.neighbours.map((n) => `  ${n.text}`)].join('\n'), 'text');
  }
  return md;
}

/** The SSA mapping of any pc of a core, without asking anything (cached, or a binary already allowed). */
export type PcSsaLookup = (core: OpenCore, pc: bigint, isReturnAddress: boolean) => Promise<PcMapping | undefined>;

/**
 * Everything known about a PC of an open core: the engine's answer (pclntab, the return-address
 * rule), the instruction and SSA value of that PC (a crash frame's mapping, else the engine's SSA
 * mapping of that PC when it needs no question: cached, or the binary was allowed), else Delve's
 * disassembly when its session is live.
 */
export async function describePcOfCore(
  core: OpenCore,
  pc: bigint,
  isReturnAddress: boolean,
  ssaFor?: PcSsaLookup,
): Promise<PcHoverContent | undefined> {
  const d = core.engine.describePc(pc, { returnAddress: isReturnAddress });
  if (!d) return undefined;
  // A crash frame's mapping, only when it looked up the same address (the rule of that frame).
  const m = core.annotations.get('0x' + pc.toString(16));
  const mapping =
    (m && m.lookupPc === (isReturnAddress ? pc - 1n : pc) ? m : undefined) ??
    (ssaFor ? await ssaFor(core, pc, isReturnAddress).catch(() => undefined) : undefined);
  let instruction = mapping?.instruction?.text;
  if (!instruction && core.delve && !core.delve.ended) {
    instruction = await core.delve.instructionAt(pc, isReturnAddress).catch(() => undefined);
  }
  return { pc: d, instruction, mapping };
}

export class PcHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly sessions: CoreSessions,
    private readonly ssaFor?: PcSsaLookup,
  ) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const core = this.sessions.active;
    if (!core) return undefined;
    const ref = pcReferenceAt(document.lineAt(position.line).text, position.character);
    if (!ref) return undefined;
    let pc = ref.pc;
    if (pc === undefined && ref.func !== undefined && ref.offset !== undefined) {
      const entry = core.engine.binary.entryOf(ref.func);
      if (entry !== undefined) pc = entry + BigInt(ref.offset);
    }
    if (pc === undefined) return undefined;
    const d = await describePcOfCore(core, pc, ref.isReturnAddress, this.ssaFor);
    if (!d) return undefined;
    return new vscode.Hover(describeMarkdown(d), new vscode.Range(position.line, ref.range[0], position.line, ref.range[1]));
  }
}
