// Benchmark (figures printed, not a test) for issue 13's target "the Goroutines view's first paint
// on the 100,000-goroutine core ≤ 1.5 s after the core opens": the path the VS Code extension takes,
// minus VS Code itself, each run in a fresh Node process (a cold JIT, as the extension host's first
// Open Core Dump), on the scale cores of 1,000, 10,000 and 100,000 blocked goroutines.
//  - open: the views' analyzer (src/vscode/session/analyzeCore.ts: openCoreAsync, report(),
//    crash()), what runs before any view shows the core;
//  - first goroutine rows: then what the Goroutines view asks before its first rows
//    (goroutinesView.ts previewChildren: CoreEngine.reasonGroups(), reasonPreview, the first page);
//  - wait-object rows: then waitsAsync (as the view's CoreComputation runs it, in slices) and the
//    groups of the default grouping (shownGroups by wait object, the first page): the view's full
//    model. The longest wait of the event loop for a turn during waitsAsync is printed beside it.
// Times are from the start of the analyzer. The machine's load average is printed with the figures.
// Usage: node --import tsx bench/firstPaint.ts [--runs N] [--sizes 1k,10k,100k] [goMinor ...]
//   (default: 3 runs (processes) per core, every size, Go 1.27)
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { analyzeCore } from '../src/vscode/session/analyzeCore.js';
import { page, PAGE, reasonPreview, shownGroups } from '../src/vscode/views/goroutineGroups.js';
import { fixture } from '../test/support/fixtures.js';
import { watchEventLoop } from './eventLoop.js';
import { median, parseScaleArgs, scaleFixture, SCALE_SIZES } from './scaleArgs.js';

const TARGET_MS = 1500;

interface Run {
  openMs: number;
  firstRowsMs: number;
  objectRowsMs: number;
  longestWaitMs: number;
  goroutines: number;
  reasonGroups: number;
  objectGroups: number;
  rssMb: number;
}

async function child(size: string, minor: string): Promise<void> {
  const fx = fixture(SCALE_SIZES[size]!, minor);
  const t0 = performance.now();
  const engine = await analyzeCore(fx.core, fx.prog, { candidates: [] });
  try {
    const t1 = performance.now();
    const preview = engine.reasonGroups();
    const groups = reasonPreview(preview.byReason);
    const firstRows = page(page(groups, PAGE).items[0]?.goids ?? [], PAGE).items;
    const t2 = performance.now();
    const stopWatch = watchEventLoop();
    const waits = await engine.waitsAsync();
    const longest = stopWatch();
    const index = { byGoid: new Map(waits.goroutines.map((g) => [g.goid, g])), objects: new Map(waits.objects.map((o) => [o.id, o])) };
    const shown = shownGroups(waits, 'object', '', index);
    const objectRows = page(page(shown.groups, PAGE).items[0]?.goids ?? [], PAGE).items;
    const t3 = performance.now();
    if (firstRows.length === 0 || objectRows.length === 0) throw new Error(`${fx.fixture}: no goroutine rows`);
    const run: Run = {
      openMs: t1 - t0,
      firstRowsMs: t2 - t0,
      objectRowsMs: t3 - t0,
      longestWaitMs: longest,
      goroutines: preview.total,
      reasonGroups: groups.length,
      objectGroups: shown.groups.length,
      rssMb: process.resourceUsage().maxRSS / 1024,
    };
    process.stdout.write(JSON.stringify(run) + '\n');
  } finally {
    engine.close();
  }
}

const ms = (x: number) => `${x.toFixed(0)} ms`;

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    void child(args[1]!, args[2]!);
    return;
  }
  const { runs, sizes, minors } = parseScaleArgs(args, ['1.27']);
  for (const minor of minors) {
    for (const size of sizes) {
      const fx = scaleFixture(size, minor);
      const out: Run[] = [];
      const loads: string[] = [];
      for (let i = 0; i < runs; i++) {
        loads.push(loadavg()[0]!.toFixed(1));
        const r = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', size, minor], { encoding: 'utf8', timeout: 300_000 });
        if (r.status !== 0) throw new Error(`run ${i + 1} of ${fx.fixture}: ${r.error?.message ?? r.stderr}`);
        out.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as Run);
      }
      const f = out[0]!;
      const first = out.map((r) => r.firstRowsMs);
      console.log(`go${minor} ${size} (${fx.fixture}, ${fx.goVersion}): ${f.goroutines} goroutines, ${f.reasonGroups} groups by wait reason first, ${f.objectGroups} by wait object after`);
      console.log(
        `  open (analyzer: open, report, crash) median ${ms(median(out.map((r) => r.openMs)))}; ` +
          `open → first goroutine rows median ${ms(median(first))} (min ${ms(Math.min(...first))}, target ${ms(TARGET_MS)}: ${median(first) <= TARGET_MS ? 'met' : 'NOT met'}); ` +
          `open → wait-object rows median ${ms(median(out.map((r) => r.objectRowsMs)))}, longest event-loop wait ${ms(Math.max(...out.map((r) => r.longestWaitMs)))}; ` +
          `${runs} processes; load average (1 min) at each start ${loads.join(' ')}; peak RSS ${Math.max(...out.map((r) => r.rssMb)).toFixed(0)} MB`,
      );
    }
  }
}

main();
