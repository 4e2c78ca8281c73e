// Runs the extension inside a real VS Code (code-server + headless Chromium) and reports:
//   1. the extension-host suite (test/vscode/suite/**/*.test.ts, mocha, via extensionTestsPath),
//   2. the browser suite (test/vscode/browser/smoke.ts), driving the workbench as a person does.
// Usage (scripts/test-vscode does the setup):
//   tsx test/vscode/runner.ts [--only host|browser] [--keep] [--vsix file.vsix]
// --vsix (or $GCI_VSCODE_VSIX): the browser suite installs that package and opens the workbench with
// no payload; without it, the browser suite loads the repository as the development extension.
// Prints one line per test and, last, exactly `N passed, N failed`; exits non-zero on any failure,
// on a timeout, or when code-server or Chromium die. Screenshots go to test-results/.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runBrowserSmoke } from './browser/smoke.js';
import {
  bundleTests,
  hostResults,
  log,
  prepareWorkspace,
  removeDirSync,
  report,
  REPO,
  RESULTS_DIR,
} from './harness.js';
import {
  installExtension,
  onExitKill,
  startBrowser,
  startCodeServer,
  workbenchUrl,
  writeQuietSettings,
  type Browser,
  type CodeServer,
} from './codeServer.js';
import type { SuiteResults, TestResult } from './suite/index.js';

const HOST_TIMEOUT_MS = Number(process.env.GCI_VSCODE_TIMEOUT_S ?? 300) * 1000;

interface Options {
  only?: 'host' | 'browser';
  keep: boolean;
  /** A packaged extension to install for the browser suite (else it loads the repository). */
  vsix?: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { keep: false };
  if (process.env.GCI_VSCODE_VSIX) o.vsix = resolve(process.env.GCI_VSCODE_VSIX);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--keep') o.keep = true;
    else if (a === '--only' && (argv[i + 1] === 'host' || argv[i + 1] === 'browser'))
      o.only = argv[++i] as 'host' | 'browser';
    else if (a === '--vsix' && argv[i + 1]) o.vsix = resolve(argv[++i]!);
    else throw new Error(`unknown argument ${a}; usage: runner.ts [--only host|browser] [--keep] [--vsix file.vsix]`);
  }
  return o;
}

/** code-server's entry script, installing it first if needed (cached). */
function codeServerEntry(): string {
  const r = spawnSync('bash', [join(REPO, 'scripts', 'vscode-tools')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 30 * 60_000,
  });
  const entry = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !existsSync(entry))
    throw new Error(`scripts/vscode-tools failed (status ${r.status}); run it by hand to see why`);
  return entry;
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

async function waitForFile(path: string, stop: { done: boolean }): Promise<void> {
  while (!stop.done && !existsSync(path)) await new Promise((r) => setTimeout(r, 500));
}

async function screenshot(browser: Browser | undefined, name: string): Promise<void> {
  if (!browser || browser.page.isClosed()) return;
  const path = join(RESULTS_DIR, name);
  try {
    await browser.page.screenshot({ path, timeout: 10_000 });
    log(`screenshot ${path}`);
  } catch (e) {
    log(`screenshot ${name} failed: ${(e as Error).message}`);
  }
}

async function runHostSuite(
  cs: CodeServer,
  workspace: string,
  testIndex: string,
  resultsFile: string,
  profile: string,
): Promise<TestResult[]> {
  const browser = await startBrowser(profile);
  const consoleLines: string[] = [];
  browser.page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  const stop = { done: false };
  try {
    const url = workbenchUrl(cs.origin, workspace, { extensionDevelopmentPath: REPO, extensionTestsPath: testIndex });
    log(`extension-host suite: ${url}`);
    await browser.page.goto(url, { timeout: 60_000 });
    await Promise.race([
      within(waitForFile(resultsFile, stop), HOST_TIMEOUT_MS, 'extension-host tests'),
      cs.died,
      browser.died,
    ]);
    const title = await browser.page.title().catch(() => '(page closed)');
    log(`window title: ${title}`);
    const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as SuiteResults;
    log(
      `VS Code ${results.vscodeVersion ?? '?'}: ${results.passed} passed, ${results.failed} failed, ${results.pending} pending`,
    );
    const out = hostResults(results);
    if (!title.includes('Extension Development Host') && title !== '(page closed)') {
      out.push({
        title: '[extension host] window is an Extension Development Host',
        file: '',
        state: 'failed',
        durationMs: 0,
        error: { message: `window title is "${title}"` },
      });
    }
    await screenshot(
      browser,
      out.some((t) => t.state === 'failed') ? 'vscode-host-failure.png' : 'vscode-host-end.png',
    );
    return out;
  } catch (e) {
    await screenshot(browser, 'vscode-host-failure.png');
    return [
      {
        title: '[extension host] suite',
        file: '',
        state: 'failed',
        durationMs: 0,
        error: { message: (e as Error).message },
      },
    ];
  } finally {
    stop.done = true;
    writeFileSync(join(RESULTS_DIR, 'vscode-host-console.log'), consoleLines.join('\n') + '\n');
    await browser.stop();
  }
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'code-server.log'), '');
  for (const f of readdirSync(RESULTS_DIR)) {
    // this runner's files, from the last run
    if (/^(vscode|browser)-.*\.(png|log)$/.test(f) || f === 'vscode-logs')
      rmSync(join(RESULTS_DIR, f), { recursive: true, force: true });
  }
  const entry = codeServerEntry();
  const testIndex = await bundleTests();
  const tmp = mkdtempSync(join(tmpdir(), 'gci-vscode-'));
  const removeTmp = opts.keep ? () => undefined : () => removeDirSync(tmp);
  const unhook = onExitKill(removeTmp);
  const workspace = join(tmp, 'workspace');
  const fx = prepareWorkspace(workspace, '1.22');
  log(`workspace ${workspace}: fixture ${fx.fixture} go${fx.goMinor}`);
  // The browser walks through a Go 1.19 core: Delve 1.20 serves it over the TCP dial-in, the path
  // whose port VS Code could offer to forward. The host suite keeps Go 1.22 (Delve 1.24, Unix socket).
  const browserWorkspace = join(tmp, 'workspace-browser');
  // GCI_VSCODE_BROWSER_FIXTURE=<fixture>[@<go minor>] walks through another core (by hand, for screenshots).
  const [bName, bGo] = (process.env.GCI_VSCODE_BROWSER_FIXTURE ?? 'index@1.19').split('@');
  const bfx = prepareWorkspace(browserWorkspace, bGo ?? '1.19', bName);
  log(`browser workspace ${browserWorkspace}: fixture ${bfx.fixture} go${bfx.goMinor}`);
  const resultsFile = join(tmp, 'host-results.json');
  const results: TestResult[] = [];
  let cs: CodeServer | undefined;
  try {
    writeQuietSettings(join(tmp, 'user-data'));
    if (opts.vsix) {
      if (!existsSync(opts.vsix)) throw new Error(`${opts.vsix} does not exist: build it with \`npm run package\``);
      installExtension({
        entry,
        userDataDir: join(tmp, 'user-data'),
        extensionsDir: join(tmp, 'extensions'),
        vsix: opts.vsix,
      });
      log(`installed ${opts.vsix}`);
    }
    cs = await startCodeServer({
      entry,
      userDataDir: join(tmp, 'user-data'),
      extensionsDir: join(tmp, 'extensions'),
      folder: workspace,
      logFile: join(RESULTS_DIR, 'code-server.log'),
      env: { GCI_VSCODE_RESULTS: resultsFile, GCI_VSCODE_WORKSPACE: workspace },
    });
    log(`code-server at ${cs.origin} (${Date.now() - t0} ms)`);
    if (opts.only !== 'browser')
      results.push(...(await runHostSuite(cs, workspace, testIndex, resultsFile, join(tmp, 'chromium-host'))));
    if (opts.only !== 'host') {
      const browser = await startBrowser(join(tmp, 'chromium-browser'));
      try {
        const smoke = await Promise.race([
          runBrowserSmoke({
            page: browser.page,
            origin: cs.origin,
            workspace: browserWorkspace,
            repo: REPO,
            installed: !!opts.vsix,
            resultsDir: RESULTS_DIR,
          }),
          cs.died,
          browser.died,
        ]);
        results.push(...smoke);
      } catch (e) {
        results.push({
          title: '[browser] smoke',
          file: '',
          state: 'failed',
          durationMs: 0,
          error: { message: (e as Error).message },
        });
      } finally {
        await browser.stop();
      }
    }
  } catch (e) {
    results.push({
      title: 'VS Code test harness',
      file: '',
      state: 'failed',
      durationMs: 0,
      error: { message: (e as Error).message },
    });
  } finally {
    await cs?.stop();
    if (results.some((t) => t.state === 'failed')) {
      // VS Code's own logs (extension host, remote agent) outlive the temporary directory.
      const logs = join(tmp, 'user-data', 'logs');
      if (existsSync(logs)) cpSync(logs, join(RESULTS_DIR, 'vscode-logs'), { recursive: true });
      log(`VS Code logs: ${join(RESULTS_DIR, 'vscode-logs')}`);
    }
    if (opts.keep) log(`kept ${tmp}`);
    removeTmp();
    unhook();
  }
  log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s; code-server log: ${join(RESULTS_DIR, 'code-server.log')}`);
  return report(results) > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`[test-vscode] error: ${e.stack ?? e.message}\n`);
    process.stdout.write('0 passed, 1 failed\n');
    process.exit(1);
  },
);
