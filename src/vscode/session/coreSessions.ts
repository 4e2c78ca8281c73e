// The open cores. Each holds the engine that opened it (src/analysis) with the engine's own model,
// the report and the crash summary as they are, plus what the views add that is not part of that
// model: notes for the user, the instruction and SSA value mapped at a frame's pc, and, once Delve
// is up, the Delve session shared by the views and VS Code's debug session. Several cores can be
// open at once; the views show the active one (the one of the focused debug session, else the most
// recently opened).
import * as vscode from 'vscode';
import { ContextKeys } from '../constants.js';
import type { CoreEngine } from '../../analysis/engine.js';
import type { CrashSummary } from '../../analysis/crashSummary.js';
import type { FrameAnnotation } from '../../analysis/annotate.js';
import type { Report, ReportFrame } from '../../analysis/report.js';
import type { AdapterDecision } from '../debug/adapterChoice.js';
import type { CoreSession } from '../../delve/coreSession.js';
import type { PcMapping } from '../../ssa/pcToSsa.js';

export class OpenCore implements vscode.Disposable {
  /** The report model (`go-core report --json`), as the engine made it. */
  readonly report: Report;
  /** What the runtime knew at the crash, as the engine read it. */
  readonly crash: CrashSummary;
  /** Things the user should know that the engine did not say: Delve out of its Go range or ended, SSA... */
  readonly notes: string[] = [];
  /**
   * The instruction and SSA value of a crash frame's pc, keyed by the physical pc (`0x45d150`):
   * every logical (inlined) frame of a physical frame shares it (src/analysis/pcRules.ts).
   */
  readonly annotations = new Map<string, PcMapping>();
  /**
   * What the editor annotates on each crash frame (src/analysis/annotate.ts, the answers of
   * `go-core report --ssa`): the instruction, SSA value, verified, and the rule applied.
   */
  readonly frameAnnotations = new Map<ReportFrame, FrameAnnotation>();
  /** Delve's session on this core, shared by the views and VS Code's debug session (proxyAdapter.ts). */
  delve: CoreSession | undefined;
  debugSession: vscode.DebugSession | undefined;
  /** Set when the Delve session ended on its own (crash, exit). */
  delveEndedReason: string | undefined;
  /** Which adapter serves this core's debug session (Delve or ours) and why; set once Delve was looked for. */
  adapter: AdapterDecision | undefined;

  constructor(
    readonly id: string,
    /** The engine that opened this core and its executable once; closed with the core. */
    readonly engine: CoreEngine,
  ) {
    this.report = engine.report();
    this.crash = engine.crash();
  }

  get corePath(): string {
    return this.engine.corePath;
  }

  get binaryPath(): string {
    return this.report.executable.path;
  }

  get label(): string {
    return `${this.corePath.split('/').pop()} (${this.binaryPath.split('/').pop()})`;
  }

  async dispose(): Promise<void> {
    const d = this.delve;
    this.delve = undefined;
    this.engine.close();
    await d?.close().catch(() => undefined);
  }
}

export class CoreSessions implements vscode.Disposable {
  private readonly cores = new Map<string, OpenCore>();
  private activeId: string | undefined;
  private nextId = 1;
  private readonly changed = new vscode.EventEmitter<void>();
  /** The set of cores, the active core, or its notes changed: views refresh. */
  readonly onDidChange = this.changed.event;
  private readonly annotated = new vscode.EventEmitter<OpenCore>();
  /**
   * Only the annotations of frames' pcs changed (instruction, SSA value): decorations and hovers refresh,
   * the trees keep their items (refreshing them under the user's pointer loses clicks).
   */
  readonly onDidAnnotate = this.annotated.event;

  get active(): OpenCore | undefined {
    return this.activeId ? this.cores.get(this.activeId) : undefined;
  }

  get all(): OpenCore[] {
    return [...this.cores.values()];
  }

  get(id: string): OpenCore | undefined {
    return this.cores.get(id);
  }

  add(engine: CoreEngine): OpenCore {
    const core = new OpenCore(`core-${this.nextId++}`, engine);
    this.cores.set(core.id, core);
    this.activeId = core.id;
    this.fire();
    return core;
  }

  setActive(id: string | undefined): void {
    if (id && !this.cores.has(id)) return;
    if (this.activeId === id) return;
    this.activeId = id;
    this.fire();
  }

  /** The core changed (its Delve session started or ended, notes were added): views refresh. */
  update(core: OpenCore): void {
    if (this.cores.has(core.id)) this.fire();
  }

  annotate(core: OpenCore): void {
    if (this.cores.has(core.id)) this.annotated.fire(core);
  }

  async close(id: string): Promise<void> {
    const core = this.cores.get(id);
    if (!core) return;
    this.cores.delete(id);
    if (this.activeId === id) this.activeId = [...this.cores.keys()].pop();
    this.fire();
    // The core's debug session ends with it, without waiting for VS Code's round trip.
    const debugSession = core.debugSession;
    core.debugSession = undefined;
    if (debugSession) void vscode.debug.stopDebugging(debugSession);
    await core.dispose();
  }

  private fire(): void {
    void vscode.commands.executeCommand('setContext', ContextKeys.sessionActive, this.cores.size > 0);
    void vscode.commands.executeCommand('setContext', ContextKeys.severalCores, this.cores.size > 1);
    this.changed.fire();
  }

  dispose(): void {
    for (const id of [...this.cores.keys()]) void this.close(id);
    this.changed.dispose();
    this.annotated.dispose();
  }
}
