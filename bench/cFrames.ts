// Benchmark (figures printed, not a test): crashes outside Go code (issue 12). For each cgo / race
// fixture and Go version: openCore + engine.report() (the crashing thread walked through C frames
// with CFI, symbols and, from DWARF, file:line and inlined C functions), median of N runs after a
// warm-up; the C source index of the executable alone (NativeSourceIndex.fromElf: its C units and
// their ranges, then the first framesAt, which reads one unit's DIE tree and line table) and a
// repeated framesAt; and Delve's stackTrace of the same core (session open, then stackTrace).
// Usage: node --import tsx bench/cFrames.ts [--runs N] [goMinor ...]   (default: 5 runs, every Go)
import { openCore } from '../src/analysis/engine.js';
import { CoreSession } from '../src/delve/coreSession.js';
import { ElfFile } from '../src/core/elf.js';
import { NativeSourceIndex } from '../src/core/nativeSource.js';
import { dlvForGo, fixture, OUTSIDE_GO, provisionedGoVersions } from '../test/support/fixtures.js';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
const minors = args.filter((a, i) => /^1\.\d+$/.test(a) && args[i - 1] !== '--runs');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

async function main(): Promise<void> {
  console.log('fixture               go     report ms  C frames  index+first ms  next ms  Delve open+stackTrace ms');
  for (const minor of minors.length ? minors : provisionedGoVersions()) {
    for (const name of [...OUTSIDE_GO].sort()) {
      const f = fixture(name, minor);
      const times: number[] = [];
      let cFrames = 0;
      for (let i = 0; i <= runs; i++) {
        const t0 = process.hrtime.bigint();
        const e = openCore(f.core, { binary: f.prog });
        const r = e.report();
        const t = ms(t0);
        cFrames = r.crash.frames.filter((x) => x.language === 'c').length;
        e.close();
        if (i > 0) times.push(t);
      }
      // The C source index alone, at the first C frame's pc of the walk (a file address: no PIE here).
      const e = openCore(f.core, { binary: f.prog });
      const firstC = e.report().crash.frames.find((x) => x.language === 'c' && x.module === 'prog');
      e.close();
      let first = NaN;
      let next = NaN;
      if (firstC) {
        const elf = ElfFile.open(f.prog);
        const t0 = process.hrtime.bigint();
        const idx = NativeSourceIndex.fromElf(elf);
        idx?.framesAt(BigInt(firstC.pc));
        first = ms(t0);
        const t1 = process.hrtime.bigint();
        idx?.framesAt(BigInt(firstC.pc));
        next = ms(t1);
        elf.close();
      }
      const t2 = process.hrtime.bigint();
      const s = await CoreSession.open({ dlv: dlvForGo(minor), programPath: f.prog, corePath: f.core });
      try {
        await s.stackTrace(s.stoppedEvent.body.threadId ?? 1, { levels: 100 });
      } finally {
        await s.close();
      }
      const delve = ms(t2);
      console.log(
        `${name.padEnd(21)} ${minor.padEnd(6)} ${median(times).toFixed(1).padStart(9)}  ${String(cFrames).padStart(8)}  ${first.toFixed(1).padStart(14)}  ${next.toFixed(2).padStart(7)}  ${delve.toFixed(0).padStart(24)}`,
      );
    }
  }
}

void main();
