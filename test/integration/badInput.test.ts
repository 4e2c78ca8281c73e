// Bad input (issue 3): empty, non-ELF, ELF32, executable as core, core of a non-Go program,
// mismatched binary, a real core truncated at many lengths, and a seeded mutation fuzz over real
// cores and binaries. Every input must end in success or a typed CoreReadError, quickly.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readBuildIds } from '../../src/core/buildid.js';
import { readBuildInfo } from '../../src/core/buildinfo.js';
import { decompressCoreSync } from '../../src/core/compressed.js';
import { CoreFile } from '../../src/core/coreFile.js';
import { ElfFile, SHF_COMPRESSED } from '../../src/core/elf.js';
import { BuildIdMismatchError, CoreReadError, type CoreErrorKind } from '../../src/core/errors.js';
import { buildInfoFromCore, coreBuildIds, executableMapping, openCoreWithBinary } from '../../src/core/executable.js';
import { Dwarf } from '../../src/core/dwarf.js';
import * as F from '../../src/core/dwarfForms.js';
import { CoreMemory } from '../../src/core/memory.js';
import { NativeSourceIndex } from '../../src/core/nativeSource.js';
import { BufferSource, type ByteSource } from '../../src/core/source.js';
import { fixture, listFixtures } from '../support/fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'gci-bad-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function expectKind(fn: () => unknown, kind: CoreErrorKind | CoreErrorKind[], file?: string): CoreReadError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof CoreReadError, `expected a CoreReadError, got ${String(caught)}`);
  const kinds = Array.isArray(kind) ? kind : [kind];
  assert.ok(kinds.includes(caught.kind), `kind ${caught.kind} (${caught.message}), expected ${kinds.join('|')}`);
  if (file !== undefined) {
    assert.equal(caught.file, file);
    assert.ok(caught.message.includes(file), `message names the file: ${caught.message}`);
  }
  return caught;
}

const index = fixture('index', '1.22');

describe('bad files', () => {
  it('empty file', () => {
    const p = join(tmp, 'core.empty');
    writeFileSync(p, '');
    const e = expectKind(() => CoreFile.open(p), 'empty', p);
    assert.match(e.message, /empty/);
    expectKind(() => openCoreWithBinary(p), 'empty', p);
  });

  it('not an ELF file', () => {
    const p = join(tmp, 'notes.txt');
    writeFileSync(p, 'hello, this is not a core\n'.repeat(10));
    expectKind(() => CoreFile.open(p), 'not-elf', p);
    expectKind(() => ElfFile.open(p), 'not-elf', p);
  });

  it('a 32-bit ELF', () => {
    // A minimal, valid ELF32 header: i386 ET_CORE, no program headers.
    const h = Buffer.alloc(52);
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]).copy(h);
    h.writeUInt16LE(4, 16); // ET_CORE
    h.writeUInt16LE(3, 18); // EM_386
    h.writeUInt32LE(1, 20);
    h.writeUInt16LE(52, 40); // e_ehsize
    h.writeUInt16LE(32, 42); // e_phentsize
    const p = join(tmp, 'core.32');
    writeFileSync(p, h);
    const e = expectKind(() => CoreFile.open(p), 'elf32', p);
    assert.match(e.message, /32-bit/);
  });

  it('an executable passed as the core', () => {
    const e = expectKind(() => CoreFile.open(index.prog), 'not-core', index.prog);
    assert.match(e.message, /not a core/);
  });

  it('a core passed as the executable', () => {
    expectKind(() => openCoreWithBinary(index.core, index.core), 'not-executable', index.core);
  });

  it('the core of a non-Go program (sleep killed by SIGSEGV)', () => {
    const dir = mkdtempSync(join(tmp, 'sleep-'));
    try {
      execFileSync('bash', ['-c', 'ulimit -c unlimited; sleep 30 & p=$!; sleep 0.3; kill -SEGV $p; wait $p; true'], {
        cwd: dir,
        timeout: 30_000,
        stdio: 'ignore',
      });
    } catch {
      /* the shell reports the child's death; the core is what matters */
    }
    const core = join(dir, 'core');
    assert.ok(existsSync(core), 'the kernel wrote a core for sleep (core_pattern `core`)');
    const c = CoreFile.open(core); // a valid core...
    assert.equal(c.signal?.signo, 11);
    assert.equal(coreBuildIds(c).go, undefined);
    c.close();
    const e = expectKind(() => openCoreWithBinary(core), 'not-go', core); // ...but not of a Go program
    assert.match(e.message, /not the core of a Go program/);
  });

  it('a binary that does not match the core', () => {
    const other = fixture('custom-error', '1.22');
    const e = expectKind(() => openCoreWithBinary(index.core, other.prog), 'build-id-mismatch', other.prog);
    assert.ok(e instanceof BuildIdMismatchError);
    assert.ok(e.message.includes(index.core));
  });
});

/** Everything a reader of a core would do with it, to exercise every path on bad input. */
function exerciseCore(src: ByteSource, exe?: ElfFile): void {
  const core = new CoreFile(src);
  coreBuildIds(core);
  buildInfoFromCore(core);
  const mem = new CoreMemory(core, exe ? { executable: exe } : { useMappedFiles: false });
  for (const t of core.threads.slice(0, 8)) {
    mem.tryRead(t.sp, 64);
    mem.tryRead(t.pc, 16);
  }
  void core.crashingThread;
  mem.close();
}

function exerciseBinary(src: ByteSource): void {
  const elf = new ElfFile(src);
  readBuildIds(elf);
  try {
    readBuildInfo(elf);
  } catch (e) {
    if (!(e instanceof CoreReadError)) throw e;
  }
  elf.symbols();
  const z = elf.sections.find((s) => (s.flags & SHF_COMPRESSED) !== 0n && s.size < 4096);
  if (z) elf.sectionData(z);
}

/** Runs fn, requires success or a CoreReadError; returns the time taken in ms. */
function timed(label: string, fn: () => void): number {
  const t0 = performance.now();
  try {
    fn();
  } catch (e) {
    if (!(e instanceof CoreReadError)) {
      throw new Error(`${label}: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
    }
  }
  return performance.now() - t0;
}

describe('truncated core', () => {
  const full = readFileSync(index.core);
  const core = CoreFile.open(index.core);
  const headersEnd = core.elf.header.phoff + core.elf.programHeaders.length * core.elf.header.phentsize;
  const notes = core.elf.programHeaders.filter((p) => p.type === 4);
  const notesStart = notes[0]!.offset;
  const notesEnd = notes[0]!.offset + notes[0]!.filesz;
  const dumped = core.segments.filter((s) => s.filesz > 0);
  core.close();
  const lengths = new Set<number>([0, 1, 3, 4, 15, 16, 17, 40, 63, 64, 65, 100]);
  for (let i = 1; i <= 10; i++) lengths.add(64 + Math.floor(((headersEnd - 64) * i) / 11));
  for (let i = 0; i <= 14; i++) lengths.add(notesStart + Math.floor(((notesEnd - notesStart) * i) / 15));
  for (let i = 0; i < 12; i++) {
    const s = dumped[Math.floor((dumped.length * i) / 12)]!;
    lengths.add(s.offset + Math.floor(s.filesz / 2));
  }
  lengths.add(full.length - 1);
  const sorted = [...lengths].filter((n) => n < full.length).sort((a, b) => a - b);

  it(`is rejected with 'truncated' by CoreFile at ${sorted.length} lengths (written as files), and opened with what is there past its notes`, () => {
    assert.ok(sorted.length >= 40);
    let max = 0;
    for (const len of sorted) {
      const p = join(tmp, `core.trunc`);
      writeFileSync(p, full.subarray(0, len));
      const t0 = performance.now();
      const e = expectKind(() => CoreFile.open(p), len === 0 ? 'empty' : 'truncated', p);
      if (len > notesEnd)
        assert.match(
          e.message,
          /segment \d+ .* ends at byte 0x[0-9a-f]+ but the file has 0x[0-9a-f]+ bytes.*ulimit -c unlimited/,
        );
      if (len > notesEnd) {
        // Past the notes, openCoreWithBinary opens what is there and says what is missing.
        const cw = openCoreWithBinary(p, index.prog);
        assert.equal(cw.core.truncation?.actualBytes, len);
        assert.equal(cw.core.truncation?.expectedBytes, full.length);
        assert.ok(cw.core.truncation!.missingSegments.length > 0);
        cw.close();
      } else expectKind(() => openCoreWithBinary(p, index.prog), len === 0 ? 'empty' : 'truncated', p);
      max = Math.max(max, performance.now() - t0);
    }
    console.log(`truncation: ${sorted.length} lengths, max ${max.toFixed(1)} ms per input`);
    assert.ok(max < 1000, `slowest truncated input took ${max} ms`);
  });

  it('with allowTruncated, opens and reports missing bytes as truncated on read', () => {
    const s = dumped[Math.floor(dumped.length / 2)]!;
    const c = CoreFile.open(full.subarray(0, s.offset + 10), { name: 'cut', allowTruncated: true });
    const mem = new CoreMemory(c, { useMappedFiles: false });
    assert.equal(mem.read(s.vaddr, 10).length, 10);
    const e = expectKind(() => mem.read(s.vaddr + 10n, 10), 'unavailable', 'cut');
    assert.match(e.message, /lies in the part of the core that was cut off/);
    c.close();
  });
});

/** A source over a file's bytes with a sparse overlay of mutated bytes (no copy of the file). */
class PatchedSource implements ByteSource {
  readonly name: string;
  constructor(
    private readonly base: Buffer,
    private readonly patch: Map<number, number>,
    name: string,
  ) {
    this.name = name;
  }
  get size(): number {
    return this.base.length;
  }
  read(offset: number, len: number, what = 'data'): Buffer {
    const b = new BufferSource(this.base, this.name).read(offset, len, what);
    let out: Buffer | undefined;
    for (const [at, v] of this.patch) {
      if (at < offset || at >= offset + len) continue;
      out ??= Buffer.from(b);
      out[at - offset] = v;
    }
    return out ?? b;
  }
  close(): void {}
}

/** mulberry32: small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [
  0n,
  1n,
  0x7fn,
  0x80n,
  0xffn,
  0xffffn,
  0x7fffffffn,
  0xffffffffn,
  0x100000000n,
  0x7fffffffffffffffn,
  0xffffffffffffffffn,
  0x1000n,
];

/** 1-4 random mutations (bit flip, random byte, interesting 4/8-byte value) inside the regions. */
function mutate(base: Buffer, regions: [number, number][], rnd: () => number): Map<number, number> {
  const patch = new Map<number, number>();
  const n = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < n; i++) {
    const [lo, hi] = regions[Math.floor(rnd() * regions.length)]!;
    const at = lo + Math.floor(rnd() * Math.max(1, hi - lo));
    if (at >= base.length) continue;
    const cur = patch.get(at) ?? base[at]!;
    const kind = rnd();
    if (kind < 0.4) patch.set(at, cur ^ (1 << Math.floor(rnd() * 8)));
    else if (kind < 0.7) patch.set(at, Math.floor(rnd() * 256));
    else {
      const v = INTERESTING[Math.floor(rnd() * INTERESTING.length)]!;
      const w = rnd() < 0.5 ? 4 : 8;
      for (let j = 0; j < w && at + j < base.length; j++) patch.set(at + j, Number((v >> BigInt(8 * j)) & 0xffn));
    }
  }
  return patch;
}

describe('seeded mutation fuzz', () => {
  const coreFixtures = [fixture('index', '1.19'), fixture('index-pie', '1.27'), fixture('many-goroutines', '1.24')];
  const binFixtures = [fixture('index', '1.22'), fixture('index-stripped', '1.27'), fixture('index-pie', '1.19')];
  const perCore = 2200;
  const perBinary = 1200;

  it(`${coreFixtures.length * perCore} mutated cores (headers and notes) end in success or a CoreReadError`, () => {
    let max = 0;
    let errors = 0;
    let total = 0;
    for (const [k, f] of coreFixtures.entries()) {
      const base = readFileSync(f.core);
      const c = CoreFile.open(base, { name: f.core });
      const notes = c.elf.programHeaders.filter((p) => p.type === 4);
      // In the core's memory: the executable's first page (ELF header, program headers, build ID
      // note) and the start of its writable segment (.go.buildinfo).
      const inCore = (addr: bigint, len: number): [number, number][] => {
        const seg = c.segmentFor(addr);
        if (!seg || addr - seg.vaddr >= BigInt(seg.filesz)) return [];
        const off = seg.offset + Number(addr - seg.vaddr);
        return [[off, off + len]];
      };
      const em = executableMapping(c)!;
      const bi = buildInfoFromCore(c)!;
      const regions: [number, number][] = [
        [0, 64],
        [c.elf.header.phoff, c.elf.header.phoff + c.elf.programHeaders.length * 56],
        ...notes.map((p): [number, number] => [p.offset, p.offset + p.filesz]),
        ...notes.map((p): [number, number] => [p.offset, p.offset + 2048]), // NT_PRSTATUS/PRPSINFO/SIGINFO
        ...inCore(em.imageBase, 0x1000),
        ...inCore(bi.address, 0x200),
      ];
      assert.equal(regions.length, 2 + 2 * notes.length + 2, 'build ID page and buildinfo are in the core');
      c.close();
      const exe = ElfFile.open(f.prog);
      const rnd = prng(0x5eed + k);
      for (let i = 0; i < perCore; i++) {
        const src = new PatchedSource(base, mutate(base, regions, rnd), `${f.core}#${i}`);
        const ms = timed(`${f.fixture} go${f.goMinor} mutation ${i}`, () => {
          try {
            exerciseCore(src, i % 2 === 0 ? exe : undefined);
          } catch (e) {
            errors++;
            throw e;
          }
        });
        max = Math.max(max, ms);
        total++;
      }
      exe.close();
    }
    console.log(`core fuzz: ${total} inputs, ${errors} typed errors, max ${max.toFixed(1)} ms per input`);
    assert.ok(max < 1000, `slowest input took ${max} ms`);
  });

  it(`${binFixtures.length * perBinary} mutated binaries (headers, notes, buildinfo, section table) end in success or a CoreReadError`, () => {
    let max = 0;
    let errors = 0;
    let total = 0;
    for (const [k, f] of binFixtures.entries()) {
      const base = readFileSync(f.prog);
      const e = ElfFile.open(base, { name: f.prog });
      const sec = (n: string): [number, number][] => {
        const s = e.section(n);
        return s ? [[s.offset, s.offset + Math.min(s.size, 512)]] : [];
      };
      const sh = e.header.shoff;
      const regions: [number, number][] = [
        [0, 64],
        [e.header.phoff, e.header.phoff + e.programHeaders.length * 56],
        [sh, sh + e.sections.length * 64],
        ...sec('.note.go.buildid'),
        ...sec('.go.buildinfo'),
        ...sec('.shstrtab'),
        ...sec('.debug_abbrev'),
        ...sec('.symtab'),
      ];
      e.close();
      const rnd = prng(0xb1 + k);
      for (let i = 0; i < perBinary; i++) {
        const src = new PatchedSource(base, mutate(base, regions, rnd), `${f.prog}#${i}`);
        const ms = timed(`${f.fixture} go${f.goMinor} mutation ${i}`, () => {
          try {
            exerciseBinary(src);
          } catch (err) {
            errors++;
            throw err;
          }
        });
        max = Math.max(max, ms);
        total++;
      }
    }
    console.log(`binary fuzz: ${total} inputs, ${errors} typed errors, max ${max.toFixed(1)} ms per input`);
    assert.ok(max < 1000, `slowest input took ${max} ms`);
  });

  it('mutated C DWARF of a cgo binary (its C units in .debug_info, their .debug_line tables): C source frames end bounded, typed', () => {
    // The faulting pc of cgo-inlined-fault lies in a C unit with an inlined subroutine (issue 12).
    const f = fixture('cgo-inlined-fault', '1.24');
    const e = ElfFile.open(f.prog);
    const sec = (n: string) => e.sectionData(n);
    const info = sec('.debug_info')!;
    const abbrev = sec('.debug_abbrev')!;
    const line = sec('.debug_line')!;
    const rest = { str: sec('.debug_str'), lineStr: sec('.debug_line_str'), rnglists: sec('.debug_rnglists'), ranges: sec('.debug_ranges') };
    const fault = e.symbols().find((x) => x.name === 'sum_counts')!.value + 0x18n; // sum_counts+0x18, the traceback's PC=
    e.close();
    const clean = new Dwarf({ info, abbrev, str: rest.str, lineStr: rest.lineStr }, f.prog);
    const cUnits = clean.units.filter((u) => clean.entryAt(u.firstDie)?.attrs.get(F.DW_AT_language) !== BigInt(F.DW_LANG_Go));
    assert.ok(cUnits.length > 0, 'the cgo binary has C units');
    const expected = NativeSourceIndex.fromSections(clean, { line, ...rest }, f.prog).framesAt(fault);
    assert.deepEqual(expected.map((x) => x.function), ['read_count', 'sum_counts'], 'the unmutated index names the inlined C function');
    const infoRegions = cUnits.map((u): [number, number] => [u.offset, u.end]);
    const stmts = cUnits.map((u) => clean.entryAt(u.firstDie)?.attrs.get(F.DW_AT_stmt_list)).filter((x): x is number => typeof x === 'number');
    const lineRegions = stmts.map((o): [number, number] => [o, Math.min(line.length, o + 400)]);
    const rnd = prng(0xc0de);
    let max = 0;
    let answered = 0;
    const n = 600;
    for (let i = 0; i < n; i++) {
      const mutInfo = i % 2 === 0;
      const base = mutInfo ? info : line;
      const patch = mutate(base, mutInfo ? infoRegions : lineRegions, rnd);
      const buf = Buffer.from(base);
      for (const [at, v] of patch) buf[at] = v;
      const ms = timed(`C DWARF mutation ${i}`, () => {
        const d = new Dwarf({ info: mutInfo ? buf : info, abbrev, str: rest.str, lineStr: rest.lineStr }, `${f.prog}#${i}`);
        const idx = NativeSourceIndex.fromSections(d, { line: mutInfo ? line : buf, ...rest }, `${f.prog}#${i}`);
        for (const pc of [fault, fault - 0x18n, fault + 0x40n]) {
          const frames = idx.framesAt(pc); // never throws: a corrupt unit answers nothing
          assert.ok(frames.length <= 64, `${frames.length} frames`);
          if (pc === fault && frames.length > 0) answered++;
        }
      });
      max = Math.max(max, ms);
    }
    console.log(`C DWARF fuzz: ${n} inputs, ${answered} answered at the fault, max ${max.toFixed(1)} ms per input`);
    assert.ok(answered > 0, 'some mutations leave the answer readable');
    assert.ok(max < 1000, `slowest input took ${max} ms`);
  });

  it('a mutated binary against its real core: mismatch or success, typed', () => {
    const f = fixture('index', '1.22');
    const base = readFileSync(f.prog);
    const e = ElfFile.open(base, { name: f.prog });
    const note = e.section('.note.go.buildid')!;
    e.close();
    const rnd = prng(42);
    let mismatches = 0;
    for (let i = 0; i < 50; i++) {
      const patch = mutate(base, [[note.offset + 16, note.offset + note.size]], rnd);
      timed(`mutated build ID ${i}`, () => {
        try {
          openCoreWithBinary(f.core, new PatchedSource(base, patch, `prog#${i}`)).close();
        } catch (e) {
          if (e instanceof BuildIdMismatchError) mismatches++;
          throw e;
        }
      });
    }
    assert.ok(mismatches > 40, `${mismatches} of 50 changed build IDs were detected`);
  });
});

describe('fixtures for bad input exist', () => {
  it('lists fixtures', () => assert.ok(listFixtures({ fixture: 'index' }).length > 0));
});

describe('compressed cores: cut short and mutated streams end in a typed error or a bounded success', () => {
  const f = fixture('index', '1.22');
  const formats: ['zstd' | 'xz' | 'lz4', string[]][] = [
    ['zstd', ['zstd', '-q', '-c']],
    ['xz', ['xz', '-T1', '-c']],
    ['lz4', ['lz4', '-q', '-c']],
  ];
  for (const [format, cmd] of formats) {
    it(`${format}: 40 cut lengths and 150 seeded mutations of a real core's compressed stream`, () => {
      const z = execFileSync(cmd[0]!, [...cmd.slice(1), f.core], { maxBuffer: 1 << 30 });
      const dir = mkdtempSync(join(tmp, `z-${format}-`));
      const maxBytes = 64 << 20; // the core is ~40 MiB: a mutation may not decompress to more
      const kinds = new Map<string, number>();
      let max = 0;
      let i = 0;
      const attempt = (bytes: Buffer, label: string): void => {
        const p = join(dir, `in-${i++}`);
        writeFileSync(p, bytes);
        const ms = timed(label, () => {
          try {
            const r = decompressCoreSync(p, format, { dir: join(dir, 'out'), maxBytes, timeoutMs: 20_000 });
            kinds.set('ok', (kinds.get('ok') ?? 0) + 1);
            rmSync(r.path, { force: true });
          } catch (e) {
            if (e instanceof CoreReadError) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
            throw e;
          } finally {
            rmSync(p, { force: true });
          }
        });
        max = Math.max(max, ms);
      };
      for (let k = 1; k <= 40; k++) attempt(z.subarray(0, Math.floor((z.length * k) / 41)), `${format} cut ${k}`);
      assert.ok((kinds.get('truncated') ?? 0) + (kinds.get('corrupt') ?? 0) >= 35, `cut streams: ${JSON.stringify([...kinds])}`);
      const rnd = prng(0x2c0 + format.length);
      for (let n = 0; n < 150; n++) {
        // Headers and block headers live near the start; mutate there half the time.
        const region: [number, number] = n % 2 === 0 ? [0, Math.min(z.length, 256)] : [0, z.length];
        const patch = mutate(z, [region], rnd);
        const b = Buffer.from(z);
        for (const [at, v] of patch) b[at] = v;
        attempt(b, `${format} mutation ${n}`);
      }
      console.log(`${format}: ${i} inputs, ${JSON.stringify(Object.fromEntries(kinds))}, max ${max.toFixed(0)} ms per input`);
      assert.ok(max < 20_000, `slowest input took ${max} ms`);
      // No partial output is left behind.
      assert.deepEqual(readdirSync(join(dir, 'out')), []);
    });
  }
});
