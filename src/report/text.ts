// Human-readable rendering of a Report: a compact header, the threads, then the crashing
// thread's frames like a traceback (function, then file:line with pc/sp), grouped by stack.
import { isRuntimeFunction } from '../traceback/crash.js';
import type { PcReport } from './pcCommand.js';
import type { CrashSummary } from '../analysis/crashSummary.js';
import type { DelveCheck } from './delveCheck.js';
import type { Report, ReportFrame, ReportRuntime } from '../analysis/report.js';
import type { FrameAnnotation } from '../analysis/annotate.js';

export function formatReportText(r: Report): string {
  const out: string[] = [];
  const pid = r.core.pid !== null ? ` (pid ${r.core.pid}${r.core.command ? `: ${r.core.command}` : ''})` : '';
  out.push(`core:        ${r.core.path}${pid}  linux/${r.core.arch}`);
  const z = r.core.compression;
  if (z) out.push(`             ${z.format}-compressed: read from ${z.decompressedPath}${z.cached ? ' (decompressed before)' : ''}`);
  const t = r.truncated;
  if (t) {
    out.push(
      `TRUNCATED:   the core has ${t.actualBytes} of its ${t.expectedBytes} bytes; ${t.missingSegments.length} segment(s) cut off:`,
    );
    for (const m of t.missingSegments.slice(0, 12)) {
      const who = [
        m.threads.length ? `threads ${m.threads.join(', ')}` : '',
        m.goroutines.length ? `goroutines ${m.goroutines.slice(0, 10).join(', ')}${m.goroutines.length > 10 ? ', …' : ''}` : '',
        m.crashFrames ? `${m.crashFrames} crashing frame(s)` : '',
      ].filter(Boolean);
      out.push(`             ${m.address} (${m.size}, ${m.flags}): ${m.presentBytes} of ${m.fileBytes} bytes${who.length ? `; holds ${who.join('; ')}` : ''}`);
    }
    if (t.missingSegments.length > 12) out.push(`             … and ${t.missingSegments.length - 12} more`);
    for (const n of t.notes) out.push(`             ${n}`);
  }
  if (r.sources) out.push(`sources:     from ${r.sources.recordedRoot} → ${r.sources.localRoot} (module ${r.sources.module})`);
  const ids = [r.executable.goBuildId ? `Go build ID ${r.executable.goBuildId}` : '', r.executable.gnuBuildId ? `GNU build ID ${r.executable.gnuBuildId}` : '']
    .filter(Boolean)
    .join(', ');
  const found = r.executable.foundBy === 'build-id-dir' ? ' [found in a build-ID directory]' : r.executable.foundBy === 'debuginfod' ? ' [fetched from debuginfod]' : '';
  out.push(`executable:  ${r.executable.path}${r.executable.pie ? ` (PIE, load bias ${r.executable.loadBias})` : ''}${found}`);
  if (ids) out.push(`build ID:    ${ids} [${r.executable.verification}]`);
  out.push(`go:          ${r.go.version ?? 'unknown'}${r.go.mainPath ? `  main ${r.go.mainPath}` : ''}`);
  if (r.signal) {
    const s = r.signal;
    out.push(
      `signal:      ${s.name} (${s.number}) code=${s.code}${s.codeName ? ` (${s.codeName})` : ''}` +
        `${s.address !== null ? ` addr=${s.address}` : ''}${s.senderPid !== null ? ` from pid ${s.senderPid}` : ''}` +
        `${s.source === 'prstatus' ? ' (no NT_SIGINFO in the core: from the crashing thread\'s status)' : ''}`,
    );
  }
  if (r.runtime) out.push('', ...runtimeHeader(r.runtime));
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
    // Deep recursion: fold a run of identical frames, counted exactly (an entry with `repeat`
    // stands for that many frames; the JSON keeps every entry).
    let j = i + 1;
    let more = f.repeat - 1;
    while (same(f, c.frames[j])) more += c.frames[j++]!.repeat;
    if (j - i > 3 || more > j - i - 1) {
      out.push(`    ... ${more} more identical frames of ${f.function} at ${f.file}:${f.line}`);
      i = j - 1;
    }
  }
  if (c.stop.reason !== 'top') out.push(`  (walk ended: ${c.stop.detail})`);
  if (c.layoutProblem) out.push(`  (goroutine stacks not followed: ${c.layoutProblem})`);
  if (r.runtime) out.push(...runtimeDetails(r.runtime));
  if (r.runtime) out.push(...waitLines(r.runtime));
  if (r.ssa) out.push('', ...ssaLines(r.ssa));
  if (r.delve !== undefined) out.push('', ...delveLines(r.delve));
  return out.join('\n') + '\n';
}

/** `--ssa`: per frame, what the editor annotates. */
export function ssaLines(annotations: readonly FrameAnnotation[]): string[] {
  const out = [`ssa (${annotations.length} frames):`];
  for (const a of annotations) {
    out.push(`  ${a.origin ? '*' : ' '} ${a.function}${a.inlined ? '  [inlined]' : ''}  ${a.file.slice(a.file.lastIndexOf('/') + 1)}:${a.line}  pc=${a.pc}`);
    out.push(`      rule:        ${a.rule}${a.lookupPc !== null ? `; looked up ${a.lookupPc}` : ''}`);
    if (a.error !== null) {
      out.push(`      not mapped:  ${a.error}`);
      continue;
    }
    out.push(`      instruction: ${a.instruction ? `${a.instruction.pc} ${a.instruction.text}` : 'not found in the rebuilt listing'}`);
    out.push(`      ssa:         ${a.ssaValue?.text ?? (a.ssaBlock ? `${a.ssaBlock.id}: ${a.ssaBlock.text}` : 'none')}`);
    out.push(`      verified:    ${a.verified ? 'yes' : 'NO'}: ${a.reason}${a.cached ? ' (cached)' : ''}`);
  }
  return out;
}

/** What happened, first: kind, the runtime's own header lines, the signal, goroutine and origin. */
export function runtimeHeader(s: CrashSummary): string[] {
  const out = [`crash:       ${s.kind}${s.goroutine !== null ? ` on goroutine ${s.goroutine}` : ''}`];
  for (const m of s.messages) out.push(`             ${m}`);
  // Go 1.19's fault header already holds the runtime's own `[signal …]` line.
  if (s.signal && !s.messages.some((m) => m.startsWith('[signal '))) out.push(`             [signal ${s.signal.name} code=${s.signal.code} addr=${s.signal.address} pc=${s.signal.pc}]`);
  if (s.fault) {
    const f = s.fault;
    const g = `g ${f.g} (${f.gKind}${f.racectx !== null ? `, racectx ${f.racectx}` : ''})`;
    out.push(`fault:       in ${f.function} on M${f.m ?? '?'}, ${g}${f.curg !== null ? `, curg goroutine ${f.curg}` : ''}`);
    if (f.explanation) out.push(`             ${f.explanation}`);
  }
  if (s.blocked.length > 0) {
    out.push(`blocked:     ${s.blocked.length} goroutine(s) of the program cannot run`);
    for (const b of s.blocked) {
      const at = b.blockingFrame ? `  ${b.blockingFrame.function} at ${b.blockingFrame.file}:${b.blockingFrame.line}` : '';
      out.push(`             goroutine ${b.goid} [${b.status}]${at}`);
    }
  }
  if (s.origin) out.push(`origin:      ${s.origin.function}  ${s.origin.file}:${s.origin.line}${s.origin.inlined ? '  [inlined]' : ` pc=${s.origin.pc}`}`);
  return out;
}

export function runtimeDetails(s: CrashSummary): string[] {
  const out: string[] = [];
  if (s.ms.length) {
    out.push('', `Ms (${s.ms.length}):`);
    for (const m of s.ms) {
      const g0 = m.g0.stackLo ? `g0 [${m.g0.stackLo}, ${m.g0.stackHi})${m.g0.crashPcOnStack ? ' (crash on g0)' : ''}` : 'g0 ?';
      const curg = m.curg ? `curg ${m.curg.goid} [${m.curg.status}${m.curg.waitReason ? `, ${m.curg.waitReason}` : ''}] sched.pc=${m.curg.schedPc} ${m.curg.schedFunction ?? ''}` : 'no curg';
      out.push(`  ${m.crashing ? '*' : ' '} M${m.id} thread ${m.tid}  ${g0}  ${curg}`);
      out.push(`      throwing=${m.throwing} mallocing=${m.mallocing} locks=${m.locks} p=${m.pId !== null ? `P${m.pId}` : 'none'}`);
      if (m.racectx) out.push(`      racectx g0=${m.racectx.g0 ?? '?'} gsignal=${m.racectx.gsignal ?? '?'} curg=${m.racectx.curg ?? (m.curg ? '?' : 'none')}`);
    }
  }
  if (s.panics.length) {
    out.push('', `_panic chain (${s.panics.length}, newest first):`);
    for (const p of s.panics) {
      const flags = [p.recovered ? 'recovered' : '', p.goexit ? 'goexit' : '', p.aborted ? 'aborted' : '', p.repanicked ? 'repanicked' : ''].filter(Boolean);
      out.push(`  ${p.address}  ${p.value}${p.type ? `  (${p.type})` : ''}${flags.length ? `  [${flags.join(', ')}]` : ''}`);
      if (p.raisingFrame) out.push(`      raised by ${p.raisingFrame.function} at ${p.raisingFrame.file}:${p.raisingFrame.line}`);
      for (const f of p.fields) out.push(`      ${`${f.name} @+0x${f.offset.toString(16)}`.padEnd(22)} ${f.type.padEnd(18)} ${f.value}${f.symbol ? ` ${f.symbol}` : ''}`);
    }
  }
  if (s.goroutines.total) {
    out.push('', `other goroutines: ${s.goroutines.total} in ${s.goroutines.groups.length} groups`);
    for (const g of s.goroutines.groups.slice(0, 20)) {
      const top = g.frames.find((f) => !isRuntimeFunction(f.function)) ?? g.frames[0];
      out.push(`  ${String(g.count).padStart(6)} × [${g.status}]  ${top ? `${top.function} ${top.file.slice(top.file.lastIndexOf('/') + 1)}:${top.line}` : ''}`);
    }
  }
  for (const n of s.notes) out.push(`note: ${n}`);
  return out;
}

/** Throwers, deadlock, leak suspects, the map of a map write race, and every wait object with its queues. */
export function waitLines(rt: ReportRuntime): string[] {
  const out: string[] = [];
  const w = rt.waits;
  const th = rt.throwers ?? [];
  if (th.length > 0) {
    out.push('', `throwers (${th.length}):`);
    for (const t of th) {
      const flags = [t.crashingThread ? 'raised the final signal' : '', t.printedFirst ? 'printed first' : ''].filter(Boolean).join(', ');
      const o = t.origin;
      out.push(`  thread ${t.tid}  goroutine ${t.goroutine ?? '?'}${flags ? `  (${flags})` : ''}${o ? `  ${o.function} ${o.file}:${o.line}` : ''}${t.mapOperation ? `  in ${t.mapOperation}` : ''}`);
    }
  }
  if (!w) return out;
  if (w.mapRace) {
    out.push('', `map write race: map ${w.mapRace.map ?? 'unknown'} (${w.mapRace.how})`);
    for (const g of w.mapRace.goroutines) {
      out.push(`  goroutine ${g.goid}${g.threw ? ' (threw)' : ''}  ${g.operation}${g.userFrame ? `  from ${g.userFrame.function} ${g.userFrame.file}:${g.userFrame.line}` : ''}`);
    }
  }
  if (w.deadlock) out.push('', 'deadlock:', `  ${w.deadlock.explanation}`);
  if (w.leaks.suspects.length > 0) {
    out.push('', `leak suspects (by ${w.leaks.method}):`);
    for (const l of w.leaks.suspects) out.push(`  ${l.explanation}`);
    out.push(`  rule: ${w.leaks.rule}`, `  basis: ${w.leaks.basis}`);
  }
  if (w.leaks.unjudged.length > 0) out.push(`  not judged (wait object not read; counted as live): goroutines ${w.leaks.unjudged.join(', ')}`);
  if (w.objects.length > 0) {
    out.push('', `wait objects (${w.objects.length}):`);
    const ids = (g: readonly number[]) => (g.length > 12 ? `${g.slice(0, 12).join(' ')} … (${g.length})` : g.join(' '));
    for (const o of w.objects.slice(0, 50)) {
      out.push(`  ${o.label}`);
      if (o.channel) {
        if (o.channel.recvq.length) out.push(`      recvq: ${ids(o.channel.recvq)}`);
        if (o.channel.sendq.length) out.push(`      sendq: ${ids(o.channel.sendq)}`);
      } else if (o.waiters.length) out.push(`      queued: ${ids(o.waiters)}`);
      if (o.cond) out.push(`      tickets: wait ${o.cond.wait}, notify ${o.cond.notify}`);
      if (o.poll) out.push(`      fd ${o.poll.fd}${o.poll.readers.length ? `  readers: ${ids(o.poll.readers)}` : ''}${o.poll.writers.length ? `  writers: ${ids(o.poll.writers)}` : ''}`);
      if (o.referencedBy.length) out.push(`      referenced by: ${ids(o.referencedBy)}`);
      if (o.mentionedBy?.length) out.push(`      address on the stacks of (not live slots): ${ids(o.mentionedBy)}`);
      for (const h of (o.holders ?? []).filter((x) => x.certainty === 'likely').slice(0, 5)) out.push(`      likely holder: goroutine ${h.goid}${h.mode ? ` (${h.mode})` : ''}: ${h.evidence}`);
      if (o.note) out.push(`      ${o.note}`);
    }
    if (w.objects.length > 50) out.push(`  … ${w.objects.length - 50} more`);
  }
  return out;
}

export function delveLines(d: DelveCheck | null): string[] {
  if (d === null) return ['delve:       not asked (--no-delve)'];
  if (d.error) return [`delve:       ${d.dlv ? `${d.dlv.version} ` : ''}gave no answer: ${d.error}`];
  const agree = (v: boolean | null) => (v === null ? 'n/a' : v ? 'agrees' : 'DIFFERS');
  return [
    `delve:       ${d.dlv?.version}${d.dlv && !d.dlv.inRange ? ' (outside its Go range: --check-go-version=false)' : ''}: goroutine ${d.goroutine} (${agree(d.agrees.goroutine)}), origin frame ${agree(d.agrees.origin)}`,
  ];
}

/** Human-readable rendering of `go-core pc`: where the pc is, its instruction and SSA value. */
export function formatPcText(r: PcReport): string {
  const out: string[] = [];
  const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
  out.push(`pc:          ${r.pc}${r.input !== r.pc ? ` (${r.input})` : ''}  ${r.returnAddress ? `return address: looked up ${r.lookupPc}` : 'the instruction itself'}`);
  out.push(`             (${r.returnAddressReason})`);
  out.push(`function:    ${r.function}+${r.offset}  (entry ${r.entry})`);
  r.frames.forEach((f, i) => out.push(`${i === 0 ? 'source:' : ''.padEnd(7)}      ${f.file}:${f.line}  ${f.function}${f.inlined ? '  [inlined]' : ''}`));
  const ins = r.instruction;
  out.push(
    ins
      ? `instruction: ${ins.pc} +${ins.offset}  ${ins.text}${ins.line !== null ? `  (${ins.file ? base(ins.file) : ''}:${ins.line})` : ''}`
      : 'instruction: not found in the rebuilt listing',
  );
  if (r.ssaValue) out.push(`ssa value:   ${r.ssaValue.text}`, `             op ${r.ssaValue.op}${r.ssaValue.args.length ? `, args ${r.ssaValue.args.join(' ')}` : ''}`);
  else if (r.ssaBlock) out.push(`ssa block:   ${r.ssaBlock.id}: ${r.ssaBlock.text}`);
  else out.push('ssa value:   none (the instruction has no SSA value)');
  if (r.neighbours.length > 0) {
    const line = r.ssaValue?.line ?? ins?.line;
    out.push(`same line${line !== null && line !== undefined ? ` ${line}` : ''}:`);
    for (const v of r.neighbours.slice(0, 20)) out.push(`             ${v.text}`);
    if (r.neighbours.length > 20) out.push(`             ... ${r.neighbours.length - 20} more`);
  }
  out.push(`verified:    ${r.verified ? 'yes' : 'NO'}: ${r.reason}`);
  out.push(
    `rebuilt:     ${r.binary.goVersion} from ${r.sourceRoot}${r.rebuild.cached ? ' (cached)' : ` in ${(r.rebuild.durationMs / 1000).toFixed(1)} s`}` +
      `${r.binary.pie ? `; PIE, load bias ${r.binary.loadBias}` : ''}`,
  );
  return out.join('\n') + '\n';
}
