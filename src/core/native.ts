// Code without a pclntab in a Go process: C compiled into the executable (cgo, the race detector's
// TSan runtime) and shared libraries mapped in the core (NT_FILE). Each module has its load bias,
// its call frame information (`.eh_frame`, else `.debug_frame`: src/core/cfi.ts) and its function
// symbols (`.symtab`, static functions included, and `.dynsym`). A shared library is read from the
// file on this machine only when its GNU build ID equals the one in the core's memory; otherwise
// its frames are named `<library>+0x<offset>` and the walk stops there (no CFI to trust). A
// stripped library's symbols and DWARF come from its separate debug file with the same GNU build
// ID (`/usr/lib/debug/.build-id/…`, as libc6-dbg installs it, or a build-ID directory).
//
// `nativeStep` is one step of the CFI unwinder (DWARF 5 §6.4.4): the CFA from its rule, each saved
// register from its rule, the return address from the CIE's return-address column; the psABI's
// callee-saved registers (amd64 rbx, rbp, r12–r15; arm64 x19–x30) keep their value when no rule
// names them. DWARF register numbers are the architecture's (src/core/arch, `dwarf`).
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readBuildIds, readBuildIdsFromMemory } from './buildid.js';
import type { DwarfRegisters } from './arch/types.js';
import { CallFrameTable, evalCfiExpression, parseDebugFrame, parseEhFrame, type RegisterFile } from './cfi.js';
import { ElfFile } from './elf.js';
import { PF_X, PT_LOAD, STT_FUNC } from './elfTypes.js';
import { CoreReadError } from './errors.js';
import { NativeSourceIndex, type NativeSourceFrame } from './nativeSource.js';
import type { MappedFile } from './notes.js';
import { lastStartingAtOrBelow } from './ranges.js';

export interface NativeMemory {
  tryRead(addr: bigint, len: number): Buffer | undefined;
}

interface Sym {
  name: string;
  start: bigint;
  end: bigint;
}

/** Where a pc of native code lies. */
export interface NativeLocation {
  /** The function's symbol, or `<module>+0x<offset>` when no symbol covers the pc. */
  function: string;
  /** The function's first instruction (the pc itself when unknown). */
  entry: bigint;
  /** The module's file name (`prog`, `libc.so.6`). */
  module: string;
  /** The module's path as the core records it. */
  path: string;
  /**
   * From the module's DWARF (src/core/nativeSource.ts), when it has C units covering the pc:
   * innermost inlined C function first, the physical function last, each with file:line.
   */
  source?: NativeSourceFrame[];
}

/** Where a distribution installs separate debug files (`.build-id/ab/cdef….debug`), as gdb looks for them. */
export const SYSTEM_DEBUG_DIR = '/usr/lib/debug';

/**
 * The separate debug file of an ELF by its GNU build ID, in build-ID directories
 * (`<dir>/.build-id/<first 2 hex>/<rest>.debug`, as libc6-dbg installs them): opened only when
 * its own GNU build ID is the same.
 */
export function findDebugFile(elf: ElfFile, dirs: readonly string[], open: (path: string) => ElfFile = (p) => ElfFile.open(p)): ElfFile | undefined {
  const id = readBuildIds(elf).gnu;
  if (!id || id.length < 3) return undefined;
  for (const dir of dirs) {
    const path = join(dir, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`);
    if (!existsSync(path)) continue;
    let d: ElfFile;
    try {
      d = open(path);
    } catch (e) {
      if (e instanceof CoreReadError) continue;
      throw e;
    }
    if (readBuildIds(d).gnu === id) return d;
    d.close();
  }
  return undefined;
}

export class NativeModule {
  private cfiTables: CallFrameTable[] | undefined;
  private syms: Sym[] | undefined;
  private elfChecked = false;
  private sourceIndex: NativeSourceIndex | null | undefined;
  private elfFile: ElfFile | undefined;
  private debugChecked = false;
  private debugFile: ElfFile | undefined;
  /** Why the module's file is not used (build ID differs, not found), when it is not. */
  problem: string | undefined;

  constructor(
    readonly path: string,
    /** Runtime ranges of the module's code [start, end). */
    readonly ranges: readonly { start: bigint; end: bigint }[],
    /** Load bias: runtime address − file address. */
    readonly bias: bigint,
    private readonly opener: () => ElfFile | undefined,
    /** The module's separate debug file (symbols and DWARF of a stripped library), if any. */
    private readonly debugOpener?: (elf: ElfFile) => ElfFile | undefined,
  ) {}

  get name(): string {
    return basename(this.path);
  }

  contains(pc: bigint): boolean {
    return this.ranges.some((r) => pc >= r.start && pc < r.end);
  }

  get elf(): ElfFile | undefined {
    if (!this.elfChecked) {
      this.elfChecked = true;
      try {
        this.elfFile = this.opener();
      } catch (e) {
        if (!(e instanceof CoreReadError)) throw e;
        this.problem = e.message;
      }
    }
    return this.elfFile;
  }

  /** The separate debug file, once the module's own file is in use (same GNU build ID). */
  get debug(): ElfFile | undefined {
    if (!this.debugChecked) {
      this.debugChecked = true;
      const elf = this.elf;
      if (elf && this.debugOpener) {
        try {
          this.debugFile = this.debugOpener(elf);
        } catch (e) {
          if (!(e instanceof CoreReadError)) throw e;
        }
      }
    }
    return this.debugFile;
  }

  private tables(): CallFrameTable[] {
    if (this.cfiTables) return this.cfiTables;
    const out: CallFrameTable[] = [];
    const elf = this.elf;
    if (elf) {
      for (const [name, parser] of [['.eh_frame', parseEhFrame], ['.debug_frame', parseDebugFrame]] as const) {
        const sec = elf.section(name);
        if (!sec) continue;
        try {
          const data = elf.sectionData(sec);
          if (data) out.push(parser({ data, addr: name === '.eh_frame' ? sec.addr : 0n }, elf.name));
        } catch (e) {
          if (!(e instanceof CoreReadError)) throw e;
        }
      }
    }
    return (this.cfiTables = out);
  }

  private symbols(): Sym[] {
    if (this.syms) return this.syms;
    const out: Sym[] = [];
    const elf = this.elf;
    const debug = this.debug;
    if (elf) {
      const lists = [() => elf.symbols(), () => elf.dynamicSymbols(), ...(debug ? [() => debug.symbols()] : [])];
      for (const list of lists) {
        let syms;
        try {
          syms = list();
        } catch (e) {
          if (!(e instanceof CoreReadError)) throw e;
          continue;
        }
        for (const s of syms) if (s.type === STT_FUNC && s.value !== 0n && s.name) out.push({ name: s.name, start: s.value, end: s.value + (s.size > 0n ? s.size : 1n) });
      }
    }
    out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.end > b.end ? -1 : 1));
    return (this.syms = out);
  }

  /** The function symbol covering the runtime address pc. */
  symbolAt(pc: bigint): { name: string; entry: bigint } | undefined {
    const syms = this.symbols();
    const a = pc - this.bias;
    const best = lastStartingAtOrBelow(syms, a, (s) => s.start);
    // Symbols may nest (aliases, local labels with sizes): look back a little for one covering a.
    for (let i = best, n = 0; i >= 0 && n < 16; i--, n++) {
      const s = syms[i]!;
      if (s.start <= a && a < s.end) return { name: s.name, entry: s.start + this.bias };
    }
    return undefined;
  }

  /** The module's C source index (DWARF), null when it has none or its DWARF cannot be read. */
  private source(): NativeSourceIndex | null {
    if (this.sourceIndex !== undefined) return this.sourceIndex;
    const elf = this.elf;
    let idx: NativeSourceIndex | null = null;
    for (const file of [elf, elf ? this.debug : undefined]) {
      if (!file || idx) continue;
      try {
        idx = NativeSourceIndex.fromElf(file) ?? null;
      } catch (e) {
        if (!(e instanceof CoreReadError)) throw e;
      }
    }
    return (this.sourceIndex = idx);
  }

  /**
   * Where pc lies: symbol, module and, from DWARF, file:line with inlined C functions.
   * `returnAddress`: pc is a return address (source lines are those of pc−1).
   */
  describe(pc: bigint, opts: { returnAddress?: boolean } = {}): NativeLocation {
    const s = this.symbolAt(pc);
    const loc: NativeLocation = {
      function: s?.name ?? `${this.name}+0x${(pc - (this.ranges[0]?.start ?? 0n)).toString(16)}`,
      entry: s?.entry ?? pc,
      module: this.name,
      path: this.path,
    };
    const src = this.source()?.framesAt((opts.returnAddress ? pc - 1n : pc) - this.bias);
    if (src && src.length > 0) loc.source = src;
    return loc;
  }

  rulesAt(pc: bigint) {
    const a = pc - this.bias;
    for (const t of this.tables()) {
      const r = t.rulesAt(a);
      if (r) return r;
    }
    return undefined;
  }
}

/** The native modules of a process: the executable's own C code first, then shared libraries. */
export class NativeCode {
  constructor(readonly modules: readonly NativeModule[]) {}

  moduleFor(pc: bigint): NativeModule | undefined {
    return this.modules.find((m) => m.contains(pc));
  }

  describe(pc: bigint, opts: { returnAddress?: boolean } = {}): NativeLocation | undefined {
    return this.moduleFor(pc)?.describe(pc, opts);
  }

  /**
   * The modules of a core: the executable (its executable PT_LOAD segments, at `exeBias`) and each
   * other file mapped with an ELF image at file offset 0, opened from this machine when its GNU
   * build ID matches the one in memory.
   */
  static forProcess(opts: {
    exe: ElfFile;
    exePath: string;
    exeBias: bigint;
    files: readonly MappedFile[];
    memory: NativeMemory & { tryReadU64?(addr: bigint): bigint | undefined };
    open?: (path: string) => ElfFile;
    /** Build-ID directories to find shared libraries' separate debug files in (findDebugFile). */
    debugDirs?: readonly string[];
  }): NativeCode {
    const mods: NativeModule[] = [];
    const exeRanges = opts.exe.loads.filter((p) => p.type === PT_LOAD && (p.flags & PF_X) !== 0).map((p) => ({ start: p.vaddr + opts.exeBias, end: p.vaddr + p.memsz + opts.exeBias }));
    mods.push(new NativeModule(opts.exePath, exeRanges, opts.exeBias, () => opts.exe));
    const byPath = new Map<string, MappedFile[]>();
    const inExe = (f: MappedFile) => exeRanges.some((r) => f.start < r.end && r.start < f.end);
    const exePaths = new Set(opts.files.filter(inExe).map((f) => f.path));
    for (const f of opts.files) {
      if (f.path === opts.exePath || exePaths.has(f.path) || !f.path.startsWith('/')) continue;
      const l = byPath.get(f.path) ?? [];
      l.push(f);
      byPath.set(f.path, l);
    }
    const open = opts.open ?? ((p: string) => ElfFile.open(p));
    for (const [path, maps] of byPath) {
      const head = maps.find((m) => m.fileOffset === 0n);
      if (!head) continue;
      const base = head.start;
      const ids = readBuildIdsFromMemory(opts.memory as never, base, path);
      if (ids.gnu === undefined && ids.go === undefined) continue; // not an ELF image (data files)
      const ranges = maps.map((m) => ({ start: m.start, end: m.end }));
      const mod: NativeModule = new NativeModule(path, ranges, base, () => {
        let elf: ElfFile;
        try {
          elf = open(path);
        } catch (e) {
          if (e instanceof CoreReadError) {
            mod.problem = `${path}: ${e.message}`;
            return undefined;
          }
          throw e;
        }
        const onDisk = readBuildIds(elf).gnu;
        if (ids.gnu === undefined || onDisk !== ids.gnu) {
          mod.problem = `${path} on this machine has GNU build ID ${onDisk ?? 'none'}, the core's has ${ids.gnu ?? 'none'}: its symbols and CFI are not used`;
          elf.close();
          return undefined;
        }
        // The bias is the image base minus the vaddr of the segment mapped from file offset 0.
        const first = elf.loads.find((p) => p.type === PT_LOAD && p.offset === 0);
        if (first && first.vaddr !== 0n) (mod as { bias: bigint }).bias = base - first.vaddr;
        return elf;
      }, opts.debugDirs?.length ? (elf) => findDebugFile(elf, opts.debugDirs!, open) : undefined);
      mods.push(mod);
    }
    return new NativeCode(mods);
  }
}

export type NativeStep =
  | { ok: true; pc: bigint; cfa: bigint; regs: RegisterFile; signalFrame: boolean }
  | { ok: false; reason: 'no-cfi' | 'unreadable' | 'corrupt' | 'top'; detail: string };

/**
 * One CFI step from a native frame at `pc` with registers `regs` (DWARF numbers of `dwarf`):
 * the caller's registers, its pc (the return address) and this frame's CFA. `returnAddress`:
 * pc is a return address (rules are looked up at pc−1). Where the return-address column is a
 * register (arm64 x30), the caller sees it holding the return address, as after its BL.
 */
export function nativeStep(
  mod: NativeModule,
  mem: { tryRead(addr: bigint, len: number): Buffer | undefined },
  pc: bigint,
  regs: RegisterFile,
  returnAddress: boolean,
  dwarf: DwarfRegisters,
): NativeStep {
  const hexs = (n: bigint) => '0x' + n.toString(16);
  const rules = mod.rulesAt(returnAddress ? pc - 1n : pc);
  if (!rules) return { ok: false, reason: 'no-cfi', detail: `no call frame information for ${hexs(pc)} in ${mod.name}${mod.problem ? ` (${mod.problem})` : ''}` };
  const read = (addr: bigint) => {
    const b = mem.tryRead(addr, 8);
    return b ? b.readBigUInt64LE(0) : undefined;
  };
  let cfa: bigint | undefined;
  if (rules.cfa.kind === 'reg') {
    const base = regs.get(rules.cfa.reg);
    cfa = base !== undefined ? BigInt.asUintN(64, base + rules.cfa.offset) : undefined;
  } else cfa = evalCfiExpression(rules.cfa.expr, regs, read);
  if (cfa === undefined) return { ok: false, reason: 'corrupt', detail: `cannot compute the CFA at ${hexs(pc)} in ${mod.name}` };
  const next: RegisterFile = new Map();
  for (const r of dwarf.calleeSaved) {
    const v = regs.get(r);
    if (v !== undefined) next.set(r, v);
  }
  for (const [reg, rule] of rules.regs) {
    let v: bigint | undefined;
    switch (rule.kind) {
      case 'undefined':
        next.delete(reg);
        continue;
      case 'same':
        v = regs.get(reg);
        break;
      case 'offset':
        v = read(BigInt.asUintN(64, cfa + rule.offset));
        if (v === undefined && reg === rules.raReg) return { ok: false, reason: 'unreadable', detail: `cannot read the return address at ${hexs(cfa + rule.offset)}` };
        break;
      case 'val-offset':
        v = BigInt.asUintN(64, cfa + rule.offset);
        break;
      case 'register':
        v = regs.get(rule.reg);
        break;
      case 'expression': {
        const at = evalCfiExpression(rule.expr, regs, read, cfa);
        v = at !== undefined ? read(at) : undefined;
        break;
      }
      case 'val-expression':
        v = evalCfiExpression(rule.expr, regs, read, cfa);
        break;
    }
    if (v === undefined) next.delete(reg);
    else next.set(reg, v);
  }
  const ra = next.get(rules.raReg);
  if (ra === undefined) return { ok: false, reason: 'top', detail: `${mod.symbolAt(pc)?.name ?? mod.name} has no return address (the outermost frame)` };
  next.set(dwarf.sp, cfa);
  // A column of its own (amd64 16) is no register of the caller.
  if (!dwarf.names[rules.raReg]) next.delete(rules.raReg);
  return { ok: true, pc: ra, cfa, regs: next, signalFrame: rules.signalFrame };
}
