// The Goroutines view: every goroutine of the active core, from the engine's waits model
// (CoreEngine.waits(), src/analysis/waits.ts), grouped by wait object, wait reason, user frame or
// creator (goroutineGroups.ts), filtered, each group counted and labelled by its first user frame.
// A wait object shows its state and its queues; a goroutine expands to its frames, a frame goes to
// its source line (the Go to Frame command). The deadlock paragraph and the leak suspects come
// first when the engine found them. waits() runs once per core, off the first paint
// (coreComputation.ts); children are built on expand and long lists come in pages of PAGE, so a
// core with 100,000 goroutines never makes 100,000 items at once.
import * as vscode from 'vscode';
import type { GoroutineWait, LeakSuspects, WaitFrame, WaitObject, Waits } from '../../analysis/waits.js';
import { WAITSINCE_NOTE } from '../../analysis/waits.js';
import { Commands, ContextKeys, StateKeys, Views } from '../constants.js';
import type { CoreSessions, OpenCore } from '../session/coreSessions.js';
import { CoreComputation } from './coreComputation.js';
import { CoreTreeProvider, moreItem, statusItem, type MoreNode, type StatusNode } from './coreTree.js';
import {
  fileName,
  GROUPINGS,
  groupingLabel,
  isGrouping,
  objectQueues,
  objectStateRows,
  page,
  PAGE,
  reasonPreview,
  shortFrame,
  shownGroups,
  sleepText,
  waitSinceText,
  type Grouping,
  type GroupsView,
  type ShownGroup,
} from './goroutineGroups.js';

export type GoroutinesNode =
  | StatusNode
  | { kind: 'deadlock'; id: string; explanation: string; cycles: number[][] }
  | { kind: 'text'; id: string; label: string; icon: string }
  | { kind: 'leaks'; id: string; leaks: LeakSuspects }
  /** Leak suspects not computed yet: expanding it walks the heap (a core too large to walk unasked). */
  | { kind: 'leaksPending'; id: string; core: OpenCore }
  | { kind: 'group'; id: string; group: ShownGroup; by: Grouping }
  | { kind: 'object'; id: string; object: WaitObject; count?: number }
  | { kind: 'row'; id: string; label: string; description: string }
  | { kind: 'list'; id: string; label: string; goids: number[]; icon: string; description?: string; tooltip?: string }
  | { kind: 'goroutine'; id: string; goid: number }
  | { kind: 'frame'; id: string; frame: WaitFrame; index: number }
  | MoreNode<GoroutinesNode>;

interface Indexed {
  waits: Waits;
  byGoid: Map<number, GoroutineWait>;
  objects: Map<string, WaitObject>;
}

const n = (x: number): string => x.toLocaleString('en-US');
/**
 * Leak suspects follow the heap (CoreEngine.leaks(): a walk of the whole heap, synchronous) on their
 * own once the waits are shown when the core holds at most this much memory (a walk of a second or
 * two); on a larger core the row waits for a click.
 */
const AUTO_LEAKS_BYTES = 1 << 30;
const plural = (x: number, word: string): string => `${n(x)} ${word}${x === 1 ? '' : 's'}`;

export class GoroutinesProvider extends CoreTreeProvider<GoroutinesNode, Indexed> {
  readonly rowCommand = Commands.openGoroutinesRow;
  private grouping: Grouping;
  /** Leak suspects by heap reachability, per core, after the waits (see AUTO_LEAKS_BYTES). */
  private readonly leakComputation: CoreComputation<LeakSuspects>;
  /** Cores whose leak suspects were asked for (the row expanded). */
  private readonly leaksAsked = new WeakSet<OpenCore>();
  private filterText = '';
  /** The groups of the current core, grouping and filter (the filter runs once, not per expand). */
  private view: { core: OpenCore; key: string; groups: GroupsView } | undefined;

  constructor(
    sessions: CoreSessions,
    private readonly state: vscode.Memento,
  ) {
    super(
      sessions,
      async (core) => {
        // In slices: the extension host stays responsive while 100,000 goroutines are read.
        const waits = await core.engine.waitsAsync();
        return { waits, byGoid: new Map(waits.goroutines.map((g) => [g.goid, g])), objects: new Map(waits.objects.map((o) => [o.id, o])) };
      },
      Views.goroutines,
      'Reading what each goroutine waits on…',
    );
    this.leakComputation = new CoreComputation((core) => core.engine.leaks(), Views.goroutines, 'Following the heap for leaked goroutines…', (core) => {
      if (core === this.sessions.active) this.refresh();
    });
    const saved = state.get<string>(StateKeys.goroutinesGrouping);
    this.grouping = isGrouping(saved) ? saved : 'object';
    void vscode.commands.executeCommand('setContext', ContextKeys.goroutinesFiltered, false);
  }

  get currentGrouping(): Grouping {
    return this.grouping;
  }

  get filter(): string {
    return this.filterText;
  }

  /** Shows the goroutines grouped another way; the choice is remembered (user state). */
  async setGrouping(by: Grouping): Promise<void> {
    this.grouping = by;
    await this.state.update(StateKeys.goroutinesGrouping, by);
    this.refresh();
  }

  /** Shows only goroutines whose id is the text, or whose wait reason, status or a frame's function contains it. */
  setFilter(text: string): void {
    this.filterText = text.trim();
    void vscode.commands.executeCommand('setContext', ContextKeys.goroutinesFiltered, this.filterText !== '');
    this.refresh();
  }

  /** The waits model of a core, computed if needed (tests and commands). */
  async waitsOf(core: OpenCore): Promise<Waits | undefined> {
    const c = await this.computation.get(core);
    return c.state === 'done' ? c.value.waits : undefined;
  }

  /** The leak suspects of a core by heap reachability, computed if needed (tests and commands). */
  async leaksOf(core: OpenCore): Promise<LeakSuspects | undefined> {
    const c = await this.leakComputation.get(core);
    return c.state === 'done' ? c.value : undefined;
  }

  protected override forget(): void {
    this.view = undefined;
  }

  private groupsOf(core: OpenCore, ix: Indexed): GroupsView {
    const key = `${this.grouping}\n${this.filterText}`;
    if (this.view?.core !== core || this.view.key !== key) this.view = { core, key, groups: shownGroups(ix.waits, this.grouping, this.filterText, ix) };
    return this.view.groups;
  }

  getChildren(node?: GoroutinesNode): GoroutinesNode[] {
    const core = this.sessions.active;
    if (!core) return [];
    if (core !== this.lastCore) this.lastCore = core;
    const c = this.computation.peek(core);
    const root = `${core.id}/${this.grouping}`;
    if (c.state === 'computing') return this.previewChildren(core, node);
    if (c.state === 'failed') {
      return node ? [] : [this.node({ kind: 'status', id: `${root}/failed`, label: 'Goroutines could not be read', description: c.message, tooltip: c.message, icon: 'error' })];
    }
    const ix = c.value;
    if (!node) return this.rootChildren(core, ix, root);
    switch (node.kind) {
      case 'deadlock': {
        const out: GoroutinesNode[] = node.explanation
          .replace(/^All goroutines are asleep: /, '')
          .split(/\.\s+(?=[A-Za-z])/)
          .filter((s) => s.trim())
          .map((s, i) => this.node({ kind: 'text', id: `${node.id}/s${i}`, label: s.replace(/\.$/, ''), icon: 'circle-small' }));
        node.cycles.forEach((cycle, i) => out.push(this.node({ kind: 'list', id: `${node.id}/cycle${i}`, label: `cycle: ${cycle.map((g) => `goroutine ${g}`).join(' → ')} → goroutine ${cycle[0]}`, goids: cycle, icon: 'sync' })));
        return out;
      }
      case 'leaksPending':
        this.leaksAsked.add(node.core);
        this.leakComputation.peek(node.core);
        return [this.node({ kind: 'status', id: `${node.id}/computing`, label: 'Following the heap…', icon: 'loading~spin' })];
      case 'leaks':
        if (node.leaks.suspects.length === 0) {
          return [this.node({ kind: 'text', id: `${node.id}/none`, label: `No goroutine is blocked on an object nothing live reaches (${node.leaks.method})`, icon: 'pass' })];
        }
        return node.leaks.suspects.map((s, i) => {
          const o = ix.objects.get(s.object);
          return this.node({ kind: 'list', id: `${node.id}/${i}`, label: o?.label ?? s.object, description: plural(s.goroutines.length, 'goroutine'), tooltip: s.explanation, goids: s.goroutines, icon: 'debug-disconnect' });
        });
      case 'group':
        return this.groupChildren(node);
      case 'object':
        return this.objectChildren(node.id, node.object, undefined);
      case 'list':
        return this.goroutineNodes(node, node.goids);
      case 'goroutine': {
        const g = ix.byGoid.get(node.goid);
        const frames = ix.waits.framesOf(node.goid);
        const out: GoroutinesNode[] = frames.map((f, i) => this.node({ kind: 'frame', id: `${node.id}/f${i}`, frame: f, index: i }));
        if (g?.createdBy) {
          const cb = g.createdBy;
          out.push(this.node({ kind: 'frame', id: `${node.id}/created`, frame: { function: `created by ${cb.function}${cb.goid !== null ? ` in goroutine ${cb.goid}` : ''}`, file: cb.file, line: cb.line }, index: -1 }));
        }
        return out;
      }
      default:
        return [];
    }
  }

  /**
   * While the waits model is computed: every goroutine grouped by wait reason, from the runtime
   * snapshot the core's opening already read (CoreEngine.reasonGroups(), milliseconds), so that the
   * view shows real goroutines at once; objects, frames and the user's grouping follow. With a
   * filter (it matches frames, not known yet) only the computing row.
   */
  private previewChildren(core: OpenCore, node: GoroutinesNode | undefined): GoroutinesNode[] {
    const root = `${core.id}/preview`;
    if (node) {
      if (node.kind === 'group' && node.id.startsWith(`${root}/`)) return this.goroutineNodes(node, node.group.goids);
      return [];
    }
    const computing = this.node({ kind: 'status', id: `${root}/computing`, label: 'Reading what each goroutine waits on…', icon: 'loading~spin' });
    const preview = this.filterText ? undefined : core.engine.reasonGroups();
    if (!preview || preview.total === 0) return [computing];
    const groups = reasonPreview(preview.byReason);
    const out: GoroutinesNode[] = [
      computing,
      this.node({
        kind: 'status',
        id: `${root}/summary`,
        label: plural(preview.total, 'goroutine'),
        description: `${plural(groups.length, 'group')} by wait reason; wait objects and frames follow`,
        tooltip: `Grouped by wait reason while the wait objects, frames and user frames are read; then grouped by ${groupingLabel(this.grouping).toLowerCase()}.`,
        icon: 'symbol-event',
      }),
    ];
    const nodes = groups.map((group) => this.node({ kind: 'group', id: `${root}/${group.key}`, group, by: 'reason' }));
    const lim = this.limits.get(root) ?? PAGE;
    const p = page(nodes, lim);
    out.push(...p.items);
    if (p.remaining > 0) out.push(this.node({ kind: 'more', id: `${root}/more${lim}`, listKey: root, parent: undefined, remaining: p.remaining }));
    return out;
  }

  private rootChildren(core: OpenCore, ix: Indexed, root: string): GoroutinesNode[] {
    const w = ix.waits;
    const view = this.groupsOf(core, ix);
    const out: GoroutinesNode[] = [];
    if (w.deadlock) out.push(this.node({ kind: 'deadlock', id: `${root}/deadlock`, explanation: w.deadlock.explanation, cycles: w.deadlock.cycles }));
    out.push(...this.leakRows(core, root));
    for (const [i, note] of w.notes.filter((x) => x !== WAITSINCE_NOTE).entries()) {
      out.push(this.node({ kind: 'status', id: `${root}/note${i}`, label: note, tooltip: note, icon: 'info' }));
    }
    out.push(
      this.node({
        kind: 'status',
        id: `${root}/summary`,
        label: this.filterText ? `${n(view.shown)} of ${plural(view.total, 'goroutine')} match "${this.filterText}"` : plural(view.total, 'goroutine'),
        description: `${plural(view.groups.length, 'group')} by ${groupingLabel(this.grouping).toLowerCase()}`,
        tooltip: `Grouped by ${groupingLabel(this.grouping).toLowerCase()} (Group By… in the view title)${this.filterText ? '; click to clear the filter' : ''}.\n${WAITSINCE_NOTE}.`,
        icon: this.filterText ? 'filter-filled' : 'symbol-event',
        ...(this.filterText ? { command: { command: Commands.goroutinesClearFilter, title: 'Clear Filter' } } : {}),
      }),
    );
    const groupRoot = `${root}/q=${this.filterText}`;
    const groups = view.groups.map((group) => this.node({ kind: 'group', id: `${groupRoot}/${group.key}`, group, by: this.grouping }));
    const lim = this.limits.get(root) ?? PAGE;
    const p = page(groups, lim);
    out.push(...p.items);
    if (p.remaining > 0) out.push(this.node({ kind: 'more', id: `${root}/more${lim}`, listKey: root, parent: undefined, remaining: p.remaining }));
    return out;
  }

  /**
   * The leak suspects' row: by heap reachability (computed on its own for a core of up to
   * AUTO_LEAKS_BYTES, else when the row is expanded); shown when there are suspects, or when asked.
   */
  private leakRows(core: OpenCore, root: string): GoroutinesNode[] {
    const id = `${root}/leaks`;
    const auto = core.engine.memoryBytes <= AUTO_LEAKS_BYTES;
    const asked = this.leaksAsked.has(core);
    if (!auto && !asked) return [this.node({ kind: 'leaksPending', id: `${id}/pending`, core })];
    const c = this.leakComputation.peek(core);
    if (c.state === 'computing') {
      return asked ? [this.node({ kind: 'status', id: `${id}/computing`, label: 'Leak suspects: following the heap…', icon: 'loading~spin' })] : [];
    }
    if (c.state === 'failed') return [this.node({ kind: 'status', id: `${id}/failed`, label: 'Leak suspects could not be computed', description: c.message, tooltip: c.message, icon: 'error' })];
    if (c.value.suspects.length === 0 && !asked) return [];
    return [this.node({ kind: 'leaks', id, leaks: c.value })];
  }

  private groupChildren(node: Extract<GoroutinesNode, { kind: 'group' }>): GoroutinesNode[] {
    const g = node.group;
    if (g.objects.length === 1) return this.objectChildren(node.id, g.objects[0]!, g);
    if (g.objects.length > 1) {
      // A select: each channel with its queues, then the goroutines that wait on all of them.
      const out: GoroutinesNode[] = g.objects.map((o) => this.node({ kind: 'object', id: `${node.id}/o${o.id}`, object: o }));
      out.push(this.node({ kind: 'list', id: `${node.id}/all`, label: 'goroutines in this select', goids: g.goids, icon: 'symbol-event', description: n(g.goids.length) }));
      return out;
    }
    return this.goroutineNodes(node, g.goids);
  }

  /** A wait object's state rows, then its queues as lists of goroutines (filtered like the groups). */
  private objectChildren(id: string, o: WaitObject, group: ShownGroup | undefined): GoroutinesNode[] {
    const out: GoroutinesNode[] = objectStateRows(o).map((r, i) => this.node({ kind: 'row', id: `${id}/r${i}`, label: r.label, description: r.description }));
    const shown = group && this.filterText ? new Set(group.goids) : undefined;
    const inQueues = new Set<number>();
    for (const q of objectQueues(o)) {
      const goids = shown && q.role !== 'reference' ? q.goids.filter((x) => shown.has(x)) : q.goids;
      if (q.role !== 'reference') goids.forEach((x) => inQueues.add(x));
      if (goids.length === 0 && q.role === 'reference') continue;
      out.push(
        this.node({
          kind: 'list',
          id: `${id}/${q.role}`,
          label: q.label,
          description: n(goids.length),
          goids,
          icon: q.role === 'receive' ? 'arrow-left' : q.role === 'send' ? 'arrow-right' : q.role === 'reference' ? 'key' : 'watch',
        }),
      );
    }
    // No goroutine left out: a group member the queues do not list (its sudog was not found in them).
    const rest = group ? group.goids.filter((x) => !inQueues.has(x)) : [];
    if (rest.length > 0) out.push(this.node({ kind: 'list', id: `${id}/rest`, label: 'also waiting on it (not found in its queues)', description: n(rest.length), goids: rest, icon: 'question' }));
    return out;
  }

  private goroutineNodes(parent: GoroutinesNode, goids: readonly number[]): GoroutinesNode[] {
    const lim = this.limits.get(parent.id) ?? PAGE;
    const p = page(goids, lim);
    const out: GoroutinesNode[] = p.items.map((goid) => this.node({ kind: 'goroutine', id: `${parent.id}/g${goid}`, goid }));
    if (p.remaining > 0) out.push(this.node({ kind: 'more', id: `${parent.id}/more${lim}`, listKey: parent.id, parent, remaining: p.remaining }));
    return out;
  }

  /**
   * A frame goes to its source line (Go to Frame takes a frame with a pc, frameCommands.ts frameOf;
   * the engine's goroutine frames have none, and the command only needs the function, file and line).
   */
  override clickOf(node: GoroutinesNode): vscode.Command | undefined {
    if (node.kind !== 'frame') return super.clickOf(node);
    const f = node.frame;
    if (!f.file || !f.line) return undefined;
    const fn = node.index < 0 ? f.function.replace(/^created by /, '').replace(/ in goroutine \d+$/, '') : f.function;
    return { command: Commands.revealFrame, title: 'Go to Frame', arguments: [{ pc: '', function: fn, file: f.file, line: f.line }] };
  }

  protected item(node: GoroutinesNode): vscode.TreeItem {
    const core = this.sessions.active;
    const c = core ? this.computation.peek(core) : undefined;
    const ix = c?.state === 'done' ? c.value : undefined;
    const None = vscode.TreeItemCollapsibleState.None;
    const Collapsed = vscode.TreeItemCollapsibleState.Collapsed;
    const Expanded = vscode.TreeItemCollapsibleState.Expanded;
    switch (node.kind) {
      case 'status':
        return statusItem(node);
      case 'deadlock': {
        const item = new vscode.TreeItem('Deadlock: all goroutines are asleep', Expanded);
        item.tooltip = node.explanation;
        item.description = node.cycles.length > 0 ? plural(node.cycles.length, 'cycle') : undefined;
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        item.contextValue = 'deadlock';
        return item;
      }
      case 'text': {
        const item = new vscode.TreeItem(node.label, None);
        item.tooltip = node.label;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        return item;
      }
      case 'leaksPending': {
        const item = new vscode.TreeItem('Leak suspects', Collapsed);
        item.description = `expand to follow the heap (${n(Math.round(node.core.engine.memoryBytes / 2 ** 20))} MiB core)`;
        item.tooltip = 'Which blocked goroutines nothing that can still run reaches: a walk of the whole heap, which takes a few seconds on a core this large.';
        item.iconPath = new vscode.ThemeIcon('search');
        item.contextValue = 'leaksPending';
        return item;
      }
      case 'leaks': {
        const l = node.leaks;
        const goroutines = l.suspects.reduce((s, x) => s + x.goroutines.length, 0);
        const item = new vscode.TreeItem(goroutines === 0 ? 'Leak suspects: none' : `Leak suspects: ${plural(goroutines, 'goroutine')}`, Expanded);
        item.description = `on ${plural(l.suspects.length, 'object')}, by ${l.method}`;
        item.tooltip = `Goroutines that can never wake: ${l.rule}.\n\nBasis: ${l.basis}.${l.unjudged.length > 0 ? `\n\nNot judged (their wait object was not read): goroutines ${l.unjudged.join(', ')}.` : ''}`;
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('editorWarning.foreground'));
        item.contextValue = 'leaks';
        return item;
      }
      case 'group': {
        const g = node.group;
        const count = g.goids.length === g.total ? n(g.total) : `${n(g.goids.length)}/${n(g.total)}`;
        const uf = g.userFrame;
        // Labelled by the first user frame: for user-frame groups it is the title itself.
        const title = node.by === 'userFrame' || !uf ? g.title : node.by === 'object' && g.objects.length === 0 ? `${g.title.replace(/^no wait object /, '')} ${shortFrame(uf)}` : shortFrame(uf);
        const item = new vscode.TreeItem(`${count} × ${title}`, Collapsed);
        // Without a user frame the label is the title itself (the preview by wait reason): no description.
        item.description = node.by === 'userFrame' ? (uf ? fileName(uf.file) : undefined) : node.by === 'object' && g.objects.length > 0 ? g.title : node.by === 'object' || !uf ? undefined : g.title;
        item.tooltip = `${g.title}\n${plural(g.goids.length, 'goroutine')}${g.goids.length !== g.total ? ` of ${n(g.total)} (filtered)` : ''}${uf ? `\nfirst user frame: ${uf.function} (${uf.file}:${uf.line})` : ''}`;
        item.iconPath = new vscode.ThemeIcon(g.objects[0] ? objectIcon(g.objects[0]) : 'symbol-event');
        item.contextValue = 'goroutineGroup';
        return item;
      }
      case 'object': {
        const item = new vscode.TreeItem(node.object.label, Collapsed);
        item.tooltip = node.object.label;
        item.iconPath = new vscode.ThemeIcon(objectIcon(node.object));
        item.contextValue = 'waitObject';
        return item;
      }
      case 'row': {
        const item = new vscode.TreeItem(node.label, None);
        item.description = node.description;
        item.tooltip = `${node.label}: ${node.description}`;
        item.iconPath = new vscode.ThemeIcon('symbol-field');
        return item;
      }
      case 'list': {
        const item = new vscode.TreeItem(node.label, node.goids.length > 0 ? Collapsed : None);
        item.description = node.description;
        item.tooltip = node.tooltip ?? node.label;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.contextValue = 'goroutineList';
        return item;
      }
      case 'goroutine': {
        const g = ix?.byGoid.get(node.goid);
        // Before the waits model (the preview by wait reason): its id only, nothing to expand yet.
        const item = new vscode.TreeItem(`goroutine ${node.goid}`, ix ? Collapsed : None);
        if (!g) return item;
        const status = g.waitReason ?? g.status;
        item.description = `[${status}]${g.userFrame ? ` ${shortFrame(g.userFrame)}` : ''}`;
        const md = new vscode.MarkdownString(undefined, true);
        md.appendMarkdown(`**goroutine ${g.goid}** \`${g.address}\`\n\n`);
        const rows = [`status: ${g.status}${g.waitReason ? ` (${g.waitReason})` : ''}`];
        const since = waitSinceText(g);
        if (since) rows.push(since);
        if (g.direction) rows.push(`channel operation: ${g.direction}`);
        const sleep = sleepText(g);
        if (sleep) rows.push(sleep);
        for (const id of g.waitsOn) rows.push(`waits on: ${ix?.objects.get(id)?.label ?? id}`);
        if (g.userFrame) rows.push(`user frame: ${g.userFrame.function} (${g.userFrame.file}:${g.userFrame.line})`);
        if (g.createdBy) rows.push(`created by ${g.createdBy.function}${g.createdBy.goid !== null ? ` in goroutine ${g.createdBy.goid}` : ''} (${g.createdBy.file}:${g.createdBy.line})`);
        md.appendCodeblock(rows.join('\n'), 'text');
        item.tooltip = md;
        item.iconPath = new vscode.ThemeIcon(/^running/.test(g.status) ? 'play' : /^runnable/.test(g.status) ? 'debug-start' : 'debug-pause');
        item.contextValue = 'goroutine';
        return item;
      }
      case 'frame': {
        const f = node.frame;
        const item = new vscode.TreeItem(f.function, None);
        item.description = f.file ? `${fileName(f.file)}:${f.line}` : undefined;
        item.tooltip = f.file ? `${f.function}\n${f.file}:${f.line}` : f.function;
        item.iconPath = new vscode.ThemeIcon(node.index < 0 ? 'debug-step-back' : /^(runtime|internal)[./]/.test(f.function) ? 'debug-stackframe-dot' : 'debug-stackframe');
        item.contextValue = 'goroutineFrame';
        return item;
      }
      case 'more':
        return moreItem(node);
    }
  }

}

function objectIcon(o: WaitObject): string {
  switch (o.kind) {
    case 'channel':
    case 'nil channel':
      return 'arrow-swap';
    case 'sync.Mutex':
    case 'sync.RWMutex':
      return 'lock';
    case 'sync.WaitGroup':
      return 'watch';
    case 'sync.Cond':
      return 'bell';
    case 'netpoll fd':
      return 'plug';
    case 'semaphore':
      return 'symbol-number';
  }
}

/** Group By… (a quick pick, or the grouping as the argument), Filter… (an input box, or the text), Clear Filter. */
export function registerGoroutinesCommands(provider: GoroutinesProvider): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(Commands.goroutinesGroupBy, async (arg?: unknown) => {
      let by = isGrouping(arg) ? arg : undefined;
      if (!by) {
        const pick = await vscode.window.showQuickPick(
          GROUPINGS.map((g) => ({ label: g.label, description: g.id === provider.currentGrouping ? '(current)' : '', detail: g.detail, id: g.id })),
          { title: 'Group Goroutines By' },
        );
        by = pick?.id;
      }
      if (by) await provider.setGrouping(by);
    }),
    vscode.commands.registerCommand(Commands.goroutinesFilter, async (arg?: unknown) => {
      const text =
        typeof arg === 'string'
          ? arg
          : await vscode.window.showInputBox({
              title: 'Filter Goroutines',
              prompt: 'A goroutine id (18), or text found in a function name, a wait reason or a status',
              value: provider.filter,
            });
      if (text !== undefined) provider.setFilter(text);
    }),
    vscode.commands.registerCommand(Commands.goroutinesClearFilter, () => provider.setFilter('')),
  ];
}
