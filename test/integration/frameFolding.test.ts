// Panic Frames' folding of C frames (src/vscode/views/frameFolding.ts), on the crashing goroutine
// of the cgo fixtures of every provisioned Go version: cgo's generated glue and shared-library
// frames fold with the runtime's, the program's own C functions stay shown, and the origin is never
// folded. Which C functions are the program's own comes from the fixtures' C source
// (test/fixtures/programs/<name>); which frames the walk holds is checked in cgoFrames.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openCore } from '../../src/analysis/engine.js';
import { originOf } from '../../src/analysis/crashSummary.js';
import { foldFrames, foldLabel } from '../../src/vscode/views/frameFolding.js';
import { fixture, provisionedGoVersions } from '../support/fixtures.js';

/** The fixtures' own C functions (their source), and a library or glue frame each walk holds. */
const OWN_C: Record<string, { own: string[]; folded: RegExp }> = {
  'cgo-inlined-fault': { own: ['read_count', 'sum_counts'], folded: /^runtime\.asmcgocall$/ },
  'cgo-callback-fatal': { own: ['relay', 'call_go'], folded: /^(crosscall2|goCallback)$/ },
  'cgo-libc-fault': { own: [], folded: /^_cgo_[0-9a-f]+_Cfunc_strlen$/ },
};

describe('Panic Frames folds cgo glue and C library frames, not the program\'s C', () => {
  for (const minor of provisionedGoVersions()) {
    for (const [name, want] of Object.entries(OWN_C)) {
      test(`${name} go${minor}`, () => {
        const fx = fixture(name, minor);
        const e = openCore(fx.core, { binary: fx.prog });
        try {
          const frames = e.report().crash.frames;
          const origin = originOf(frames) ?? undefined;
          const folded = foldFrames(frames, origin ?? undefined);
          const shown = folded.flatMap((x) => ('frame' in x ? [x.frame] : []));
          const hidden = folded.flatMap((x) => ('runtime' in x ? x.runtime : []));
          const originFrame = origin ? frames.find((f) => f.function === origin.function && f.line === origin.line) : undefined;
          if (originFrame) assert.ok(shown.includes(originFrame), `the origin ${origin!.function} is shown`);
          for (const fn of want.own) assert.ok(shown.some((f) => f.function === fn && f.language === 'c'), `${fn} (the fixture's own C) is shown: ${shown.map((f) => f.function).join(', ')}`);
          assert.ok(hidden.some((f) => want.folded.test(f.function)), `a frame matching ${want.folded} is folded: ${hidden.map((f) => f.function).join(', ')}`);
          for (const f of hidden) assert.ok(f !== originFrame, 'the origin is never folded');
          // Every C frame folded is glue or a shared library's; every C frame shown is the program's own or the origin.
          for (const f of shown.filter((x) => x.language === 'c')) assert.ok(want.own.includes(f.function) || f === originFrame, `${f.function} (${f.module}) is shown`);
          for (const x of folded) if ('runtime' in x) assert.match(foldLabel(x.runtime), /^\d+ (runtime|C library|runtime and C library) frames?$/);
        } finally {
          e.close();
        }
      });
    }
  }
});
