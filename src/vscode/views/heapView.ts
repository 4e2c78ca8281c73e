// The Heap view: the Go heap of the active core from the engine (CoreEngine.heap(),
// src/analysis/heap.ts): types sorted by bytes (count, bytes, share), a filter, each type expanding
// to its biggest retainers (the roots that first reach its objects: heap.profileRows()) and to
// sample objects (heap.objectsOf()); an object expands to its retention path (heap.path(): the
// root named precisely, `goroutine 12 frame main.serve local conns`, then each object with the
// field holding the next pointer) and to its fields decoded with its type (heap.fields()), and
// opens both as a read-only document. "Open in pprof" writes `<core>.heap.pb.gz` with the writer of
// `go-core heap --pprof` (src/report/pprof.ts). heap() is slow (a second or more): it runs the
// first time the view is shown, off the first paint, with a progress bar on the view.
import { writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { CoreHeap, HeapObjectRef, HeapTypeRow, RetentionPath } from '../../analysis/heap.js';
import { formatError } from '../../core/errors.js';
import { formatFields, formatPath } from '../../report/heapCommand.js';
import { heapProfile, type ProfileRow } from '../../report/pprof.js';
import { Commands, ContextKeys, Views } from '../constants.js';
import type { CoreSessions, OpenCore } from '../session/coreSessions.js';
import { CoreTreeProvider, moreItem, statusItem, type MoreNode, type StatusNode } from './coreTree.js';
import { page, PAGE } from './goroutineGroups.js';

/** Objects of a type listed as samples. */
export const SAMPLE_OBJECTS = 5;
/** Retainers listed per type. */
export const RETAINERS = 10;

export type HeapNode =
  | StatusNode
  | { kind: 'type'; id: string; row: HeapTypeRow }
  | { kind: 'retainers'; id: string; type: string }
  | { kind: 'retainer'; id: string; row: ProfileRow; typeBytes: number }
  | { kind: 'samples'; id: string; type: string; count: number }
  | { kind: 'object'; id: string; ref: HeapObjectRef }
  | { kind: 'path'; id: string; ref: HeapObjectRef }
  | { kind: 'fields'; id: string; ref: HeapObjectRef }
  | { kind: 'step'; id: string; label: string; description: string; tooltip: string; icon: string }
  | MoreNode<HeapNode>;

interface Indexed {
  heap: CoreHeap;
  /** Profile rows per type, biggest first. */
  retainers: Map<string, ProfileRow[]>;
}

const n = (x: number): string => x.toLocaleString('en-US');

export function bytesText(b: number): string {
  return b >= 1 << 30 ? `${(b / (1 << 30)).toFixed(1)} GiB` : b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${b} B`;
}

export function shareText(s: number): string {
  return `${(s * 100).toFixed(s >= 0.1 ? 0 : 1)}%`;
}

/** The file pprof reads, next to the core. */
export function profilePath(core: OpenCore): string {
  return `${core.corePath}.heap.pb.gz`;
}

/** A path as one shell word. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export class HeapProvider extends CoreTreeProvider<HeapNode, Indexed> {
  readonly rowCommand = Commands.openHeapRow;
  private filterText = '';

  constructor(sessions: CoreSessions) {
    super(
      sessions,
      (core) => {
        const heap = core.engine.heap();
        const retainers = new Map<string, ProfileRow[]>();
        for (const r of heap.profileRows()) {
          const l = retainers.get(r.type);
          if (l) l.push(r);
          else retainers.set(r.type, [r]);
        }
        for (const l of retainers.values()) l.sort((a, b) => b.bytes - a.bytes || b.count - a.count);
        return { heap, retainers };
      },
      Views.heap,
      'Walking the heap…',
    );
    void vscode.commands.executeCommand('setContext', ContextKeys.heapFiltered, false);
  }

  get filter(): string {
    return this.filterText;
  }

  /** Shows only the types whose name contains the text (case-insensitive). */
  setFilter(text: string): void {
    this.filterText = text.trim();
    void vscode.commands.executeCommand('setContext', ContextKeys.heapFiltered, this.filterText !== '');
    this.refresh();
  }

  /** The heap of a core, walked if needed; undefined (with the reason) when it cannot be read. */
  async heapOf(core: OpenCore): Promise<{ heap: CoreHeap; ms: number } | { error: string }> {
    const c = await this.computation.get(core);
    return c.state === 'done' ? { heap: c.value.heap, ms: c.ms } : { error: c.state === 'failed' ? c.message : 'still walking the heap' };
  }

  getChildren(node?: HeapNode): HeapNode[] {
    const core = this.sessions.active;
    if (!core) return [];
    if (core !== this.lastCore) this.lastCore = core;
    const c = this.computation.peek(core);
    const root = `${core.id}/heap`;
    if (c.state === 'computing') return node ? [] : [this.node({ kind: 'status', id: `${root}/computing`, label: 'Walking the heap…', description: 'spans, types, roots', icon: 'loading~spin' })];
    if (c.state === 'failed') return node ? [] : [this.node({ kind: 'status', id: `${root}/failed`, label: 'The heap could not be read', description: c.message, tooltip: c.message, icon: 'error' })];
    const ix = c.value;
    const m = ix.heap.model;
    if (!node) {
      const out: HeapNode[] = [];
      const t = m.totals;
      const q = this.filterText.toLowerCase();
      const types = q ? m.byType.filter((r) => r.type.toLowerCase().includes(q)) : [...m.byType];
      types.sort((a, b) => b.bytes - a.bytes || b.count - a.count);
      out.push(
        this.node({
          kind: 'status',
          id: `${root}/summary`,
          label: q ? `${n(types.length)} of ${n(m.byType.length)} types match "${this.filterText}"` : `${bytesText(t.bytes)} in ${n(t.objects)} objects`,
          description: q ? 'click to clear the filter' : `${n(m.byType.length)} types · walked in ${(c.ms / 1000).toFixed(1)} s`,
          tooltip:
            `${n(t.objects)} objects, ${n(t.bytes)} bytes in ${n(t.spans)} spans (Go ${m.goVersion ?? '?'}); ${n(t.reachedObjects)} objects reached from roots.\n` +
            `Typed: ${n(m.typing.header)} by allocation header, ${n(m.typing.dwarf)} from DWARF-typed roots, ${n(m.typing.untyped)} untyped (counted by size class).`,
          icon: q ? 'filter-filled' : 'database',
          ...(q ? { command: { command: Commands.heapClearFilter, title: 'Clear Filter' } } : {}),
        }),
      );
      for (const [i, note] of m.notes.entries()) out.push(this.node({ kind: 'status', id: `${root}/note${i}`, label: note, tooltip: note, icon: 'info' }));
      const listKey = `${root}/q=${this.filterText}`;
      const p = page(types, this.limits.get(listKey) ?? PAGE);
      out.push(...p.items.map((row) => this.node({ kind: 'type', id: `${listKey}/${row.type}`, row })));
      if (p.remaining > 0) out.push(this.node({ kind: 'more', id: `${listKey}/more${p.items.length}`, listKey, parent: undefined, remaining: p.remaining }));
      return out;
    }
    switch (node.kind) {
      case 'type': {
        const out: HeapNode[] = [];
        if ((ix.retainers.get(node.row.type)?.length ?? 0) > 0) out.push(this.node({ kind: 'retainers', id: `${node.id}/retainers`, type: node.row.type }));
        out.push(this.node({ kind: 'samples', id: `${node.id}/samples`, type: node.row.type, count: node.row.count }));
        return out;
      }
      case 'retainers': {
        const rows = ix.retainers.get(node.type) ?? [];
        const typeBytes = rows.reduce((s, r) => s + r.bytes, 0);
        return rows.slice(0, RETAINERS).map((row, i) => this.node({ kind: 'retainer', id: `${node.id}/${i}`, row, typeBytes }));
      }
      case 'samples':
        return ix.heap.objectsOf(node.type, SAMPLE_OBJECTS).map((ref) => this.node({ kind: 'object', id: `${node.id}/0x${ref.address.toString(16)}`, ref }));
      case 'object': {
        const out: HeapNode[] = [this.node({ kind: 'path', id: `${node.id}/path`, ref: node.ref })];
        if (node.ref.source !== 'untyped') out.push(this.node({ kind: 'fields', id: `${node.id}/fields`, ref: node.ref }));
        return out;
      }
      case 'fields':
        return ix.heap.fields(node.ref.address).map((f, i) =>
          this.node({ kind: 'step', id: `${node.id}/f${i}`, label: f.name, description: `${f.value} · ${f.type}`, tooltip: `${f.name} ${f.type} at +${f.offset}: ${f.value}`, icon: 'symbol-field' }),
        );
      case 'path': {
        const p = ix.heap.path({ address: node.ref.address });
        if (!p) return [this.node({ kind: 'step', id: `${node.id}/none`, label: 'no root reaches it', description: 'garbage, or reached only through words the walk does not follow', tooltip: '', icon: 'circle-slash' })];
        return pathSteps(p).map((s, i) => this.node({ kind: 'step', id: `${node.id}/s${i}`, ...s }));
      }
      default:
        return [];
    }
  }

  protected item(node: HeapNode): vscode.TreeItem {
    const None = vscode.TreeItemCollapsibleState.None;
    const Collapsed = vscode.TreeItemCollapsibleState.Collapsed;
    switch (node.kind) {
      case 'status':
        return statusItem(node);
      case 'type': {
        const r = node.row;
        const item = new vscode.TreeItem(r.type, Collapsed);
        item.description = `${n(r.count)} · ${bytesText(r.bytes)} · ${shareText(r.share)}`;
        item.tooltip = `${r.type}\n${n(r.count)} objects, ${n(r.bytes)} bytes, ${shareText(r.share)} of the heap\ntype from: ${r.source === 'header' ? 'the allocation header' : r.source === 'dwarf' ? 'DWARF, through typed pointers from the roots' : 'none (counted by size class)'}`;
        item.iconPath = new vscode.ThemeIcon(r.source === 'untyped' ? 'symbol-misc' : 'symbol-class');
        item.contextValue = 'heapType';
        return item;
      }
      case 'retainers': {
        const item = new vscode.TreeItem('retained by', Collapsed);
        item.tooltip = 'The roots that first reach its objects (breadth-first: globals, then goroutine frames by their stack maps and locals, whole stacks, thread registers, finalizers)';
        item.iconPath = new vscode.ThemeIcon('references');
        return item;
      }
      case 'retainer': {
        const r = node.row;
        const item = new vscode.TreeItem(r.root, None);
        item.description = `${n(r.count)} · ${bytesText(r.bytes)}${node.typeBytes > 0 ? ` · ${shareText(r.bytes / node.typeBytes)} of the type` : ''}`;
        item.tooltip = `${r.root} is the first root that reaches ${n(r.count)} ${r.type} objects (${n(r.bytes)} bytes)`;
        item.iconPath = new vscode.ThemeIcon(/^global/.test(r.root) ? 'symbol-variable' : /goroutine/.test(r.root) ? 'symbol-event' : 'root-folder');
        return item;
      }
      case 'samples': {
        const item = new vscode.TreeItem('sample objects', Collapsed);
        item.description = `${Math.min(SAMPLE_OBJECTS, node.count)} of ${n(node.count)}`;
        item.iconPath = new vscode.ThemeIcon('symbol-array');
        return item;
      }
      case 'object': {
        const item = new vscode.TreeItem(`0x${node.ref.address.toString(16)}`, Collapsed);
        item.description = `${node.ref.type} · ${bytesText(node.ref.size)}`;
        item.tooltip = 'Expand for its retention path and fields; the inline action opens them as a document';
        item.iconPath = new vscode.ThemeIcon('symbol-reference');
        item.contextValue = 'heapObject';
        return item;
      }
      case 'path': {
        const item = new vscode.TreeItem('retention path', vscode.TreeItemCollapsibleState.Expanded);
        item.tooltip = 'The shortest chain of pointers from the first root that reaches the object';
        item.iconPath = new vscode.ThemeIcon('references');
        return item;
      }
      case 'fields': {
        const item = new vscode.TreeItem('fields', Collapsed);
        item.description = node.ref.type;
        item.tooltip = `The object's fields, decoded with its type (${node.ref.type}, from ${node.ref.source === 'header' ? 'its allocation header' : 'DWARF'})`;
        item.iconPath = new vscode.ThemeIcon('symbol-structure');
        return item;
      }
      case 'step': {
        const item = new vscode.TreeItem(node.label, None);
        item.description = node.description;
        item.tooltip = node.tooltip || undefined;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        return item;
      }
      case 'more':
        return moreItem(node);
    }
  }

}

/** A retention path as rows: the root, then each object with the offset of the pointer it follows. */
export function pathSteps(p: RetentionPath): { label: string; description: string; tooltip: string; icon: string }[] {
  const rootIcon = p.rootKind === 'global' ? 'symbol-variable' : p.rootKind === 'local' || p.rootKind === 'frame' || p.rootKind === 'stack' ? 'symbol-event' : 'root-folder';
  const rows = [{ label: p.root, description: `${p.rootKind} · word at ${p.rootAddress}`, tooltip: `root (${p.rootKind}): ${p.root}, the word at ${p.rootAddress}`, icon: rootIcon }];
  for (const s of p.steps) {
    const via = s.field !== undefined ? `${s.field} (+${s.pointerOffset})` : s.pointerOffset !== undefined ? `+${s.pointerOffset}` : undefined;
    rows.push({
      label: `→ ${s.type}`,
      description: `${s.address} · ${bytesText(s.size)}${via ? ` · next via ${via}` : ''}`,
      tooltip: `${s.type} at ${s.address} (${s.size} B)${via ? `; the next pointer is in ${via}` : ''}`,
      icon: 'arrow-small-right',
    });
  }
  return rows;
}

/** Read-only documents of retention paths: `go-core-heap:/<core id>/0x….txt`. */
class RetentionPathDocuments implements vscode.TextDocumentContentProvider {
  static readonly scheme = 'go-core-heap';
  private readonly texts = new Map<string, string>();
  put(coreId: string, address: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: RetentionPathDocuments.scheme, path: `/${coreId}/retention-path-${address}.txt` });
    this.texts.set(uri.toString(), text);
    return uri;
  }
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }
}

/** Filter…, Clear Filter, Open in pprof, Open Retention Path. */
export function registerHeapCommands(provider: HeapProvider, sessions: CoreSessions): vscode.Disposable[] {
  const docs = new RetentionPathDocuments();
  return [
    vscode.workspace.registerTextDocumentContentProvider(RetentionPathDocuments.scheme, docs),
    vscode.commands.registerCommand(Commands.heapFilter, async (arg?: unknown) => {
      const text = typeof arg === 'string' ? arg : await vscode.window.showInputBox({ title: 'Filter Heap Types', prompt: 'Text found in a type name (main.Node, []byte, map.bucket)', value: provider.filter });
      if (text !== undefined) provider.setFilter(text);
    }),
    vscode.commands.registerCommand(Commands.heapClearFilter, () => provider.setFilter('')),
    vscode.commands.registerCommand(Commands.heapOpenRetentionPath, async (node?: HeapNode) => {
      const core = sessions.active;
      if (!core || node?.kind !== 'object') return undefined;
      const h = await provider.heapOf(core);
      if ('error' in h) {
        void vscode.window.showErrorMessage(`Go Core: ${h.error}`);
        return undefined;
      }
      const address = `0x${node.ref.address.toString(16)}`;
      const text =
        `${node.ref.type} at ${address} (${node.ref.size} B) in ${core.corePath}\n\n${formatPath(address, h.heap.path({ address: node.ref.address }) ?? null)}` +
        formatFields(h.heap.fields(node.ref.address));
      const uri = docs.put(core.id, address, text);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
      return uri;
    }),
    vscode.commands.registerCommand(Commands.heapOpenInPprof, async () => {
      const core = sessions.active;
      if (!core) {
        void vscode.window.showInformationMessage('Go Core: no core dump is open.');
        return undefined;
      }
      // The Heap view may be collapsed (its own progress bar unseen): say it in a notification too.
      const h = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Go Core: walking the heap…' }, () => provider.heapOf(core));
      if ('error' in h) {
        void vscode.window.showErrorMessage(`Go Core: the heap profile was not written: ${h.error}`);
        return undefined;
      }
      const file = profilePath(core);
      try {
        writeFileSync(file, heapProfile(h.heap.profileRows()));
      } catch (e) {
        void vscode.window.showErrorMessage(`Go Core: the heap profile was not written: ${formatError(e, 'editor', { oneLine: true })}`);
        return undefined;
      }
      const command = `go tool pprof -http=:0 ${shellWord(file)}`;
      const copy = 'Copy Command';
      void vscode.window.showInformationMessage(`Go Core: wrote the heap profile ${file}. To explore it, run: ${command}`, copy).then((c) => {
        if (c === copy) void vscode.env.clipboard.writeText(command);
      });
      return file;
    }),
  ];
}
