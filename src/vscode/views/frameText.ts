// How the views, decorations and frame commands print the engine's frames and crash (pure; no
// state): labels, descriptions, tooltips, the headline. Every frame is the report's one frame shape
// (ReportFrame): the crash's and those of the other goroutines' groups alike.
import * as vscode from 'vscode';
import type { CrashSummary, SummaryBlocked, SummaryPanic } from '../../analysis/crashSummary.js';
import type { Report, ReportFrame } from '../../analysis/report.js';
import { isRuntimeFunction } from '../../traceback/crash.js';
import type { PrintableFrame } from '../../traceback/format.js';

/** A frame a view shows: one of the crash or of a goroutine group (the same shape). */
export type ShownFrame = ReportFrame;

export function frameFunction(f: ShownFrame): string {
  return f.function;
}

/** In package runtime (or runtime/internal/...): folded in the views. */
export function isRuntimeFrame(f: ShownFrame): boolean {
  return isRuntimeFunction(frameFunction(f));
}

/** Hex offset of pc in its physical function; undefined for an inlined frame (it has no pc of its own). */
export function frameOffset(f: ShownFrame): string | undefined {
  if (f.inlined) return undefined;
  return f.offset;
}

/** The frame as the runtime's traceback prints it (framesAsTraceback). */
export function printableFrame(f: ShownFrame): PrintableFrame {
  return f;
}

/** Frames that ran on the system stack (g0) or the signal stack (gsignal), not on the goroutine's. */
export function onSystemStack(f: ReportFrame): boolean {
  return f.stack === 'g0' || f.stack === 'gsignal';
}

/** A frame of native code (C through cgo, the race runtime, a shared library). */
export function isNativeFrame(f: ShownFrame): boolean {
  return f.language === 'c';
}

export function frameLabel(f: ShownFrame): string {
  return frameFunction(f);
}

export function frameDescription(f: ShownFrame): string {
  // A C frame without DWARF has no line: its module and pc.
  const base = f.file ? `${f.file.split('/').pop()}:${f.line || '?'}` : isNativeFrame(f) && f.module ? `${f.module} ${f.pc}` : f.pc;
  return f.inlined ? `${base} (inlined)` : base;
}

function escape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

export function frameTooltip(f: ShownFrame, origin: boolean): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  const offset = frameOffset(f);
  md.appendMarkdown(`**${escape(frameFunction(f))}**${offset !== undefined ? ` +${offset}` : ''}\n\n`);
  if (f.file) md.appendMarkdown(`${escape(f.file)}:${f.line || '?'}\n\n`);
  const rows = [`PC ${f.pc}`];
  if (f.sp) rows.push(`SP ${f.sp}`);
  if (f.fp) rows.push(`FP ${f.fp}`);
  md.appendCodeblock(rows.join('\n'), 'text');
  // Every logical frame of a physical frame shares its rule (the engine's `returnAddress`).
  const signal = !f.returnAddress;
  const tags = [
    origin ? 'origin of the crash' : undefined,
    isNativeFrame(f) ? `C code${f.module ? ` in ${f.module}` : ''} (no SSA)` : undefined,
    f.inlined ? 'inlined call' : undefined,
    signal ? 'faulting instruction (PC is the instruction itself)' : 'PC is a return address',
    onSystemStack(f) ? `on the ${f.stack} stack` : undefined,
  ].filter(Boolean);
  md.appendMarkdown(tags.join(' · '));
  return md;
}

/** The crash in one line: the first header line as the runtime printed it, else the signal. */
export function crashHeadline(crash: CrashSummary): string {
  if (crash.messages[0]) return crash.messages[0];
  if (crash.kind === 'signal' && crash.signal) {
    return `signal ${crash.signal.name} addr=${crash.signal.address} pc=${crash.signal.pc}`;
  }
  return crash.kind === 'unknown' ? 'crash' : `${crash.kind} (message not found in the core)`;
}

/** How many characters of the crash message the Panic Frames header row shows (a 300 px side bar). */
export const SHORT_HEADLINE = 36;

/**
 * The crash header row: the kind and the first words of the message, cut at a word boundary with
 * an ellipsis (`panic: runtime error: index out of…`); the whole message is in the tooltip.
 */
export function crashShortHeadline(crash: CrashSummary, max = SHORT_HEADLINE): string {
  const full = crashHeadline(crash);
  if (full.length <= max) return full;
  const cut = full.slice(0, max + 1);
  const at = cut.lastIndexOf(' ');
  return `${(at > max / 2 ? cut.slice(0, at) : full.slice(0, max)).replace(/[\s:,;]+$/, '')}…`;
}

/** A _panic record's line as the runtime prints it in the header (`panic: B [recovered]`). */
export function panicLine(p: Pick<SummaryPanic, 'value' | 'recovered' | 'repanicked' | 'goexit'>): string {
  if (p.goexit) return 'runtime.Goexit';
  return `panic: ${p.value}${p.recovered ? (p.repanicked ? ' [recovered, repanicked]' : ' [recovered]') : ''}`;
}

/**
 * What a blocked goroutine's line says in a deadlock: what it waits in (the status the traceback
 * prints in brackets) and the runtime's verdict (`blocked: sync.Mutex.Lock — all goroutines are asleep`).
 */
export function blockedText(b: Pick<SummaryBlocked, 'status' | 'waitReason'>, crash: Pick<CrashSummary, 'messages'>): string {
  const verdict = crash.messages[0]?.replace(/^fatal error: /, '').replace(/ - deadlock!$/, '');
  return `blocked: ${b.status || b.waitReason || 'waiting'}${verdict ? ` — ${verdict}` : ''}`;
}

/** A cut walk in words (`walk cut: unreadable at 0xc000…`); undefined when the walk reached the top. */
export function walkCutText(stop: { reason: string; detail: string }): string | undefined {
  return stop.reason === 'top' ? undefined : `walk cut: ${stop.reason}${stop.detail ? ` at ${stop.detail}` : ''}`;
}

/** The row of a truncated core: how many bytes are missing and who falls in them. */
export function truncatedText(t: NonNullable<Report['truncated']>): string {
  const missing = Math.max(0, t.expectedBytes - t.actualBytes);
  const segs = t.missingSegments.length;
  const who = t.missingSegments.flatMap((s) => [
    ...(s.crashFrames ? [`${s.crashFrames} crash frame${s.crashFrames === 1 ? '' : 's'}`] : []),
    ...(s.goroutines.length ? [`${s.goroutines.length} goroutine${s.goroutines.length === 1 ? '' : 's'}`] : []),
    ...(s.threads.length ? [`${s.threads.length} thread stack${s.threads.length === 1 ? '' : 's'}`] : []),
  ]);
  return (
    `core truncated: ${missing.toLocaleString('en-US')} bytes missing (${segs} segment${segs === 1 ? '' : 's'} cut off` +
    `${who.length ? `; in them: ${who.join(', ')}` : ''})`
  );
}
