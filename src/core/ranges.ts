// Binary search over sorted, non-overlapping ranges [start, end): segments of a core, heap spans,
// symbols, goroutine stacks, race reports by line. One rule for all of them.

/** The index of the range holding `key` among ranges sorted by start that do not overlap, or -1. */
export function rangeIndex<T, K extends number | bigint>(items: readonly T[], key: K, start: (x: T) => K, end: (x: T) => K): number {
  let lo = 0;
  let hi = items.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = items[mid]!;
    if (key < start(x)) hi = mid - 1;
    else if (key >= end(x)) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/**
 * The index of the last item whose start is at or below `key` among items sorted by start (ranges
 * that may overlap or nest: the caller looks back from it for one covering key), or -1.
 */
export function lastStartingAtOrBelow<T, K extends number | bigint>(items: readonly T[], key: K, start: (x: T) => K): number {
  let lo = 0;
  let hi = items.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (start(items[mid]!) <= key) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}
