// `go-core report <core> [--binary <exe>] [--json]`: a crash summary read without Delve.
// `go-core pc <pc> --binary <exe> [--core <core>] [--source <dir>] [--json]`: a PC → instruction → SSA value.
// Exit codes: 0 ok, 1 input error (one line on stderr), 2 usage.
import { formatError } from '../core/errors.js';
import { delimiter } from 'node:path';
import { debuginfodUrls } from '../analysis/debuginfod.js';
import { openCoreAsync, type OpenCoreAsyncOptions } from '../analysis/engine.js';
import { runPcCommand } from './pcCommand.js';
import { delveCheck } from './delveCheck.js';
import type { CrashSummary } from '../analysis/crashSummary.js';
import type { Report } from '../analysis/report.js';
import { formatPcText, formatReportText } from './text.js';

export const USAGE =
  'usage: go-core report <core> [--binary <exe>] [--json] [--no-delve]\n' +
  '       go-core pc <pc> --binary <exe> [--core <core>] [--source <dir>] [--return-address|--no-return-address] [--rebuild] [--json]';

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
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--no-delve') noDelve = true;
    else if (a === '--binary' || a === '-b') {
      binary = argv[++i];
      if (binary === undefined) return '--binary needs a path';
    } else if (a.startsWith('--binary=')) binary = a.slice('--binary='.length);
    else if (a.startsWith('-')) return `unknown option ${a}`;
    else if (core === undefined) core = a;
    else return `unexpected argument "${a}"`;
  }
  if (core === undefined) return 'missing <core>';
  return { core, binary, json, noDelve };
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE + '\n');
    return 0;
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
    let runtime: CrashSummary;
    try {
      runtime = engine.crash();
      r = { ...engine.report(), runtime };
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
          goroutine: runtime.goroutine,
          origin: runtime.origin ? { function: runtime.origin.function, line: runtime.origin.line } : null,
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
