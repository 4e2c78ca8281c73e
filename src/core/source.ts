// Random access to the bytes of a file without reading it whole: a file descriptor read with
// fs.readSync, or an in-memory Buffer (used by tests and the fuzzer). Readers take a ByteSource.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { CoreReadError, hex } from './errors.js';

export interface ByteSource {
  /** Path or label used in messages. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Exactly `len` bytes at `offset`; throws a 'truncated' CoreReadError when the range passes the
   * end of the source (`what` describes the data for the message).
   */
  read(offset: number, len: number, what?: string): Buffer;
  close(): void;
}

/** Largest single read we allow: bounds allocations on corrupt sizes (the data is read lazily). */
export const MAX_READ = 1 << 30;

function checkRange(src: ByteSource, offset: number, len: number, what: string): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(len) || offset < 0 || len < 0) {
    throw new CoreReadError('corrupt', src.name, `${src.name}: ${what}: invalid range offset ${offset} length ${len}`);
  }
  if (offset + len > src.size) {
    throw new CoreReadError(
      'truncated',
      src.name,
      `${src.name} is truncated: ${what} ends at byte ${hex(offset + len)} but the file has ${hex(src.size)} bytes; ` +
        `the file was probably cut short (for a core: re-collect it with \`ulimit -c unlimited\` and enough disk space)`,
    );
  }
  if (len > MAX_READ) {
    throw new CoreReadError('corrupt', src.name, `${src.name}: ${what}: refusing to read ${len} bytes at once`);
  }
}

export class BufferSource implements ByteSource {
  readonly name: string;
  readonly buf: Buffer;
  constructor(buf: Buffer, name = '<buffer>') {
    this.buf = buf;
    this.name = name;
  }
  get size(): number {
    return this.buf.length;
  }
  read(offset: number, len: number, what = 'data'): Buffer {
    checkRange(this, offset, len, what);
    return this.buf.subarray(offset, offset + len);
  }
  close(): void {
    /* nothing to release */
  }
}

/** What a non-regular file is, in words ("a FIFO (named pipe)"), or undefined for a regular file. */
export function fileKind(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function notRegular(path: string, kind: string): CoreReadError {
  return new CoreReadError(
    'not-regular',
    path,
    `${path} is ${kind}, not a file; a core dump or executable must be a regular file (nothing was read from it)`,
  );
}

/** A failed stat() or open(): missing, or refused by the operating system. */
function openError(path: string, e: unknown): CoreReadError {
  const code = (e as NodeJS.ErrnoException).code;
  return new CoreReadError(
    code === 'ENOENT' ? 'not-found' : 'io',
    path,
    code === 'ENOENT' ? `${path} does not exist` : `cannot open ${path}: ${(e as Error).message}`,
    { cause: e },
  );
}

/**
 * Opens a regular file for reading, refusing anything else before it is opened: opening a FIFO
 * blocks until a writer comes, and a device may never end. The file is looked at with stat()
 * (which never blocks), then opened with O_NONBLOCK (so a FIFO swapped in between cannot block
 * either) and checked again with fstat(). Returns the descriptor.
 */
export function openRegularFile(path: string): number {
  let st: Stats | undefined;
  try {
    st = statSync(path);
  } catch (e) {
    throw openError(path, e);
  }
  const kind = fileKind(st);
  if (kind) throw notRegular(path, kind);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw openError(path, e);
  }
  try {
    const k = fileKind(fstatSync(fd));
    if (k) throw notRegular(path, k);
  } catch (e) {
    closeSync(fd);
    if (e instanceof CoreReadError) throw e;
    throw new CoreReadError('io', path, `cannot stat ${path}: ${(e as Error).message}`, { cause: e });
  }
  return fd;
}

export class FileSource implements ByteSource {
  readonly name: string;
  readonly size: number;
  private fd: number | undefined;

  constructor(path: string) {
    this.name = path;
    const fd = openRegularFile(path);
    try {
      this.size = fstatSync(fd).size;
    } catch (e) {
      closeSync(fd);
      throw new CoreReadError('io', path, `cannot stat ${path}: ${(e as Error).message}`, { cause: e });
    }
    this.fd = fd;
  }

  read(offset: number, len: number, what = 'data'): Buffer {
    // Not zero-filled: readInto writes every byte or throws.
    return this.readInto(offset, Buffer.allocUnsafe(len), what);
  }

  /** Reads out.length bytes at offset into out (a caller's reused buffer); returns out. */
  readInto(offset: number, out: Buffer, what = 'data'): Buffer {
    const len = out.length;
    checkRange(this, offset, len, what);
    if (this.fd === undefined) throw new CoreReadError('io', this.name, `${this.name} was already closed`);
    let done = 0;
    while (done < len) {
      let n: number;
      try {
        n = readSync(this.fd, out, done, len - done, offset + done);
      } catch (e) {
        throw new CoreReadError('io', this.name, `cannot read ${this.name}: ${(e as Error).message}`, { cause: e });
      }
      if (n === 0) {
        throw new CoreReadError(
          'truncated',
          this.name,
          `${this.name} shrank while being read (at byte ${hex(offset + done)})`,
        );
      }
      done += n;
    }
    return out;
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

/** Opens a path as a FileSource, or wraps a Buffer. */
export function openSource(input: string | Buffer, name?: string): ByteSource {
  return typeof input === 'string' ? new FileSource(input) : new BufferSource(input, name);
}
