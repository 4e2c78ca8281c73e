// What the views, decorations and hovers show about one open core: a plain data model (no vscode
// types), filled from our own readers first and completed by Delve when its session is up.

export type CrashKind = 'panic' | 'fatal error' | 'signal' | 'unknown';

export interface FrameModel {
  func: string;
  file?: string;
  line?: number;
  /** Hex strings (`0x45d150`): exact for 64-bit addresses and easy to show and copy. */
  pc: string;
  sp?: string;
  fp?: string;
  /** Offset of pc from the function's entry, when known. */
  offset?: number;
  /** An inlined call: no physical frame of its own. */
  inlined: boolean;
  /** In package runtime (or runtime/internal/...). */
  runtime: boolean;
  /** The first frame outside the runtime below gopanic/throw/sigpanic. */
  origin: boolean;
  /** The frame's PC is the faulting instruction (signal), not a return address. */
  faulting?: boolean;
  /** Which stack the frame is on. */
  stack: 'goroutine' | 'g0' | 'gsignal';
  /** The instruction at the frame's PC (the call before a return address), when disassembled. */
  instruction?: string;
  /** The compiler's SSA value that produced that instruction, when the function was rebuilt. */
  ssa?: SsaAnnotation;
}

export interface SsaAnnotation {
  /** e.g. `v16 = CALL runtime.panicIndex` */
  value: string;
  verified: boolean;
  /** Why it is unverified, or where it came from. */
  reason?: string;
  /** The other SSA values of the same source line. */
  neighbours?: string[];
  /** The physical function that was rebuilt. */
  function?: string;
  /** The function's genssa listing, one row a line, and the row of this instruction. */
  listing?: string[];
  listingRow?: number;
}

export interface GoroutineGroupModel {
  count: number;
  ids: number[];
  status: string;
  frames: FrameModel[];
}

export interface FieldModel {
  name: string;
  offset: number;
  type: string;
  value: string;
  /** For code pointers: the function they point into. */
  symbol?: string;
}

export interface PanicRecordModel {
  address: string;
  value: string;
  recovered: boolean;
  aborted: boolean;
  goexit: boolean;
  fields: FieldModel[];
}

export interface GInfoModel {
  goid: number;
  status: string;
  waitReason?: string;
  schedPc?: string;
  schedSp?: string;
  schedFunc?: string;
  schedLine?: string;
  address?: string;
}

export interface MModel {
  id: number;
  tid?: number;
  crashing: boolean;
  address?: string;
  g0?: { stackLo: string; stackHi: string; schedPc?: string; schedSp?: string; schedFunc?: string; crashPcOnStack?: boolean };
  curg?: GInfoModel;
  gsignal?: string;
  throwing?: number;
  mallocing?: number;
  locks?: number;
  p?: string;
}

export interface CrashModel {
  corePath: string;
  binaryPath: string;
  goVersion?: string;
  buildId?: string;
  kind: CrashKind;
  /** Each `panic:` / `fatal error:` message, in the order the runtime printed them. */
  messages: string[];
  signal?: { name: string; code?: number; addr?: string; pc?: string };
  goroutineId?: number;
  /** Frames on the system stack (crash on g0), innermost first; empty otherwise. */
  systemFrames: FrameModel[];
  /** The crashing goroutine's frames, innermost first. */
  frames: FrameModel[];
  otherGoroutines: { total: number; groups: GoroutineGroupModel[] };
  ms: MModel[];
  panics: PanicRecordModel[];
  /** Things the user should know: Delve out of its Go range, no DWARF, unverified layouts... */
  notes: string[];
  /** Where each part came from. */
  sources: { frames: 'readers' | 'delve'; runtime?: 'readers' | 'delve' };
}

export function originFrame(model: CrashModel): FrameModel | undefined {
  return model.frames.find((f) => f.origin) ?? model.systemFrames.find((f) => f.origin);
}

/** Frames as the Go runtime would print them (for "Copy as traceback text"). */
export function framesAsTraceback(frames: FrameModel[], header?: string): string {
  const lines: string[] = header ? [header] : [];
  for (const f of frames) {
    lines.push(`${f.func}(${f.inlined ? '...' : ''})`);
    const where = f.file ? `${f.file}:${f.line ?? 0}` : '?';
    lines.push(`\t${where}${f.inlined || f.offset === undefined ? '' : ` +0x${f.offset.toString(16)}`}`);
  }
  return lines.join('\n') + '\n';
}

/** What a hover shows for one PC of the crashed binary. */
export interface PcDescription {
  pc: string;
  func: string;
  offset: number;
  file?: string;
  line?: number;
  /** Inlined calls at this PC, innermost first (function and line). */
  inlined: { func: string; file?: string; line?: number }[];
  instruction?: string;
  ssa?: SsaAnnotation;
}

/** Answers PC questions for one open core (our pclntab reader, Delve's disassembler, the SSA mapping). */
export interface PcInfoProvider {
  describe(pc: bigint, options: { isReturnAddress: boolean }): Promise<PcDescription | undefined>;
  /** The entry PC of a function by name, for `func+0x1d` references. */
  entryOf(func: string): bigint | undefined;
}
