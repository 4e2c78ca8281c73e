// The raw-memory walkers (all goroutines from allgs, all Ms from allm) against the traceback the
// runtime printed when it crashed (the oracle): every goroutine id and its bracketed status / wait
// reason, and, from Go 1.22 on, the gp= / m= / mp= values printed in each goroutine header.
// Runs on every fixture (stripped and PIE included) and every provisioned Go version.
import assert from 'node:assert/strict';
import { closeSync, copyFileSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openCoreWithBinary } from '../../src/core/executable.js';
import { GoSymbols } from '../../src/core/symbols.js';
import { walkMs } from '../../src/runtime/allm.js';
import { findRuntimeGlobals, scanForGlobals } from '../../src/runtime/globals.js';
import { walkGoroutines } from '../../src/runtime/goroutines.js';
import { layoutFor } from '../../src/runtime/layout.js';
import { mForThread, readRuntimeSnapshot } from '../../src/runtime/snapshot.js';
import { formatBoundsError } from '../../src/runtime/panicValue.js';
import { printedPanicLines, walkDeferChain, walkPanicChain } from '../../src/runtime/panicChain.js';
import { listFixtures, type Fixture } from '../support/fixtures.js';

interface Header {
  goid: bigint;
  status: string;
  gp: bigint | undefined;
  m: string | undefined;
  mp: bigint | undefined;
}

/** First header per goroutine id (goroutine 0 = another M's g0 is not in allgs). */
function tracebackHeaders(text: string): Map<bigint, Header> {
  const out = new Map<bigint, Header>();
  const re = /^goroutine (\d+)(?: gp=(0x[0-9a-f]+) m=(\d+|nil)(?: mp=(0x[0-9a-f]+))?)? \[([^\]]*)\]:$/gm;
  for (const m of text.matchAll(re)) {
    const goid = BigInt(m[1]!);
    if (goid === 0n || out.has(goid)) continue;
    const status = m[5]!.split(', ')[0]!.replace(/ \((scan|leaked|durable)\)$/, '');
    out.set(goid, {
      goid,
      status,
      gp: m[2] ? BigInt(m[2]) : undefined,
      m: m[3],
      mp: m[4] ? BigInt(m[4]) : undefined,
    });
  }
  return out;
}

function check(fx: Fixture): void {
  const what = `${fx.fixture} ${fx.goVersion}`;
  const c = openCoreWithBinary(fx.core, fx.prog);
  try {
    assert.ok(c.binary, `${what}: binary not opened`);
    assert.equal(c.buildInfo?.goVersion, fx.goVersion, `${what}: Go version from buildinfo`);
    const layout = layoutFor(fx.goVersion);
    const bias = c.bias ?? 0n;
    const symbols = GoSymbols.load(c.binary, { bias });
    const globals = findRuntimeGlobals({ symbols, exe: c.binary, memory: c.memory, layout, bias });
    const expectSource = fx.variant === 'stripped' ? 'scan' : 'symtab';
    assert.equal(globals.source.allgs, expectSource, `${what}: where allgs was found`);
    assert.equal(globals.source.allm, expectSource, `${what}: where allm was found`);
    assert.ok(globals.allgs !== undefined && globals.allm !== undefined, `${what}: allgs/allm not found`);

    const walk = walkGoroutines(c.memory, layout, globals.allgs, globals.allglen);
    assert.deepEqual(walk.unreadable, [], `${what}: unreadable g's`);
    const headers = tracebackHeaders(fx.traceback);
    assert.ok(headers.size > 0, `${what}: no goroutine header in traceback.txt`);
    const ours = new Map(walk.goroutines.map((g) => [g.goid, g]));
    // Every goroutine the runtime printed is ours with the same status; we list no other live one.
    for (const h of headers.values()) {
      const g = ours.get(h.goid);
      assert.ok(g, `${what}: goroutine ${h.goid} [${h.status}] of the traceback is missing from allgs`);
      assert.equal(g.tracebackStatus, h.status, `${what}: status of goroutine ${h.goid}`);
      if (h.gp !== undefined) assert.equal(g.addr, h.gp, `${what}: gp of goroutine ${h.goid}`);
      if (h.mp !== undefined) assert.equal(g.m, h.mp, `${what}: g.m of goroutine ${h.goid}`);
      if (h.m === 'nil') assert.equal(g.m, 0n, `${what}: goroutine ${h.goid} has m=nil`);
    }
    assert.deepEqual(
      [...ours.keys()].filter((id) => !headers.has(id)).sort(),
      [],
      `${what}: live goroutines the traceback did not print`,
    );

    const ms = walkMs(c.memory, layout, globals.allm);
    assert.ok(ms.length > 0, `${what}: no M`);
    assert.ok(ms.some((m) => m.id === 0n), `${what}: m0 missing`);
    const byAddr = new Map(ms.map((m) => [m.addr, m]));
    // Threads: every M's procid is a thread of the core.
    const tids = new Set(c.core.threads.map((t) => BigInt(t.tid)));
    for (const m of ms) {
      if (m.procid !== 0n) assert.ok(tids.has(m.procid), `${what}: m${m.id} procid ${m.procid} is not a thread of the core`);
    }
    // Headers with m=N mp=0x...: that M exists, has id N, runs that goroutine as curg (1.22+).
    let mChecked = 0;
    for (const h of headers.values()) {
      if (h.mp === undefined) continue;
      const m = byAddr.get(h.mp);
      assert.ok(m, `${what}: mp=${h.mp.toString(16)} of goroutine ${h.goid} is not in allm`);
      assert.equal(String(m.id), h.m, `${what}: id of the M running goroutine ${h.goid}`);
      assert.equal(m.curg, h.gp, `${what}: curg of m${m.id}`);
      assert.equal(m.curgInfo?.goid, h.goid, `${what}: curg goid of m${m.id}`);
      assert.ok(m.g0StackLo !== undefined && m.g0StackHi !== undefined && m.g0StackLo < m.g0StackHi, `${what}: g0 stack of m${m.id}`);
      if (h === [...headers.values()][0] && /^fatal error: /m.test(fx.traceback)) {
        assert.ok(m.throwing > 0, `${what}: m${m.id} printed a fatal error but m.throwing is ${m.throwing}`);
      }
      mChecked++;
    }
    // A deadlock prints every goroutine with m=nil: no M runs one.
    const deadlock = /^fatal error: all goroutines are asleep - deadlock!$/m.test(fx.traceback);
    if (Number(fx.goMinor.split('.')[1]) >= 22 && !deadlock) assert.ok(mChecked > 0, `${what}: no header with mp= checked`);

    // The crashing goroutine (the first header) and its _panic chain: the `panic:` lines it
    // prints must be exactly the ones at the top of the traceback (none for a fatal error).
    const first = [...headers.values()][0]!;
    const crashing = ours.get(first.goid)!;
    const typesBase = symbols.moduledata ? symbols.moduledata.types + bias : undefined;
    const namer = { codeName: (a: bigint) => (symbols.funcForPC(a) ? symbols.nameFor(a) : undefined) };
    const chain = walkPanicChain(c.memory, layout, crashing.addr, { typesBase, namer });
    const printed: string[] = [];
    for (const line of fx.traceback.split('\n')) {
      if (!/^\t?panic: /.test(line)) break;
      printed.push(line);
    }
    assert.deepEqual(printedPanicLines(chain), printed, `${what}: panic lines of goroutine ${first.goid}`);
    if (chain.length > 0) {
      const panicLayout = layout.structs.get('runtime._panic')!;
      assert.deepEqual(chain[0]!.fields.map((f) => [f.name, f.offset]), panicLayout.fields.map((f) => [f.name, f.offset]));
      // Go 1.22+: startPC is a PC inside gopanic (where it called p.start), i.e. in the function of
      // the first `panic(...)` frame the runtime printed: compare with that frame's pc=.
      const startPC = chain[0]!.fields.find((f) => f.name === 'startPC');
      const lines = fx.traceback.split('\n');
      const at = lines.findIndex((l) => l.startsWith('panic('));
      const pc = at >= 0 ? / pc=(0x[0-9a-f]+)/.exec(lines[at + 1] ?? '')?.[1] : undefined;
      if (startPC) {
        assert.ok(pc, `${what}: no pc= on the panic frame`);
        assert.equal(startPC.symbol?.replace(/\+0x[0-9a-f]+$/, ''), symbols.funcForPC(BigInt(pc))?.name, `${what}: _panic.startPC`);
      }
    }
    walkDeferChain(c.memory, layout, crashing.addr); // must not throw on any fixture

    // The one-call snapshot agrees, and the core's dumping thread is one of the Ms. (It is not
    // always the M the header names: when two goroutines throw at once, one prints, the other
    // may be the thread the kernel dumps first.)
    const snap = readRuntimeSnapshot({ memory: c.memory, goVersion: fx.goVersion, exe: c.binary, bias, symbols });
    assert.equal(snap.goroutines.goroutines.length, walk.goroutines.length, `${what}: snapshot goroutines`);
    assert.equal(snap.ms.length, ms.length, `${what}: snapshot Ms`);
    assert.ok(mForThread(snap, c.core.crashingThread.tid), `${what}: no M for the core's crashing thread`);
  } finally {
    c.close();
  }
}

describe('goroutines and Ms from raw memory vs the traceback', () => {
  it('runtime.boundsError text matches what the runtime printed for the index fixtures', () => {
    for (const fx of listFixtures({ fixture: /^index/ })) {
      const m = /^panic: (runtime error: index out of range \[(\d+)\] with length (\d+))$/m.exec(fx.traceback);
      assert.ok(m, `${fx.fixture} ${fx.goVersion}: no index panic in traceback.txt`);
      assert.equal(formatBoundsError(BigInt(m[2]!), BigInt(m[3]!), true, 0), m[1]);
    }
    assert.equal(formatBoundsError(-1n, 3n, true, 0), 'runtime error: index out of range [-1]');
    assert.equal(formatBoundsError(2n, 1n, false, 3), 'runtime error: slice bounds out of range [2:1]');
  });

  for (const fx of listFixtures()) {
    it(`${fx.fixture} ${fx.goVersion}`, () => check(fx));
  }

  it('finds allm/allgs in a stripped binary without section headers (writable PT_LOADs)', () => {
    for (const fx of listFixtures({ fixture: 'index-stripped' })) {
      const tmp = mkdtempSync(join(tmpdir(), 'gci-sstrip-'));
      try {
        const bin = join(tmp, 'prog');
        copyFileSync(fx.prog, bin);
        const fd = openSync(bin, 'r+');
        writeSync(fd, Buffer.alloc(8), 0, 8, 0x28); // e_shoff
        writeSync(fd, Buffer.alloc(4), 0, 4, 0x3c); // e_shnum, e_shstrndx
        closeSync(fd);
        const layout = layoutFor(fx.goVersion);
        const plain = openCoreWithBinary(fx.core, fx.prog);
        const cut = openCoreWithBinary(fx.core, bin);
        try {
          assert.equal(cut.binary!.sections.length, 0);
          const want = scanForGlobals(plain.binary!, plain.memory, layout, plain.bias ?? 0n);
          const got = scanForGlobals(cut.binary!, cut.memory, layout, cut.bias ?? 0n);
          assert.ok(want.allgs !== undefined && want.allm !== undefined, `${fx.goVersion}: scan with sections failed`);
          assert.deepEqual(got, want, `${fx.goVersion}: scan without section headers`);
        } finally {
          plain.close();
          cut.close();
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
  });
});
