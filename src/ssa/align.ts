// Match the genssa rows (Prog numbers, before assembly) to the `-S` listing's instructions
// (byte offsets, after assembly). The assembler adds instructions that genssa never saw (stack
// check and frame setup, the epilogue around RET, the morestack call, alignment NOPs) but keeps
// the others in order with the same mnemonic and source line, so a longest common subsequence on
// (mnemonic, line) pairs recovers the correspondence.
import type { GenssaRow } from './genssa.js';
import type { ListingInstruction } from './listing.js';

export interface Alignment {
  /** For each listing instruction index, the genssa row index it came from, or -1. */
  rowOfInstruction: Int32Array;
  /** Matched pairs / genssa rows (END excluded): 1 when every row found its instruction. */
  coverage: number;
}

/** Cells above which the quadratic LCS is replaced by a greedy forward match. */
const MAX_LCS_CELLS = 16_000_000;

function key(op: string, line: number | undefined): string {
  return `${op}:${line ?? '?'}`;
}

export function alignGenssa(rows: GenssaRow[], insns: ListingInstruction[]): Alignment {
  const a = rows.filter((r) => r.op !== 'END');
  const ka = a.map((r) => key(r.op, r.line));
  const kb = insns.map((i) => key(i.op, i.line));
  const n = ka.length;
  const m = kb.length;
  const rowOf = new Int32Array(m).fill(-1);
  const rowIndex = a.map((r) => rows.indexOf(r));
  let matched = 0;
  if ((n + 1) * (m + 1) <= MAX_LCS_CELLS) {
    // dp[i][j] = LCS of a[i..], b[j..]
    const w = m + 1;
    const dp = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        dp[i * w + j] =
          ka[i] === kb[j] ? dp[(i + 1) * w + j + 1]! + 1 : Math.max(dp[(i + 1) * w + j]!, dp[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (ka[i] === kb[j] && dp[i * w + j] === dp[(i + 1) * w + j + 1]! + 1) {
        rowOf[j] = rowIndex[i]!;
        matched++;
        i++;
        j++;
      } else if (dp[(i + 1) * w + j]! >= dp[i * w + j + 1]!) i++;
      else j++;
    }
  } else {
    // Greedy: each row takes the next instruction with its key within a bounded window.
    let j = 0;
    for (let i = 0; i < n && j < m; i++) {
      for (let k = j; k < Math.min(m, j + 64); k++) {
        if (kb[k] === ka[i]) {
          rowOf[k] = rowIndex[i]!;
          matched++;
          j = k + 1;
          break;
        }
      }
    }
  }
  return { rowOfInstruction: rowOf, coverage: n === 0 ? 0 : matched / n };
}
