// Our own debug adapter for a core, for when no suitable Delve exists or Delve cannot read the binary
// (stripped, a Go newer than every Delve): it serves VS Code's standard debug views from the engine
// (src/analysis) alone, on @vscode/debugadapter's DebugSession, run inline in the extension host
// (no process). What each view shows and where it comes from:
// - Threads: every goroutine (crashing one first; at most 1000), named by status and start function;
// - Call Stack: the goroutine's logical frames, inlined ones included (the crashing goroutine's are
//   the report's crash.frames: what Panic Frames shows), walked from pclntab without DWARF;
// - Variables: per frame its pc/sp/fp; on the innermost frame the registers (the thread's
//   NT_PRSTATUS for a goroutine on a thread, else its saved gobuf sp/pc/bp); for the crashing
//   goroutine the `_panic` chain field by field (offsets of that Go version);
// - Memory (readMemory), Disassembly (iced-x86, src/adapter/disassembly.ts: x86-64 cores only; an
//   arm64 core's session does not offer it), Source (files on disk).
// There are no Go variables and no expressions: those need DWARF and Delve.
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { DebugSession, Handles, InitializedEvent, OutputEvent, StoppedEvent, TerminatedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { CrashSummary } from '../../analysis/crashSummary.js';
import { debugTargets, readMemoryRange, type DebugTargets } from '../../analysis/debugTargets.js';
import type { CoreEngine } from '../../analysis/engine.js';
import type { ReportFrame } from '../../analysis/report.js';
import { isRuntimeFunction } from '../../traceback/crash.js';
import { addressReadable, BREAKPOINTS_NEVER_HIT, CORE_CANNOT_RUN, deemphasizeAboveOrigin, exceptionInfo, MemoryRequestError, readMemoryBody, referenceAddress, RUN_REQUESTS, stoppedBody } from './coreRequests.js';
import { disassemble, type CodeSource } from './disassembly.js';

export interface EngineAdapterOptions {
  /** The local file for a source path recorded in the binary (the editor's source mapping); identity when omitted. */
  sourcePath?: (recorded: string) => string | undefined;
  /** Called once when the session ends (disconnect or terminate). */
  onDisconnect?: () => void;
  /** Lines for the extension's log. */
  log?: (line: string) => void;
}

/** A variable container: a list of variables made when VS Code expands it. */
type Container = () => DebugProtocol.Variable[];

const hx = (n: bigint): string => '0x' + n.toString(16);
/** Source files larger than this are not served by `source`. */
const MAX_SOURCE_BYTES = 8 * 1024 * 1024;

export class EngineDebugSession extends DebugSession {
  private readonly crash: CrashSummary;
  private targetsMemo: DebugTargets | undefined;
  private readonly frameHandles = new Handles<{ thread: number; index: number }>();
  private readonly varHandles = new Handles<Container>();
  private readonly sourceRefs = new Map<string, number>();
  private readonly sourceByRef = new Map<number, string>();
  private ended = false;

  constructor(
    private readonly engine: CoreEngine,
    private readonly opts: EngineAdapterOptions = {},
  ) {
    super();
    this.crash = engine.crash();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  /** DebugSession exits the process on shutdown when not inline: never in the extension host. */
  override shutdown(): void {}

  /** iced-x86 decodes x86-64 only: an arm64 core is not disassembled here (Delve's session does). */
  private get canDisassemble(): boolean {
    return this.engine.analysis.cw.core.arch === 'amd64';
  }

  private get targets(): DebugTargets {
    return (this.targetsMemo ??= debugTargets(this.engine));
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsReadMemoryRequest: true,
      supportsDisassembleRequest: this.canDisassemble,
      supportsExceptionInfoRequest: true,
      supportsTerminateRequest: true,
      supportsSteppingGranularity: false,
      supportsInstructionBreakpoints: false,
      supportsEvaluateForHovers: false,
      supportsRestartRequest: false,
    };
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse): void {
    this.sendResponse(response);
  }

  protected override attachRequest(response: DebugProtocol.AttachResponse): void {
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    const t = this.targets;
    const line = `Debug session served by Go Core's own adapter (no Delve): frames from pclntab, registers from the core's notes, memory from the core; ${t.total} goroutine${t.total === 1 ? '' : 's'}${t.notes.length ? `; ${t.notes.join('; ')}` : ''}\n`;
    this.sendEvent(new OutputEvent(line, 'console'));
    const crashing = t.goroutines[0]!;
    const ev = new StoppedEvent('exception', crashing.id) as DebugProtocol.StoppedEvent;
    ev.body = stoppedBody(ev.body, this.crash);
    this.sendEvent(ev);
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: this.targets.goroutines.map((g) => ({ id: g.id, name: g.name })) };
    this.sendResponse(response);
  }

  private sourceOf(file: string): DebugProtocol.Source | undefined {
    if (!file) return undefined;
    const local = this.opts.sourcePath?.(file) ?? file;
    let exists = false;
    try {
      exists = statSync(local).isFile();
    } catch {
      exists = false;
    }
    if (exists) return { name: basename(local), path: local };
    // Not on this machine: a reference, so that `source` says why instead of VS Code's generic error.
    let ref = this.sourceRefs.get(file);
    if (!ref) {
      ref = this.sourceRefs.size + 1;
      this.sourceRefs.set(file, ref);
      this.sourceByRef.set(ref, file);
    }
    return { name: basename(file), path: file, sourceReference: ref, presentationHint: 'deemphasize' };
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const { frames, stop } = this.targets.frames(args.threadId);
    // A walk that did not reach the stack's first function says so in a last row (as Panic Frames does).
    const cut = stop.reason === 'top' ? undefined : `walk cut: ${stop.reason}${stop.detail ? ` at ${stop.detail}` : ''}`;
    const total = frames.length + (cut ? 1 : 0);
    const start = Math.max(0, args.startFrame ?? 0);
    const end = args.levels ? Math.min(total, start + args.levels) : total;
    const out: DebugProtocol.StackFrame[] = [];
    for (let i = start; i < end; i++) {
      const f = frames[i];
      if (!f) {
        out.push({ id: this.frameHandles.create({ thread: args.threadId, index: -1 }), name: cut!, line: 0, column: 0, presentationHint: 'label' });
        continue;
      }
      const source = this.sourceOf(f.file);
      out.push({
        id: this.frameHandles.create({ thread: args.threadId, index: i }),
        // One entry for a run of identical frames (deep recursion), counted exactly, as Panic Frames shows it.
        name: f.repeat > 1 ? `${f.function} × ${f.repeat.toLocaleString('en-US')}` : f.function,
        ...(source ? { source } : {}),
        line: f.line,
        column: source ? 1 : 0,
        instructionPointerReference: f.pc,
        // Runtime, C and sourceless frames are dimmed, as Panic Frames folds them.
        ...(f.language === 'c' || !source || isRuntimeFunction(f.function) ? { presentationHint: 'subtle' as const } : {}),
      });
    }
    // The origin's index in the whole stack (the report's frames) dims what lies above it, on every page.
    const o = this.crash.goroutine === args.threadId ? this.crash.origin : null;
    deemphasizeAboveOrigin(out, o ? frames.findIndex((f) => f.function === o.function && f.line === o.line && f.pc === o.pc) : -1, start);
    response.body = { stackFrames: out, totalFrames: total };
    this.sendResponse(response);
  }

  /** A variable showing an address, with a memoryReference when the core holds bytes there (VS Code's memory view opens it). */
  private addressVar(name: string, value: bigint, extra = ''): DebugProtocol.Variable {
    const readable = addressReadable(this.engine, value);
    return {
      name,
      value: `${hx(value)}${extra}`,
      variablesReference: 0,
      ...(readable ? { memoryReference: hx(value) } : {}),
    };
  }

  private codeName(pc: bigint): string {
    const d = this.engine.describePc(pc, { returnAddress: false });
    return d ? ` <${d.function}+${hx(BigInt(d.offset))}>` : '';
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const h = this.frameHandles.get(args.frameId);
    if (!h) {
      this.sendErrorResponse(response, 2001, `unknown frame ${args.frameId}`);
      return;
    }
    const { frames } = this.targets.frames(h.thread);
    const f = frames[h.index];
    if (!f) {
      response.body = { scopes: [] };
      this.sendResponse(response);
      return;
    }
    const scopes: DebugProtocol.Scope[] = [];
    scopes.push({ name: 'Frame', variablesReference: this.varHandles.create(() => this.frameVars(f)), expensive: false });
    // The registers belong to the innermost physical frame (and its inlined frames: same pc and sp).
    const top = frames[0];
    const regs = this.targets.registers(h.thread);
    if (regs && top && f.pc === top.pc && f.sp === top.sp) {
      scopes.push({
        name: `Registers (${regs.source.note})`,
        presentationHint: 'registers',
        variablesReference: this.varHandles.create(() =>
          regs.values.map(([n, v]) => (n === this.engine.analysis.syms.pclntab.arch.pcReg ? this.addressVar(n, v, this.codeName(v)) : this.addressVar(n, v))),
        ),
        expensive: false,
      });
    }
    const g = this.targets.goroutines.find((x) => x.id === h.thread);
    if (g?.crashing && this.crash.panics.length) {
      scopes.push({ name: `_panic chain (${this.crash.panics.length})`, variablesReference: this.varHandles.create(() => this.panicVars()), expensive: false });
    }
    response.body = { scopes };
    this.sendResponse(response);
  }

  private frameVars(f: ReportFrame): DebugProtocol.Variable[] {
    const v = (name: string, value: string): DebugProtocol.Variable => ({ name, value, variablesReference: 0 });
    const pc = BigInt(f.pc);
    return [
      this.addressVar('pc', pc, `${this.codeName(pc)}${f.returnAddress ? ' (return address: the line shown is that of pc-1)' : ''}`),
      this.addressVar('sp', BigInt(f.sp)),
      this.addressVar('fp', BigInt(f.fp), " (the caller's sp, as the runtime prints fp=)"),
      v('function', `${f.function}${f.inlined ? ' (inlined)' : ''}`),
      v('location', f.file ? `${f.file}:${f.line}` : (f.module ?? '?')),
      v('stack', f.stack || '?'),
      ...(f.repeat > 1 ? [v('repeat', `${f.repeat} identical frames`)] : []),
    ];
  }

  private panicVars(): DebugProtocol.Variable[] {
    return this.crash.panics.map((p) => ({
      name: `[${p.index}] ${p.address}`,
      value: `${p.value}${p.type ? ` (${p.type})` : ''}${p.recovered ? ' [recovered]' : ''}`,
      memoryReference: p.address,
      variablesReference: this.varHandles.create(() =>
        p.fields.map((fd) => {
          const addr = referenceAddress(fd.value);
          const value = `${fd.value}${fd.symbol ? ` <${fd.symbol}>` : ''}`;
          const base: DebugProtocol.Variable = { name: `${fd.name} (+${fd.offset}, ${fd.type})`, value, variablesReference: 0 };
          return addr !== undefined && fd.size === 8 && addressReadable(this.engine, addr)
            ? { ...base, memoryReference: fd.value }
            : base;
        }),
      ),
    }));
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const c = this.varHandles.get(args.variablesReference);
    response.body = { variables: c ? c() : [] };
    this.sendResponse(response);
  }

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    try {
      response.body = readMemoryBody(this.engine, args);
      this.sendResponse(response);
    } catch (e) {
      if (!(e instanceof MemoryRequestError)) throw e;
      this.sendErrorResponse(response, 2002, `Unable to read memory: ${e.message}`);
    }
  }

  private codeSource(): CodeSource {
    const syms = this.engine.binary.syms;
    return {
      read: (addr, len) => readMemoryRange(this.engine, addr, len).data,
      functionAt: (pc) => {
        const f = syms.funcForPC(pc);
        return f ? { name: f.name, entry: f.entry } : undefined;
      },
      lineAt: (pc) => {
        const fr = syms.funcForPC(pc) ? syms.frames(pc)[0] : undefined;
        return fr?.file ? { file: fr.file, line: fr.line } : undefined;
      },
    };
  }

  protected override disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    const base = referenceAddress(args.memoryReference);
    if (base === undefined) {
      this.sendErrorResponse(response, 2003, `Unable to disassemble: memoryReference ${JSON.stringify(args.memoryReference)} is not an address`);
      return;
    }
    if (!this.canDisassemble) {
      this.sendErrorResponse(response, 2008, `Unable to disassemble: Go Core's own adapter decodes x86-64 only and this core is ${this.engine.analysis.cw.core.arch}; a Delve session disassembles it`);
      return;
    }
    const address = base + BigInt(args.offset ?? 0);
    const list = disassemble(this.codeSource(), address, args.instructionOffset ?? 0, args.instructionCount);
    response.body = {
      instructions: list.map((i) => {
        const source = i.file ? this.sourceOf(i.file) : undefined;
        return {
          address: hx(i.address),
          instruction: i.text,
          ...(i.bytes ? { instructionBytes: i.bytes } : {}),
          ...(i.symbol && args.resolveSymbols !== false ? { symbol: i.symbol } : {}),
          ...(source && i.line ? { location: source, line: i.line } : {}),
          ...(i.invalid ? { presentationHint: 'invalid' as const } : {}),
        };
      }),
    };
    this.sendResponse(response);
  }

  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    const recorded = (args.sourceReference ? this.sourceByRef.get(args.sourceReference) : undefined) ?? args.source?.path;
    if (!recorded) {
      this.sendErrorResponse(response, 2004, 'Unknown source');
      return;
    }
    const local = this.opts.sourcePath?.(recorded) ?? recorded;
    try {
      const st = statSync(local);
      if (!st.isFile() || st.size > MAX_SOURCE_BYTES) throw new Error(st.isFile() ? `larger than ${MAX_SOURCE_BYTES} bytes` : 'not a regular file');
      response.body = { content: readFileSync(local, 'utf8'), ...(local.endsWith('.go') ? { mimeType: 'text/x-go' } : {}) };
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(
        response,
        2005,
        `Source ${recorded} is not on this machine${local !== recorded ? ` (looked at ${local})` : ''}: ${(e as Error).message}. Use "Go Core: Choose Source Folder…" to say where the sources are.`,
      );
    }
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    response.body = exceptionInfo(this.crash);
    this.sendResponse(response);
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse): void {
    this.sendErrorResponse(response, 2006, 'Expressions need Delve and DWARF; this session is served from the core by Go Core (registers, frames, memory, disassembly).');
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    response.body = { breakpoints: (args.breakpoints ?? []).map(() => ({ verified: false, message: BREAKPOINTS_NEVER_HIT })) };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse): void {
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse): void {
    response.body = { breakpoints: [] };
    this.sendResponse(response);
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.sendResponse(response);
    this.end();
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
    this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.opts.log?.(`debug session on ${this.engine.corePath} (Go Core's adapter) ended`);
    this.opts.onDisconnect?.();
  }

  protected override dispatchRequest(request: DebugProtocol.Request): void {
    if (RUN_REQUESTS.has(request.command)) {
      const r: DebugProtocol.Response = { type: 'response', seq: 0, request_seq: request.seq, command: request.command, success: false };
      this.sendErrorResponse(r, 2007, CORE_CANNOT_RUN);
      return;
    }
    super.dispatchRequest(request);
  }
}
