// Groups the goroutines of a traceback by identical stacks (the list of function names, in order),
// like panicparse's buckets, and names each goroutine's top user frame.
import { createHash } from 'node:crypto';
import { isStandardLibrary, stackSignature } from '../traceback/crash.js';
import type { Frame, Goroutine, Traceback } from '../traceback/types.js';
import type { GoroutineGroup, GroupFrame } from './protocol.js';

/** The first frame outside the standard library, innermost first. */
export function topUserFrame(frames: readonly Frame[]): Frame | undefined {
  return frames.find((f) => !isStandardLibrary(f.func));
}

export function groupFrame(f: Frame): GroupFrame {
  return { func: f.func, file: f.file, line: f.lineNumber };
}

/** The stack signature of a printed goroutine (the one rule: src/traceback/crash.ts stackSignature). */
export function goroutineSignature(g: Goroutine): string {
  return stackSignature(g.items.map((it) => (it.kind === 'frame' ? it.frame.func : { marker: it.kind })));
}

export function signatureKey(signature: string): string {
  return createHash('sha1').update(signature).digest('hex').slice(0, 16);
}

export interface GroupIndex {
  groups: GoroutineGroup[];
  /** Group key of each goroutine, by index in `traceback.goroutines`. */
  keyOf: string[];
  byKey: Map<string, GoroutineGroup>;
}

/** Groups goroutines with the same stack signature; largest group first, then by first appearance. */
export function groupGoroutines(tb: Traceback): GroupIndex {
  const byKey = new Map<string, GoroutineGroup>();
  const statusSets = new Map<string, Set<string>>();
  const keyOf: string[] = [];
  const sigKeys = new Map<string, string>();
  for (const g of tb.goroutines) {
    const sig = goroutineSignature(g);
    let key = sigKeys.get(sig);
    if (key === undefined) {
      key = signatureKey(sig);
      sigKeys.set(sig, key);
    }
    keyOf.push(key);
    let group = byKey.get(key);
    if (!group) {
      const top = topUserFrame(g.frames);
      group = {
        key,
        count: 0,
        ids: [],
        lines: [],
        statuses: [],
        frames: g.frames.map(groupFrame),
        createdBy: g.createdBy?.line.func.value,
        topUserFrame: top ? groupFrame(top) : undefined,
      };
      byKey.set(key, group);
      statusSets.set(key, new Set());
    }
    group.count++;
    group.ids.push(g.id);
    group.lines.push(g.firstLine);
    statusSets.get(key)!.add(g.status);
    if (g.waitMinutes !== undefined && (group.maxWaitMinutes === undefined || g.waitMinutes > group.maxWaitMinutes)) {
      group.maxWaitMinutes = g.waitMinutes;
    }
  }
  const groups = [...byKey.values()];
  for (const group of groups) group.statuses = [...statusSets.get(group.key)!].sort();
  const order = new Map(groups.map((g, i) => [g.key, i]));
  groups.sort((a, b) => b.count - a.count || order.get(a.key)! - order.get(b.key)!);
  return { groups, keyOf, byKey };
}
