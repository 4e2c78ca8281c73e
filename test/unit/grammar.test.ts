// Tests of the go-traceback TextMate grammar (syntaxes/go-traceback.tmLanguage.json), tokenized with
// the same engine VS Code uses (vscode-textmate + vscode-oniguruma; test/support/tracebackGrammar.ts).
//
// Snapshot: test/fixtures/grammar/sample.gotrace (a short hand-written, anonymised traceback with
// every construct) is tokenized and compared exactly with sample.gotrace.snap. After an intended
// grammar change, regenerate it and review the diff:
//     UPDATE_SNAPSHOTS=1 node --import tsx --test test/unit/grammar.test.ts
// (The tracebacks of every generated crash fixture: test/integration/grammar.test.ts.)
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SCOPE, tokenizeText, type LineToken } from '../support/tracebackGrammar.js';

const snapDir = join(__dirname, '..', 'fixtures', 'grammar');

/** The snapshot text: each line, then one row per token with its range, text and inner scopes. */
function snapshot(lines: string[], tokens: LineToken[][]): string {
  const out: string[] = [];
  lines.forEach((line, i) => {
    out.push(`${i + 1}: ${JSON.stringify(line)}`);
    for (const t of tokens[i]!) {
      if (t.start >= t.end) continue;
      const scopes = t.scopes.filter((s) => s !== SCOPE).join(' ');
      out.push(`  ${t.start}-${t.end} ${JSON.stringify(line.slice(t.start, t.end))} ${scopes}`);
    }
  });
  return out.join('\n') + '\n';
}

test('grammar snapshot: test/fixtures/grammar/sample.gotrace', async () => {
  const src = join(snapDir, 'sample.gotrace');
  const snap = join(snapDir, 'sample.gotrace.snap');
  const { lines, tokens } = await tokenizeText(readFileSync(src, 'utf8'));
  const actual = snapshot(lines, tokens);
  if (process.env.UPDATE_SNAPSHOTS === '1') {
    writeFileSync(snap, actual);
    return;
  }
  if (!existsSync(snap)) {
    throw new Error(`${snap} is missing: run UPDATE_SNAPSHOTS=1 node --import tsx --test test/unit/grammar.test.ts`);
  }
  assert.equal(
    actual,
    readFileSync(snap, 'utf8'),
    'grammar output changed: review, then rerun with UPDATE_SNAPSHOTS=1',
  );
});
