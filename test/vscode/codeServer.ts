// A real VS Code for the tests: code-server (installed by scripts/vscode-tools) on a free loopback
// port, and headless Chromium (Debian's /usr/bin/chromium driven by playwright-core) showing it.
// Every process started here is killed by stop(), also when the test process is interrupted.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface CodeServerOptions {
  /** code-server's entry script (printed by scripts/vscode-tools). */
  entry: string;
  userDataDir: string;
  extensionsDir: string;
  /** The workspace folder code-server opens by default. */
  folder: string;
  /** Extra environment for code-server and the extension host it spawns. */
  env?: Record<string, string>;
  /** Where code-server's output goes (appended). */
  logFile: string;
  /** How long to wait for code-server to answer, in ms. */
  startTimeoutMs?: number;
}

export interface CodeServer {
  port: number;
  /** http://127.0.0.1:<port> */
  origin: string;
  proc: ChildProcess;
  /** Rejects when code-server exits before stop() is called. */
  died: Promise<never>;
  stop(): Promise<void>;
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Rejects when Chromium goes away before stop() is called. */
  died: Promise<never>;
  stop(): Promise<void>;
}

/** The URL that opens `folder` in code-server, optionally as an Extension Development Host. */
/** The origin of a code-server listening on loopback. */
export function loopbackOrigin(port: number): string {
  return `http://127.0.0.1:${port}`;
}

export function workbenchUrl(
  origin: string,
  folder: string,
  opts: { extensionDevelopmentPath?: string; extensionTestsPath?: string } = {},
): string {
  const authority = new URL(origin).host;
  const payload: [string, string][] = [];
  if (opts.extensionDevelopmentPath) {
    payload.push(['extensionDevelopmentPath', `vscode-remote://${authority}${opts.extensionDevelopmentPath}`]);
  }
  if (opts.extensionTestsPath) {
    payload.push(['extensionTestsPath', `vscode-remote://${authority}${opts.extensionTestsPath}`]);
  }
  let url = `${origin}/?folder=${encodeURIComponent(folder)}`;
  if (payload.length > 0) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return url;
}

/** A free TCP port on 127.0.0.1 (asks the kernel, then releases it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

/** User settings that keep a test workbench quiet: no welcome page, tips, updates or telemetry. */
export function writeQuietSettings(userDataDir: string, extra: Record<string, unknown> = {}): void {
  const dir = join(userDataDir, 'User');
  mkdirSync(dir, { recursive: true });
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'security.workspace.trust.enabled': false,
    'git.enabled': false,
    'window.restoreWindows': 'none',
    ...extra,
  };
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
}

function killGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  try {
    process.kill(-proc.pid, signal);
  } catch {
    try {
      proc.kill(signal);
    } catch {
      // already gone
    }
  }
}

const cleanups = new Set<() => void>();
let exitHooksInstalled = false;
/**
 * Synchronous last-resort cleanup, run on exit, SIGINT, SIGTERM and SIGHUP (every started process
 * is killed this way). Returns a function that unregisters it.
 */
export function onExitKill(fn: () => void): () => void {
  cleanups.add(fn);
  if (!exitHooksInstalled) {
    exitHooksInstalled = true;
    const runAll = (): void => {
      for (const f of [...cleanups].reverse()) {
        try {
          f();
        } catch (e) {
          process.stderr.write(`cleanup failed: ${(e as Error).message}\n`); // the others must still run
        }
      }
      cleanups.clear();
    };
    process.on('exit', runAll);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(sig, () => {
        process.stderr.write(`\n${sig}: stopping code-server and Chromium\n`);
        runAll();
        process.exit(130);
      });
    }
  }
  return () => cleanups.delete(fn);
}

export async function startCodeServer(o: CodeServerOptions): Promise<CodeServer> {
  const port = await freePort();
  const origin = loopbackOrigin(port);
  const args = [
    o.entry,
    '--config',
    join(o.userDataDir, 'code-server.yaml'),
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--user-data-dir',
    o.userDataDir,
    '--extensions-dir',
    o.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    o.folder,
  ];
  writeFileSync(o.logFile, `$ node ${args.join(' ')}\n`, { flag: 'a' });
  const fd = openSync(o.logFile, 'a');
  const proc = spawn(process.execPath, args, {
    detached: true, // own process group: stop() kills the extension host and watchers with it
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...o.env, NODE_OPTIONS: '' },
  });
  closeSync(fd);
  let stopping = false;
  const removeHook = onExitKill(() => killGroup(proc, 'SIGKILL'));
  const died = new Promise<never>((_, reject) => {
    proc.once('exit', (code, signal) => {
      if (!stopping) reject(new Error(`code-server exited early (code ${code}, signal ${signal}); see ${o.logFile}`));
    });
    proc.once('error', (e) => reject(new Error(`cannot start code-server: ${e.message}`)));
  });
  died.catch(() => undefined);
  const stop = async (): Promise<void> => {
    stopping = true;
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      killGroup(proc, 'SIGTERM');
      const t = setTimeout(() => killGroup(proc, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    killGroup(proc, 'SIGKILL'); // children that outlived the server
    removeHook();
  };

  const deadline = Date.now() + (o.startTimeoutMs ?? 60_000);
  const ready = (async () => {
    for (;;) {
      try {
        const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(
          `code-server did not answer on ${origin} within ${o.startTimeoutMs ?? 60_000} ms; see ${o.logFile}`,
        );
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  try {
    await Promise.race([ready, died]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { port, origin, proc, died, stop };
}

/**
 * Installs a packaged extension (.vsix) into an extensions directory, as a user does with
 * `code-server --install-extension`. Throws with code-server's output when it fails.
 */
export function installExtension(o: { entry: string; userDataDir: string; extensionsDir: string; vsix: string }): void {
  const r = spawnSync(
    process.execPath,
    [
      o.entry,
      '--config',
      join(o.userDataDir, 'code-server.yaml'),
      '--user-data-dir',
      o.userDataDir,
      '--extensions-dir',
      o.extensionsDir,
      '--install-extension',
      o.vsix,
      '--force',
    ],
    { encoding: 'utf8', timeout: 180_000, env: { ...process.env, NODE_OPTIONS: '' } },
  );
  if (r.status !== 0) {
    throw new Error(
      `code-server --install-extension ${o.vsix} failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${r.stdout}${r.stderr}`,
    );
  }
}

/** Chromium flags for these machines: headless, no sandbox (root), no GPU, no network chatter. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function startBrowser(profileDir: string): Promise<Browser> {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 900 },
    timeout: 60_000,
  });
  let stopping = false;
  // The browser process, for the last-resort kill.
  const pids = chromiumPids(profileDir);
  const removeHook = onExitKill(() => pids.forEach((p) => tryKill(p)));
  const died = new Promise<never>((_, reject) => {
    context.once('close', () => {
      if (!stopping) reject(new Error('Chromium closed or crashed'));
    });
  });
  died.catch(() => undefined);
  const page = context.pages()[0] ?? (await context.newPage());
  const stop = async (): Promise<void> => {
    stopping = true;
    await Promise.race([context.close().catch(() => undefined), new Promise((r) => setTimeout(r, 5000))]);
    for (const p of chromiumPids(profileDir)) tryKill(p);
    removeHook();
  };
  return { context, page, died, stop };
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

/** Chromium processes using a profile directory (their command line names it). */
function chromiumPids(profileDir: string): number[] {
  const r = spawnSync('pgrep', ['-f', `--user-data-dir=${profileDir}`], { encoding: 'utf8', timeout: 5000 });
  return (r.stdout ?? '')
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0 && n !== process.pid);
}
