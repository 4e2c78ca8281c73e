// `go-core report <core> [--binary <exe>] [--json]`: a crash summary read without Delve.
// Exit codes: 0 ok, 1 input error (one line on stderr), 2 usage.
import { CoreReadError } from '../core/errors.js';
import { analyzeCore } from './analyze.js';
import { buildReport } from './report.js';
import { formatReportText } from './text.js';

export const USAGE = 'usage: go-core report <core> [--binary <exe>] [--json]';

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

interface Args {
  core: string;
  binary?: string;
  json: boolean;
}

function parseArgs(argv: readonly string[]): Args | string {
  if (argv[0] !== 'report') return argv.length === 0 ? 'missing command' : `unknown command "${argv[0]}"`;
  let core: string | undefined;
  let binary: string | undefined;
  let json = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--binary' || a === '-b') {
      binary = argv[++i];
      if (binary === undefined) return '--binary needs a path';
    } else if (a.startsWith('--binary=')) binary = a.slice('--binary='.length);
    else if (a.startsWith('-')) return `unknown option ${a}`;
    else if (core === undefined) core = a;
    else return `unexpected argument "${a}"`;
  }
  if (core === undefined) return 'missing <core>';
  return { core, binary, json };
}

export function runCli(argv: readonly string[], io: CliIo): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE + '\n');
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    io.err(`go-core: ${args}\n${USAGE}\n`);
    return 2;
  }
  try {
    const a = analyzeCore(args.core, { binary: args.binary });
    try {
      const r = buildReport(a);
      io.out(args.json ? JSON.stringify(r, null, 2) + '\n' : formatReportText(r));
    } finally {
      a.close();
    }
    return 0;
  } catch (e) {
    const msg = e instanceof CoreReadError ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    io.err(`go-core: ${msg.replace(/\s*\n\s*/g, ' ')}\n`);
    return 1;
  }
}

if (require.main === module) {
  // A closed pipe (`go-core report core | head`) is not an error of ours.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  process.exitCode = runCli(process.argv.slice(2), {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
  });
}
