// Benchmark (figures printed, not a test) for the views' speed target (issue 5, "Speed"): on the
// 10,000-goroutine core, the time from Open Core Dump to the three views filled (Panic Frames,
// Goroutines & Threads, Panic Chain), beside `dlv core` answering `goroutines` on the same core.
// Target: no slower than Delve alone; the Panic Frames view's first content within 1 second.
//
// For the many-goroutines core of each Go version (default 1.22 with Delve 1.24.0 and 1.27 with
// Delve 1.27.1, see dlvForGo):
//  (a) ours, in this process, median of N runs after one warm-up:
//      - Panic Frames: openCore + report() (the report's crash frames are what that view shows);
//      - all three views: that plus crash() (the crash summary: allm, allgs, the _panic chain,
//        every other goroutine unwound and grouped), i.e. the whole model the views render;
//      - the views' analyzer itself (src/vscode/session/analyzeCore.ts, plain Node), end to end.
//  (b) Delve, in this process, median of M runs: CoreSession.open (dlv process start, DAP launch of
//      the core, stopped) + goroutines() (the DAP `threads` request, what `goroutines` lists).
//  (c) whole processes, one run each: `node dist/go-core.js report <core> --json --no-delve` (built
//      first with scripts/build.mjs unless --no-build) against `dlv core <prog> <core>` with
//      `goroutines` then `exit` on stdin; wall time and peak RSS from /usr/bin/time.
// Usage: node --import tsx bench/views.ts [--runs N] [--dlv-runs M] [--no-build] [goMinor ...]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreSession } from '../src/delve/coreSession.js';
import { openCore } from '../src/analysis/engine.js';
import { analyzeCore as viewsAnalyzer } from '../src/vscode/session/analyzeCore.js';
import { goroutinesPage } from '../test/support/delveGoroutines.js';
import { dlvForGo, fixture, type Fixture } from '../test/support/fixtures.js';

const FIXTURE = 'many-goroutines';
const TARGET_FRAMES_MS = 1000;
const PROCESS_TIMEOUT_MS = 300_000;
const ROOT = join(__dirname, '..');

interface Ours {
  /** The warm-up run: the first open in a fresh process (what one Open Core Dump costs). */
  coldFramesMs: number;
  coldAllMs: number;
  framesMs: number[];
  allMs: number[];
  analyzerMs: number[];
  frames: number;
  goroutines: number;
  groups: number;
}

interface DelveRun {
  openMs: number;
  goroutinesMs: number;
  listed: number;
  truncated: boolean;
}

interface Proc {
  seconds: number;
  maxRssMb: number;
  status: number | null;
  detail: string;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (x: number): string => (Number.isNaN(x) ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1));

// ---- (a) ours, in process ----

async function ours(fx: Fixture, runs: number): Promise<Ours> {
  const out: Ours = {
    coldFramesMs: NaN,
    coldAllMs: NaN,
    framesMs: [],
    allMs: [],
    analyzerMs: [],
    frames: 0,
    goroutines: 0,
    groups: 0,
  };
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const engine = openCore(fx.core, { binary: fx.prog });
    try {
      const report = engine.report();
      const t1 = performance.now();
      const crash = engine.crash();
      const t2 = performance.now();
      if (i === 0) {
        out.coldFramesMs = t1 - t0;
        out.coldAllMs = t2 - t0;
        out.frames = report.crash.frames.length;
        out.goroutines = crash.goroutines.total;
        out.groups = crash.goroutines.groups.length;
        continue; // warm-up
      }
      out.framesMs.push(t1 - t0);
      out.allMs.push(t2 - t0);
    } finally {
      engine.close();
    }
  }
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const r = await viewsAnalyzer(fx.core, fx.prog, { candidates: [] });
    const t1 = performance.now();
    r.close();
    if (i > 0) out.analyzerMs.push(t1 - t0);
  }
  return out;
}

// ---- (b) Delve, in process ----

async function delveRun(fx: Fixture): Promise<DelveRun> {
  const t0 = performance.now();
  const s = await CoreSession.open({
    corePath: fx.core,
    programPath: fx.prog,
    goVersion: fx.goVersion,
    dlv: dlvForGo(fx.goMinor),
    openTimeoutMs: PROCESS_TIMEOUT_MS,
    timeoutMs: PROCESS_TIMEOUT_MS,
  });
  try {
    const t1 = performance.now();
    const page = await goroutinesPage(s, { start: 0, count: 1 });
    const t2 = performance.now();
    return { openMs: t1 - t0, goroutinesMs: t2 - t1, listed: page.listed, truncated: page.truncated };
  } finally {
    await s.close();
  }
}

// ---- (c) whole processes ----

function timed(cmd: string, args: string[], input: string | undefined, check: (stdout: string) => string): Proc {
  const dir = mkdtempSync(join(tmpdir(), 'gci-bench-views-'));
  const timeFile = join(dir, 'time.txt');
  try {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', timeFile, cmd, ...args], {
      input,
      cwd: ROOT,
      encoding: 'utf8',
      timeout: PROCESS_TIMEOUT_MS,
      killSignal: 'SIGKILL',
      maxBuffer: 512 * 1024 * 1024,
    });
    if (r.error) throw r.error;
    const m = /([\d.]+) (\d+)\s*$/.exec(readFileSync(timeFile, 'utf8'));
    return {
      seconds: m ? Number(m[1]) : NaN,
      maxRssMb: m ? Number(m[2]) / 1024 : NaN,
      status: r.status,
      detail: r.status === 0 ? check(r.stdout) : `exit ${r.status}: ${r.stderr.slice(-300)}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function wholeProcesses(fx: Fixture): { ours: Proc; dlv: Proc } {
  const ours = timed(
    process.execPath,
    [join(ROOT, 'dist', 'go-core.js'), 'report', fx.core, '--binary', fx.prog, '--json', '--no-delve'],
    undefined,
    (stdout) => {
      const r = JSON.parse(stdout) as { runtime?: { goroutines?: { total?: number; groups?: unknown[] } } };
      return `${r.runtime?.goroutines?.total ?? '?'} goroutines in ${r.runtime?.goroutines?.groups?.length ?? '?'} groups`;
    },
  );
  const dlv = timed(
    dlvForGo(fx.goMinor),
    ['core', fx.prog, fx.core, '--allow-non-terminal-interactive=true'],
    'goroutines\nexit\n',
    (stdout) => /\[(\d+) goroutines\]/.exec(stdout)?.[0] ?? 'no goroutine count in the output',
  );
  return { ours, dlv };
}

// ---- main ----

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let runs = 5;
  let dlvRuns = 3;
  let build = true;
  const minors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Number(argv[++i]);
    else if (argv[i] === '--dlv-runs') dlvRuns = Number(argv[++i]);
    else if (argv[i] === '--no-build') build = false;
    else minors.push(argv[i]!);
  }
  if (!(runs >= 1 && dlvRuns >= 1)) throw new Error('--runs and --dlv-runs take a positive number');
  if (build) {
    const b = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: PROCESS_TIMEOUT_MS,
    });
    if (b.status !== 0) throw new Error(`node scripts/build.mjs failed: ${b.stderr || b.error?.message}`);
  }
  if (!existsSync(join(ROOT, 'dist', 'go-core.js')))
    throw new Error('dist/go-core.js is missing: run node scripts/build.mjs');

  const lines: string[] = [];
  for (const minor of minors.length ? minors : ['1.22', '1.27']) {
    const fx = fixture(FIXTURE, minor);
    const dlvVersion = /delve\/([^/]+)\//.exec(dlvForGo(minor))?.[1] ?? '?';
    const o = await ours(fx, runs);
    const d: DelveRun[] = [];
    for (let i = 0; i < dlvRuns; i++) d.push(await delveRun(fx));
    const w = wholeProcesses(fx);
    const frames = Math.max(median(o.framesMs), o.coldFramesMs);
    const all = median(o.allMs);
    const analyzer = median(o.analyzerMs);
    const dOpen = median(d.map((x) => x.openMs));
    const dGor = median(d.map((x) => x.goroutinesMs));
    const dAll = median(d.map((x) => x.openMs + x.goroutinesMs));
    const coreMb = statSync(fx.core).size / 2 ** 20;
    lines.push(
      `${FIXTURE} ${fx.goVersion} (core ${coreMb.toFixed(0)} MB, ${o.goroutines + 1} goroutines, ${o.groups} stack groups, ${o.frames} crash frames), Delve ${dlvVersion}`,
      `  in process, ms (ours: median of ${runs} after a warm-up; Delve: median of ${dlvRuns})`,
      `    Panic Frames content      ours ${fmt(median(o.framesMs)).padStart(7)}   first open in the process ${fmt(o.coldFramesMs)}` +
        `   target < ${TARGET_FRAMES_MS}: ${frames < TARGET_FRAMES_MS ? 'met' : 'MISSED'}`,
      `    all three views' data     ours ${fmt(all).padStart(7)}   first open in the process ${fmt(o.coldAllMs)}; views analyzer end to end ${fmt(analyzer)}`,
      `    Delve open + goroutines   dlv  ${fmt(dAll).padStart(7)}   (open ${fmt(dOpen)} + threads ${fmt(dGor)}, ${d[0]!.listed} listed${d[0]!.truncated ? ': Delve DAP caps its list' : ''})`,
      `    ratio ours/Delve          all views ${(all / dAll).toFixed(2)}, analyzer ${(analyzer / dAll).toFixed(2)}, Panic Frames ${(frames / dAll).toFixed(3)}` +
        `   target ours <= Delve: ${analyzer <= dAll && all <= dAll ? 'met' : 'MISSED'}`,
      `  whole process, one run each (s, peak RSS)`,
      `    go-core report --json --no-delve  ${fmt(w.ours.seconds * 1000).padStart(6)} ms ${fmt(w.ours.maxRssMb).padStart(5)} MB  ${w.ours.detail}`,
      `    dlv core + goroutines             ${fmt(w.dlv.seconds * 1000).padStart(6)} ms ${fmt(w.dlv.maxRssMb).padStart(5)} MB  ${w.dlv.detail}`,
      `    ratio go-core/dlv                 ${(w.ours.seconds / w.dlv.seconds).toFixed(2)}`,
    );
    console.log(lines.splice(0).join('\n'));
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
