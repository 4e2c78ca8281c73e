// PC → instruction → SSA value on the linux/arm64 fixtures (qemu-user cores), with the real
// toolchains: the function is rebuilt with the binary's recorded GOARCH=arm64 and its code compared
// with the binary's (src/ssa/relocForms.ts: BL imm26, ADRP+ADD/LDR immediates masked, BL targets
// resolved). The oracle is what the runtime printed (traceback.txt): the frames' pc=, functions,
// lines and the signal's pc. arm64 instructions are 4 bytes: a return address's instruction is
// the BL at pc-4 (looked up as pc-1, inside it).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { openBinary, type GoBinary } from '../../src/analysis/engine.js';
import { mapPc, type MapPcRequest } from '../../src/ssa/pcToSsa.js';
import { cacheDir, goCacheEnv, listFixtures, type Fixture } from '../support/fixtures.js';
import { crashingGoroutine, parseTraceback } from '../../src/traceback/parse.js';

const CACHE = cacheDir();
const env: NodeJS.ProcessEnv = { ...process.env, ...goCacheEnv() };

const opened: GoBinary[] = [];
after(() => opened.forEach((b) => b.close()));
function ssaOf(f: Fixture) {
  const b = openBinary(f.prog);
  opened.push(b);
  return b.ssa();
}

function req(f: Fixture, pc: bigint, isReturnAddress: boolean): MapPcRequest {
  return {
    pc,
    isReturnAddress,
    sourceRoot: f.srcDir,
    allowedRoots: [f.srcDir],
    confirmRebuild: () => true,
    env,
    cacheDir: CACHE,
    noDiskCache: true,
    timeoutMs: 300_000,
  };
}

/** The printed frames of the crashing goroutine: function, line, pc (physical frames). */
function printed(f: Fixture) {
  const g = crashingGoroutine(parseTraceback(f.traceback));
  assert.ok(g, 'no crashing goroutine printed');
  return g.frames.map((x) => ({ func: x.func, line: x.lineNumber, pc: x.pc, inlined: x.inlined }));
}

function signalPc(tb: string): bigint {
  const m = /\[signal SIG\w+: .* pc=(0x[0-9a-f]+)\]/.exec(tb);
  assert.ok(m, 'no [signal ... pc=] line in traceback.txt');
  return BigInt(m[1]!);
}

for (const f of listFixtures({ fixture: 'index-arm64' })) {
  describe(`index-arm64 go${f.goMinor}`, () => {
    test('the origin frame maps to the BL of the bounds-check panic, verified', async () => {
      const tb = printed(f);
      const idx = tb.findIndex((t) => t.func === 'main.main');
      const origin = tb[idx]!;
      const m = await mapPc(ssaOf(f), req(f, origin.pc!, true));
      assert.equal(m.function, 'main.main');
      assert.equal(m.verified, true, m.reason);
      assert.ok(m.reason.includes('call targets match') && !/ 0 call targets/.test(m.reason), m.reason);
      assert.match(m.instruction!.text, /^CALL runtime\.panic(Index|Bounds)/);
      assert.equal(m.offset - m.instruction!.offset, 4, 'the BL is the 4-byte instruction before the return address');
      assert.match(m.ssaValue!.op, /PanicBounds/);
      // main.pick is inlined: the printed line of the innermost (inlined) frame.
      assert.equal(m.line, tb[idx - 1]!.inlined ? tb[idx - 1]!.line : origin.line);
    });
  });
}

for (const name of ['nilptr-goroutine-arm64', 'inlined-nilptr-arm64']) {
  for (const f of listFixtures({ fixture: name })) {
    describe(`${name} go${f.goMinor}`, () => {
      test('the faulting pc maps to the load through the nil pointer, verified; its caller to its BL', async () => {
        const tb = printed(f);
        const pc = signalPc(f.traceback);
        const idx = tb.findIndex((t) => t.pc === pc);
        assert.ok(idx >= 0, 'the signal pc is a frame of the crashing goroutine');
        const m = await mapPc(ssaOf(f), req(f, pc, false));
        assert.equal(m.function, tb[idx]!.func);
        assert.equal(m.verified, true, m.reason);
        assert.equal(m.instruction!.offset, m.offset, 'the faulting instruction starts at the pc itself');
        assert.match(m.instruction!.text, /^MOVD /);
        assert.match(m.ssaValue!.op, /load|NilCheck/i);
        // The innermost printed frame at that pc (an inlined method, or the function itself).
        let k = idx;
        while (k > 0 && tb[k - 1]!.inlined) k--;
        assert.equal(m.line, tb[k]!.line);

        const caller = tb.slice(idx + 1).find((t) => t.pc !== undefined && !t.func.startsWith('runtime.'));
        assert.ok(caller, 'a caller with a pc was printed');
        const c = await mapPc(ssaOf(f), req(f, caller.pc!, true));
        assert.equal(c.verified, true, c.reason);
        assert.equal(c.offset - c.instruction!.offset, 4);
        assert.match(c.instruction!.text, /^CALL /);
        assert.match(c.ssaValue!.op, /^CALL(static|closure)/);
      });
    });
  }
}
