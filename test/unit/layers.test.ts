// The layering rule of DESIGN.md as ESLint enforces it (eslint.config.mjs, `layers/imports-point-down`
// and the `vscode` import restriction), run on snippets placed in each layer: an import up the layers
// is an error, one within or down the layers is not.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const repo = join(__dirname, '..', '..');
const eslint = new ESLint({ cwd: repo });

/** The rule ids ESLint reports for `code` as if it were the file `file` (relative to the repository). */
async function problems(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: join(repo, file) });
  assert.ok(r, 'ESLint returned no result');
  return r.messages.map((m) => m.ruleId ?? m.message);
}

describe('imports point down the layers', () => {
  it('rejects an import from a layer above', async () => {
    assert.deepEqual(
      await problems('src/ssa/probe.ts', "import { delveCheck } from '../report/delveCheck.js';\nexport const f = delveCheck;\n"),
      ['layers/imports-point-down'],
    );
    assert.deepEqual(
      await problems('src/core/probe.ts', "export { CoreSession } from '../delve/coreSession.js';\n"),
      ['layers/imports-point-down'],
    );
    assert.deepEqual(
      await problems('src/runtime/layouts/probe.ts', "export type T = import('../../traceback/types.js').Frame;\n"),
      [],
      'traceback is below runtime',
    );
    assert.deepEqual(
      await problems('src/traceback/probe.ts', "export const m = () => import('../analysis/engine.js');\n"),
      ['layers/imports-point-down'],
    );
    assert.deepEqual(
      await problems('src/report/probe.ts', "import type { OpenCore } from '../vscode/session/coreSessions.js';\nexport type M = OpenCore;\n"),
      ['layers/imports-point-down'],
    );
  });
  it('accepts imports within a layer and from the layers below', async () => {
    const ok = [
      ['src/vscode/probe.ts', "export { CoreSession } from '../delve/coreSession.js';\n"],
      ['src/server/probe.ts', "export { cacheDir } from '../core/cacheDir.js';\n"],
      ['src/delve/probe.ts', "export { CoreSession } from './coreSession.js';\n"],
      ['src/ssa/probe.ts', "export { goMinor } from './toolchain.js';\n"],
    ];
    for (const [file, code] of ok) assert.deepEqual(await problems(file!, code!), [], file);
  });
  it('only src/vscode imports vscode', async () => {
    const code = "import * as vscode from 'vscode';\nexport const w = vscode.window;\n";
    assert.deepEqual(await problems('src/server/probe.ts', code), ['no-restricted-imports']);
    assert.deepEqual(await problems('src/vscode/probe.ts', code), []);
  });
});
