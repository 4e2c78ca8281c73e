// Delve's terminal (`dlv core`) as a second source of truth in tests: one `print` per expression.
import { spawnSync } from 'node:child_process';
import { dlvForGo, type Fixture } from './fixtures.js';

/** Runs Delve's terminal on the core with one `print` per expression; returns each answer. */
export function delvePrint(fx: Fixture, exprs: string[]): string[] {
  const dlv = dlvForGo(fx.goMinor);
  const input = exprs.map((e) => `print ${e}\n`).join('') + 'exit\n';
  const r = spawnSync(dlv, ['core', fx.prog, fx.core, '--allow-non-terminal-interactive=true'], {
    input,
    cwd: fx.dir,
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.error) throw new Error(`${dlv} core ${fx.core} failed: ${r.error.message}`);
  const answers = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('(dlv) '))
    .map((l) => l.slice('(dlv) '.length).trim());
  if (answers.length < exprs.length) {
    throw new Error(`Delve answered ${answers.length} of ${exprs.length} prints:\n${r.stdout}\n${r.stderr}`);
  }
  return answers.slice(0, exprs.length);
}
