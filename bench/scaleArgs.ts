// The goroutine-scale benchmarks' cores and arguments (bench/waits.ts, bench/firstPaint.ts):
// `[--runs N] [--sizes 1k,10k,100k] [goMinor ...]`.

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

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
