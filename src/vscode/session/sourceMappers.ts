// One SourcePathMapper per open core (src/analysis/pathMapping.ts: by module, then by content): the
// binary's main module and dependencies, the workspace folders, the user's substitutePath and the
// source folder the user chose for that core ("Choose Source Folder…", remembered per core file in
// the workspace state). Rebuilt when substitutePath or the workspace folders change, so that a
// settings change applies without a reload; `onDidChange` tells the decorations to refresh.
import * as vscode from 'vscode';
import { SourcePathMapper, type SourceFrame } from '../../analysis/pathMapping.js';
import { Settings, StateKeys } from '../constants.js';
import { readSettings } from '../settings.js';
import type { CoreSessions, OpenCore } from './coreSessions.js';

export class SourceMappers implements vscode.Disposable {
  private readonly mappers = new Map<string, SourcePathMapper>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** The mappers were rebuilt (a setting, the workspace folders or a chosen folder changed). */
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly sessions: CoreSessions,
    private readonly state: vscode.Memento,
  ) {
    this.subscriptions.push(
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${Settings.section}.${Settings.substitutePath}`)) this.rebuild();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.rebuild()),
      sessions.onDidChange(() => {
        for (const path of [...this.mappers.keys()]) if (!sessions.all.some((c) => c.corePath === path)) this.mappers.delete(path);
      }),
    );
  }

  /** The mapper of an open core (made on first use). */
  for(core: OpenCore): SourcePathMapper {
    let m = this.mappers.get(core.corePath);
    if (!m) {
      const go = core.report.go;
      const deps = core.engine.binary.buildInfo?.deps.map((d) => d.path) ?? [];
      const mainModule = go.mainModule?.path ?? go.mainPath ?? undefined;
      m = new SourcePathMapper({
        substitutePath: readSettings().substitutePath,
        workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
        sourceFolders: this.chosenFolders(core.corePath),
        ...(mainModule && mainModule !== 'command-line-arguments' ? { mainModule } : {}),
        dependencies: deps,
      });
      this.mappers.set(core.corePath, m);
    }
    return m;
  }

  /** The mapper of the open core at `corePath`, if open. */
  forPath(corePath: string): SourcePathMapper | undefined {
    const core = this.sessions.all.find((c) => c.corePath === corePath);
    return core ? this.for(core) : undefined;
  }

  /** The local source of a frame of `core`, checked by module and content. */
  sourceOf(core: OpenCore, frame: SourceFrame): string | undefined {
    return frame.file && frame.line ? this.for(core).mapFrame(frame)?.path : undefined;
  }

  chosenFolders(corePath: string): string[] {
    return this.state.get<Record<string, string[]>>(StateKeys.sourceFolders, {})[corePath] ?? [];
  }

  /** Remembers a source folder for a core and rebuilds its mapper. */
  async chooseFolder(corePath: string, folder: string): Promise<void> {
    const all = { ...this.state.get<Record<string, string[]>>(StateKeys.sourceFolders, {}) };
    all[corePath] = [folder, ...(all[corePath] ?? []).filter((f) => f !== folder)].slice(0, 5);
    await this.state.update(StateKeys.sourceFolders, all);
    this.rebuild();
  }

  /** Forgets every mapper (they are made again with the current settings) and tells the listeners. */
  rebuild(): void {
    this.mappers.clear();
    this.changed.fire();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
