// The open cores. Each has the crash model (from our readers, then completed by Delve), and, once
// Delve is up, the Delve session shared by the views and VS Code's debug session. Several cores can
// be open at once; the views show the active one (the one of the focused debug session, else the
// most recently opened).
import * as vscode from 'vscode';
import { ContextKeys } from '../constants.js';
import type { CoreEngine } from '../../analysis/engine.js';
import type { CoreSession } from '../../delve/coreSession.js';
import type { CrashModel, PcInfoProvider } from '../model.js';

export class OpenCore implements vscode.Disposable {
  /** Delve's session on this core, shared by the views and VS Code's debug session (proxyAdapter.ts). */
  delve: CoreSession | undefined;
  debugSession: vscode.DebugSession | undefined;
  /** Set when the Delve session ended on its own (crash, exit). */
  delveEndedReason: string | undefined;
  pcInfo: PcInfoProvider | undefined;
  /** The engine that opened this core (src/analysis): SSA mapping goes through its binary. */
  engine: CoreEngine | undefined;
  /** Released with the core (readers' file descriptors, caches). */
  readonly resources: { dispose(): void }[] = [];

  constructor(
    readonly id: string,
    readonly corePath: string,
    readonly binaryPath: string,
    public model: CrashModel,
  ) {}

  get label(): string {
    return `${this.corePath.split('/').pop()} (${this.binaryPath.split('/').pop()})`;
  }

  async dispose(): Promise<void> {
    const d = this.delve;
    this.delve = undefined;
    for (const r of this.resources.splice(0)) r.dispose();
    await d?.close().catch(() => undefined);
  }
}

export class CoreSessions implements vscode.Disposable {
  private readonly cores = new Map<string, OpenCore>();
  private activeId: string | undefined;
  private nextId = 1;
  private readonly changed = new vscode.EventEmitter<void>();
  /** The set of cores, the active core, or the shape of its model changed: views refresh. */
  readonly onDidChange = this.changed.event;
  private readonly annotated = new vscode.EventEmitter<OpenCore>();
  /**
   * Only annotations of frames changed (instruction, SSA value): decorations and hovers refresh,
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

  add(corePath: string, binaryPath: string, model: CrashModel): OpenCore {
    const core = new OpenCore(`core-${this.nextId++}`, corePath, binaryPath, model);
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
    await core.dispose();
  }

  private fire(): void {
    void vscode.commands.executeCommand('setContext', ContextKeys.sessionActive, this.cores.size > 0);
    this.changed.fire();
  }

  dispose(): void {
    for (const id of [...this.cores.keys()]) void this.close(id);
    this.changed.dispose();
    this.annotated.dispose();
  }
}
