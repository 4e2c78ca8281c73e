// The go-traceback TextMate grammar (syntaxes/go-traceback.tmLanguage.json) loaded with the engine
// VS Code uses (vscode-textmate + vscode-oniguruma), and a tokenizer over whole texts, for the
// grammar tests (test/unit/grammar.test.ts, test/integration/grammar.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

const root = join(__dirname, '..', '..');
const grammarPath = join(root, 'syntaxes', 'go-traceback.tmLanguage.json');
export const SCOPE = 'source.go-traceback';

/** One token of one line: [start, end) character range and its scopes, outermost first. */
export interface LineToken {
  start: number;
  end: number;
  scopes: string[];
}

let grammarPromise: Promise<textmate.IGrammar> | undefined;

function loadGrammar(): Promise<textmate.IGrammar> {
  grammarPromise ??= (async () => {
    const wasm = readFileSync(join(root, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new textmate.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
        createOnigString: (s: string) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scopeName: string) =>
        scopeName === SCOPE ? textmate.parseRawGrammar(readFileSync(grammarPath, 'utf8'), grammarPath) : null,
    });
    const g = await registry.loadGrammar(SCOPE);
    if (!g) throw new Error(`${grammarPath}: grammar ${SCOPE} did not load`);
    return g;
  })();
  return grammarPromise;
}

/** Tokenizes a whole text, line by line (split on \n, a trailing \r dropped). */
export async function tokenizeText(text: string): Promise<{ lines: string[]; tokens: LineToken[][] }> {
  const g = await loadGrammar();
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  let stack = textmate.INITIAL;
  const tokens: LineToken[][] = [];
  for (const line of lines) {
    const r = g.tokenizeLine(line, stack, 5000);
    if (r.stoppedEarly) throw new Error(`tokenizing stopped early (time limit) on line ${JSON.stringify(line)}`);
    stack = r.ruleStack;
    tokens.push(
      r.tokens.map((t) => ({ start: t.startIndex, end: Math.min(t.endIndex, line.length), scopes: t.scopes })),
    );
  }
  return { lines, tokens };
}
