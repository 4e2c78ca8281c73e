// The pclntab reader on the fixture binaries of every provisioned Go version:
// - every function `go tool nm` lists as T/t has the same entry in our function table;
// - pc→file:line (with inline expansion) for every pc= the runtime's traceback printed equals the
//   traceback's function/file:line (the traceback is the oracle);
// - stripped (-s -w) binaries keep their pclntab; moduledata is found without symbols.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { ElfFile } from '../../src/core/elf.js';
import { GoSymbols } from '../../src/core/symbols.js';
import { parseTraceback, type Frame } from '../../src/traceback/parse.js';
import { cacheDir, goroot, listFixtures, type Fixture } from '../support/fixtures.js';

function printedName(fn: string): string {
  if (fn === 'runtime.gopanic') return 'panic';
  const open = fn.indexOf('[');
  const close = fn.lastIndexOf(']');
  return open >= 0 && close > open ? fn.slice(0, open) + '[...]' + fn.slice(close + 1) : fn;
}

/**
 * The same function as the symbol table and the pclntab spell it: nm marks the ABI0 body of an
 * assembly function with `.abi0`, the symbol table writes `.` where the pclntab keeps the
 * linker's `·`, and the pclntab abbreviates brackets of some generated names to `[...]`.
 */
function canonical(name: string): string {
  return printedName(name.replace(/\.abi0$/, '').replace(/·/g, '.'));
}

function nmText(fx: Fixture): [string, bigint][] {
  const go = join(goroot(fx.goMinor), 'bin', 'go');
  const out = execFileSync(go, ['tool', 'nm', fx.prog], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, GOTOOLCHAIN: 'local', GOCACHE: join(cacheDir(), 'gocache'), GOPATH: join(cacheDir(), 'gopath'), GOFLAGS: '-mod=mod' },
  });
  const m: [string, bigint][] = [];
  for (const line of out.split('\n')) {
    const r = /^\s*([0-9a-f]+)\s+[0-9]*\s*([Tt])\s+(\S.*)$/.exec(line);
    if (r) m.push([r[3]!, BigInt('0x' + r[1]!)]);
  }
  return m;
}

const fixtures = listFixtures({ fixture: /^(index|index-pie|index-stripped|nilptr-goroutine|map-writes)$/ });

describe('pclntab: function table vs go tool nm', () => {
  for (const fx of fixtures.filter((f) => f.fixture === 'index' || f.fixture === 'index-pie')) {
    it(`${fx.fixture} go${fx.goMinor}`, () => {
      const exe = ElfFile.open(fx.prog);
      try {
        const syms = GoSymbols.load(exe);
        const nm = nmText(fx);
        let checked = 0;
        const missing: string[] = [];
        // A name can appear twice (ABI0 and ABIInternal bodies of an assembly function): each
        // address nm lists must be the entry of a function of that name.
        for (const [name, addr] of nm) {
          // Linker-made text markers (runtime.text/etext, go:buildid) are symbols, not functions.
          if (/^(runtime\.(e?text|etext)|go:buildid|go\.buildid)$/.test(name)) continue;
          const f = syms.funcForPC(addr);
          if (!f || f.entry !== addr) {
            missing.push(`${name}@0x${addr.toString(16)}`);
            continue;
          }
          assert.equal(canonical(f.name), canonical(name), `function at 0x${addr.toString(16)}`);
          assert.ok(syms.funcByName(f.name), `funcByName(${f.name})`);
          checked++;
        }
        assert.deepEqual(missing, [], `nm T symbols absent from the pclntab`);
        assert.ok(checked > 500, `only ${checked} functions checked`);
        assert.ok(syms.moduledata, 'moduledata not found');
      } finally {
        exe.close();
      }
    });
  }
});

describe('pclntab: pc → function, file:line (inline expanded) vs the traceback', () => {
  for (const fx of fixtures) {
    it(`${fx.fixture} go${fx.goMinor}`, () => {
      const exe = ElfFile.open(fx.prog);
      try {
        const syms = GoSymbols.load(exe);
        const tb = parseTraceback(fx.traceback);
        let checked = 0;
        for (const stack of [...tb.goroutines, ...tb.runtimeStacks]) {
          const frames = stack.frames;
          let pendingInlined: Frame[] = [];
          let prevPhysical: Frame | undefined;
          for (const fr of frames) {
            if (fr.inlined) {
              pendingInlined.push(fr);
              continue;
            }
            if (fr.pc !== undefined && fx.fixture !== 'index-pie') {
              const exact = prevPhysical?.func === 'runtime.sigpanic';
              const ours = syms.frames(fr.pc, { isCallReturn: !exact });
              const printed = [...pendingInlined, fr];
              assert.deepEqual(
                ours.map((o) => `${printedName(o.function)} ${o.file}:${o.line}`),
                printed.map((p) => `${p.func} ${p.file}:${p.lineNumber}`),
                `frames at pc=0x${fr.pc.toString(16)}`,
              );
              checked++;
            }
            pendingInlined = [];
            prevPhysical = fr;
          }
        }
        if (fx.fixture !== 'index-pie') assert.ok(checked >= 3, `only ${checked} printed pcs checked`);
      } finally {
        exe.close();
      }
    });
  }
});

describe('pclntab: stripped binaries', () => {
  for (const fx of fixtures.filter((f) => f.fixture === 'index-stripped')) {
    it(`index-stripped go${fx.goMinor}: same functions as the unstripped build, moduledata found`, () => {
      const full = listFixtures({ fixture: 'index', goMinor: fx.goMinor })[0]!;
      const a = ElfFile.open(fx.prog);
      const b = ElfFile.open(full.prog);
      try {
        assert.equal(a.symbols().length, 0, 'the stripped fixture still has .symtab');
        const sa = GoSymbols.load(a);
        const sb = GoSymbols.load(b);
        assert.ok(sa.moduledata, 'moduledata not found without symbols');
        assert.equal(sa.moduledata.layout, sb.moduledata?.layout);
        const names = (s: GoSymbols): string[] => [...s.pclntab.funcs()].map((f) => f.name).sort();
        assert.deepEqual(names(sa), names(sb));
        assert.equal(sa.addressOf('runtime.firstmoduledata'), sa.moduledata.addr);
      } finally {
        a.close();
        b.close();
      }
    });
  }
});

describe('pclntab: without section headers', () => {
  for (const fx of fixtures.filter((f) => f.fixture === 'index-stripped' || f.fixture === 'index-pie')) {
    it(`${fx.fixture} go${fx.goMinor}: found by scanning the segments`, () => {
      const buf = Buffer.from(readFileSync(fx.prog));
      // Drop the section header table: e_shoff = 0, e_shnum = 0, e_shstrndx = 0.
      buf.writeBigUInt64LE(0n, 0x28);
      buf.writeUInt16LE(0, 0x3c);
      buf.writeUInt16LE(0, 0x3e);
      const bare = ElfFile.open(buf, { name: 'no-sections' });
      const full = ElfFile.open(fx.prog);
      try {
        assert.equal(bare.sections.length, 0);
        const a = GoSymbols.load(bare);
        const b = GoSymbols.load(full);
        assert.equal(a.pclntabAddr, b.pclntabAddr);
        assert.equal(a.pclntab.funcCount, b.pclntab.funcCount);
        assert.equal(a.moduledata?.addr, b.moduledata?.addr);
        assert.equal(a.moduledata?.gofunc, b.moduledata?.gofunc);
        const main = a.funcByName('main.main');
        assert.ok(main && main.entry === b.funcByName('main.main')?.entry);
      } finally {
        bare.close();
        full.close();
      }
    });
  }
});

describe('pclntab: a real table', () => {
  it('decodes every function of a real table without error', () => {
    const fx = fixtures.find((f) => f.fixture === 'index')!;
    const exe = ElfFile.open(fx.prog);
    try {
      const tab = GoSymbols.load(exe).pclntab;
      for (const f of tab.funcs()) {
        assert.ok(f.end > f.entry, `${f.name}: empty range`);
        assert.equal(tab.spDelta(f, f.entry), 0, `${f.name}: sp delta at entry`);
      }
    } finally {
      exe.close();
    }
  });
});

describe('unwind: garbage never loops', () => {
  it('ends with a reason on self-referencing, random and unmapped stacks', async () => {
    const { unwind } = await import('../../src/core/unwind.js');
    const { BufferMemory } = await import('../../src/core/memory.js');
    const fx = fixtures.find((f) => f.fixture === 'index')!;
    const exe = ElfFile.open(fx.prog);
    try {
      const tab = GoSymbols.load(exe).pclntab;
      const f = tab.funcByName('main.main')!;
      const pc = f.entry + 8n;
      const base = 0xc000000000n;
      // Every word is a pc inside main.main: without the sp check this would recurse forever.
      const self = Buffer.alloc(1 << 16);
      for (let i = 0; i < self.length; i += 8) self.writeBigUInt64LE(pc, i);
      const r1 = unwind(tab, new BufferMemory(base, self), { pc, sp: base + 0x100n, bp: 0n });
      assert.ok(r1.frames.length <= 1000 && r1.stop !== 'top', `${r1.stop}`);
      // Random words.
      let seed = 12345;
      const rnd = Buffer.alloc(1 << 16);
      for (let i = 0; i < rnd.length; i++) rnd[i] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
      for (let k = 0; k < 200; k++) {
        const r = unwind(tab, new BufferMemory(base, rnd), { pc: f.entry + BigInt(k % 64), sp: base + BigInt(k * 64), bp: 0n });
        assert.ok(r.frames.length <= 1000, `walk ${k}: ${r.frames.length} frames`);
      }
      // Unmapped stack.
      const r3 = unwind(tab, new BufferMemory(base, Buffer.alloc(16)), { pc, sp: 0x1000n, bp: 0n });
      assert.equal(r3.stop, 'unreadable');
      // A pc in no function.
      assert.equal(unwind(tab, new BufferMemory(base, self), { pc: 0x10n, sp: base, bp: 0n }).stop, 'unknown-pc');
    } finally {
      exe.close();
    }
  });
});
