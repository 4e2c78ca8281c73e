// A core as the user hands it over, made ready for the readers: refused before it is opened when it
// is not a regular file (a FIFO would block the open; a device may never end), decompressed into
// the cache when it is a compressed core (src/core/compressed.ts: recognised by its magic, not its
// name), and otherwise taken as it is. Both surfaces go through here: the command line
// synchronously or not, the editor asynchronously with progress.
import {
  decompressCore,
  decompressCoreSync,
  fileCompression,
  type DecompressedCore,
  type DecompressOptions,
} from '../core/compressed.js';

export interface PreparedCore {
  /** The path as the user gave it (the report shows it). */
  original: string;
  /** The ELF core to read: `original`, or the decompressed copy in the cache. */
  path: string;
  /** Set when the core was compressed. */
  decompressed: DecompressedCore | undefined;
}

/** Checks and, when compressed, decompresses a core synchronously. Throws CoreReadError. */
export function prepareCoreSync(path: string, opts: DecompressOptions = {}): PreparedCore {
  const format = fileCompression(path);
  if (!format) return { original: path, path, decompressed: undefined };
  const d = decompressCoreSync(path, format, opts);
  return { original: path, path: d.path, decompressed: d };
}

/** Like prepareCoreSync, yielding to the event loop while decompressing (progress, cancellation). */
export async function prepareCore(path: string, opts: DecompressOptions = {}): Promise<PreparedCore> {
  const format = fileCompression(path);
  if (!format) return { original: path, path, decompressed: undefined };
  const d = await decompressCore(path, format, opts);
  return { original: path, path: d.path, decompressed: d };
}
