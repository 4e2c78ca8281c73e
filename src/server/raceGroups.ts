// Groups the race reports of a log by identical stacks (src/traceback/raceReport.ts raceSignature,
// built on the stack signature goroutines are grouped by), as goroutineGroups.ts does for
// goroutines: the same racing code reported again for other goroutines, objects or fields.
import { raceSignature } from '../traceback/raceReport.js';
import type { RaceAccess, Traceback } from '../traceback/types.js';
import { groupFrame, signatureKey, topUserFrame } from './goroutineGroups.js';
import type { RaceGroup, RaceGroupAccess } from './protocol.js';

export interface RaceGroupIndex {
  groups: RaceGroup[];
  /** Group key of each report, by index in `traceback.races`. */
  keyOf: string[];
  byKey: Map<string, RaceGroup>;
}

function groupAccess(a: RaceAccess): RaceGroupAccess {
  const top = topUserFrame(a.frames);
  return { op: a.header.op.value, frames: a.frames.map(groupFrame), ...(top ? { topUserFrame: groupFrame(top) } : {}) };
}

/** Reports with the same signature; largest group first, then by first appearance. */
export function groupRaceReports(tb: Traceback): RaceGroupIndex {
  const byKey = new Map<string, RaceGroup>();
  const keyOf: string[] = [];
  tb.races.forEach((r, i) => {
    const key = signatureKey(raceSignature(r));
    keyOf.push(key);
    let group = byKey.get(key);
    if (!group) {
      group = { key, count: 0, lines: [], reports: [], accesses: r.accesses.map(groupAccess) };
      byKey.set(key, group);
    }
    group.count++;
    group.lines.push(r.firstLine);
    group.reports.push(i + 1);
  });
  const groups = [...byKey.values()];
  const order = new Map(groups.map((g, i) => [g.key, i]));
  groups.sort((a, b) => b.count - a.count || order.get(a.key)! - order.get(b.key)!);
  return { groups, keyOf, byKey };
}
