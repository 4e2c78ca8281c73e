// Benchmark (figures printed, not a test): CoreEngine.waits() in process on the 10,000-goroutine
// core (many-goroutines) of each Go version asked for: what every goroutine waits on (g.waiting,
// channel queues, the semaphore table), live stack references, the four groupings, leak suspects.
// The core is opened once; waits are computed on fresh engines' analyses, median of N runs after
// one warm-up (issue 13's target: 300 ms for 10,000 goroutines), beside crash()'s stack grouping. The machine's load average is
// printed beside the figures: on a shared machine, read them against it.
// Usage: node --import tsx bench/waits.ts [--runs N] [goMinor ...]   (default: 5 runs, 1.22 and 1.27)
import { loadavg } from 'node:os';
import { openCore } from '../src/analysis/engine.js';
import { analyzeWaits } from '../src/analysis/waits.js';
import { crashSummary } from '../src/analysis/crashSummary.js';
import { fixture } from '../test/support/fixtures.js';

const args = process.argv.slice(2);
let runs = 5;
const minors: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else minors.push(args[i]!);
}
if (minors.length === 0) minors.push('1.22', '1.27');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const minor of minors) {
  const fx = fixture('many-goroutines', minor);
  const t0 = performance.now();
  const engine = openCore(fx.core, { binary: fx.prog });
  const openMs = performance.now() - t0;
  try {
    analyzeWaits(engine.analysis); // warm-up: symbol tables, frame caches
    const times: number[] = [];
    let w = analyzeWaits(engine.analysis);
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      w = analyzeWaits(engine.analysis);
      times.push(performance.now() - s);
    }
    // Reference under the same load: crash()'s grouping by identical stacks (unwinds every goroutine too).
    const ref: number[] = [];
    const rep = engine.report();
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      crashSummary(engine.analysis, rep);
      ref.push(performance.now() - s);
    }
    const waiting = w.goroutines.filter((g) => g.waitsOn.length > 0).length;
    console.log(
      `go${minor} ${fx.goVersion}: ${w.goroutines.length} goroutines, ${waiting} with a wait object, ${w.objects.length} objects, ` +
        `${w.groups.byObject.length}/${w.groups.byReason.length}/${w.groups.byUserFrame.length}/${w.groups.byCreator.length} groups ` +
        `(object/reason/user frame/creator), ${w.leaks.suspects.length} leak suspects`,
    );
    console.log(
      `  open ${openMs.toFixed(0)} ms; waits median ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}, ${runs} runs); ` +
        `crash() grouping median ${median(ref).toFixed(0)} ms (reference); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    );
  } finally {
    engine.close();
  }
}
