// Our raw-memory reads against Delve's answers for the same runtime expressions on the same core:
// fields of allm (the newest M), of several allgs entries and of the crashing goroutine's _panic
// chain. One `dlv core` per provisioned Go version (the recovered-repanic fixture: two panics).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openCoreWithBinary } from '../../src/core/executable.js';
import { GoSymbols } from '../../src/core/symbols.js';
import { walkMs } from '../../src/runtime/allm.js';
import { findRuntimeGlobals } from '../../src/runtime/globals.js';
import { walkGoroutines } from '../../src/runtime/goroutines.js';
import { layoutFor } from '../../src/runtime/layout.js';
import { walkPanicChain } from '../../src/runtime/panicChain.js';
import { delvePrint } from '../support/delvePrint.js';
import { fixture, provisionedGoVersions } from '../support/fixtures.js';

/** `42`, `true`, `waitReasonSleep (19)` -> a bigint (booleans as 0/1). */
function delveNumber(s: string, expr: string): bigint {
  if (s === 'true') return 1n;
  if (s === 'false') return 0n;
  const m = /^(-?\d+)$/.exec(s) ?? /\((-?\d+)\)$/.exec(s);
  if (!m) throw new Error(`Delve's answer to ${expr} is not a number: ${s}`);
  return BigInt(m[1]!);
}

describe('raw-memory walkers agree with Delve', () => {
  for (const minor of provisionedGoVersions()) {
    it(`Go ${minor}: allm, allgs and the _panic chain`, () => {
      const fx = fixture('recovered-repanic', minor);
      const c = openCoreWithBinary(fx.core, fx.prog);
      const checks: { expr: string; ours: bigint }[] = [];
      try {
        const layout = layoutFor(fx.goVersion);
        const bias = c.bias ?? 0n;
        const symbols = GoSymbols.load(c.binary!, { bias });
        const gl = findRuntimeGlobals({ symbols, layout, bias });
        const m = walkMs(c.memory, layout, gl.allm!)[0]!;
        const add = (expr: string, ours: bigint | number | boolean | undefined): void => {
          assert.ok(ours !== undefined, `no value of ours for ${expr}`);
          checks.push({ expr, ours: typeof ours === 'boolean' ? (ours ? 1n : 0n) : BigInt(ours) });
        };
        add('runtime.allm.id', m.id);
        add('runtime.allm.procid', m.procid);
        add('runtime.allm.mallocing', m.mallocing);
        add('runtime.allm.throwing', m.throwing);
        add('runtime.allm.locks', m.locks);
        add('runtime.allm.g0.stack.hi', m.g0StackHi);
        add('runtime.allm.g0.sched.sp', m.g0SchedSp);
        add('runtime.allm.g0.sched.pc', m.g0SchedPc);
        const walk = walkGoroutines(c.memory, layout, gl.allgs!, gl.allglen, { includeDead: true });
        add('runtime.allglen', walk.count);
        assert.equal(walk.goroutines.length, walk.count, 'allgs has nil entries');
        const atomic = Number(minor.split('.')[1]) >= 20 ? '.value' : '';
        for (const k of new Set([0, 1, 2, walk.count - 1])) {
          const g = walk.goroutines[k]!;
          const e = `runtime.allgs[${k}]`;
          add(`${e}.goid`, g.goid);
          add(`${e}.atomicstatus${atomic}`, g.status);
          add(`${e}.waitreason`, g.waitReason);
          add(`${e}.sched.pc`, g.schedPc);
          add(`${e}.sched.sp`, g.schedSp);
          add(`${e}.startpc`, g.startpc);
          add(`${e}.gopc`, g.gopc);
          add(`${e}.stack.lo`, g.stackLo);
          add(`${e}.stack.hi`, g.stackHi);
        }
        const g0 = walk.goroutines[0]!;
        assert.equal(g0.goid, 1n, 'allgs[0] is goroutine 1, the crashing one in this fixture');
        const typesBase = symbols.moduledata ? symbols.moduledata.types + bias : undefined;
        const chain = walkPanicChain(c.memory, layout, g0.addr, { typesBase });
        assert.equal(chain.length, 2, 'two _panic records');
        const p = 'runtime.allgs[0]._panic';
        add(`uint64(uintptr(unsafe.Pointer(${p})))`, chain[0]!.addr);
        add(`${p}.recovered`, chain[0]!.recovered);
        add(`${p}.goexit`, chain[0]!.goexit);
        add(`uint64(uintptr(unsafe.Pointer(${p}.link)))`, chain[1]!.addr);
        add(`${p}.link.recovered`, chain[1]!.recovered);
        add(`len(${p}.arg.(string))`, chain[0]!.value.text!.length);
        add(`len(${p}.link.arg.(string))`, chain[1]!.value.text!.length);
      } finally {
        c.close();
      }
      const answers = delvePrint(
        fx,
        checks.map((x) => x.expr),
      );
      checks.forEach((x, i) => {
        assert.equal(delveNumber(answers[i]!, x.expr), x.ours, `Go ${minor}: ${x.expr}: Delve says ${answers[i]}`);
      });
    });
  }
});
