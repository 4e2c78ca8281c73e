// Benchmark (figures printed, not a test) of our own debug adapter (src/vscode/debug/engineAdapter.ts) on
// the 10,000-goroutine core: the DAP requests VS Code sends when a session starts, each timed as the
// adapter answers it in this process (no Delve): initialize → configurationDone (stop on the crash),
// threads (allgs read once; at most 1000 listed), stackTrace of the crashing goroutine and of a
// parked one, scopes + registers, readMemory of 4 KiB at the stack pointer, and disassemble of 100
// instructions around the crash pc (the first one loads iced-x86's WebAssembly; the second shows
// the steady cost).
// Usage: node --import tsx bench/adapter.ts [goMinor ...]   (default 1.22 1.27)
import type { DebugProtocol } from '@vscode/debugprotocol';
import { openCore } from '../src/analysis/engine.js';
import { EngineDebugSession } from '../src/vscode/debug/engineAdapter.js';
import { fixture } from '../test/support/fixtures.js';

async function main(): Promise<void> {
  const minors = process.argv.slice(2).length ? process.argv.slice(2) : ['1.22', '1.27'];
  for (const minor of minors) {
    const fx = fixture('many-goroutines', minor);
    const t0 = performance.now();
    const engine = openCore(fx.core, { binary: fx.prog });
    engine.report();
    const opened = performance.now() - t0;
    const session = new EngineDebugSession(engine);
    let seq = 1;
    const waiting = new Map<number, (r: DebugProtocol.Response) => void>();
    session.onDidSendMessage((m) => {
      const r = m as DebugProtocol.Response;
      if (r.type === 'response') waiting.get(r.request_seq)?.(r);
    });
    const rows: [string, number][] = [];
    const ask = async <T>(label: string, command: string, args?: unknown): Promise<T> => {
      const s = seq++;
      const t = performance.now();
      const r = await new Promise<DebugProtocol.Response>((resolve) => {
        waiting.set(s, resolve);
        session.handleMessage({ type: 'request', seq: s, command, arguments: args } as DebugProtocol.Request);
      });
      rows.push([label, performance.now() - t]);
      if (!r.success) throw new Error(`${command}: ${r.message}`);
      return r.body as T;
    };
    await ask('initialize', 'initialize', { adapterID: 'go-core', pathFormat: 'path' });
    await ask('configurationDone (crash summary, stop)', 'configurationDone');
    const { threads } = await ask<DebugProtocol.ThreadsResponse['body']>('threads', 'threads');
    const st = await ask<DebugProtocol.StackTraceResponse['body']>('stackTrace (crashing goroutine)', 'stackTrace', { threadId: threads[0]!.id });
    await ask('stackTrace (a parked goroutine)', 'stackTrace', { threadId: threads[threads.length - 1]!.id });
    const scopes = await ask<DebugProtocol.ScopesResponse['body']>('scopes', 'scopes', { frameId: st.stackFrames[0]!.id });
    await ask('variables (registers)', 'variables', { variablesReference: scopes.scopes.find((s) => s.presentationHint === 'registers')!.variablesReference });
    const sp = '0x' + engine.analysis.cw.core.crashingThread.sp.toString(16);
    await ask('readMemory 4 KiB', 'readMemory', { memoryReference: sp, count: 4096 });
    const pc = st.stackFrames[0]!.instructionPointerReference!;
    await ask('disassemble 100 (first: loads iced-x86)', 'disassemble', { memoryReference: pc, instructionOffset: -50, instructionCount: 100 });
    await ask('disassemble 100 (again)', 'disassemble', { memoryReference: pc, instructionOffset: -50, instructionCount: 100 });
    console.log(`many-goroutines go${minor} (${fx.goVersion}): openCore + report ${opened.toFixed(0)} ms; ${threads.length} threads listed`);
    for (const [label, ms] of rows) console.log(`  ${label.padEnd(42)} ${ms.toFixed(1).padStart(8)} ms`);
    engine.close();
  }
}

void main();
