// Benchmark (figures printed, not a test): what every goroutine waits on, in process, on cores of
// 1,000, 10,000 and 100,000 blocked goroutines (goroutines-1k, many-goroutines, goroutines-100k:
// the same five stacks) of each Go version asked for, so that the growth of the cost is visible.
// Per core, on a fresh engine, as a surface asks: open, report() (the header and crash frames),
// crash() (the runtime state: Ms and every goroutine read once, and every stack walked once per
// shape: both shared with waits, src/analysis/parkedStacks.ts), waits() (its first call: the
// runtime's wait records, references, groupings, leak suspects); then waits recomputed on the same
// analysis (median of N runs: the cost of waits itself once the goroutines were read and walked).
// The path to the Goroutines view's first rows is measured by bench/firstPaint.ts. Issue 13's target: 300 ms for 10,000
// goroutines. Then waitsAsync (as the Goroutines view asks) with the longest wait of the event loop
// for a turn meanwhile. The machine's load average and the process's peak RSS are printed beside the
// figures: on a shared machine, read them against the load.
// Usage: node --import tsx bench/waits.ts [--runs N] [--sizes 1k,10k,100k] [goMinor ...]
//   (default: 3 runs, every size, Go 1.22 and 1.27)
import { loadavg } from 'node:os';
import { openCore } from '../src/analysis/engine.js';
import { analyzeWaits, analyzeWaitsAsync } from '../src/analysis/waits.js';
import { watchEventLoop } from './eventLoop.js';
import { median, parseScaleArgs, scaleFixture } from './scaleArgs.js';

const { runs, sizes, minors } = parseScaleArgs(process.argv.slice(2), ['1.22', '1.27']);
const time = <T>(f: () => T): [T, number] => {
  const s = performance.now();
  const r = f();
  return [r, performance.now() - s];
};
const timeAsync = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const s = performance.now();
  const r = await f();
  return [r, performance.now() - s];
};
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function main(): Promise<void> {
  for (const minor of minors) {
    for (const size of sizes) {
      const fx = scaleFixture(size, minor);
      const [engine, openMs] = time(() => openCore(fx.core, { binary: fx.prog }));
      try {
        const [, reportMs] = time(() => engine.report());
        const [, crashMs] = time(() => engine.crash());
        const [w, waitsMs] = time(() => engine.waits());
        const again: number[] = [];
        for (let i = 0; i < runs; i++) again.push(time(() => analyzeWaits(engine.analysis))[1]);
        // As the Goroutines view asks: in slices; the longest time the event loop waited for a turn.
        const stopWatch = watchEventLoop();
        const [, asyncMs] = await timeAsync(() => analyzeWaitsAsync(engine.analysis));
        const longest = stopWatch();
        const waiting = w.goroutines.filter((g) => g.waitsOn.length > 0).length;
        console.log(
          `go${minor} ${size} (${fx.fixture}, ${fx.goVersion}): ${w.goroutines.length} goroutines, ${waiting} with a wait object, ${w.objects.length} objects, ` +
            `${w.groups.byObject.length}/${w.groups.byReason.length}/${w.groups.byUserFrame.length}/${w.groups.byCreator.length} groups ` +
            `(object/reason/user frame/creator), ${w.leaks.suspects.length} leak suspects`,
        );
        console.log(
          `  open ${ms(openMs)}; report() ${ms(reportMs)}; crash() ${ms(crashMs)}; waits() ${ms(waitsMs)}; ` +
            `waits again median ${ms(median(again))} (min ${ms(Math.min(...again))}, ${runs} runs); ` +
            `waitsAsync ${ms(asyncMs)}, longest event-loop wait ${ms(longest)}; ` +
            `load average ${loadavg()
              .map((l) => l.toFixed(1))
              .join(' ')}; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
        );
      } finally {
        engine.close();
      }
    }
  }
}

void main();
