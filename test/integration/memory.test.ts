// Process memory over real fixture cores: dumped bytes from the core, text/rodata the kernel did
// not dump from the executable (PIE bias applied). Oracle: gdb reading the same addresses.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CoreFile } from '../../src/core/coreFile.js';
import { ElfFile } from '../../src/core/elf.js';
import { CoreReadError, UnmappedAddressError } from '../../src/core/errors.js';
import { CoreMemory } from '../../src/core/memory.js';
import { listFixtures, type Fixture } from '../support/fixtures.js';

/** gdb's view of 4 words at each thread's SP and 2 words at its PC, keyed by LWP. */
function gdbWords(f: Fixture): Map<number, { sp: bigint[]; pc: bigint[] }> {
  const out = execFileSync(
    'gdb',
    ['-batch', '-nx', '-ex', 'thread apply all x/4gx $sp', '-ex', 'thread apply all x/2gx $pc', f.prog, f.core],
    {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 16 << 20,
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  const res = new Map<number, { sp: bigint[]; pc: bigint[] }>();
  let lwp = 0;
  let pass = 0;
  for (const line of out.split('\n')) {
    const t = /^Thread \d+ \(LWP (\d+)\):/.exec(line);
    if (t) {
      lwp = Number(t[1]);
      if (!res.has(lwp)) res.set(lwp, { sp: [], pc: [] });
      else pass = 1;
      continue;
    }
    const m = /^0x[0-9a-f]+(?: <[^>]*>)?:\s+(.*)$/.exec(line);
    if (m && lwp) {
      const words = m[1]!
        .trim()
        .split(/\s+/)
        .map((w) => BigInt(w));
      const e = res.get(lwp)!;
      (pass === 0 ? e.sp : e.pc).push(...words);
    }
  }
  return res;
}

const fixtures = listFixtures({ fixture: /^(index|index-pie|index-stripped|nilptr-goroutine)$/ }).filter((f) =>
  ['1.19', '1.22', '1.27'].includes(f.goMinor),
);

describe('CoreMemory', () => {
  it('has fixtures', () => assert.ok(fixtures.length >= 8));
  for (const f of fixtures) {
    it(`${f.fixture} go${f.goMinor}: stack and text words equal gdb's`, () => {
      const g = gdbWords(f);
      const core = CoreFile.open(f.core);
      const exe = ElfFile.open(f.prog);
      const mem = new CoreMemory(core, { executable: exe });
      try {
        assert.equal(g.size, core.threads.length);
        for (const t of core.threads) {
          const want = g.get(t.tid)!;
          const sp = [0, 1, 2, 3].map((i) => mem.readU64(t.sp + BigInt(8 * i)));
          assert.deepEqual(sp, want.sp, `stack of ${t.tid}`);
          assert.equal(mem.origin(t.sp).kind, 'core');
          const pc = [0, 1].map((i) => mem.readU64(t.pc + BigInt(8 * i)));
          assert.deepEqual(pc, want.pc, `code at pc of ${t.tid}`);
        }
        // Text comes from the executable (the kernel dumps only the first page of the file mapping);
        // the bytes equal the file's at pc - bias.
        const pc = core.crashingThread.pc;
        assert.notEqual(mem.origin(pc).kind, 'core');
        assert.deepEqual(mem.read(pc, 64), exe.readVaddr(pc - mem.bias!, 64));
        if (f.variant === 'pie') assert.notEqual(mem.bias, 0n);
        else assert.equal(mem.bias, 0n);

        // Without the executable and without files on disk, text is 'unavailable', page 0 'unmapped'.
        const bare = new CoreMemory(core, { useMappedFiles: false });
        assert.throws(
          () => bare.read(pc, 8),
          (e: unknown) => e instanceof UnmappedAddressError && e.kind === 'unavailable',
        );
        assert.throws(
          () => bare.read(0n, 8),
          (e: unknown) => e instanceof UnmappedAddressError && e.kind === 'unmapped',
        );
        assert.equal(bare.tryRead(0n, 8), undefined);
        assert.equal(bare.isReadable(core.crashingThread.sp), true);
        // A read crossing from a mapped into an unmapped range fails as a whole.
        const last = core.segments[core.segments.length - 1]!;
        assert.throws(() => mem.read(last.vaddr + last.memsz - 4n, 8), CoreReadError);

        // runtime.buildVersion (a Go string variable) read through memory is the toolchain version.
        const sym = exe.symbol('runtime.buildVersion');
        if (f.variant !== 'stripped') {
          assert.ok(sym);
          const addr = sym.value + mem.bias!;
          assert.equal(mem.readGoString(mem.readPtr(addr), mem.readU64(addr + 8n)), f.goVersion);
        }
        bare.close();
      } finally {
        mem.close();
        exe.close();
        core.close();
      }
    });
  }
});

describe('CoreMemory page cache', () => {
  it('random reads across pages and segments equal the core file bytes, with a tiny cache', () => {
    const f = fixtures.find((x) => x.fixture === 'nilptr-goroutine')!;
    const buf = readFileSync(f.core);
    const core = CoreFile.open(f.core);
    const mem = new CoreMemory(core, { useMappedFiles: false, cachePages: 3 });
    let a = 12345;
    const rnd = () => (a = (a * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const dumped = core.segments.filter((s) => s.filesz > 0);
    try {
      for (let i = 0; i < 600; i++) {
        const s = dumped[Math.floor(rnd() * dumped.length)]!;
        const len = 1 + Math.floor(rnd() * (rnd() < 0.8 ? 64 : 40000));
        const off = Math.floor(rnd() * Math.max(1, s.filesz - len));
        if (off + len > s.filesz) continue;
        assert.deepEqual(mem.read(s.vaddr + BigInt(off), len), buf.subarray(s.offset + off, s.offset + off + len));
      }
    } finally {
      mem.close();
      core.close();
    }
  });
});
