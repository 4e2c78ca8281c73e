// Helpers for extension-host tests (bundled into each *.test.ts; runs inside VS Code).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pkg from '../../../package.json';
import type { ExtensionApi } from '../../../src/vscode/extension';
import type { PanicFramesNode } from '../../../src/vscode/views/panicFramesView';
import type { Fixture } from '../../support/fixtures';

/** `publisher.name` from package.json. */
export const EXTENSION_ID = `${pkg.publisher}.${pkg.name}`;

/** The extension under test, activated. */
export async function activateExtension(): Promise<vscode.Extension<unknown>> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} not found among ${vscode.extensions.all.length} extensions`);
  await ext.activate();
  return ext;
}

/** The workspace folder the runner opened (it holds the fixture's source, `prog`, `core`, `traceback.txt`). */
export function workspaceFolder(): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder is open');
  return folder;
}

/** A file of the workspace folder, e.g. workspaceFile('core'). */
export function workspaceFile(name: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceFolder().uri, name);
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs` saying what it waited for. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The workspace the runner opened (the fixture's source, `prog`, `core`, `traceback.txt`). */
export const workspace = process.env.GCI_VSCODE_WORKSPACE ?? '';

/** The extension's test API (`extension.exports`), activated. */
export async function api(): Promise<ExtensionApi> {
  const ext = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed`);
  return ext.activate();
}

/**
 * Closes every open core (and its debug session). With `waitForDebugEnd`, also waits until no
 * go-core debug session is left, so that the next test waits for a new one.
 */
export async function closeAll(a: ExtensionApi, opts: { waitForDebugEnd?: boolean } = {}): Promise<void> {
  // Closing a core stops its debug session (CoreSessions.close), as Close Core Dump does.
  for (const c of a.sessions.all) await a.sessions.close(c.id);
  if (opts.waitForDebugEnd) {
    try {
      await waitFor('the go-core debug sessions to end', () => (vscode.debug.activeDebugSession?.type === 'go-core' ? undefined : true), 30_000);
    } catch (e) {
      const s = vscode.debug.activeDebugSession;
      const id = (s?.configuration as Record<string, unknown> | undefined)?.__goCoreInspectorCoreId;
      throw new Error(`${(e as Error).message}; still active: "${s?.name}" (core id ${String(id)}, open cores: ${a.sessions.all.map((c) => c.id).join(', ') || 'none'})`);
    }
  }
}

/** Process ids of the dlv processes started by this extension host. */
export function childDelves(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (comm === 'dlv' && Number(fields[1]) === process.pid && fields[0] !== 'Z') out.push(Number(d));
    } catch {
      // the process went away while we looked
    }
  }
  return out;
}

/** Opens a core with Open Core Dump and waits for it, and for its debug session or why Delve did not start. */
export async function openCoreWithSession(a: ExtensionApi, core: string, prog?: string) {
  await vscode.commands.executeCommand('goCoreInspector.openCoreDump', vscode.Uri.file(core), prog);
  const c = await waitFor(`the core ${core} to open`, () => a.sessions.all.find((x) => x.corePath === core), 120_000);
  await waitFor(`the debug session of ${core}, or why Delve did not start`, () => c.debugSession ?? c.notes.find((n) => n.startsWith('No Delve')), 120_000);
  return c;
}

export function labelOf(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

/** Every node of the Panic Frames view, depth first (the other goroutines' groups left out), with its item. */
export function panicRows(a: ExtensionApi): { node: PanicFramesNode; item: vscode.TreeItem }[] {
  const out: { node: PanicFramesNode; item: vscode.TreeItem }[] = [];
  const walk = (nodes: PanicFramesNode[]) => {
    for (const node of nodes) {
      if (node.kind === 'groups') continue;
      out.push({ node, item: a.panicFrames.getTreeItem(node) });
      walk(a.panicFrames.getChildren(node));
    }
  };
  walk(a.panicFrames.getChildren());
  return out;
}

/** The 1-based line of a fixture source file holding `marker` (it must be there). */
export function lineOf(f: Fixture, file: string, marker: string): number {
  const i = readFileSync(join(f.srcDir, file), 'utf8').split('\n').findIndex((l) => l.includes(marker));
  assert.ok(i >= 0, `${marker} is not in ${file} of ${f.fixture}`);
  return i + 1;
}
