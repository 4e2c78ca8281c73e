// Symbols of a Go executable: functions from the pclntab (present in stripped builds too), data
// symbols from .symtab when present, runtime.firstmoduledata found by scanning when not.
// All addresses in this API are runtime addresses (link-time + load bias).
import { PF_W, type ElfFile, type SectionHeader } from './elf.js';
import { CoreReadError, hex } from './errors.js';
import { findModuleData, type ModuleData, type Region } from './moduledata.js';
import {
  PCLNTAB_MAGIC_116,
  PCLNTAB_MAGIC_118,
  PCLNTAB_MAGIC_120,
  Pclntab,
  type FramesOptions,
  type FuncInfo,
  type LogicalFrame,
} from './pclntab.js';

export interface GoSymbolsOptions {
  /** PIE load bias (runtime - link-time address); 0 by default. */
  bias?: bigint;
}

const PCLNTAB_SECTIONS = ['.gopclntab', '.data.rel.ro.gopclntab'];
/** Sections that may hold runtime.firstmoduledata (Go 1.27 moved it into .go.module). */
const MODULEDATA_SECTIONS = ['.go.module', '.noptrdata', '.data'];
const MAX_SCAN_BYTES = 256 * 1024 * 1024;

export class GoSymbols {
  readonly exe: ElfFile;
  readonly pclntab: Pclntab;
  /** runtime.firstmoduledata (link-time addresses), when found. */
  readonly moduledata: ModuleData | undefined;
  readonly bias: bigint;
  /** Link-time address of the pclntab. */
  readonly pclntabAddr: bigint;
  private symtab: Map<string, bigint> | undefined;

  private constructor(exe: ElfFile, pclntab: Pclntab, pclntabAddr: bigint, md: ModuleData | undefined, bias: bigint) {
    this.exe = exe;
    this.pclntab = pclntab;
    this.pclntabAddr = pclntabAddr;
    this.moduledata = md;
    this.bias = bias;
  }

  /** Reads the pclntab (and moduledata for inline trees) of a Go executable. */
  static load(exe: ElfFile, opts: GoSymbolsOptions = {}): GoSymbols {
    const bias = opts.bias ?? 0n;
    const { data, addr } = locatePclntab(exe);
    const arch = exe.header.arch === 'unknown' ? undefined : exe.header.arch;
    let tab = new Pclntab(data, { file: exe.name, bias, ...(arch ? { arch } : {}) });
    const md = findModuleData(sectionRegions(exe), addr, tab) ?? findModuleData(writableLoadRegions(exe), addr, tab);
    if (!tab.hasTextStart) {
      const text = md?.text ?? exe.section('.text')?.addr;
      if (text === undefined) {
        throw new CoreReadError('corrupt', exe.name, `${exe.name}: cannot find the start of text (no moduledata, no .text section)`);
      }
      tab = new Pclntab(data, { file: exe.name, bias, textStart: text, ...(arch ? { arch } : {}) });
    }
    if (md) tab.setGoFunc(md.gofunc + bias, (a, n) => exe.readVaddr(a - bias, n));
    return new GoSymbols(exe, tab, addr, md, bias);
  }

  funcForPC(pc: bigint): FuncInfo | undefined {
    return this.pclntab.funcForPC(pc);
  }
  funcByName(name: string): FuncInfo | undefined {
    return this.pclntab.funcByName(name);
  }
  frames(pc: bigint, opts: FramesOptions = {}): LogicalFrame[] {
    return this.pclntab.frames(pc, opts);
  }

  /** Function (pclntab) or data symbol (.symtab) name containing addr, `name+0xoff`. */
  nameFor(addr: bigint): string | undefined {
    const f = this.pclntab.funcForPC(addr);
    if (f) return addr === f.entry ? f.name : `${f.name}+${hex(addr - f.entry)}`;
    const link = addr - this.bias;
    let best: { name: string; value: bigint; size: bigint } | undefined;
    for (const s of this.exe.symbols()) {
      if (s.value <= link && link < s.value + (s.size === 0n ? 1n : s.size) && (!best || s.value > best.value)) best = s;
    }
    if (!best) return undefined;
    return link === best.value ? best.name : `${best.name}+${hex(link - best.value)}`;
  }

  /**
   * Runtime address of a symbol: a function (pclntab), a .symtab symbol, or, without .symtab,
   * runtime.firstmoduledata from the moduledata scan. undefined when unknown.
   */
  addressOf(name: string): bigint | undefined {
    const f = this.pclntab.funcByName(name);
    if (f) return f.entry;
    if (!this.symtab) {
      this.symtab = new Map();
      for (const s of this.exe.symbols()) if (!this.symtab.has(s.name)) this.symtab.set(s.name, s.value);
    }
    const v = this.symtab.get(name);
    if (v !== undefined) return v + this.bias;
    if (name === 'runtime.firstmoduledata' && this.moduledata) return this.moduledata.addr + this.bias;
    return undefined;
  }
}

function sectionBytes(exe: ElfFile, s: SectionHeader): Buffer | undefined {
  return exe.sectionData(s, MAX_SCAN_BYTES);
}

/** The pclntab bytes and link-time address: its section, else a magic scan of read-only PT_LOADs. */
export function locatePclntab(exe: ElfFile): { data: Buffer; addr: bigint } {
  for (const n of PCLNTAB_SECTIONS) {
    const s = exe.section(n);
    if (s && s.size > 0) {
      const data = sectionBytes(exe, s);
      if (data) return { data, addr: s.addr };
    }
  }
  for (const p of exe.loads) {
    if (p.filesz === 0 || p.filesz > MAX_SCAN_BYTES) continue;
    const buf = exe.readFile(p.offset, p.filesz, `PT_LOAD segment ${p.index}`);
    for (const magic of [PCLNTAB_MAGIC_120, PCLNTAB_MAGIC_118, PCLNTAB_MAGIC_116]) {
      const pat = Buffer.alloc(8);
      pat.writeUInt32LE(magic, 0);
      pat.writeUInt8(1, 6);
      pat.writeUInt8(8, 7);
      for (let i = buf.indexOf(pat); i >= 0; i = buf.indexOf(pat, i + 8)) {
        if (i % 8 !== 0) continue;
        const data = buf.subarray(i);
        try {
          new Pclntab(data, { file: exe.name });
          return { data, addr: p.vaddr + BigInt(i) };
        } catch (e) {
          if (e instanceof CoreReadError && e.kind === 'unsupported') throw e;
        }
      }
    }
  }
  throw new CoreReadError(
    'not-go',
    exe.name,
    `${exe.name} has no Go pclntab (no .gopclntab section and no pclntab header in its segments); it is not a Go 1.18+ executable`,
  );
}

function sectionRegions(exe: ElfFile): Region[] {
  const out: Region[] = [];
  for (const n of MODULEDATA_SECTIONS) {
    const s = exe.section(n);
    const data = s && s.size > 0 ? sectionBytes(exe, s) : undefined;
    if (s && data) out.push({ addr: s.addr, data });
  }
  return out;
}

function writableLoadRegions(exe: ElfFile): Region[] {
  const out: Region[] = [];
  for (const p of exe.loads) {
    if ((p.flags & PF_W) === 0 || p.filesz === 0 || p.filesz > MAX_SCAN_BYTES) continue;
    out.push({ addr: p.vaddr, data: exe.readFile(p.offset, p.filesz, `PT_LOAD segment ${p.index}`) });
  }
  return out;
}
