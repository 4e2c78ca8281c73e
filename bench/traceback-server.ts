// Benchmark: the 10,000-goroutine traceback opened in the traceback language server (the bundle,
// dist/server.js, spawned and driven over stdio like VS Code does). Prints the time from didOpen
// until links, folding ranges and symbols are all answered, then code lenses and groups.
// Usage: node --import tsx bench/traceback-server.ts [go minor, default: newest with the fixture] [runs, default 5]
// Profile the server: SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' node --import tsx bench/...
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseTraceback } from '../src/traceback/parse.js';
import { listFixtures } from '../test/support/fixtures.js';
import { ServerClient } from '../test/integration/serverClient.js';

const repo = join(__dirname, '..');

async function main(): Promise<void> {
  const wanted = process.argv[2] || undefined;
  const runs = Number(process.argv[3] ?? 5);
  const candidates = listFixtures({ fixture: 'many-goroutines', ...(wanted ? { goMinor: wanted } : {}) });
  const f = candidates.sort((a, b) => Number(b.goMinor.split('.')[1]) - Number(a.goMinor.split('.')[1]))[0]!;
  execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], {
    cwd: repo,
    stdio: 'inherit',
    timeout: 120_000,
  });
  const lines = f.traceback.split('\n').length;
  console.log(
    `traceback: ${f.tracebackPath} (go${f.goMinor}, ${lines} lines, ${(f.traceback.length / 1e6).toFixed(1)} MB)`,
  );

  const nodeArgs = process.env['SERVER_NODE_ARGS']?.split(' ').filter((a) => a !== '');
  const client = await ServerClient.start({
    bundled: true,
    workspaceFolders: [f.srcDir],
    timeoutMs: 120_000,
    ...(nodeArgs ? { nodeArgs } : {}),
  });
  // The server logs its own times (parse, each feature) for large documents.
  const serverLog: string[] = [];
  client.conn.onNotification('window/logMessage', (m: { message: string }) =>
    serverLog.push(m.message.replace(/^\S+: /, '')),
  );
  const coreMs: number[] = [];
  const serverMs: number[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      const uri = pathToFileURL(join(f.dir, `run${run}.gotrace`)).href;
      const doc = { textDocument: { uri } };
      const t0 = performance.now();
      await client.open(uri, f.traceback);
      const done = <T>(p: Promise<T>, name: string): Promise<T> =>
        p.then((r) => {
          answers.push(`${name} ${Array.isArray(r) ? r.length : 1} in ${(performance.now() - t0).toFixed(0)} ms`);
          return r;
        });
      const answers: string[] = [];
      const [links] = await Promise.all([
        done(client.request<{ target?: string }[]>('textDocument/documentLink', doc), 'links'),
        done(client.request('textDocument/foldingRange', doc), 'folding ranges'),
        done(client.request('textDocument/documentSymbol', doc), 'symbols'),
      ]);
      const core = performance.now() - t0;
      coreMs.push(core);
      // What following a link costs (the client resolves its target then).
      const t3 = performance.now();
      const followed = await client.resolveLinks([links[Math.floor(links.length / 2)]!]);
      const resolveMs = performance.now() - t3;
      const t1 = performance.now();
      const lenses = await client.request<unknown[]>('textDocument/codeLens', doc);
      const lensMs = performance.now() - t1;
      const t2 = performance.now();
      const groups = await client.request<{ groups: unknown[] }>('goTraceback/groups', { uri });
      const groupMs = performance.now() - t2;
      console.log(`run ${run}: didOpen → links + folding + symbols: ${core.toFixed(0)} ms (${answers.join(', ')})`);
      console.log(
        `        code lenses: ${lenses.length} in ${lensMs.toFixed(0)} ms; groups: ${groups.groups.length} in ${groupMs.toFixed(0)} ms; ` +
          `one link resolved in ${resolveMs.toFixed(1)} ms (${followed[0]?.target ? 'has target' : 'NO TARGET'})`,
      );
      const log = serverLog.splice(0);
      console.log(`        server side: ${log.join('; ')}`);
      // Server time of the three answers: the links request (which parsed), folding ranges, symbols.
      const ms = (what: string): number =>
        Number(
          new RegExp(`^${what} in (\\d+) ms`).exec(log.find((l) => l.startsWith(what + ' in ')) ?? '')?.[1] ?? NaN,
        );
      serverMs.push(ms('links') + ms('folding ranges') + ms('symbols'));
      await client.close(uri);
    }
  } finally {
    await client.stop();
  }
  const median = (v: number[]): string => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!.toFixed(0);
  console.log(
    `median of ${runs} runs: didOpen → links + folding + symbols answered: ${median(coreMs)} ms; ` +
      `server time (parse + links + folding + symbols): ${median(serverMs)} ms`,
  );
  // For attribution: the traceback parser alone, in this process (tsx, not the bundle).
  for (let i = 0; i < 2; i++) {
    const t = performance.now();
    parseTraceback(f.traceback);
    console.log(`parseTraceback alone (in-process): ${(performance.now() - t).toFixed(0)} ms`);
  }
  console.log(
    `load average: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} (2 CPUs shared: figures are inflated when it is high)`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
