// Benchmark (figures printed, not a test), like with like: our readers timed inside one Node process
// against a Delve DAP session timed from the same kind of process (Delve loads a 1.1 GB core and
// prints `bt` in ~0.1 s, about Node's own start-up, so whole-process times hide the difference).
//
// For the many-goroutines core and the stack-overflow core (about 1 GB) of each Go version:
//  (a) ours, in a child Node process (so Delve's numbers and the parent's heap do not pollute its
//      peak RSS): openCore + engine.report(), median of N runs after one warm-up; then the runtime
//      walkers: runtime.allm + runtime.allgs (readRuntimeSnapshot), and that plus unwinding every
//      goroutine from g.sched to its first non-runtime frame (what Delve computes for `threads`).
//  (b) Delve, in this process: CoreSession.open (dlv process start → 'DAP server listening', then
//      initialize + launch of the core + configurationDone + stopped), stackTrace of the stopped
//      (crashing) goroutine, then `threads`; median of a few runs; Delve's peak RSS (VmHWM).
// Usage: node --import tsx bench/inprocess.ts [--runs N] [--dlv-runs M] [goMinor ...]
//        (default: 5 runs, 3 Delve runs, Go 1.22 and 1.27)
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CoreSession } from '../src/delve/coreSession.js';
import { unwind } from '../src/core/unwind.js';
import { openCore } from '../src/analysis/engine.js';
import { readRuntimeSnapshot } from '../src/runtime/snapshot.js';
import { isRuntimeFunction } from '../src/traceback/parse.js';
import { dlvForGo, fixture, type Fixture } from '../test/support/fixtures.js';

const FIXTURES = ['many-goroutines', 'stack-overflow'];
/** Physical frames our report walks per thread, and the frames asked of Delve's stackTrace. */
const MAX_FRAMES = 1000;
const CHILD_TIMEOUT_MS = 600_000;

interface ChildResult {
  runs: number;
  openMs: number[];
  reportMs: number[];
  totalMs: number[];
  crashFrames: number;
  threads: number;
  snapshotMs: number[];
  walkUnwindMs: number[];
  goroutines: number;
  /** Goroutines whose unwind reached a non-runtime frame. */
  userNamed: number;
  ms: number;
  notes: string[];
  /** KB. */
  rssBaselineKb: number;
  /** Peak after the crash-stack runs (before the walkers). */
  maxRssReportKb: number;
  /** Peak at the end (walkers included). */
  maxRssKb: number;
  heapUsedMb: number;
  externalMb: number;
}

interface DelveRun {
  listenMs: number;
  openMs: number;
  stackMs: number;
  threadsMs: number;
  frames: number;
  threads: number;
  hwmMb: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

// ---- (a) the child: our readers only ----

function childMain(core: string, prog: string, goVersion: string, runs: number): void {
  const rssBaselineKb = process.resourceUsage().maxRSS;
  const openMs: number[] = [];
  const reportMs: number[] = [];
  const totalMs: number[] = [];
  let crashFrames = 0;
  let threads = 0;
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const engine = openCore(core, { binary: prog, maxFrames: MAX_FRAMES });
    const t1 = performance.now();
    try {
      const r = engine.report();
      crashFrames = r.crash.frames.length;
      threads = r.threads.length;
    } finally {
      engine.close();
    }
    const t2 = performance.now();
    if (i === 0) continue; // warm-up
    openMs.push(t1 - t0);
    reportMs.push(t2 - t1);
    totalMs.push(t2 - t0);
  }
  const maxRssReportKb = process.resourceUsage().maxRSS;
  const snapshotMs: number[] = [];
  const walkUnwindMs: number[] = [];
  let goroutines = 0;
  let mCount = 0;
  let userNamed = 0;
  let notes: string[] = [];
  const engine = openCore(core, { binary: prog, maxFrames: MAX_FRAMES });
  const a = engine.analysis;
  try {
    const tab = a.syms.pclntab;
    for (let i = 0; i <= runs; i++) {
      const t0 = performance.now();
      const snap = readRuntimeSnapshot({
        memory: a.cw.memory,
        goVersion,
        exe: a.cw.binary,
        bias: a.syms.bias,
        symbols: a.syms,
      });
      const t1 = performance.now();
      // Each goroutine's current user frame, as Delve names goroutines in `threads`.
      let named = 0;
      for (const g of snap.goroutines.goroutines) {
        if (g.schedPc === 0n) continue;
        const u = unwind(
          tab,
          a.cw.memory,
          { pc: g.schedPc, sp: g.schedSp, bp: g.schedBp },
          { maxFrames: 64, innermostIsCallReturn: true },
        );
        if (u.frames.some((f) => !isRuntimeFunction(f.funcName))) named++;
      }
      const t2 = performance.now();
      if (i === 0) continue;
      userNamed = named;
      snapshotMs.push(t1 - t0);
      walkUnwindMs.push(t2 - t0);
      goroutines = snap.goroutines.goroutines.length;
      mCount = snap.ms.length;
      notes = snap.notes;
    }
  } finally {
    engine.close();
  }
  const mu = process.memoryUsage();
  const out: ChildResult = {
    runs,
    openMs,
    reportMs,
    totalMs,
    crashFrames,
    threads,
    snapshotMs,
    walkUnwindMs,
    goroutines,
    userNamed,
    ms: mCount,
    notes,
    rssBaselineKb,
    maxRssReportKb,
    maxRssKb: process.resourceUsage().maxRSS,
    heapUsedMb: mu.heapUsed / 2 ** 20,
    externalMb: (mu.external + mu.arrayBuffers) / 2 ** 20,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

function runChild(fx: Fixture, runs: number): { result: ChildResult; wallMs: number } {
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', __filename, '--child', fx.core, fx.prog, fx.goVersion, String(runs)],
    {
      cwd: join(__dirname, '..'),
      encoding: 'utf8',
      timeout: CHILD_TIMEOUT_MS,
      killSignal: 'SIGKILL',
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const wallMs = performance.now() - t0;
  if (r.error) throw r.error;
  if (r.status !== 0)
    throw new Error(`readers child failed on ${fx.core} (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  return { result: JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult, wallMs };
}

// ---- (b) Delve, in this process ----

function vmHwmMb(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function delveRun(fx: Fixture): Promise<DelveRun> {
  let tListen: number | undefined;
  const t0 = performance.now();
  const s = await CoreSession.open({
    corePath: fx.core,
    programPath: fx.prog,
    goVersion: fx.goVersion,
    dlv: dlvForGo(fx.goMinor),
    openTimeoutMs: 300_000,
    timeoutMs: 300_000,
    logger: (_cat, line) => {
      if (tListen === undefined && /DAP server listening at/.test(line)) tListen = performance.now();
    },
  });
  try {
    const tOpen = performance.now();
    const gid = s.stoppedEvent.body.threadId ?? 1;
    const st = await s.stackTrace(gid, { levels: MAX_FRAMES });
    const tStack = performance.now();
    const threads = await s.threads();
    const tThreads = performance.now();
    const listen = (tListen ?? t0) - t0;
    return {
      listenMs: listen,
      openMs: tOpen - t0 - listen,
      stackMs: tStack - tOpen,
      threadsMs: tThreads - tStack,
      frames: st.frames.length,
      threads: threads.length,
      hwmMb: vmHwmMb(s.dlv.pid),
    };
  } finally {
    await s.close();
  }
}

// ---- the table ----

interface Row {
  what: string;
  ours: ChildResult;
  oursWallMs: number;
  dlv: DelveRun[];
  coreMb: number;
}

function printRow(r: Row): void {
  const o = r.ours;
  const d = (k: keyof DelveRun): number => median(r.dlv.map((x) => x[k]));
  const ourCrash = median(o.totalMs);
  const dlvLaunchReq = d('openMs') + d('stackMs');
  const dlvAll = d('listenMs') + dlvLaunchReq;
  const walk = median(o.walkUnwindMs);
  const lines = [
    `${r.what} (core ${r.coreMb.toFixed(0)} MB; ours ${o.runs} runs after a warm-up, Delve ${r.dlv.length} runs; medians in ms)`,
    `  crash stack     ours: open ${ms(median(o.openMs))} + report ${ms(median(o.reportMs))} = ${ms(ourCrash)} ` +
      `(${o.threads} threads, ${o.crashFrames} frames of the crashing thread)`,
    `                  Delve: start→listening ${ms(d('listenMs'))}, launch ${ms(d('openMs'))} + stackTrace ${ms(d('stackMs'))} ` +
      `(${r.dlv[0]!.frames} frames) = ${ms(dlvLaunchReq)}; with process start ${ms(dlvAll)}`,
    `                  ratio ours/Delve: ${(ourCrash / dlvLaunchReq).toFixed(2)} (launch+request), ${(ourCrash / dlvAll).toFixed(2)} (with Delve's start)`,
    `  goroutines      ours: allm+allgs ${ms(median(o.snapshotMs))}, + unwind each to its user frame ${ms(walk)} (${o.goroutines} goroutines, ${o.userNamed} with a user frame, ${o.ms} Ms)`,
    `                  Delve: threads ${ms(d('threadsMs'))} (${r.dlv[0]!.threads} listed${r.dlv[0]!.threads >= 1024 ? ', capped at 1024' : ''}); ratio ours/Delve ${(walk / d('threadsMs')).toFixed(2)}`,
    `                  per goroutine: ours ${((walk * 1000) / Math.max(1, o.goroutines)).toFixed(1)} µs, Delve ${((d('threadsMs') * 1000) / Math.max(1, r.dlv[0]!.threads)).toFixed(1)} µs`,
    `  memory          ours (child): peak RSS ${(o.maxRssReportKb / 1024).toFixed(0)} MB after the crash-stack runs, ${(o.maxRssKb / 1024).toFixed(0)} MB with the walkers ` +
      `(Node+tsx baseline ${(o.rssBaselineKb / 1024).toFixed(0)} MB), ` +
      `heap ${o.heapUsedMb.toFixed(0)} MB, external ${o.externalMb.toFixed(0)} MB; Delve peak RSS ${d('hwmMb').toFixed(0)} MB`,
    `  whole process   ours: node + tsx + ${2 * (o.runs + 1)} passes ${ms(r.oursWallMs)} (not comparable; see bench/report.ts for single-run whole-process figures)`,
  ];
  if (o.notes.length) lines.push(`  walker notes    ${o.notes.join('; ')}`);
  console.log(lines.join('\n'));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    childMain(argv[1]!, argv[2]!, argv[3]!, Number(argv[4]));
    return;
  }
  let runs = 5;
  let dlvRuns = 3;
  const minors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Number(argv[++i]);
    else if (argv[i] === '--dlv-runs') dlvRuns = Number(argv[++i]);
    else minors.push(argv[i]!);
  }
  if (!(runs >= 1 && dlvRuns >= 1)) throw new Error('--runs and --dlv-runs take a positive number');
  const t0 = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  const nodeStart = performance.now() - t0;
  console.log(`node -e 0 (Node's own start-up): ${ms(nodeStart)} ms`);
  for (const minor of minors.length ? minors : ['1.22', '1.27']) {
    for (const name of FIXTURES) {
      const fx = fixture(name, minor);
      const { result, wallMs } = runChild(fx, runs);
      const dlv: DelveRun[] = [];
      for (let i = 0; i < dlvRuns; i++) dlv.push(await delveRun(fx));
      const dlvVersion = /delve\/([^/]+)\//.exec(dlvForGo(minor))?.[1] ?? '?';
      printRow({
        what: `${name} ${fx.goVersion}, Delve ${dlvVersion}`,
        ours: result,
        oursWallMs: wallMs,
        dlv,
        coreMb: statSync(fx.core).size / 2 ** 20,
      });
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
