// The goroutine-scale benchmarks' cores and arguments (bench/waits.ts, bench/firstPaint.ts):
// `[--runs N] [--sizes 1k,10k,100k] [goMinor ...]`.
import { ensureFixtures, fixture, type Fixture } from '../test/support/fixtures.js';

/** Cores of 1,000, 10,000 and 100,000 blocked goroutines (goroutines-100k is made on demand). */
export const SCALE_SIZES: Record<string, string> = { '1k': 'goroutines-1k', '10k': 'many-goroutines', '100k': 'goroutines-100k' };

export function parseScaleArgs(args: readonly string[], defaultMinors: readonly string[]): { runs: number; sizes: string[]; minors: string[] } {
  let runs = 3;
  let sizes = Object.keys(SCALE_SIZES);
  const minors: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--runs') runs = Number(args[++i]);
    else if (args[i] === '--sizes') sizes = args[++i]!.split(',');
    else minors.push(args[i]!);
  }
  return { runs, sizes, minors: minors.length > 0 ? minors : [...defaultMinors] };
}

/** The scale core of a size, made first when missing (goroutines-100k, about 300 MB per core, only when asked for). */
export function scaleFixture(size: string, minor: string): Fixture {
  const name = SCALE_SIZES[size];
  if (!name) throw new Error(`unknown size ${size} (one of ${Object.keys(SCALE_SIZES).join(', ')})`);
  ensureFixtures([name], minor);
  return fixture(name, minor);
}

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
