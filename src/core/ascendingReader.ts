// Bytes of many small objects asked for in ascending address order (goroutine stacks, runtime.g
// structs): from a core's own segment they are read straight from the file in windows, past the
// memory's page cache and without a buffer per object: a parked goroutine's stack uses a few hundred
// bytes, a g is a few hundred bytes, and 100,000 of them lie side by side in a few hundred megabytes,
// so one read serves dozens. Elsewhere (a file-backed mapping, a buffer) the bytes come from the
// memory itself.
import { CoreReadError } from './errors.js';
import { CoreMemory, type Memory } from './memory.js';
import { FileSource } from './source.js';

/** Bytes read at once from the core file (256 KiB). */
const WINDOW = 256 * 1024;

export class AscendingReader {
  private base = 0;
  private end = 0;
  /** The bytes of the last window; `view` over them. */
  buf: Buffer = Buffer.alloc(0);
  view: DataView = new DataView(new ArrayBuffer(0));
  private scratch: Buffer | undefined;
  constructor(
    private readonly mem: Memory,
    private readonly what: string,
    private readonly window = WINDOW,
  ) {}
  /**
   * Offset in `buf` (and `view`) of the `len` bytes at addr, read now if needed; -1 when unreadable.
   * The bytes stay valid until the next call (the window's buffer is reused).
   */
  locate(addr: bigint, len: number): number {
    const a = Number(addr);
    if (a >= this.base && a + len <= this.end) return a - this.base;
    let buf: Buffer | undefined;
    if (this.mem instanceof CoreMemory) {
      try {
        const o = this.mem.origin(addr);
        if (o.kind === 'core' && o.available >= len) {
          const n = Math.max(len, Math.min(this.window, o.available));
          // From a file, into one buffer reused for every window (no 256 KiB allocation per read:
          // hundreds of them would drive the garbage collector).
          if (o.source instanceof FileSource && n <= this.window) buf = o.source.readInto(o.offset, (this.scratch ??= Buffer.allocUnsafe(this.window)).subarray(0, n), this.what);
          else buf = o.source.read(o.offset, n, this.what);
        }
      } catch (e) {
        if (!(e instanceof CoreReadError)) throw e;
        return -1;
      }
    }
    buf ??= this.mem.tryRead(addr, len);
    if (!buf) return -1;
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    this.base = a;
    this.end = a + buf.length;
    return 0;
  }
}
