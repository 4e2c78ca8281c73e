// The Go crashes systemd-coredump keeps on this machine: `coredumpctl list --json=short` parsed, and
// kept only where the crashed executable is a Go program (its build info names a Go version), then
// one of them written out with `coredumpctl dump <pid> --output=<file>` for the engine to open.
//
// The JSON form follows systemd's own code (src/coredump/coredumpctl.c dump_list/print_list and
// src/shared/format-table.c table_to_json): an array of one object per entry with the columns
// `time` (µs since the epoch), `pid`, `uid`, `gid`, `sig` (a signal number, null when not valid),
// `corefile` (`present`, `missing`, `journal`, `none`, `truncated`, `inaccessible`, `error`, or
// null), `exe` (COREDUMP_EXE, else COREDUMP_COMM) and `size` (bytes of the stored file, null when
// unknown). Every child is bounded in time and output; nothing runs the crashed program.
import { execFile } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readBuildInfo } from '../core/buildinfo.js';
import { cacheDir } from '../core/cacheDir.js';
import { CoreReadError, InspectorError } from '../core/errors.js';
import { openExecutable } from '../core/executable.js';
import { signalName } from '../core/notes.js';

/** One entry of `coredumpctl list`. */
export interface CoredumpEntry {
  /** When the process crashed. */
  time: Date | null;
  pid: number;
  uid: number | null;
  gid: number | null;
  signal: number | null;
  /** Where the core is: present (a file), journal, missing, none, truncated, inaccessible, error. */
  corefile: string | null;
  /** The executable's path (or only its command name, when systemd did not know the path). */
  exe: string;
  size: number | null;
}

/** A Go crash: an entry whose executable is still on disk and is a Go program. */
export interface GoCrash extends CoredumpEntry {
  goVersion: string;
  /** The core can be dumped (present, journal or truncated). */
  dumpable: boolean;
}

/** coredumpctl is missing or failed: what happened, in one sentence. */
export class CoredumpctlError extends InspectorError {
  constructor(message: string, cause?: unknown) {
    super(message, {
      file: 'coredumpctl',
      hint: {
        editor: 'open a core file with "Open Core Dump" instead',
        cli: 'pass a core file to `go-core report`',
      },
      ...(cause !== undefined ? { cause } : {}),
    });
    this.name = 'CoredumpctlError';
  }
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Parses the output of `coredumpctl list --json=short` (or `--json=pretty`). Throws CoredumpctlError on anything else. */
export function parseCoredumpList(text: string): CoredumpEntry[] {
  let v: unknown;
  try {
    v = JSON.parse(text.trim() || '[]');
  } catch (e) {
    throw new CoredumpctlError(`coredumpctl printed something that is not JSON: ${text.slice(0, 80)}`, e);
  }
  if (!Array.isArray(v)) throw new CoredumpctlError('coredumpctl list --json printed no list');
  const out: CoredumpEntry[] = [];
  for (const row of v) {
    if (!row || typeof row !== 'object') continue;
    const r = row as Record<string, unknown>;
    const pid = num(r.pid);
    if (pid === null || typeof r.exe !== 'string') continue;
    const time = num(r.time);
    out.push({
      time: time !== null ? new Date(Math.floor(time / 1000)) : null,
      pid,
      uid: num(r.uid),
      gid: num(r.gid),
      signal: num(r.sig),
      corefile: typeof r.corefile === 'string' ? r.corefile : null,
      exe: r.exe,
      size: num(r.size),
    });
  }
  return out;
}

/** The Go version of an executable by its build info, or undefined when it is not a Go program (or not there). */
export function goVersionOf(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return undefined;
  } catch {
    return undefined;
  }
  let elf;
  try {
    elf = openExecutable(path);
  } catch (e) {
    if (e instanceof CoreReadError) return undefined;
    throw e;
  }
  try {
    return readBuildInfo(elf).goVersion || undefined;
  } catch (e) {
    if (e instanceof CoreReadError) return undefined;
    throw e;
  } finally {
    elf.close();
  }
}

/** The entries whose executable is a Go program, newest first. */
export function goCrashes(entries: readonly CoredumpEntry[], versionOf: (exe: string) => string | undefined = goVersionOf): GoCrash[] {
  const versions = new Map<string, string | undefined>();
  const out: GoCrash[] = [];
  for (const e of entries) {
    if (!e.exe.startsWith('/')) continue; // only a command name: nothing to read build info from
    if (!versions.has(e.exe)) versions.set(e.exe, versionOf(e.exe));
    const goVersion = versions.get(e.exe);
    if (!goVersion) continue;
    out.push({ ...e, goVersion, dumpable: e.corefile === 'present' || e.corefile === 'journal' || e.corefile === 'truncated' });
  }
  return out.sort((a, b) => (b.time?.getTime() ?? 0) - (a.time?.getTime() ?? 0));
}

/** One line for a picker: `prog (pid 4242) SIGABRT, go1.24.4, 2026-11-30 07:12`. */
export function crashLabel(c: GoCrash): string {
  const when = c.time ? c.time.toISOString().replace('T', ' ').slice(0, 16) : 'time unknown';
  return `${c.exe} (pid ${c.pid}) ${c.signal !== null ? signalName(c.signal) : 'no signal'}, ${c.goVersion}, ${when}`;
}

export interface CoredumpctlOptions {
  /** The coredumpctl executable (default: `coredumpctl` on PATH). */
  command?: string;
  /** Each run (default 20 s for list, 300 s for dump). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

function run(args: string[], opts: CoredumpctlOptions, defaultTimeoutMs: number): Promise<string> {
  const command = opts.command ?? 'coredumpctl';
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        timeout: opts.timeoutMs ?? defaultTimeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...(opts.env ?? process.env), SYSTEMD_PAGER: '', SYSTEMD_COLORS: '0' },
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          return reject(
            new CoredumpctlError(`coredumpctl is not installed on this machine (${command} was not found): systemd-coredump's list of crashes cannot be read here`, err),
          );
        }
        if ((err as { killed?: boolean }).killed) {
          return reject(new CoredumpctlError(`coredumpctl ${args.join(' ')} did not finish within ${(opts.timeoutMs ?? defaultTimeoutMs) / 1000} s`, err));
        }
        // `coredumpctl list` exits 1 with "No coredumps found." when the journal has none.
        if (/No coredumps found/i.test(stderr)) return resolve('[]');
        reject(new CoredumpctlError(`coredumpctl ${args.join(' ')} failed: ${(stderr || err.message).trim().split('\n')[0]}`, err));
      },
    );
  });
}

/** The machine's Go crashes kept by systemd-coredump. Throws CoredumpctlError (missing coredumpctl says so). */
export async function listGoCrashes(opts: CoredumpctlOptions = {}): Promise<GoCrash[]> {
  return goCrashes(parseCoredumpList(await run(['list', '--json=short', '--no-pager'], opts, 20_000)));
}

/** Writes one crash's core into the cache (`coredumpctl dump <pid> --output=…`); returns its path. */
export async function dumpCore(crash: GoCrash, opts: CoredumpctlOptions & { dir?: string } = {}): Promise<string> {
  if (!crash.dumpable) throw new CoredumpctlError(`the core of pid ${crash.pid} (${crash.exe}) is not stored (corefile: ${crash.corefile ?? 'none'})`);
  const dir = opts.dir ?? join(cacheDir(), 'coredumpctl');
  mkdirSync(dir, { recursive: true });
  const stamp = crash.time ? crash.time.getTime() : 0;
  const out = join(dir, `core.${crash.pid}.${stamp}`);
  await run(['dump', String(crash.pid), `--output=${out}`, '--no-pager'], opts, 300_000);
  return out;
}
