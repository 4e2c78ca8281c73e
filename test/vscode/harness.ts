// Shared by the VS Code test runners (runner.ts: code-server + Chromium; electron.ts: desktop VS
// Code through @vscode/test-electron): the test bundle, the workspace, the result report.
import { copyFileSync, cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { listFixtures, type Fixture } from '../support/fixtures.js';
import type { SuiteResults, TestResult } from './suite/index.js';

export const REPO = resolve(__dirname, '..', '..');
export const TEST_OUT = join(REPO, 'out', 'vscode-tests');
export const RESULTS_DIR = join(REPO, 'test-results');

export function log(msg: string): void {
  process.stderr.write(`[test-vscode] ${msg}\n`);
}

/** Bundles the suite entry and every test file to out/vscode-tests/ (CommonJS; vscode and mocha external). */
export async function bundleTests(): Promise<string> {
  const suiteDir = join(REPO, 'test', 'vscode', 'suite');
  const tests = (readdirSync(suiteDir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(suiteDir, f));
  rmSync(TEST_OUT, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [join(suiteDir, 'index.ts'), ...tests],
    outbase: suiteDir,
    outdir: join(TEST_OUT, 'suite'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode', 'mocha'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  return join(TEST_OUT, 'suite', 'index.js');
}

/** A workspace like a user's: the crashing program's source, its binary and its core. */
export function prepareWorkspace(dir: string, want: string, fixture = 'index'): Fixture {
  const all = listFixtures({ fixture });
  const f = all.find((x) => x.goMinor === want);
  if (!f) throw new Error(`no ${fixture} fixture for go${want} (have ${all.map((x) => x.goMinor).join(', ')}): run scripts/make-cores`);
  mkdirSync(dir, { recursive: true });
  cpSync(f.srcDir, dir, { recursive: true });
  copyFileSync(f.prog, join(dir, 'prog'));
  copyFileSync(f.core, join(dir, 'core'));
  copyFileSync(f.tracebackPath, join(dir, 'traceback.txt'));
  // A repository that tries to open its own core on startup: the extension must ignore this
  // (goCoreInspector.openOnStartup is machine-scoped and read from user settings only).
  mkdirSync(join(dir, '.vscode'), { recursive: true });
  writeFileSync(join(dir, '.vscode', 'settings.json'), JSON.stringify({ 'goCoreInspector.openOnStartup': 'core' }, null, 2));
  return f;
}

/**
 * Removes a directory that processes killed a moment ago may still be writing into (Chromium's
 * profile, code-server's logs): retries for a few seconds. Synchronous, so it also works on exit.
 */
export function removeDirSync(dir: string): void {
  for (let attempt = 1; ; attempt++) {
    try {
      rmSync(dir, { recursive: true, force: true });
      return;
    } catch (e) {
      if (attempt >= 20) throw new Error(`cannot remove ${dir}: ${(e as Error).message}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
}

/** The extension-host suite's results as report lines; a suite-level error is one failure more. */
export function hostResults(results: SuiteResults): TestResult[] {
  const out = results.tests.map((t) => ({ ...t, title: `[extension host] ${t.title}` }));
  if (results.error)
    out.push({
      title: '[extension host] suite',
      file: '',
      state: 'failed',
      durationMs: 0,
      error: { message: results.error },
    });
  return out;
}

/** Prints one line per test (mocha spec style), then exactly `N passed, N failed`; returns N failed. */
export function report(results: TestResult[]): number {
  for (const t of results) {
    if (t.state === 'passed') process.stdout.write(`  ✓ ${t.title} (${t.durationMs} ms)\n`);
    else if (t.state === 'pending') process.stdout.write(`  - ${t.title} (pending)\n`);
    else {
      process.stdout.write(`  ✗ ${t.title}\n`);
      const detail = t.error?.stack ?? t.error?.message ?? '';
      process.stdout.write(
        detail
          .split('\n')
          .map((l) => `      ${l}`)
          .join('\n') + '\n',
      );
    }
  }
  const passed = results.filter((t) => t.state === 'passed').length;
  const failed = results.filter((t) => t.state === 'failed').length;
  const pending = results.filter((t) => t.state === 'pending').length;
  if (pending > 0) process.stdout.write(`${pending} pending\n`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed;
}
