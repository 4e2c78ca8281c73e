// `go-core report <core> [--binary <exe>] [--json]`: a crash summary read without Delve.
// `go-core pc <pc> --binary <exe> [--core <core>] [--source <dir>] [--json]`: a PC → instruction → SSA value.
// `go-core heap <core> [--binary <exe>] [--json] [--pprof <out>] [--path <type|address>]`: the Go heap (heapCommand.ts).
// `go-core crashes [--json]`: the Go crashes systemd-coredump keeps on this machine (coredumpctl).
// Exit codes: 0 ok, 1 input error (one line on stderr), 2 usage.
import { formatError } from '../core/errors.js';
import { delimiter } from 'node:path';
import { debuginfodUrls } from '../analysis/debuginfod.js';
import { openCoreAsync, type CoreEngine, type OpenCoreAsyncOptions } from '../analysis/engine.js';
import { annotateFrames, type FrameAnnotation } from '../analysis/annotate.js';
import { isStandardLibrary } from '../traceback/crash.js';
import { describePlan } from '../ssa/rebuild.js';
import { defaultSourceRoot, runPcCommand } from './pcCommand.js';
import { HEAP_USAGE, parseHeapArgs, runHeapCommand } from './heapCommand.js';
import { delveCheck } from './delveCheck.js';
import type { Report, ReportFrame } from '../analysis/report.js';
import { waitsReport } from '../analysis/waits.js';
import { stackEvidenceLeaks } from '../analysis/goroutineLeaks.js';
import { formatPcText, formatReportText } from './text.js';
import { crashLabel, listGoCrashes } from '../analysis/systemdCoredumps.js';

/** With two throwers, the one on the crashing thread (Delve stops there; the runtime printed the other first). */
function finalThrower(r: Report): { finalThrower?: { goroutine: number; origin: { function: string; line: number } | null } } {
  const t = r.runtime?.throwers?.find((x) => x.crashingThread && x.goroutine !== null && x.goroutine !== r.runtime?.goroutine);
  if (!t || t.goroutine === null) return {};
  return { finalThrower: { goroutine: t.goroutine, origin: t.origin ? { function: t.origin.function, line: t.origin.line } : null } };
}

/** Our origin for Delve's cross-check, with the physical function when it is inlined at a faulting pc. */
function delveOrigin(o: ReportFrame, frames: readonly ReportFrame[]): { function: string; line: number; physicalFunction?: string; pc: string; stack: string } {
  if (!o.inlined || o.returnAddress) return { function: o.function, line: o.line, pc: o.pc, stack: o.stack };
  const physical = frames.find((f) => !f.inlined && f.pc === o.pc);
  return { function: o.function, line: o.line, pc: o.pc, stack: o.stack, ...(physical ? { physicalFunction: physical.function } : {}) };
}

export const USAGE =
  'usage: go-core report <core> [--binary <exe>] [--json] [--no-delve] [--no-heap] [--ssa [--source <dir>] [--rebuild]]\n' +
  '       go-core pc <pc> --binary <exe> [--core <core>] [--source <dir>] [--return-address|--no-return-address] [--rebuild] [--json]\n' +
  HEAP_USAGE +
  '\n       go-core crashes [--json]';

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** The environment (default process.env): build-ID directories and debuginfod servers. */
  env?: NodeJS.ProcessEnv;
  /** The workspace for source mapping (default: the working directory). */
  cwd?: string;
}

/**
 * Where the command line looks for an executable that is not beside the core, from the
 * environment only: $GO_CORE_BUILD_ID_DIRS (directories, separated like PATH) and elfutils'
 * $DEBUGINFOD_URLS (servers, separated by spaces), $DEBUGINFOD_TIMEOUT (seconds) and
 * $DEBUGINFOD_MAXSIZE (bytes).
 */
export function lookupFromEnv(env: NodeJS.ProcessEnv): Pick<OpenCoreAsyncOptions, 'buildIdDirs' | 'debuginfod'> {
  const dirs = (env.GO_CORE_BUILD_ID_DIRS ?? '').split(delimiter).filter((d) => d.startsWith('/'));
  const urls = debuginfodUrls(env.DEBUGINFOD_URLS);
  const timeout = Number(env.DEBUGINFOD_TIMEOUT);
  const max = Number(env.DEBUGINFOD_MAXSIZE);
  return {
    buildIdDirs: dirs,
    debuginfod: {
      urls,
      ...(Number.isFinite(timeout) && timeout > 0 ? { timeoutMs: timeout * 1000 } : {}),
      ...(Number.isFinite(max) && max > 0 ? { maxBytes: max } : {}),
    },
  };
}

interface Args {
  core: string;
  binary?: string;
  json: boolean;
  /** Our own readers only: do not ask Delve. */
  noDelve: boolean;
  /** Leak suspects from stack evidence only (no heap walk). */
  noHeap: boolean;
  /** Annotate the crash frames with instructions and SSA values (rebuilds with the binary's toolchain). */
  ssa: boolean;
  /** Module root for --ssa (default: found from the binary's recorded paths under cwd, as `go-core pc`). */
  source?: string;
  rebuild: boolean;
}

interface PcArgs {
  pc: string;
  binary?: string;
  core?: string;
  source?: string;
  returnAddress?: boolean;
  rebuild?: boolean;
  json: boolean;
}

/** `--name value` or `--name=value`; returns the value and the index of the last argv used. */
function optionValue(
  argv: readonly string[],
  i: number,
  name: string,
): { value: string | undefined; next: number } | undefined {
  const a = argv[i]!;
  if (a === name) return { value: argv[i + 1], next: i + 1 };
  if (a.startsWith(`${name}=`)) return { value: a.slice(name.length + 1), next: i };
  return undefined;
}

function parsePcArgs(argv: readonly string[]): PcArgs | string {
  let pc: string | undefined;
  const out: Omit<PcArgs, 'pc'> = { json: false };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') out.json = true;
    else if (a === '--return-address') out.returnAddress = true;
    else if (a === '--no-return-address') out.returnAddress = false;
    else if (a === '--rebuild') out.rebuild = true;
    else if (a === '-b') {
      out.binary = argv[++i];
      if (out.binary === undefined) return '--binary needs a path';
    } else if (a.startsWith('--')) {
      let matched = false;
      for (const [name, key] of [
        ['--binary', 'binary'],
        ['--core', 'core'],
        ['--source', 'source'],
      ] as const) {
        const v = optionValue(argv, i, name);
        if (!v) continue;
        if (v.value === undefined || v.value === '') return `${name} needs a path`;
        out[key] = v.value;
        i = v.next;
        matched = true;
        break;
      }
      if (!matched) return `unknown option ${a}`;
    } else if (pc === undefined) pc = a;
    else return `unexpected argument "${a}"`;
  }
  if (pc === undefined) return 'missing <pc>';
  if (out.binary === undefined && out.core === undefined) return 'missing --binary <exe>';
  return { pc, ...out };
}

async function runPc(args: PcArgs, io: CliIo): Promise<number> {
  try {
    const r = await runPcCommand({
      pc: args.pc,
      ...(args.binary !== undefined ? { binary: args.binary } : {}),
      ...(args.core !== undefined ? { core: args.core } : {}),
      ...(args.source !== undefined ? { source: args.source } : {}),
      ...(args.returnAddress !== undefined ? { returnAddress: args.returnAddress } : {}),
      ...(args.rebuild ? { rebuild: true } : {}),
      onRebuildPlan: (lines) => io.err(`go-core: rebuilding with the binary's exact toolchain:\n${lines.map((l) => `  ${l}\n`).join('')}`),
    });
    io.out(args.json ? JSON.stringify(r, null, 2) + '\n' : formatPcText(r));
    return 0;
  } catch (e) {
    io.err(`go-core: ${formatError(e, 'cli', { oneLine: true })}\n`);
    return 1;
  }
}

function parseArgs(argv: readonly string[]): Args | string {
  if (argv[0] !== 'report') return argv.length === 0 ? 'missing command' : `unknown command "${argv[0]}"`;
  let core: string | undefined;
  let binary: string | undefined;
  let json = false;
  let noDelve = false;
  let noHeap = false;
  let ssa = false;
  let rebuild = false;
  let source: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--no-delve') noDelve = true;
    else if (a === '--no-heap') noHeap = true;
    else if (a === '--ssa') ssa = true;
    else if (a === '--rebuild') rebuild = true;
    else if (a === '--source' || a.startsWith('--source=')) {
      const v = optionValue(argv, i, '--source')!;
      if (v.value === undefined || v.value === '') return '--source needs a path';
      source = v.value;
      i = v.next;
    }
    else if (a === '--binary' || a === '-b') {
      binary = argv[++i];
      if (binary === undefined) return '--binary needs a path';
    } else if (a.startsWith('--binary=')) binary = a.slice('--binary='.length);
    else if (a.startsWith('-')) return `unknown option ${a}`;
    else if (core === undefined) core = a;
    else return `unexpected argument "${a}"`;
  }
  if (core === undefined) return 'missing <core>';
  if ((source !== undefined || rebuild) && !ssa) return '--source and --rebuild go with --ssa';
  return { core, binary, json, noDelve, noHeap, ssa, rebuild, ...(source !== undefined ? { source } : {}) };
}

/**
 * `--ssa`: the editor's annotations of the crash frames (src/analysis/annotate.ts). Rebuilds run in
 * `--source <dir>` else the directory the command runs in; what a rebuild will run is printed to
 * stderr before it runs (the command is itself the request, as for `go-core pc`).
 */
async function ssaAnnotations(engine: CoreEngine, r: Report, args: Args, io: CliIo): Promise<FrameAnnotation[]> {
  const cwd = process.cwd();
  let root: string | undefined;
  let rootProblem = '';
  try {
    root = args.source ?? defaultSourceRoot(engine.binary, cwd);
  } catch (e) {
    rootProblem = formatError(e, 'cli', { oneLine: true });
  }
  return annotateFrames(engine, r.crash.frames, {
    sourceRoot: (f) => (isStandardLibrary(f.function) ? undefined : root),
    noSourceHint: rootProblem || 'a standard library frame is not rebuilt',
    allowedRoots: [args.source ?? cwd],
    allowedRootsHint: "run go-core in the module's directory or pass --source <module root>",
    confirmRebuild: (plan) => {
      io.err(`go-core: rebuilding with the binary's exact toolchain:\n${describePlan(plan).map((l) => `  ${l}\n`).join('')}`);
      return true;
    },
    ...(args.rebuild ? { rebuild: true } : {}),
    timeoutMs: 300_000,
  });
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE + '\n');
    return 0;
  }
  if (argv[0] === 'heap') {
    const heapArgs = parseHeapArgs(argv.slice(1));
    if (typeof heapArgs === 'string') {
      io.err(`go-core: ${heapArgs}\n${USAGE}\n`);
      return 2;
    }
    return runHeapCommand(heapArgs, io);
  }
  if (argv[0] === 'crashes') {
    const rest = argv.slice(1);
    if (rest.some((a) => a !== '--json')) {
      io.err(`go-core: crashes takes only --json\n${USAGE}\n`);
      return 2;
    }
    try {
      const crashes = await listGoCrashes({ env: io.env ?? process.env });
      if (rest.includes('--json')) io.out(JSON.stringify(crashes, null, 2) + '\n');
      else if (crashes.length === 0) io.out('systemd-coredump keeps no crash of a Go program on this machine\n');
      else for (const c of crashes) io.out(`${crashLabel(c)}  [core: ${c.corefile ?? 'not stored'}]\n`);
      return 0;
    } catch (e) {
      io.err(`go-core: ${formatError(e, 'cli', { oneLine: true })}\n`);
      return 1;
    }
  }
  if (argv[0] === 'pc') {
    const pcArgs = parsePcArgs(argv);
    if (typeof pcArgs === 'string') {
      io.err(`go-core: ${pcArgs}\n${USAGE}\n`);
      return 2;
    }
    return runPc(pcArgs, io);
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    io.err(`go-core: ${args}\n${USAGE}\n`);
    return 2;
  }
  try {
    const engine = await openCoreAsync(args.core, {
      ...(args.binary !== undefined ? { binary: args.binary } : {}),
      ...lookupFromEnv(io.env ?? process.env),
      workspaceFolders: [io.cwd ?? process.cwd()],
    });
    let r: Report;
    try {
      r = engine.report();
      const w = waitsReport(engine.waits());
      w.waits.leaks = args.noHeap ? stackEvidenceLeaks(engine.waits(), 'go-core report --no-heap') : engine.leaks();
      r.runtime = { ...engine.crash(), ...w };
      if (args.ssa) r.ssa = await ssaAnnotations(engine, r, args, io);
    } finally {
      engine.close();
    }
    r.delve = args.noDelve
      ? null
      : await delveCheck({
          // Delve reads the decompressed copy of a compressed core.
          corePath: r.core.compression?.decompressedPath ?? args.core,
          binaryPath: r.executable.path,
          goVersion: r.go.version ?? undefined,
          goroutine: r.runtime.goroutine,
          origin: r.runtime.origin ? delveOrigin(r.runtime.origin, r.crash.frames) : null,
          ...finalThrower(r),
        });
    io.out(args.json ? JSON.stringify(r, null, 2) + '\n' : formatReportText(r));
    return 0;
  } catch (e) {
    io.err(`go-core: ${formatError(e, 'cli', { oneLine: true })}\n`);
    return 1;
  }
}

if (require.main === module) {
  // A closed pipe (`go-core report core | head`) is not an error of ours.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  void runCli(process.argv.slice(2), {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
  }).then((code) => {
    process.exitCode = code;
  });
}
