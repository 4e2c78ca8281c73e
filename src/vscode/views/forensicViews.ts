// The Goroutines and Heap views (issues 13 and 15) with their commands, registered in one call from
// extension.ts: the tree views, Group By… / Filter… / Clear Filter / Show More, Open in pprof and
// Open Retention Path. Every disposable goes to the extension's subscriptions.
import * as vscode from 'vscode';
import { Commands, Views } from '../constants.js';
import type { CoreSessions } from '../session/coreSessions.js';
import { GoroutinesProvider, registerGoroutinesCommands, type GoroutinesNode } from './goroutinesView.js';
import { HeapProvider, registerHeapCommands, type HeapNode } from './heapView.js';
import { createClickableTreeView } from './rowClick.js';

export function registerForensicViews(context: vscode.ExtensionContext, sessions: CoreSessions): { goroutines: GoroutinesProvider; heap: HeapProvider } {
  const goroutines = new GoroutinesProvider(sessions, context.globalState);
  const heap = new HeapProvider(sessions);
  context.subscriptions.push(
    goroutines,
    heap,
    ...createClickableTreeView(Views.goroutines, goroutines, { showCollapseAll: true }).disposables,
    ...createClickableTreeView(Views.heap, heap, { showCollapseAll: true }).disposables,
    ...registerGoroutinesCommands(goroutines),
    ...registerHeapCommands(heap, sessions),
    vscode.commands.registerCommand(Commands.showMore, (node?: GoroutinesNode | HeapNode) => {
      if (node?.kind !== 'more') return;
      // Both views' "Show 500 more…" nodes: each belongs to the view whose ids it carries.
      if (node.id.includes('/heap/')) heap.showMore(node as HeapNode);
      else goroutines.showMore(node as GoroutinesNode);
    }),
  );
  return { goroutines, heap };
}
