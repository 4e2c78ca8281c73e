// Core file reader on the real fixture cores. Oracles: gdb reading the same core (threads,
// registers, auxv, siginfo, mappings), the fixture's meta (exit code) and traceback.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { AMD64_REGS, AT_ENTRY, AT_PHDR, CoreFile, signalName } from '../../src/core/coreFile.js';
import { ElfFile } from '../../src/core/elf.js';
import { loadBias } from '../../src/core/memory.js';
import { listFixtures, type Fixture } from '../support/fixtures.js';

interface GdbView {
  threads: { lwp: number; regs: Record<string, bigint> }[];
  auxv: Map<number, bigint>;
  signo: number;
  code: number;
  mappings: { start: bigint; end: bigint; offset: bigint; path: string }[];
}

const GDB_REGS = [
  'rip',
  'rsp',
  'rbp',
  'rax',
  'rbx',
  'rcx',
  'rdx',
  'rsi',
  'rdi',
  'r8',
  'r9',
  'r10',
  'r11',
  'r12',
  'r13',
  'r14',
  'r15',
  'eflags',
  'fs_base',
];

function gdb(f: Fixture): GdbView {
  const out = execFileSync(
    'gdb',
    [
      '-batch',
      '-nx',
      '-ex',
      'info auxv',
      '-ex',
      'p $_siginfo.si_signo',
      '-ex',
      'p $_siginfo.si_code',
      '-ex',
      'info proc mappings',
      '-ex',
      `thread apply all info registers ${GDB_REGS.join(' ')}`,
      f.prog,
      f.core,
    ],
    { encoding: 'utf8', timeout: 60_000, maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const v: GdbView = { threads: [], auxv: new Map(), signo: -1, code: 0, mappings: [] };
  const prints: number[] = [];
  for (const line of out.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^(\d+)\s+(AT_\w+|\?\?\?)\s.*\s(0x[0-9a-f]+|\d+)( ".*")?$/.exec(line)))
      v.auxv.set(Number(m[1]), BigInt(m[3]!));
    else if ((m = /^\$\d+ = (-?\d+)$/.exec(line))) prints.push(Number(m[1]));
    else if ((m = /^\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+(\/.*)$/.exec(line)))
      v.mappings.push({ start: BigInt(m[1]!), end: BigInt(m[2]!), offset: BigInt(m[3]!), path: m[4]!.trim() });
    else if ((m = /^Thread \d+ \(LWP (\d+)\):/.exec(line))) v.threads.push({ lwp: Number(m[1]), regs: {} });
    else if ((m = /^(\w+)\s+(0x[0-9a-f]+)\s/.exec(line)) && v.threads.length > 0)
      v.threads[v.threads.length - 1]!.regs[m[1]!] = BigInt(m[2]!);
  }
  [v.signo, v.code] = [prints[0]!, prints[1]!];
  return v;
}

const all = listFixtures();

describe('CoreFile: every fixture core', () => {
  for (const f of all) {
    it(`${f.fixture} go${f.goMinor}`, () => {
      const core = CoreFile.open(f.core);
      try {
        assert.equal(core.arch, 'amd64');
        assert.ok(core.segments.length > 5);
        // Threads: plausible, unique tids, one of them the main thread (tid == pid).
        assert.ok(core.threads.length >= 2 && core.threads.length < 64, `${core.threads.length} threads`);
        const tids = core.threads.map((t) => t.tid);
        assert.equal(new Set(tids).size, tids.length);
        assert.ok(core.process, 'NT_PRPSINFO');
        assert.ok(tids.includes(core.process.pid), 'the main thread is in the core');
        assert.equal(core.process.fname, 'prog');
        assert.match(core.process.psargs, /prog/);
        for (const t of core.threads) {
          assert.equal(Object.keys(t.regs).length, AMD64_REGS.length);
          assert.equal(t.pc, t.regs.rip);
          assert.equal(t.sp, t.regs.rsp);
          assert.ok(t.sp !== 0n && t.pc !== 0n);
        }
        // GOTRACEBACK=crash: after printing the traceback the runtime re-raises SIGABRT; the
        // process dies of it (exit 134) and the kernel records it in NT_SIGINFO, sent by the
        // process itself with tgkill (SI_TKILL = -6), whatever signal started the crash.
        assert.ok(core.signal);
        const ct = core.crashingThread;
        if (f.coreSource === 'kernel') {
          assert.equal(core.signal.signo, f.exitCode - 128);
          assert.equal(signalName(core.signal.signo), 'SIGABRT');
          assert.equal(core.signal.code, -6);
          assert.equal(core.signal.senderPid, core.process.pid);
          assert.equal(core.signal.addr, undefined);
          // The crashing thread: the first whose pr_cursig is the siginfo signal; the kernel
          // writes the dumping thread first.
          assert.equal(ct.signal, core.signal.signo);
          assert.equal(ct.index, 0);
        } else {
          assert.ok(core.threads.includes(ct));
        }
        // auxv / NT_FILE: the executable's mapping contains AT_ENTRY, and AT_ENTRY is e_entry + bias.
        const entry = core.aux(AT_ENTRY)!;
        const m = core.mappingFor(entry);
        assert.ok(m, 'NT_FILE maps the entry point');
        assert.ok(m.path.endsWith('/prog'), m.path);
        const exe = ElfFile.open(f.prog);
        const bias = loadBias(core, exe);
        assert.equal(entry, exe.header.entry + bias);
        if (f.variant === 'pie') {
          assert.notEqual(bias, 0n);
          assert.equal(bias % 4096n, 0n);
        } else assert.equal(bias, 0n);
        exe.close();
        if (f.fixture === 'nilptr-goroutine') {
          // The runtime printed the original fault; the core only knows the final SIGABRT.
          assert.match(
            f.traceback,
            /\[signal SIGSEGV: segmentation violation code=0x1 addr=0x[0-9a-f]+ pc=0x[0-9a-f]+\]/,
          );
        }
      } finally {
        core.close();
      }
    });
  }
});

describe('CoreFile agrees with gdb', () => {
  const picked = all.filter(
    (f) =>
      ['index', 'index-pie', 'nilptr-goroutine', 'stack-overflow', 'many-goroutines'].includes(f.fixture) &&
      ['1.19', '1.27'].includes(f.goMinor),
  );
  it('has cores to compare', () => assert.ok(picked.length >= 5));
  for (const f of picked) {
    it(`${f.fixture} go${f.goMinor}: threads, registers, auxv, siginfo, mappings`, () => {
      const g = gdb(f);
      const core = CoreFile.open(f.core);
      try {
        assert.deepEqual(
          core.threads.map((t) => t.tid),
          g.threads.map((t) => t.lwp).reverse(),
        );
        for (const gt of g.threads) {
          const t = core.threads.find((x) => x.tid === gt.lwp)!;
          for (const r of GDB_REGS) assert.equal(t.regs[r], gt.regs[r], `LWP ${gt.lwp} ${r}`);
        }
        assert.equal(core.signal!.signo, g.signo);
        assert.equal(core.signal!.code, g.code);
        for (const [type, value] of g.auxv) if (type !== 0) assert.equal(core.aux(type), value, `auxv ${type}`);
        assert.equal(core.auxv.length, g.auxv.size - 1);
        assert.ok(core.aux(AT_PHDR) !== undefined);
        assert.deepEqual(
          core.files.map((x) => ({ start: x.start, end: x.end, offset: x.fileOffset, path: x.path })),
          g.mappings,
        );
      } finally {
        core.close();
      }
    });
  }
});
