// The executable of a core fetched from debuginfod servers by its GNU build ID (the protocol of
// elfutils' debuginfod(8): `GET <server>/buildid/<hex build id>/executable`; servers listed in
// $DEBUGINFOD_URLS, separated by spaces). Each server is asked in turn; the answer is streamed into
// the cache (<cache>/debuginfod/<build id>/executable), bounded in time and size, with progress,
// and kept only when it is an ELF executable carrying that very build ID.
//
// Only GNU build IDs are asked for: debuginfod indexes those (Go emits one by default from Go 1.24;
// older binaries only with `-ldflags=-B=gobuildid`). The server list comes from the environment
// (command line) or from user/machine settings (editor), never from a workspace's own settings.
import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readBuildIds } from '../core/buildid.js';
import { cacheDir } from '../core/cacheDir.js';
import { CoreReadError, InspectorError } from '../core/errors.js';
import { openExecutable } from '../core/executable.js';

export interface DebuginfodOptions {
  /** Server URLs (http or https), asked in order. */
  urls: readonly string[];
  /** The whole transfer of one answer (default 120 s). */
  timeoutMs?: number;
  /** Largest executable accepted (default 2 GiB). */
  maxBytes?: number;
  /** Where fetched executables are kept (default <cache>/debuginfod). */
  dir?: string;
  onProgress?: (p: { url: string; receivedBytes: number; totalBytes: number | undefined }) => void;
  signal?: AbortSignal;
}

/** A server could not give the executable: the server, the status or cause, in one sentence. */
export class DebuginfodError extends InspectorError {
  constructor(
    readonly url: string,
    message: string,
    readonly status?: number,
  ) {
    super(message, { file: url });
    this.name = 'DebuginfodError';
  }
}

export const DEFAULT_DEBUGINFOD_TIMEOUT_MS = 120_000;
export const DEFAULT_DEBUGINFOD_MAX_BYTES = 2 * 1024 ** 3;

/** The servers of $DEBUGINFOD_URLS (space separated), http(s) only. */
export function debuginfodUrls(value: string | undefined): string[] {
  return (value ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .filter((u) => {
      try {
        const p = new URL(u).protocol;
        return p === 'http:' || p === 'https:';
      } catch {
        return false;
      }
    });
}

export interface FetchedExecutable {
  path: string;
  /** The server that answered, or undefined when it came from the cache. */
  url: string | undefined;
}

/** The executable with this GNU build ID: from the cache, else from the first server that has it. */
export async function fetchExecutable(gnuBuildId: string, opts: DebuginfodOptions): Promise<FetchedExecutable> {
  if (!/^[0-9a-f]{8,128}$/.test(gnuBuildId)) {
    throw new InspectorError(`"${gnuBuildId}" is not a GNU build ID (lowercase hex)`);
  }
  const dir = join(opts.dir ?? join(cacheDir(), 'debuginfod'), gnuBuildId);
  const dest = join(dir, 'executable');
  if (statSync(dest, { throwIfNoEntry: false })?.isFile() && hasBuildId(dest, gnuBuildId) === undefined) {
    return { path: dest, url: undefined };
  }
  const failures: string[] = [];
  for (const url of opts.urls) {
    try {
      await download(url, gnuBuildId, dir, dest, opts);
      return { path: dest, url };
    } catch (e) {
      if (!(e instanceof InspectorError)) throw e;
      failures.push(e.message);
      if (opts.signal?.aborted) break;
    }
  }
  throw new DebuginfodError(
    opts.urls.join(' '),
    opts.urls.length === 0
      ? `no debuginfod server is configured to ask for build ID ${gnuBuildId}`
      : `no debuginfod server gave the executable with build ID ${gnuBuildId}: ${failures.join('; ')}`,
  );
}

/** Undefined when `path` is an executable with this GNU build ID, else why not. */
function hasBuildId(path: string, gnuBuildId: string): string | undefined {
  try {
    const elf = openExecutable(path);
    try {
      const got = readBuildIds(elf).gnu;
      return got === gnuBuildId ? undefined : `its build ID is ${got ?? '(none)'}, not ${gnuBuildId}`;
    } finally {
      elf.close();
    }
  } catch (e) {
    if (e instanceof CoreReadError) return e.message;
    throw e;
  }
}

async function download(server: string, id: string, dir: string, dest: string, opts: DebuginfodOptions): Promise<void> {
  const url = `${server.replace(/\/+$/, '')}/buildid/${id}/executable`;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_DEBUGINFOD_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? DEFAULT_DEBUGINFOD_MAX_BYTES;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new Error('timeout')), timeoutMs);
  const onAbort = (): void => ctl.abort(new Error('cancelled'));
  opts.signal?.addEventListener('abort', onAbort);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${dest}.partial-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  let fd: number | undefined;
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: ctl.signal, redirect: 'follow' });
    } catch (e) {
      throw failure(url, ctl, timeoutMs, e);
    }
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw new DebuginfodError(url, `${url} answered ${res.status} ${res.statusText}`.trimEnd(), res.status);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new DebuginfodError(url, `${url} offers ${declared} bytes, more than the ${maxBytes} allowed`);
    }
    fd = openSync(tmp, 'w', 0o600);
    let received = 0;
    let last = 0;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        received += chunk.length;
        if (received > maxBytes) {
          ctl.abort(new Error('too large'));
          throw new DebuginfodError(url, `${url} sent more than the ${maxBytes} bytes allowed`);
        }
        let off = 0;
        while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
        if (opts.onProgress && performance.now() - last > 100) {
          last = performance.now();
          opts.onProgress({ url, receivedBytes: received, totalBytes: Number.isFinite(declared) ? declared : undefined });
        }
      }
    } catch (e) {
      if (e instanceof DebuginfodError) throw e;
      throw failure(url, ctl, timeoutMs, e);
    }
    closeSync(fd);
    fd = undefined;
    opts.onProgress?.({ url, receivedBytes: received, totalBytes: received });
    const wrong = hasBuildId(tmp, id);
    if (wrong !== undefined) {
      throw new DebuginfodError(url, `${url} answered with a file that is not the executable with build ID ${id}: ${wrong.replace(tmp, 'the file')}`);
    }
    renameSync(tmp, dest);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
  }
}

function failure(url: string, ctl: AbortController, timeoutMs: number, e: unknown): DebuginfodError {
  const reason = ctl.signal.aborted ? String((ctl.signal.reason as Error)?.message ?? ctl.signal.reason) : '';
  if (reason === 'timeout') return new DebuginfodError(url, `${url} did not answer within ${timeoutMs} ms`);
  if (reason === 'cancelled') return new DebuginfodError(url, `fetching ${url} was cancelled`);
  const cause = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
  return new DebuginfodError(url, `${url} could not be fetched: ${cause}`);
}
