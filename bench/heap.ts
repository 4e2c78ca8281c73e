// Benchmark (figures printed, not a test): the heap model of the heap-population core of each Go
// version, in process: openCore (once), then engine.heap() (span walk, headers, DWARF typing,
// reachability, histograms), median of N runs, each on a fresh engine so nothing is memoised; the
// figures per object and per MiB of heap say how the cost grows (every phase is one pass over the
// spans' objects, plus one read of each pointer-holding object reached: linear in objects and in
// the bytes of pointer-holding objects).
// Usage: node --import tsx bench/heap.ts [--runs N] [goMinor ...]   (default: 5 runs, 1.19 1.22 1.24 1.27)
import { openCore } from '../src/analysis/engine.js';
import { fixture } from '../test/support/fixtures.js';

const args = process.argv.slice(2);
let runs = 5;
const ri = args.indexOf('--runs');
if (ri >= 0) {
  runs = Number(args[ri + 1]);
  args.splice(ri, 2);
}
const versions = args.length > 0 ? args : ['1.19', '1.22', '1.24', '1.27'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

console.log('Go    objects      bytes  open ms  heap ms (median)  µs/object  ms/MiB  peak RSS MiB');
for (const minor of versions) {
  const fx = fixture('heap-population', minor);
  if (!fx) throw new Error(`fixture heap-population go${minor} is missing: run GCI_FIXTURES=heap-population scripts/make-cores`);
  const opens: number[] = [];
  const heaps: number[] = [];
  let objects = 0;
  let bytes = 0;
  for (let r = 0; r <= runs; r++) {
    const t0 = performance.now();
    const e = openCore(fx.core, { binary: fx.prog });
    const t1 = performance.now();
    const h = e.heap();
    const t2 = performance.now();
    objects = h.model.totals.objects;
    bytes = h.model.totals.bytes;
    e.close();
    if (r === 0) continue; // warm-up
    opens.push(t1 - t0);
    heaps.push(t2 - t1);
  }
  const ms = median(heaps);
  console.log(
    `${minor.padEnd(5)} ${String(objects).padStart(8)} ${String(bytes).padStart(10)} ${median(opens).toFixed(0).padStart(8)} ${ms.toFixed(0).padStart(17)} ${((ms * 1000) / objects).toFixed(1).padStart(10)} ${(ms / (bytes / (1 << 20))).toFixed(0).padStart(7)} ${(process.memoryUsage().rss / (1 << 20)).toFixed(0).padStart(13)}`,
  );
}
