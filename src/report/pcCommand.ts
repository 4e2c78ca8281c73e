// `go-core pc <pc> --binary <exe> [--core <core>] [--source <dir>] [--json]`: one PC of a Go binary →
// function+offset, file:line (inlined frames too), the instruction, the SSA value that produced it
// (op, args, neighbours on the same line) and whether the rebuilt code equals the binary's
// (schema: schemas/pc.schema.json, docs/report-schema.md). The mapping itself is src/ssa/pcToSsa.ts.
//
// Return-address rule: a PC read from a traceback (`pc=`) is the return address of a call, except
// for a frame a signal interrupted. With --core the rule is decided from the core: the pc register
// of a thread, or the pc of a frame interrupted by a signal on the crashing thread's stack, is the
// instruction itself; any other pc is a return address. Without --core a return address is
// assumed. --return-address / --no-return-address force either.
import { InspectorError } from '../core/errors.js';
import { findModuleRoot, type PcMapping } from '../ssa/pcToSsa.js';
import { openBinary, openCore, type CoreEngine, type GoBinary } from '../analysis/engine.js';
import { sourceRootOf } from '../analysis/sourceRoot.js';
import { instructionJson } from '../analysis/annotate.js';
import { describePlan } from '../ssa/rebuild.js';
import { SourcePathMapper } from '../analysis/pathMapping.js';

export const PC_SCHEMA_VERSION = 1;

export interface PcCommandOptions {
  /** As typed: `0x48099e`, `4757918`, or `main.main+0x9e` (a function and an offset). */
  pc: string;
  /** The executable; with `core` it may be omitted (found from the core). */
  binary?: string;
  core?: string;
  /** Module root (go.mod) of the source the binary was built from; default: found from the binary's recorded paths. */
  source?: string;
  /** Force the return-address rule (undefined: decided from the core, else true). */
  returnAddress?: boolean;
  /** Directory the recorded source paths are mapped to (default process.cwd()). */
  cwd?: string;
  /** Environment for `go` (GOCACHE, GOPATH...); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Whole rebuild (default 300 s). */
  timeoutMs?: number;
  /** Rebuild even when the result is cached (`--rebuild`). */
  rebuild?: boolean;
  onProgress?: (message: string) => void;
  /**
   * Told what a rebuild will run before it runs (the command line prints it to stderr): `go-core pc`
   * is itself the request to rebuild, so it is not asked.
   */
  onRebuildPlan?: (lines: string[]) => void;
}

export interface PcSsaValue {
  id: string;
  op: string;
  args: string[];
  type: string;
  aux: string;
  reg: string | null;
  line: number | null;
  text: string;
}

/** The JSON of `go-core pc --json`. Addresses are hex strings. */
export interface PcReport {
  schemaVersion: number;
  /** The runtime address asked about. */
  pc: string;
  /** The argument as typed. */
  input: string;
  binary: { path: string; goVersion: string; buildId: string | null; pie: boolean; loadBias: string };
  core: string | null;
  returnAddress: boolean;
  /** Why the pc was (not) treated as a return address. */
  returnAddressReason: string;
  /** pc−1 for a return address, else pc. */
  lookupPc: string;
  /** The physical function holding the pc, its entry and pc − entry. */
  function: string;
  entry: string;
  offset: string;
  /** Innermost source position of lookupPc. */
  file: string;
  line: number;
  /** Source frames at lookupPc: innermost (inlined) first, the physical function last. */
  frames: { function: string; file: string; line: number; inlined: boolean }[];
  instruction: { pc: string; offset: string; text: string; file: string | null; line: number | null } | null;
  ssaValue: PcSsaValue | null;
  /** When the instruction is a block's branch: that block. */
  ssaBlock: { id: string; kind: string; text: string } | null;
  /** Other SSA values of the same source line. */
  neighbours: PcSsaValue[];
  verified: boolean;
  reason: string;
  /** The module root the function was rebuilt from. */
  sourceRoot: string;
  rebuild: PcMapping['rebuild'];
}

/** Bad input for `go-core pc`, said in one line: what failed, on which file, what to do. */
export class PcCommandError extends InspectorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PcCommandError';
  }
}

const hx = (n: bigint | number): string => '0x' + n.toString(16);

export type PcArgument = { address: bigint } | { symbol: string; offset: bigint };

/** `0x48099e`, `4757918`, `main.main+0x9e`, `main.main` (its entry). Undefined when unparsable. */
export function parsePcArgument(text: string): PcArgument | undefined {
  const t = text.trim();
  if (/^0x[0-9a-f]{1,16}$/i.test(t)) return { address: BigInt(t) };
  if (/^[0-9]{1,20}$/.test(t)) {
    const v = BigInt(t);
    return v < 1n << 64n ? { address: v } : undefined;
  }
  const m = /^([^\s+]+?)(?:\+(0x[0-9a-f]{1,8}|[0-9]{1,10}))?$/i.exec(t);
  if (!m || !/[.]/.test(m[1]!)) return undefined;
  return { symbol: m[1]!, offset: m[2] !== undefined ? BigInt(m[2]) : 0n };
}

/** The pcs of a core that are instructions, not return addresses, with why (from the engine's stacks). */
function faultingPcs(core: CoreEngine): Map<bigint, string> {
  const a = core.analysis;
  const faulting = new Map<bigint, string>();
  const crashT = a.cw.core.crashingThread;
  for (const f of a.stack(crashT).frames) {
    if (f.isSignalFrame) faulting.set(f.pc, `a frame of the crashing thread ${crashT.tid} interrupted by a signal`);
  }
  for (const t of core.threads()) {
    if (!faulting.has(t.pc))
      faulting.set(t.pc, `the pc register of thread ${t.tid}${t === crashT ? ' (the crashing thread)' : ''}`);
  }
  return faulting;
}

/** Module root of the binary's main package, found under cwd from the recorded path of main.main. */
export function defaultSourceRoot(bin: GoBinary, cwd: string): string {
  const modulePath = bin.buildInfo?.main?.path;
  const found = sourceRootOf(bin, new SourcePathMapper({ workspaceFolders: [cwd], ...(modulePath ? { mainModule: modulePath } : {}) }));
  if (!found.recorded) {
    throw new PcCommandError(`${bin.path} has no main.main with a source file; pass --source <module root>`);
  }
  const root = found.root ?? findModuleRoot(cwd)?.root;
  if (!root) {
    throw new PcCommandError(
      `cannot find the source ${bin.path} was built from (main.main is in ${found.recorded}, not found under ${cwd}): ` +
        `run in the module's directory or pass --source <module root>`,
    );
  }
  return root;
}

function ssaValueJson(v: {
  id: string;
  op: string;
  args: string[];
  type: string;
  aux: string;
  reg?: string;
  line?: number;
  text: string;
}): PcSsaValue {
  return {
    id: v.id,
    op: v.op,
    args: v.args,
    type: v.type,
    aux: v.aux,
    reg: v.reg ?? null,
    line: v.line ?? null,
    text: v.text,
  };
}

export function pcReport(
  m: PcMapping,
  extra: Pick<PcReport, 'pc' | 'input' | 'binary' | 'core' | 'returnAddressReason' | 'sourceRoot'>,
  returnAddress: boolean,
): PcReport {
  return {
    schemaVersion: PC_SCHEMA_VERSION,
    pc: extra.pc,
    input: extra.input,
    binary: extra.binary,
    core: extra.core,
    returnAddress,
    returnAddressReason: extra.returnAddressReason,
    lookupPc: hx(m.lookupPc),
    function: m.function,
    entry: hx(m.entry),
    offset: hx(m.offset),
    file: m.file,
    line: m.line,
    frames: m.frames.map((f) => ({ function: f.function, file: f.file, line: f.line, inlined: f.inlined })),
    instruction: instructionJson(m),
    ssaValue: m.ssaValue ? ssaValueJson(m.ssaValue) : null,
    ssaBlock: m.ssaBlock ? { id: m.ssaBlock.id, kind: m.ssaBlock.kind, text: m.ssaBlock.text } : null,
    neighbours: m.neighbours.map(ssaValueJson),
    verified: m.verified,
    reason: m.reason,
    sourceRoot: extra.sourceRoot,
    rebuild: { ...m.rebuild },
  };
}

/** Runs `go-core pc`. Throws PcCommandError, CoreReadError, PcMappingError, ToolchainNotFoundError, RebuildError. */
export async function runPcCommand(opts: PcCommandOptions): Promise<PcReport> {
  const arg = parsePcArgument(opts.pc);
  if (!arg) {
    throw new PcCommandError(
      `"${opts.pc}" is not a pc: give a hex address (0x48099e), a decimal one, or function+offset (main.main+0x9e)`,
    );
  }
  if (opts.binary === undefined && opts.core === undefined)
    throw new PcCommandError('give the executable with --binary <exe> (or a core with --core <core>)');
  // One engine opens the core (and its executable) or the executable alone; nothing reopens it.
  const core = opts.core !== undefined ? openCore(opts.core, opts.binary !== undefined ? { binary: opts.binary } : {}) : undefined;
  try {
    const bin = core?.binary ?? openBinary(opts.binary!);
    const faulting = core ? faultingPcs(core) : undefined;
    const binaryPath = bin.path;
    const bias = bin.bias;
    try {
      let pc: bigint;
      if ('address' in arg) pc = arg.address;
      else {
        const entry = bin.entryOf(arg.symbol);
        if (entry === undefined) throw new PcCommandError(`${binaryPath} has no function ${arg.symbol}`);
        pc = entry + arg.offset;
      }
      if (!bin.describePc(pc, { returnAddress: false })) {
        // C code of the binary (cgo, the race runtime): say what it is; it has no SSA.
        const c = bin.describeNative(pc, { returnAddress: opts.returnAddress ?? (faulting ? !faulting.has(pc) : true) });
        if (c) {
          const src = (c.source ?? []).map((x) => `${x.inlined ? 'inlined ' : ''}${x.function} at ${x.file || '?'}:${x.line}`);
          throw new PcCommandError(
            `${hx(pc)} is C code in ${c.module}: ${c.function}+${hx(pc - c.entry)}${src.length ? ` (${src.join(', ')})` : ''}; C code has no SSA`,
          );
        }
        const hint = bin.pie && !core ? ' (a PIE binary: pass --core <core> for its load bias)' : '';
        throw new PcCommandError(`${hx(pc)} is in no Go function of ${binaryPath}${hint}`);
      }
      let returnAddress: boolean;
      let why: string;
      if (opts.returnAddress !== undefined) {
        returnAddress = opts.returnAddress;
        why = returnAddress ? 'forced by --return-address' : 'forced by --no-return-address';
      } else if (faulting) {
        const f = faulting.get(pc);
        returnAddress = f === undefined;
        why =
          f !== undefined
            ? `the pc is ${f}: the instruction itself`
            : 'not a thread pc nor a signal frame pc in the core: a return address';
      } else {
        returnAddress = true;
        why =
          'no --core: assumed a return address (pc= of a traceback frame); use --no-return-address for a faulting pc';
      }
      const cwd = opts.cwd ?? process.cwd();
      const sourceRoot = opts.source ?? defaultSourceRoot(bin, cwd);
      const m = await bin.mapSsa({
        pc,
        isReturnAddress: returnAddress,
        sourceRoot,
        // The folder the user chose: --source, else the directory the command runs in.
        allowedRoots: [opts.source ?? cwd],
        allowedRootsHint: 'run go-core in the module\'s directory or pass --source <module root>',
        confirmRebuild: (plan) => {
          opts.onRebuildPlan?.(describePlan(plan));
          return true;
        },
        ...(opts.rebuild ? { rebuild: true } : {}),
        timeoutMs: opts.timeoutMs ?? 300_000,
        ...(opts.env ? { env: opts.env } : {}),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      });
      return pcReport(
        m,
        {
          pc: hx(pc),
          input: opts.pc,
          binary: {
            path: binaryPath,
            goVersion: m.goVersion,
            buildId: bin.ssa().buildId ?? null,
            pie: bin.pie,
            loadBias: hx(bias),
          },
          core: opts.core ?? null,
          returnAddressReason: why,
          sourceRoot,
        },
        returnAddress,
      );
    } finally {
      if (!core) bin.close();
    }
  } finally {
    core?.close();
  }
}
