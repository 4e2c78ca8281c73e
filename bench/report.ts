// Benchmark (figures printed, not a test): `go-core report` beside `dlv core` + `bt` on the
// many-goroutines core and the stack-overflow core (about 1 GB), in one run: wall time and peak
// RSS of each (measured with /usr/bin/time -f), and the ratio; then in-process timings of our
// readers. Usage: node --import tsx bench/report.ts [goMinor ...] (default: 1.22 and the newest).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { openCore } from '../src/analysis/engine.js';
import { dlvForGo, listFixtures, type Fixture } from '../test/support/fixtures.js';

interface Measure {
  seconds: number;
  maxRssMb: number;
  status: number;
}

const TIMEOUT_MS = 600_000;

function timed(cmd: string, args: string[], input?: string): Measure {
  const dir = mkdtempSync(join(tmpdir(), 'gci-bench-'));
  const out = join(dir, 'time.txt');
  try {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', out, cmd, ...args], {
      input,
      encoding: 'utf8',
      timeout: TIMEOUT_MS,
      maxBuffer: 256 * 1024 * 1024,
      killSignal: 'SIGKILL',
    });
    if (r.error) throw r.error;
    const last = readFileSync(out, 'utf8').trim().split('\n').pop() ?? '';
    const [sec, kb] = last.split(' ');
    return { seconds: Number(sec), maxRssMb: Number(kb) / 1024, status: r.status ?? -1 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fmt(m: Measure): string {
  return `${m.seconds.toFixed(2)} s, ${m.maxRssMb.toFixed(0)} MB${m.status !== 0 ? ` (exit ${m.status})` : ''}`;
}

function inProcess(fx: Fixture): string {
  const t0 = performance.now();
  const engine = openCore(fx.core, { binary: fx.prog });
  const a = engine.analysis;
  const t1 = performance.now();
  const st = a.stack(a.cw.core.crashingThread);
  const t2 = performance.now();
  const rep = engine.report();
  const t3 = performance.now();
  const tab = a.syms.pclntab;
  let n = 0;
  const t4 = performance.now();
  for (const f of tab.funcs()) {
    tab.frames(f.entry + (f.end - f.entry) / 2n, { isCallReturn: true });
    n++;
  }
  const t5 = performance.now();
  engine.close();
  return (
    `    in-process: open core + binary + pclntab + moduledata ${(t1 - t0).toFixed(1)} ms; ` +
    `unwind crashing thread (${st.frames.length} physical frames) ${(t2 - t1).toFixed(1)} ms; ` +
    `report (${rep.threads.length} threads) ${(t3 - t2).toFixed(1)} ms; ` +
    `pc→frames ${((t5 - t4) * 1000 / n).toFixed(1)} µs/lookup over ${n} functions`
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gci-bench-cli-'));
  const cli = join(dir, 'go-core.js');
  await esbuild.build({
    entryPoints: [join(__dirname, '..', 'src', 'report', 'cli.ts')],
    outfile: cli,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
  });
  const init = join(dir, 'dlv-init');
  writeFileSync(init, 'bt\nexit\n');
  try {
    const all = listFixtures({ fixture: /^(many-goroutines|stack-overflow)$/ });
    const minors = process.argv.slice(2);
    const newest = all.map((f) => f.goMinor).sort((x, y) => Number(x.split('.')[1]) - Number(y.split('.')[1])).pop()!;
    const want = minors.length > 0 ? minors : ['1.22', newest];
    for (const fx of all.filter((f) => want.includes(f.goMinor))) {
      const size = statSync(fx.core).size / 2 ** 20;
      console.log(`${fx.fixture} go${fx.goMinor} (core ${size.toFixed(0)} MB)`);
      const ours = timed(process.execPath, [cli, 'report', fx.core, '--binary', fx.prog]);
      const dlv = timed(dlvForGo(fx.goMinor), ['core', fx.prog, fx.core, '--init', init, '--allow-non-terminal-interactive=true'], 'exit\n');
      console.log(`    go-core report: ${fmt(ours)}`);
      console.log(`    dlv core + bt:  ${fmt(dlv)}`);
      console.log(
        `    ratio: ${(dlv.seconds / Math.max(ours.seconds, 0.01)).toFixed(1)}x faster, ` +
          `${(dlv.maxRssMb / Math.max(ours.maxRssMb, 1)).toFixed(1)}x less memory`,
      );
      console.log(inProcess(fx));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
