// Benchmark (figures printed, not a test): the heap model (CoreEngine.heap(): span walk, object
// graph, allocation headers, DWARF typing from globals and frame locals, reachability from every
// root, histograms) in process.
//
// 1. heap-population of each Go version: openCore once, then engine.heap() on a fresh engine,
//    median of N runs (nothing memoised).
// 2. --scale: the heap-scale fixtures of one Go version (500 k, 1 M, 3 M and 10 M objects: about
//    50 MB, 100 MB, 300 MB and 1 GB of heap; test/fixtures/programs/heap-scale), each in a child
//    process of its own so that its peak RSS is its own. Fixtures that are missing are made first
//    (scripts/make-cores with GCI_FIXTURES naming them: they are never made by the default run).
//    Targets (issue 15): 1 GB / 10 M objects walked, typed and summarised in <= 15 s with <= 1.5 GB
//    peak RSS; the 50 MB heap's histogram in <= 1 s. Wall and CPU time are both printed: on a
//    shared machine wall time includes waiting for a CPU (the load average is printed too).
//    Each line also checks the totals against the MemStats the program printed after runtime.GC().
//    The phase table ends with waits() and leaks() (goroutineLeaks.ts: a second walk of the same
//    graph from the roots of what can still run), timed after heap().
// Usage: node --import tsx bench/heap.ts [--runs N] [goMinor ...]
//        node --import tsx bench/heap.ts --scale [--go 1.24] [--sizes 500k,1m,3m,10m]
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { openCore } from '../src/analysis/engine.js';
import { ensureFixtures, fixture } from '../test/support/fixtures.js';

const args = process.argv.slice(2);
function option(name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface OneResult {
  objects: number;
  bytes: number;
  pointers: number;
  spans: number;
  openMs: number;
  heapWallMs: number;
  heapCpuMs: number;
  peakRssMiB: number;
  phases: Record<string, { wallMs: number; cpuMs: number }>;
  heapObjects: number;
  heapAlloc: number;
}

/** Child: one heap() of one fixture directory, printed as JSON. */
function runOne(dir: string): void {
  const t0 = performance.now();
  const e = openCore(join(dir, 'core'), { binary: join(dir, 'prog') });
  const t1 = performance.now();
  const c0 = process.cpuUsage();
  const h = e.heap();
  const c = process.cpuUsage(c0);
  const t2 = performance.now();
  // Leak suspects after the heap: waits(), then leaks()'s own walk of the same graph (goroutineLeaks.ts).
  const lap = (f: () => unknown): { wallMs: number; cpuMs: number } => {
    const w0 = performance.now();
    const u0 = process.cpuUsage();
    f();
    const u = process.cpuUsage(u0);
    return { wallMs: performance.now() - w0, cpuMs: (u.user + u.system) / 1000 };
  };
  const waitsLap = lap(() => e.waits());
  const leaksLap = lap(() => e.leaks());
  const m = /HeapObjects=(\d+) HeapAlloc=(\d+)/.exec(
    spawnSync('head', ['-n', '1', join(dir, 'traceback.txt')], { encoding: 'utf8' }).stdout,
  );
  const out: OneResult = {
    objects: h.model.totals.objects,
    bytes: h.model.totals.bytes,
    pointers: h.model.totals.pointers,
    spans: h.model.totals.spans,
    openMs: t1 - t0,
    heapWallMs: t2 - t1,
    heapCpuMs: (c.user + c.system) / 1000,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    phases: { ...h.phases, 'waits()': waitsLap, 'leaks()': leaksLap },
    heapObjects: Number(m?.[1] ?? NaN),
    heapAlloc: Number(m?.[2] ?? NaN),
  };
  e.close();
  console.log(JSON.stringify(out));
}

function pct(a: number, b: number): string {
  return `${(((a - b) / b) * 100).toFixed(3)}%`;
}

function scale(): void {
  const minor = option('--go') ?? '1.24';
  const sizes = (option('--sizes') ?? '500k,1m,3m,10m').split(',');
  const names = sizes.map((s) => `heap-scale-${s}`);
  ensureFixtures(names, minor);
  console.log(
    `heap-scale on Go ${minor}; load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} on this machine`,
  );
  console.log(
    'fixture           objects   pointers  heap MiB   wall s    CPU s  µs/obj CPU  ns/ptr CPU  peak RSS MiB  vs HeapObjects  vs HeapAlloc',
  );
  const rows: { name: string; r: OneResult }[] = [];
  for (const name of names) {
    const fx = fixture(name, minor)!;
    const child = spawnSync(process.execPath, [...process.execArgv, __filename, '--one', fx.dir], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (child.status !== 0) throw new Error(`${name}: ${child.stderr}`);
    const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as OneResult;
    rows.push({ name, r });
    console.log(
      `${name.padEnd(16)} ${String(r.objects).padStart(9)} ${String(r.pointers).padStart(10)} ${(r.bytes / 2 ** 20).toFixed(0).padStart(9)} ${(r.heapWallMs / 1000).toFixed(2).padStart(8)} ${(r.heapCpuMs / 1000).toFixed(2).padStart(8)} ${((r.heapCpuMs * 1000) / r.objects).toFixed(2).padStart(11)} ${((r.heapCpuMs * 1e6) / Math.max(1, r.pointers)).toFixed(0).padStart(11)} ${r.peakRssMiB.toFixed(0).padStart(13)} ${pct(r.objects, r.heapObjects).padStart(15)} ${pct(r.bytes, r.heapAlloc).padStart(13)}`,
    );
  }
  console.log('\nCPU ms per phase (wall ms in brackets):');
  const phases = Object.keys(rows[0]?.r.phases ?? {});
  console.log(`${'phase'.padEnd(10)} ${rows.map((x) => x.name.replace('heap-scale-', '').padStart(18)).join(' ')}`);
  for (const p of phases) {
    console.log(
      `${p.padEnd(10)} ${rows.map((x) => `${x.r.phases[p]!.cpuMs.toFixed(0)} (${x.r.phases[p]!.wallMs.toFixed(0)})`.padStart(18)).join(' ')}`,
    );
  }
  if (rows.length >= 2) {
    const a = rows[0]!.r;
    const b = rows.at(-1)!.r;
    console.log(
      `\ngrowth ${rows[0]!.name} → ${rows.at(-1)!.name}: objects ×${(b.objects / a.objects).toFixed(1)}, pointers ×${(b.pointers / a.pointers).toFixed(1)}, CPU ×${(b.heapCpuMs / a.heapCpuMs).toFixed(1)}, peak RSS ×${(b.peakRssMiB / a.peakRssMiB).toFixed(1)}`,
    );
  }
}

function population(): void {
  let runs = 5;
  const r = option('--runs');
  if (r !== undefined) runs = Number(r);
  const versions = args.length > 0 ? args : ['1.19', '1.22', '1.24', '1.27'];
  console.log('Go    objects      bytes  open ms  heap ms (median)  µs/object  ms/MiB  peak RSS MiB');
  for (const minor of versions) {
    const fx = fixture('heap-population', minor);
    if (!fx)
      throw new Error(
        `fixture heap-population go${minor} is missing: run GCI_FIXTURES=heap-population scripts/make-cores`,
      );
    const opens: number[] = [];
    const heaps: number[] = [];
    let objects = 0;
    let bytes = 0;
    for (let i = 0; i <= runs; i++) {
      const t0 = performance.now();
      const e = openCore(fx.core, { binary: fx.prog });
      const t1 = performance.now();
      const h = e.heap();
      const t2 = performance.now();
      objects = h.model.totals.objects;
      bytes = h.model.totals.bytes;
      e.close();
      if (i === 0) continue; // warm-up
      opens.push(t1 - t0);
      heaps.push(t2 - t1);
    }
    const ms = median(heaps);
    console.log(
      `${minor.padEnd(5)} ${String(objects).padStart(8)} ${String(bytes).padStart(10)} ${median(opens).toFixed(0).padStart(8)} ${ms.toFixed(0).padStart(17)} ${((ms * 1000) / objects).toFixed(1).padStart(10)} ${(ms / (bytes / (1 << 20))).toFixed(0).padStart(7)} ${(process.resourceUsage().maxRSS / 1024).toFixed(0).padStart(13)}`,
    );
  }
}

const one = option('--one');
if (one !== undefined) runOne(one);
else if (args.includes('--scale')) {
  args.splice(args.indexOf('--scale'), 1);
  scale();
} else population();
