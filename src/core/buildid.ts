// Build IDs: the Go build ID (".note.go.buildid", owner "Go", type 4; or, for old binaries, the
// `\xff Go build ID: "..."` string at the start of the text) and the GNU build ID
// (NT_GNU_BUILD_ID, owner "GNU", type 3; present with external linking, usually absent with Go's
// internal linker). Read from a file, or from a process image in memory (a core).
import { ByteReader } from './bytes.js';
import { CoreReadError } from './errors.js';
import { ElfFile, parseNoteBuffer, PT_LOAD, PT_NOTE, type ElfNote } from './elf.js';
import type { Memory } from './memory.js';

export const NT_GO_BUILDID = 4;
export const NT_GNU_BUILD_ID = 3;
const GO_TEXT_PREFIX = Buffer.from('\xff Go build ID: "', 'latin1');

export interface BuildIds {
  /** Go build ID, e.g. "abc.../def..." (actionID/contentID pairs joined by '/'). */
  go?: string;
  /** GNU build ID as lowercase hex. */
  gnu?: string;
}

function fromNotes(notes: readonly ElfNote[]): BuildIds {
  const ids: BuildIds = {};
  for (const n of notes) {
    if (n.name === 'Go' && n.type === NT_GO_BUILDID && ids.go === undefined)
      ids.go = n.desc.toString('latin1').replace(/\0+$/, '');
    if (n.name === 'GNU' && n.type === NT_GNU_BUILD_ID && ids.gnu === undefined) ids.gnu = n.desc.toString('hex');
  }
  return ids;
}

/** Parses the old-style `\xff Go build ID: "<id>"\n \xff` text; undefined when absent. */
export function parseGoBuildIdText(buf: Buffer): string | undefined {
  const i = buf.indexOf(GO_TEXT_PREFIX);
  if (i < 0) return undefined;
  const start = i + GO_TEXT_PREFIX.length;
  const end = buf.indexOf(0x22, start);
  if (end < 0 || end - start > 1024) return undefined;
  return buf.toString('latin1', start, end);
}

/** Go and GNU build IDs of an executable file (undefined fields when absent). */
export function readBuildIds(elf: ElfFile): BuildIds {
  let ids = fromNotes([...elf.sectionNotes('.note.go.buildid'), ...elf.sectionNotes('.note.gnu.build-id')]);
  if (ids.go === undefined || ids.gnu === undefined) {
    const more = fromNotes(elf.notes('segments'));
    ids = { go: ids.go ?? more.go, gnu: ids.gnu ?? more.gnu };
  }
  if (ids.go === undefined) {
    const text = elf.section('.text');
    if (text && text.size > 0) {
      const id = parseGoBuildIdText(elf.readFile(text.offset, Math.min(text.size, 4096), 'start of .text'));
      if (id !== undefined) ids.go = id;
    }
  }
  return ids;
}

/**
 * Build IDs of an ELF image mapped at `imageBase` in a process (the address where file offset 0
 * is mapped), read through Memory: ELF header, program headers, then the PT_NOTE contents, each
 * at imageBase + p_offset (the notes lie in the first, offset-0 PT_LOAD). Undefined fields when
 * the bytes are not readable or hold no such note.
 */
export function readBuildIdsFromMemory(mem: Memory, imageBase: bigint, file: string): BuildIds {
  const hdr = mem.tryRead(imageBase, 64);
  if (!hdr || hdr.readUInt32BE(0) !== 0x7f454c46 || hdr[4] !== 2) return {};
  const le = hdr[5] === 1;
  const r = new ByteReader(hdr, { littleEndian: le, file, what: 'in-memory ELF header' });
  const phoff = r.u64(32);
  const phentsize = r.u16(54);
  const phnum = r.u16(56);
  if (phentsize < 56 || phnum === 0 || phnum > 256 || phoff > 0x100000n) return {};
  const ph = mem.tryRead(imageBase + phoff, phentsize * phnum);
  if (!ph) return {};
  const pr = new ByteReader(ph, { littleEndian: le, file, what: 'in-memory program headers' });
  let firstLoadEnd = 0n;
  for (let i = 0; i < phnum; i++) {
    const o = i * phentsize;
    if (pr.u32(o) === PT_LOAD && pr.u64(o + 8) === 0n) firstLoadEnd = pr.u64(o + 32);
  }
  const notes: ElfNote[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = i * phentsize;
    if (pr.u32(o) !== PT_NOTE) continue;
    const off = pr.u64(o + 8);
    const size = pr.u64(o + 32);
    if (size === 0n || size > 0x10000n || off + size > firstLoadEnd) continue;
    const buf = mem.tryRead(imageBase + off, Number(size));
    if (!buf) continue;
    try {
      notes.push(...parseNoteBuffer(buf, le, pr.u64(o + 48) === 8n ? 8 : 4, file, 'in-memory PT_NOTE'));
    } catch (e) {
      if (!(e instanceof CoreReadError)) throw e;
    }
  }
  const ids = fromNotes(notes);
  if (ids.gnu === undefined && firstLoadEnd > 0n) {
    // Go's linker writes .note.gnu.build-id in the first page, right after .note.go.buildid, but
    // covers only the Go note with a PT_NOTE: look for the GNU note itself (namesz 4, type 3, "GNU").
    const page = mem.tryRead(imageBase, Number(firstLoadEnd < 0x1000n ? firstLoadEnd : 0x1000n));
    if (page) {
      const gnu = Buffer.from('GNU\0', 'latin1');
      for (let i = page.indexOf(gnu, 12); i >= 12; i = page.indexOf(gnu, i + 1)) {
        if (i % 4 !== 0) continue;
        const h = i - 12;
        const namesz = le ? page.readUInt32LE(h) : page.readUInt32BE(h);
        const descsz = le ? page.readUInt32LE(h + 4) : page.readUInt32BE(h + 4);
        const type = le ? page.readUInt32LE(h + 8) : page.readUInt32BE(h + 8);
        if (namesz !== 4 || type !== NT_GNU_BUILD_ID || descsz < 8 || descsz > 64 || i + 4 + descsz > page.length) continue;
        ids.gnu = page.toString('hex', i + 4, i + 4 + descsz);
        break;
      }
    }
  }
  return ids;
}
