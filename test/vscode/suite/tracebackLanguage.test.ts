// Crash logs in a real VS Code: the go-traceback language, its links, folding and symbols from the
// language server, on the traceback the runtime printed for the workspace's core.
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parseTraceback } from '../../../src/traceback/parse';
import { listFixtures } from '../../support/fixtures';
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

  it('a .log holding race reports after program output opens as go-traceback: folding, symbols and the side-by-side hover per report', async () => {
    // What the race detector printed (scripts/make-cores race-reports: `go run -race . exit`).
    const f = listFixtures({ fixture: 'race-reports' }).at(-1)!;
    const text = 'starting\n' + readFileSync(join(f.dir, 'race-exit.txt'), 'utf8');
    const race = parseTraceback(text);
    assert.ok(race.races.length >= 2, `${f.dir}/race-exit.txt has ${race.races.length} reports`);
    const logFile = join(workspace, 'race.log');
    writeFileSync(logFile, text);
    try {
      const d = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(logFile));
      await waitFor('race.log to become go-traceback', () => (d.document.languageId === 'go-traceback' ? true : undefined), 10_000);
      const uri = d.document.uri;
      const folds = await waitFor('folding ranges of race.log', async () => {
        const r = (await vscode.commands.executeCommand('vscode.executeFoldingRangeProvider', uri)) as vscode.FoldingRange[];
        return r?.length ? r : undefined;
      });
      for (const r of race.races) {
        assert.ok(folds.some((x) => x.start === r.firstLine && x.end >= r.lastLine - 1 && x.end <= r.lastLine), `report at line ${r.firstLine + 1} does not fold`);
      }
      const symbols = (await vscode.commands.executeCommand('vscode.executeDocumentSymbolProvider', uri)) as vscode.DocumentSymbol[];
      const reports = symbols.filter((s) => s.name.startsWith('DATA RACE: '));
      assert.equal(reports.length, race.races.length);
      assert.deepEqual(reports[0]!.children.map((c) => c.name), race.races[0]!.accesses.map((a) => a.header.text.slice(0, -1)));
      const r = race.races[0]!;
      const hovers = (await vscode.commands.executeCommand('vscode.executeHoverProvider', uri, new vscode.Position(r.warning.line, 2))) as vscode.Hover[];
      const md = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
      assert.ok(md.includes(`report 1 of ${race.races.length}`), md);
      assert.ok(md.includes(`| | ${r.accesses.map((a) => `**${a.header.op.value}**`).join(' | ')} |`), md);
      for (const a of r.accesses) assert.ok(md.includes(`\`${a.frames[0]!.func}\``), md);
      // The counter's two fields race in the same functions: their reports carry a group lens.
      const lenses = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri)) as vscode.CodeLens[];
      const grouped = lenses.filter((l) => l.command?.title.includes('race reports share these stacks'));
      assert.ok(grouped.length >= 2, lenses.map((l) => l.command?.title).join('\n'));
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      rmSync(logFile, { force: true });
    }
  });
});
