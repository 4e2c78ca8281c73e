// ELF reader on the real fixture binaries, checked against binutils (readelf, objcopy).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ElfFile, ET_DYN, ET_EXEC, SHF_COMPRESSED, PT_LOAD } from '../../src/core/elf.js';
import { listFixtures, type Fixture } from '../support/fixtures.js';

const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { encoding: 'utf8', timeout: 30_000, maxBuffer: 64 << 20 });
const tmp = mkdtempSync(join(tmpdir(), 'gci-elf-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface RSection {
  name: string;
  addr: bigint;
  off: number;
  size: number;
  flags: string;
}
function readelfSections(path: string): RSection[] {
  const out: RSection[] = [];
  for (const line of run('readelf', ['-SW', path]).split('\n')) {
    const m =
      /^\s*\[\s*(\d+)\]\s+(\S*)\s+([A-Z_0-9]+)\s+([0-9a-f]{16})\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+([A-Z]*)\s/.exec(
        line,
      );
    if (m && m[1] !== '0')
      out.push({
        name: m[2]!,
        addr: BigInt('0x' + m[4]),
        off: parseInt(m[5]!, 16),
        size: parseInt(m[6]!, 16),
        flags: m[7]!,
      });
  }
  return out;
}

function readelfLoads(path: string): { off: number; vaddr: bigint; filesz: number; memsz: bigint }[] {
  return run('readelf', ['-lW', path])
    .split('\n')
    .filter((l) => /^\s+LOAD\s/.test(l))
    .map((l) => {
      const f = l.trim().split(/\s+/);
      return { off: parseInt(f[1]!, 16), vaddr: BigInt(f[2]!), filesz: parseInt(f[4]!, 16), memsz: BigInt(f[5]!) };
    });
}

// One binary per Go version and build variant.
const fixtures: Fixture[] = listFixtures({ fixture: /^index(-pie|-stripped)?$/ });

describe('ElfFile on fixture binaries', () => {
  it('finds the fixtures', () => assert.ok(fixtures.length >= 3));
  for (const f of fixtures) {
    it(`${f.fixture} go${f.goMinor}: headers, sections, segments, notes, symbols agree with readelf `, () => {
      const elf = ElfFile.open(f.prog);
      try {
        assert.equal(elf.header.arch, 'amd64');
        assert.equal(elf.header.type, f.variant === 'pie' ? ET_DYN : ET_EXEC);
        const entry = /Entry point address:\s+(0x[0-9a-f]+)/.exec(run('readelf', ['-hW', f.prog]))![1]!;
        assert.equal(elf.header.entry, BigInt(entry));

        const rs = readelfSections(f.prog);
        assert.deepEqual(
          elf.sections.slice(1).map((s) => [s.name, s.addr, s.offset, s.size]),
          rs.map((s) => [s.name, s.addr, s.off, s.size]),
        );
        const loads = readelfLoads(f.prog);
        assert.deepEqual(
          elf.programHeaders
            .filter((p) => p.type === PT_LOAD)
            .map((p) => ({ off: p.offset, vaddr: p.vaddr, filesz: p.filesz, memsz: p.memsz })),
          loads,
        );

        // The text read through the virtual address map equals the section's file bytes.
        const text = elf.section('.text')!;
        assert.deepEqual(elf.readVaddr(text.addr, 256), elf.readFile(text.offset, 256));
        const at = elf.vaddrToOffset(text.addr + 100n)!;
        assert.equal(at.offset, text.offset + 100);

        const notes = elf.sectionNotes('.note.go.buildid');
        assert.equal(notes.length, 1);
        assert.equal(notes[0]!.name, 'Go');
        assert.equal(notes[0]!.type, 4);

        if (f.variant === 'stripped') {
          assert.equal(elf.symbols().length, 0);
          assert.equal(elf.section('.debug_info'), undefined);
        } else {
          // readelf -sW: the .symtab block, entry by entry (index, value, size, type, bind, name).
          const text = run('readelf', ['-sW', f.prog]);
          const block = text.slice(text.indexOf("Symbol table '.symtab'"));
          const rows = block
            .split('\n')
            .map((l) => /^\s*(\d+): ([0-9a-f]{16})\s+(\d+|0x[0-9a-f]+)\s+(\S+)\s+(\S+)\s+\S+\s+\S+\s?(.*)$/.exec(l))
            .filter((m): m is RegExpExecArray => m !== null);
          const syms = elf.symbols();
          assert.equal(syms.length, rows.length);
          const types: Record<string, number> = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4, TLS: 6 };
          for (const m of rows) {
            const s = syms[Number(m[1])]!;
            assert.equal(s.value, BigInt('0x' + m[2]), `value of ${m[6]}`);
            assert.equal(s.size, BigInt(m[3]!), `size of ${m[6]}`);
            assert.equal(s.type, types[m[4]!], `type of ${m[6]}`);
            // readelf shortens very long names with [...]
            if (!m[6]!.endsWith('[...]')) assert.equal(s.name, m[6]);
          }
          assert.ok(elf.symbol('runtime.main'));
        }
      } finally {
        elf.close();
      }
    });
  }
});

describe('compressed debug sections', () => {
  const f =
    fixtures.find((x) => x.variant === 'default' && x.goMinor === '1.22') ??
    fixtures.find((x) => x.variant === 'default')!;

  it('SHF_COMPRESSED .debug_* inflate to what objcopy --decompress-debug-sections gives', () => {
    const plain = join(tmp, 'plain');
    run('objcopy', ['--decompress-debug-sections', f.prog, plain]);
    const a = ElfFile.open(f.prog);
    const b = ElfFile.open(plain);
    try {
      const compressed = a.sections.filter((s) => (s.flags & SHF_COMPRESSED) !== 0n);
      assert.ok(compressed.length > 0, 'Go compresses its DWARF');
      for (const s of compressed) {
        const want = b.sectionData(s.name)!;
        assert.ok(want.length > s.size, `${s.name} is bigger uncompressed`);
        assert.deepEqual(a.sectionData(s)!, want, s.name);
      }
    } finally {
      a.close();
      b.close();
    }
  });

  it('.zdebug_* ("ZLIB" + size) sections, as old toolchains wrote them, inflate too', () => {
    const plain = join(tmp, 'plain2');
    const gnu = join(tmp, 'zdebug');
    run('objcopy', ['--decompress-debug-sections', f.prog, plain]);
    run('objcopy', ['--compress-debug-sections=zlib-gnu', plain, gnu]);
    const a = ElfFile.open(gnu);
    const b = ElfFile.open(plain);
    try {
      const z = a.sections.filter((s) => s.name.startsWith('.zdebug_'));
      assert.ok(z.length > 0, 'objcopy wrote .zdebug_ sections');
      for (const s of z) {
        const plainName = '.debug_' + s.name.slice('.zdebug_'.length);
        assert.deepEqual(a.sectionData(plainName)!, b.sectionData(plainName)!, s.name);
      }
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('ElfFile from a Buffer', () => {
  it('reads the same as from the file', async () => {
    const { readFileSync } = await import('node:fs');
    const f = fixtures[0]!;
    const a = ElfFile.open(f.prog);
    const b = ElfFile.open(readFileSync(f.prog), { name: 'mem' });
    assert.deepEqual(
      b.sections.map((s) => s.name),
      a.sections.map((s) => s.name),
    );
    assert.equal(b.name, 'mem');
    a.close();
  });
});
