// Hovering a PC shows that instruction: hex addresses (`0x491c0c`, `pc=0x491c0c`) and `func+0x1d`
// offsets, in Go files and crash logs, resolved in the active core's binary: function+offset, source
// line with inlined calls, the instruction (Delve's disassembly when its session is live) and the SSA
// value with its neighbours on the same line.
import * as vscode from 'vscode';
import type { PcDescription } from '../model.js';
import type { CoreSessions, OpenCore } from '../session/coreSessions.js';

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

export function describeMarkdown(d: PcDescription): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${d.func}+0x${d.offset.toString(16)}** — \`${d.pc}\`\n\n`);
  if (d.file) md.appendMarkdown(`${d.file}:${d.line ?? '?'}\n\n`);
  if (d.inlined.length) {
    md.appendMarkdown('Inlined calls at this PC:\n');
    md.appendCodeblock(d.inlined.map((i) => `${i.func}${i.file ? `  ${i.file}:${i.line ?? '?'}` : ''}`).join('\n'), 'text');
  }
  if (d.instruction) md.appendCodeblock(d.instruction, 'text');
  if (d.ssa) {
    md.appendMarkdown(d.ssa.verified ? '$(verified) SSA (verified)\n' : `$(warning) SSA (unverified${d.ssa.reason ? `: ${d.ssa.reason}` : ''})\n`);
    md.appendCodeblock([d.ssa.value, ...(d.ssa.neighbours ?? []).map((n) => `  ${n}`)].join('\n'), 'text');
  }
  return md;
}

/**
 * Everything known about a PC of an open core: our pclntab reader's answer, Delve's disassembly when
 * its session is live, and the SSA value when a crash frame at that PC was mapped.
 */
export async function describePcOfCore(core: OpenCore, pc: bigint, isReturnAddress: boolean): Promise<PcDescription | undefined> {
  const d = await core.pcInfo?.describe(pc, { isReturnAddress });
  if (!d) return undefined;
  const hex = '0x' + pc.toString(16);
  const frame = [...core.model.frames, ...core.model.systemFrames].find((f) => f.pc === hex && (f.ssa || f.instruction));
  if (frame?.ssa) d.ssa = frame.ssa;
  if (frame?.instruction) d.instruction = frame.instruction;
  if (!d.instruction && core.delve && !core.delve.ended) {
    d.instruction = await core.delve.instructionAt(pc, isReturnAddress).catch(() => undefined);
  }
  return d;
}

export class PcHoverProvider implements vscode.HoverProvider {
  constructor(private readonly sessions: CoreSessions) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const core = this.sessions.active;
    const info = core?.pcInfo;
    if (!core || !info) return undefined;
    const ref = pcReferenceAt(document.lineAt(position.line).text, position.character);
    if (!ref) return undefined;
    let pc = ref.pc;
    if (pc === undefined && ref.func !== undefined && ref.offset !== undefined) {
      const entry = info.entryOf(ref.func);
      if (entry !== undefined) pc = entry + BigInt(ref.offset);
    }
    if (pc === undefined) return undefined;
    const d = await describePcOfCore(core, pc, ref.isReturnAddress);
    if (!d) return undefined;
    return new vscode.Hover(describeMarkdown(d), new vscode.Range(position.line, ref.range[0], position.line, ref.range[1]));
  }
}
