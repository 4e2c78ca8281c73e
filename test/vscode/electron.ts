// The extension-host suite in a desktop VS Code through @vscode/test-electron, where one exists
// (it downloads VS Code, or uses $VSCODE_EXECUTABLE; needs a display, e.g. xvfb-run, on Linux).
// Same bundle, workspace and result file as runner.ts; prints `N passed, N failed`.
// Usage: node --import tsx test/vscode/electron.ts
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { bundleTests, hostResults, log, prepareWorkspace, removeDirSync, report, REPO } from './harness.js';
import type { SuiteResults, TestResult } from './suite/index.js';

async function main(): Promise<number> {
  const testIndex = await bundleTests();
  const tmp = mkdtempSync(join(tmpdir(), 'gci-electron-'));
  const results: TestResult[] = [];
  try {
    const workspace = join(tmp, 'workspace');
    const fx = prepareWorkspace(workspace, '1.22');
    log(`workspace ${workspace}: fixture ${fx.fixture} go${fx.goMinor}`);
    const resultsFile = join(tmp, 'host-results.json');
    let launchError: string | undefined;
    try {
      await runTests({
        ...(process.env.VSCODE_EXECUTABLE ? { vscodeExecutablePath: process.env.VSCODE_EXECUTABLE } : {}),
        extensionDevelopmentPath: REPO,
        extensionTestsPath: testIndex,
        extensionTestsEnv: { GCI_VSCODE_RESULTS: resultsFile, GCI_VSCODE_WORKSPACE: workspace },
        launchArgs: [
          workspace,
          '--disable-extensions',
          '--disable-workspace-trust',
          `--user-data-dir=${join(tmp, 'user-data')}`,
          `--extensions-dir=${join(tmp, 'extensions')}`,
        ],
      });
    } catch (e) {
      launchError = (e as Error).message;
    }
    if (existsSync(resultsFile)) {
      results.push(...hostResults(JSON.parse(readFileSync(resultsFile, 'utf8')) as SuiteResults));
    } else {
      const why = launchError ?? 'VS Code exited without writing results';
      results.push({
        title: '[extension host] suite (electron)',
        file: '',
        state: 'failed',
        durationMs: 0,
        error: { message: why },
      });
    }
  } finally {
    removeDirSync(tmp);
  }
  return report(results) > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`[test-electron] error: ${e.stack ?? e.message}\n`);
    process.stdout.write('0 passed, 1 failed\n');
    process.exit(1);
  },
);
