// Crash logs in a real VS Code: the go-traceback language, its links, folding and symbols from the
// language server, on the traceback the runtime printed for the workspace's core.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parseTraceback } from '../../../src/traceback/parse';
import { waitFor } from './helpers';

const workspace = process.env.GCI_VSCODE_WORKSPACE ?? '';


describe('crash-log language', function () {
  this.timeout(120_000);
  let doc: vscode.TextDocument;
  const path = join(workspace, 'traceback.txt');
  const tb = parseTraceback(readFileSync(path, 'utf8'));

  before(async () => {
    doc = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(path), 'go-traceback');
    await vscode.window.showTextDocument(doc);
  });

  it('a .gotrace file gets the go-traceback language', async () => {
    const d = await vscode.workspace.openTextDocument({ content: readFileSync(path, 'utf8'), language: 'go-traceback' });
    assert.equal(d.languageId, 'go-traceback');
    const ext = vscode.extensions.all.find((e) =>
      ((e.packageJSON.contributes?.languages ?? []) as { id: string; extensions?: string[] }[]).some(
        (l) => l.id === 'go-traceback' && l.extensions?.includes('.gotrace'),
      ),
    );
    assert.ok(ext, 'no extension contributes .gotrace to go-traceback');
  });

  it('folding ranges cover each goroutine block', async () => {
    const ranges = await waitFor('folding ranges', async () => {
      const r = (await vscode.commands.executeCommand('vscode.executeFoldingRangeProvider', doc.uri)) as vscode.FoldingRange[];
      return r?.length ? r : undefined;
    });
    for (const g of tb.goroutines.filter((g) => g.lastLine > g.firstLine)) {
      assert.ok(
        ranges.some((r) => r.start === g.firstLine && r.end >= g.lastLine - 1 && r.end <= g.lastLine),
        `no folding range for goroutine ${g.id} (lines ${g.firstLine}-${g.lastLine})`,
      );
    }
  });

  it('file:line locations in the workspace are links', async () => {
    const links = await waitFor('document links', async () => {
      const l = (await vscode.commands.executeCommand('vscode.executeLinkProvider', doc.uri)) as vscode.DocumentLink[];
      return l?.length ? l : undefined;
    });
    const main = tb.goroutines[0]!.frames.find((f) => f.func.startsWith('main.') && f.location);
    assert.ok(main?.location, 'the oracle has a main.* frame with a location');
    const link = links.find((l) => l.range.start.line === main.location!.line);
    assert.ok(link?.target, `no link on line ${main.location.line}`);
    assert.equal(link.target.fsPath, join(workspace, main.file!.split('/').pop()!));
  });

  it('document symbols list the goroutines', async () => {
    const symbols = await waitFor('document symbols', async () => {
      const s = (await vscode.commands.executeCommand('vscode.executeDocumentSymbolProvider', doc.uri)) as vscode.DocumentSymbol[];
      return s?.length ? s : undefined;
    });
    assert.equal(symbols.filter((s) => /^goroutine \d+/.test(s.name)).length, tb.goroutines.length);
  });
});
