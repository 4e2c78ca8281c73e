// Extension-host test entry, loaded by VS Code as `extensionTestsPath` (like @vscode/test-electron):
// VS Code calls run() inside its Node extension host, where the `vscode` API is available.
// It runs every bundled `*.test.js` next to this file with mocha and writes the results as JSON to
// the file named by $GCI_VSCODE_RESULTS (the runner in test/vscode/runner.ts waits for it).
// Zero tests is a failure: a suite that ran nothing proves nothing.
import { readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

export interface TestResult {
  /** Suite titles and test title joined with spaces (mocha's fullTitle). */
  title: string;
  /** Bundled test file the test came from, relative to the suite directory. */
  file: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs: number;
  error?: { message: string; stack?: string };
}

export interface SuiteResults {
  tests: TestResult[];
  passed: number;
  failed: number;
  pending: number;
  /** A failure outside any test: loading the test files, zero tests. */
  error?: string;
  vscodeVersion?: string;
  startedAt: string;
  finishedAt: string;
}

const SUITE_DIR = __dirname;

function testFiles(): string[] {
  return (readdirSync(SUITE_DIR, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .map((f) => join(SUITE_DIR, f));
}

function relFile(file: string | undefined): string {
  return file ? file.slice(SUITE_DIR.length + 1) : '';
}

function errorOf(err: unknown): { message: string; stack?: string } {
  if (err instanceof Error) return { message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  return { message: String(err) };
}

function writeResults(results: SuiteResults): void {
  const out = process.env.GCI_VSCODE_RESULTS;
  if (!out) {
    console.error('GCI_VSCODE_RESULTS is not set: results are only in this log');
    console.error(JSON.stringify(results, null, 2));
    return;
  }
  writeFileSync(`${out}.tmp`, JSON.stringify(results, null, 2));
  renameSync(`${out}.tmp`, out); // the runner never sees a half-written file
}

async function vscodeVersion(): Promise<string | undefined> {
  try {
    const vscode = await import('vscode');
    return vscode.version;
  } catch {
    return undefined;
  }
}

export async function run(): Promise<void> {
  const startedAt = new Date().toISOString();
  const tests: TestResult[] = [];
  const finish = async (error?: string): Promise<SuiteResults> => {
    const count = (s: TestResult['state']): number => tests.filter((t) => t.state === s).length;
    const results: SuiteResults = {
      tests,
      passed: count('passed'),
      failed: count('failed'),
      pending: count('pending'),
      startedAt,
      finishedAt: new Date().toISOString(),
    };
    const version = await vscodeVersion();
    if (version) results.vscodeVersion = version;
    if (!error && tests.length === 0)
      error = `no tests ran (test files: ${testFiles().map(relFile).join(', ') || 'none'})`;
    if (error) results.error = error;
    writeResults(results);
    return results;
  };

  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: Number(process.env.GCI_VSCODE_TEST_TIMEOUT_MS ?? 120_000),
    ...(process.env.GCI_VSCODE_GREP ? { grep: process.env.GCI_VSCODE_GREP } : {}),
  });
  // Records every test; also prints spec-like lines into the extension host log.
  mocha.reporter(
    class Recorder {
      constructor(runner: Mocha.Runner) {
        runner.on('pass', (t) => {
          tests.push({ title: t.fullTitle(), file: relFile(t.file), state: 'passed', durationMs: t.duration ?? 0 });
          console.log(`  ✓ ${t.fullTitle()}`);
        });
        runner.on('fail', (t, err) => {
          tests.push({
            title: t.fullTitle(),
            file: relFile(t.file),
            state: 'failed',
            durationMs: t.duration ?? 0,
            error: errorOf(err),
          });
          console.log(`  ✗ ${t.fullTitle()}: ${errorOf(err).message}`);
        });
        runner.on('pending', (t) => {
          tests.push({ title: t.fullTitle(), file: relFile(t.file), state: 'pending', durationMs: 0 });
        });
      }
    } as unknown as Mocha.ReporterConstructor,
  );
  const files = testFiles();
  for (const f of files) mocha.addFile(f);

  let results: SuiteResults;
  try {
    // run() requires the files synchronously (CommonJS), so `vscode` resolves to the host's API.
    await new Promise<void>((resolve) => mocha.run(() => resolve()));
    results = await finish();
  } catch (e) {
    results = await finish(`loading or running the tests failed: ${errorOf(e).stack ?? errorOf(e).message}`);
  }
  if (results.error) throw new Error(results.error);
  if (results.failed > 0) throw new Error(`${results.failed} extension-host test(s) failed`);
}
