// The binary searches over sorted ranges (src/core/ranges.ts) that segments, spans, symbols,
// stacks, DWARF units, FDEs and race reports share.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lastStartingAtOrBelow, rangeIndex } from '../../src/core/ranges.js';

const spans = [
  { lo: 10n, hi: 20n },
  { lo: 20n, hi: 25n },
  { lo: 40n, hi: 41n },
];

test('rangeIndex: the range holding a key, ends exclusive; -1 in gaps and outside', () => {
  const at = (k: bigint) => rangeIndex(spans, k, (s) => s.lo, (s) => s.hi);
  assert.deepEqual([9n, 10n, 19n, 20n, 24n, 25n, 39n, 40n, 41n].map(at), [-1, 0, 0, 1, 1, -1, -1, 2, -1]);
  assert.equal(rangeIndex([], 5, (x: number) => x, (x: number) => x + 1), -1);
});

test('lastStartingAtOrBelow: the last item starting at or below a key (nested ranges: the caller looks back)', () => {
  const starts = [1, 3, 3, 7];
  const at = (k: number) => lastStartingAtOrBelow(starts, k, (x) => x);
  assert.deepEqual([0, 1, 2, 3, 6, 7, 100].map(at), [-1, 0, 0, 2, 2, 3, 3]);
});
