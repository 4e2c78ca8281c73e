// Where a binary's source is on this machine: the module root (nearest go.mod) of the file
// main.main was compiled from, as the binary records it, mapped by the surface's SourcePathMapper
// (the path itself, else by module path or by suffix under its folders). The SSA rebuild runs there.
import { dirname } from 'node:path';
import { findModuleRoot } from '../ssa/pcToSsa.js';
import type { GoBinary } from './binary.js';
import type { SourcePathMapper } from './pathMapping.js';

export interface SourceRoot {
  /** The module root, when found. */
  root?: string;
  /** The file main.main was compiled from, as recorded in the binary. */
  recorded?: string;
}

export function sourceRootOf(bin: GoBinary, mapper: SourcePathMapper): SourceRoot {
  const main = bin.entryOf('main.main');
  const frames = main !== undefined ? bin.syms.frames(main) : [];
  const recorded = frames[frames.length - 1]?.file;
  if (!recorded) return {};
  const local = mapper.map(recorded);
  const root = local ? findModuleRoot(dirname(local.path))?.root : undefined;
  return { recorded, ...(root ? { root } : {}) };
}
