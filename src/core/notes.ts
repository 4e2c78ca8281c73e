// Decoders for the notes of a Linux core dump (PT_NOTE, owner "CORE"/"LINUX"): NT_PRSTATUS,
// NT_PRPSINFO, NT_SIGINFO, NT_AUXV, NT_FILE. Layouts from the kernel's <linux/elfcore.h> and
// <asm/ptrace.h> / <asm/user.h> for 64-bit Linux (amd64 and arm64).
import { ByteReader } from './bytes.js';
import { CoreReadError } from './errors.js';
import type { Arch } from './elfTypes.js';
import { AMD64, ARM64, archSpec } from './arch/index.js';

export const NT_PRSTATUS = 1;
export const NT_PRFPREG = 2;
export const NT_PRPSINFO = 3;
export const NT_AUXV = 6;
export const NT_X86_XSTATE = 0x202;
export const NT_SIGINFO = 0x53494749;
export const NT_FILE = 0x46494c45;

export const AT_NULL = 0;
export const AT_PHDR = 3;
export const AT_PHENT = 4;
export const AT_PHNUM = 5;
export const AT_PAGESZ = 6;
export const AT_BASE = 7;
export const AT_ENTRY = 9;
export const AT_PLATFORM = 15;
export const AT_HWCAP = 16;
export const AT_RANDOM = 25;
export const AT_EXECFN = 31;
export const AT_SYSINFO_EHDR = 33;

/** amd64 `struct user_regs_struct` order (27 × u64). */
export const AMD64_REGS = AMD64.prstatusRegs;
/** arm64 `struct user_pt_regs` order (34 × u64). */
export const ARM64_REGS = ARM64.prstatusRegs;

/** Offset of pr_reg inside elf_prstatus on 64-bit Linux. */
const PRSTATUS_REG_OFFSET = 112;

export interface ThreadStatus {
  /** Thread id (pr_pid of the NT_PRSTATUS note: the kernel stores the tid there). */
  tid: number;
  ppid: number;
  pgrp: number;
  sid: number;
  /** pr_cursig: the signal the thread was handling/stopped by (0 when none). */
  signal: number;
  /** pr_info.si_signo / si_code / si_errno (usually zero in cores; NT_SIGINFO is authoritative). */
  infoSigno: number;
  infoCode: number;
  /** All general registers by name (amd64: r15..gs; arm64: x0..x30, sp, pc, pstate). */
  regs: Record<string, bigint>;
  /** Program counter (rip / pc). */
  pc: bigint;
  /** Stack pointer (rsp / sp). */
  sp: bigint;
  /** Frame pointer (rbp / x29). */
  fp: bigint;
  /** The link register (arm64 x30), undefined where calls push the return address (amd64). */
  lr?: bigint;
  /** Index of this thread's NT_PRSTATUS among the core's notes (0 = first, the dumping thread). */
  index: number;
}

export interface ProcessInfo {
  state: number;
  /** Short state letter (R, S, D, T, Z). */
  sname: string;
  zombie: number;
  nice: number;
  flags: bigint;
  uid: number;
  gid: number;
  pid: number;
  ppid: number;
  pgrp: number;
  sid: number;
  /** pr_fname: executable base name, at most 15 characters. */
  fname: string;
  /** pr_psargs: the command line, space separated, at most 80 bytes (truncated by the kernel). */
  psargs: string;
}

export interface SignalInfo {
  signo: number;
  errno: number;
  code: number;
  /** si_addr: the faulting address, for SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP. */
  addr?: bigint;
  /** si_pid/si_uid: the sender, for signals sent by kill/tgkill (code <= 0). */
  senderPid?: number;
  senderUid?: number;
}

export interface AuxEntry {
  type: number;
  value: bigint;
}

export interface MappedFile {
  start: bigint;
  end: bigint;
  /** Offset in the file, in bytes (NT_FILE stores pages; converted with its page size). */
  fileOffset: bigint;
  path: string;
}

export const SIGNAL_NAMES: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  5: 'SIGTRAP',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  10: 'SIGUSR1',
  11: 'SIGSEGV',
  12: 'SIGUSR2',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
  16: 'SIGSTKFLT',
  17: 'SIGCHLD',
  18: 'SIGCONT',
  19: 'SIGSTOP',
  20: 'SIGTSTP',
  21: 'SIGTTIN',
  22: 'SIGTTOU',
  23: 'SIGURG',
  24: 'SIGXCPU',
  25: 'SIGXFSZ',
  26: 'SIGVTALRM',
  27: 'SIGPROF',
  28: 'SIGWINCH',
  29: 'SIGIO',
  30: 'SIGPWR',
  31: 'SIGSYS',
};

export function signalName(signo: number): string {
  return SIGNAL_NAMES[signo] ?? `signal ${signo}`;
}

/** Signals whose siginfo carries a fault address. */
const FAULT_SIGNALS = new Set([4, 5, 7, 8, 11]);

function reader(desc: Buffer, littleEndian: boolean, file: string, what: string): ByteReader {
  return new ByteReader(desc, { littleEndian, file, what, kind: 'corrupt' });
}

export function parsePrstatus(
  desc: Buffer,
  arch: Arch,
  littleEndian: boolean,
  file: string,
  index: number,
): ThreadStatus {
  const spec = archSpec(arch, file);
  const names = spec.prstatusRegs;
  const r = reader(desc, littleEndian, file, 'NT_PRSTATUS note');
  r.check(0, PRSTATUS_REG_OFFSET + names.length * 8, 'registers');
  const regs: Record<string, bigint> = {};
  names.forEach((n, i) => (regs[n] = r.u64(PRSTATUS_REG_OFFSET + i * 8)));
  return {
    tid: r.i32(32),
    ppid: r.i32(36),
    pgrp: r.i32(40),
    sid: r.i32(44),
    signal: r.u16(12),
    infoSigno: r.i32(0),
    infoCode: r.i32(4),
    regs,
    pc: regs[spec.pcReg]!,
    sp: regs[spec.spReg]!,
    fp: regs[spec.fpReg]!,
    ...(spec.lrReg ? { lr: regs[spec.lrReg]! } : {}),
    index,
  };
}

export function parsePrpsinfo(desc: Buffer, littleEndian: boolean, file: string): ProcessInfo {
  const r = reader(desc, littleEndian, file, 'NT_PRPSINFO note');
  r.check(0, 136, 'prpsinfo');
  const psargs = r.cstring(56, 80).trimEnd();
  return {
    state: r.u8(0),
    sname: String.fromCharCode(r.u8(1)),
    zombie: r.u8(2),
    nice: (r.u8(3) << 24) >> 24,
    flags: r.u64(8),
    uid: r.u32(16),
    gid: r.u32(20),
    pid: r.i32(24),
    ppid: r.i32(28),
    pgrp: r.i32(32),
    sid: r.i32(36),
    fname: r.cstring(40, 16),
    psargs,
  };
}

export function parseSiginfo(desc: Buffer, littleEndian: boolean, file: string): SignalInfo {
  const r = reader(desc, littleEndian, file, 'NT_SIGINFO note');
  r.check(0, 24, 'siginfo');
  const signo = r.i32(0);
  const code = r.i32(8);
  const si: SignalInfo = { signo, errno: r.i32(4), code };
  if (FAULT_SIGNALS.has(signo) && code > 0) si.addr = r.u64(16);
  else if (code <= 0) {
    si.senderPid = r.i32(16);
    si.senderUid = r.u32(20);
  }
  return si;
}

export function parseAuxv(desc: Buffer, littleEndian: boolean, file: string): AuxEntry[] {
  const r = reader(desc, littleEndian, file, 'NT_AUXV note');
  const out: AuxEntry[] = [];
  for (let off = 0; off + 16 <= desc.length; off += 16) {
    const type = r.u64(off);
    if (type === 0n) break;
    out.push({ type: type > 0xffffffffn ? -1 : Number(type), value: r.u64(off + 8) });
  }
  return out;
}

export function parseNtFile(desc: Buffer, littleEndian: boolean, file: string): MappedFile[] {
  const r = reader(desc, littleEndian, file, 'NT_FILE note');
  const count = r.u64(0);
  const pageSize = r.u64(8);
  // Each entry needs 24 bytes of addresses plus at least one NUL of name.
  if (count > BigInt(Math.floor((desc.length - 16) / 25))) {
    throw new CoreReadError(
      'corrupt',
      file,
      `${file}: NT_FILE note claims ${count} mapped files but has room for ${Math.floor((desc.length - 16) / 25)}; the core is corrupt`,
    );
  }
  const n = Number(count);
  const out: MappedFile[] = [];
  let nameOff = 16 + n * 24;
  for (let i = 0; i < n; i++) {
    const o = 16 + i * 24;
    r.check(nameOff, 1, `name of mapped file ${i}`);
    let end = desc.indexOf(0, nameOff);
    if (end < 0) end = desc.length;
    const path = desc.toString('utf8', nameOff, end);
    nameOff = end + 1;
    out.push({ start: r.u64(o), end: r.u64(o + 8), fileOffset: r.u64(o + 16) * pageSize, path });
  }
  return out;
}
