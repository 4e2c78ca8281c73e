// Human-readable rendering of a Report: a compact header, the threads, then the crashing
// thread's frames like a traceback (function, then file:line with pc/sp), grouped by stack.
import type { Report, ReportFrame } from './report.js';

export function formatReportText(r: Report): string {
  const out: string[] = [];
  const pid = r.core.pid !== null ? ` (pid ${r.core.pid}${r.core.command ? `: ${r.core.command}` : ''})` : '';
  out.push(`core:        ${r.core.path}${pid}`);
  const ids = [r.executable.goBuildId ? `Go build ID ${r.executable.goBuildId}` : '', r.executable.gnuBuildId ? `GNU build ID ${r.executable.gnuBuildId}` : '']
    .filter(Boolean)
    .join(', ');
  out.push(`executable:  ${r.executable.path}${r.executable.pie ? ` (PIE, load bias ${r.executable.loadBias})` : ''}`);
  if (ids) out.push(`build ID:    ${ids} [${r.executable.verification}]`);
  out.push(`go:          ${r.go.version ?? 'unknown'}${r.go.mainPath ? `  main ${r.go.mainPath}` : ''}`);
  if (r.signal) {
    const s = r.signal;
    out.push(
      `signal:      ${s.name} (${s.number}) code=${s.code}${s.codeName ? ` (${s.codeName})` : ''}` +
        `${s.address !== null ? ` addr=${s.address}` : ''}${s.senderPid !== null ? ` from pid ${s.senderPid}` : ''}`,
    );
  }
  out.push('', `threads (${r.threads.length}):`);
  for (const t of r.threads) {
    const g = t.gKind === null ? '' : t.gKind === 'user' ? `  goroutine ${t.goroutine}` : `  ${t.gKind}${t.goroutine !== null ? ` (curg goroutine ${t.goroutine})` : ''}`;
    out.push(`  ${t.crashing ? '*' : ' '} ${String(t.tid).padEnd(8)} pc=${t.pc} ${t.function ?? '?'}  sp=${t.sp}${g}`);
  }
  const c = r.crash;
  out.push('', `crashing thread ${c.tid}${c.goroutine !== null ? `, goroutine ${c.goroutine}` : ''}${c.onSystemStack ? ' (on the system stack)' : ''}:`);
  let stack: string | undefined;
  const same = (a: ReportFrame, b: ReportFrame | undefined): boolean =>
    b !== undefined && a.stack === b.stack && a.function === b.function && a.file === b.file && a.line === b.line && a.inlined === b.inlined && a.offset === b.offset;
  for (let i = 0; i < c.frames.length; i++) {
    const f = c.frames[i]!;
    if (f.stack !== stack) {
      stack = f.stack;
      out.push(`  [${stack || 'stack'}]`);
    }
    out.push(`    ${f.function}${f.inlined ? '(...)  [inlined]' : '()'}${f.signalFrame ? '  [signal]' : ''}`);
    out.push(`        ${f.file}:${f.line}${f.inlined ? '' : ` +${f.offset} pc=${f.pc} sp=${f.sp} fp=${f.fp}`}`);
    // Deep recursion: fold a run of identical frames (the JSON keeps every frame).
    let j = i + 1;
    while (same(f, c.frames[j])) j++;
    if (j - i > 3) {
      out.push(`    ... ${j - i - 1} more identical frames of ${f.function} at ${f.file}:${f.line}`);
      i = j - 1;
    }
  }
  if (c.stop.reason !== 'top') out.push(`  (walk ended: ${c.stop.detail})`);
  if (c.layoutProblem) out.push(`  (goroutine stacks not followed: ${c.layoutProblem})`);
  return out.join('\n') + '\n';
}
