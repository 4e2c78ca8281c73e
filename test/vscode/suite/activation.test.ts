// Runs inside VS Code's extension host (see index.ts): the extension is installed from the
// development path, activates, and sees the workspace the runner opened.
import * as assert from 'node:assert/strict';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import pkg from '../../../package.json';
import type { ExtensionApi } from '../../../src/vscode/extension';
import { activateExtension, EXTENSION_ID, workspaceFolder } from './helpers.js';

interface ContributedCommand {
  command: string;
}

function contributedCommands(): string[] {
  const contributes = pkg.contributes as { commands?: ContributedCommand[] };
  return (contributes.commands ?? []).map((c) => c.command);
}

describe('activation', () => {
  it(`the extension ${EXTENSION_ID} is installed from the development path`, () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} not found among ${vscode.extensions.all.length} extensions`);
    assert.equal(ext.packageJSON.version, pkg.version);
  });

  it('activates without error', async () => {
    const ext = await activateExtension();
    assert.equal(ext.isActive, true);
  });

  it('opened the workspace the runner prepared', async () => {
    const expected = process.env.GCI_VSCODE_WORKSPACE;
    assert.ok(expected, 'GCI_VSCODE_WORKSPACE is not set by the runner');
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1, `workspace folders: ${folders.map((f) => f.uri.toString()).join(', ')}`);
    assert.equal(workspaceFolder().uri.path, expected);
    assert.equal(vscode.workspace.name, basename(expected));
    const cores = await vscode.workspace.findFiles('core');
    assert.equal(cores.length, 1, 'the workspace holds the fixture core');
  });

  it("the workspace's own openOnStartup setting does not open its core", async () => {
    // The runner's workspace sets goCoreInspector.openOnStartup to "core" in .vscode/settings.json.
    const ext = (await activateExtension()) as vscode.Extension<ExtensionApi>;
    await new Promise((r) => setTimeout(r, 3000)); // an open on startup would have begun by now
    assert.deepEqual(
      ext.exports.sessions.all.map((c) => c.corePath),
      [],
      'a core was opened from the workspace settings',
    );
  });

  it('every contributed command is registered once active', async () => {
    await activateExtension();
    const all = new Set(await vscode.commands.getCommands(true));
    const missing = contributedCommands().filter((c) => !all.has(c));
    assert.deepEqual(
      missing,
      [],
      `package.json contributes commands the extension does not register: ${missing.join(', ')}`,
    );
  });
});
