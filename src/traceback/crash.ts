// Which goroutine crashed, and which of its frames is where the crash came from.
import type { Frame, Goroutine, Traceback } from './types.js';

/**
 * The crashing goroutine: the first goroutine block printed. The runtime prints the goroutine
 * that panicked or threw (the current goroutine of the crashing thread, status `running`) right
 * after the header and any `runtime stack:` section, before every other goroutine.
 * Undefined when the traceback holds no goroutine block.
 */
export function crashingGoroutine(tb: Traceback): Goroutine | undefined {
  return tb.goroutines[0];
}

/**
 * The runtime's throw and fatal under the names of the packages it implements them for
 * (`//go:linkname sync_fatal sync.fatal` and friends in runtime/panic.go): frames of the runtime's
 * own throw machinery, whatever package name the traceback prints.
 */
const RUNTIME_UNDER_OTHER_NAMES = new Set(['sync.throw', 'sync.fatal', 'internal/sync.throw', 'internal/sync.fatal']);

/**
 * Whether a function belongs to the Go runtime: package runtime (`runtime.x`, `runtime.(*T).m`),
 * its internal packages (`runtime/internal/...`, `internal/runtime/...`), the `panic` frame
 * that Go 1.21+ prints for runtime.gopanic, and the runtime's throw/fatal linked into sync.
 */
export function isRuntimeFunction(func: string): boolean {
  return (
    func === 'panic' ||
    func.startsWith('runtime.') ||
    func.startsWith('runtime/internal/') ||
    func.startsWith('internal/runtime/') ||
    RUNTIME_UNDER_OTHER_NAMES.has(func)
  );
}

/**
 * Whether a function belongs to the standard library (the runtime included): its package's first
 * path element has no dot and the package is not `main`; `panic` (Go 1.21+'s name for
 * runtime.gopanic) counts too. This is wider than isRuntimeFunction on purpose: the origin of a
 * crash is the first frame outside the runtime (a panic raised in `strconv` or `sync` has its origin
 * there), while a goroutine's *user* frame, which labels groups and blocked goroutines, is the first
 * frame outside the whole standard library (a goroutine parked in `sync.(*Mutex).Lock` is labelled
 * by the program's caller).
 */
export function isStandardLibrary(func: string): boolean {
  if (func === 'panic') return true;
  const slash = func.lastIndexOf('/');
  const dot = func.indexOf('.', slash + 1);
  if (dot < 0) return true;
  const pkg = func.slice(0, dot);
  if (pkg === 'main') return false;
  const first = pkg.indexOf('/') < 0 ? pkg : pkg.slice(0, pkg.indexOf('/'));
  return !first.includes('.');
}

/**
 * The origin frame of a goroutine's crash: the first frame, from the top of the stack, whose
 * function is not in the runtime (see isRuntimeFunction). Above it sit only the runtime's panic
 * and throw machinery (gopanic/`panic`, panicIndex-style helpers, panicmem, sigpanic, throw,
 * fatal, mapassign, newstack, ...), so it is the user code that raised the panic or the fatal
 * error, or the frame that faulted (a SIGSEGV turned into a panic). For a deferred call that
 * panicked, it is that deferred function (the newest panic). Inlined frames count as frames
 * (main.pick inlined into main.main is the origin of an index panic raised in pick).
 * Undefined when every frame is in the runtime.
 */
export function originFrame(g: { frames: Frame[] }): Frame | undefined {
  return g.frames.find((f) => !isRuntimeFunction(f.func));
}

/**
 * The signature goroutines are grouped by, in crash logs (src/server) and in cores (the engine):
 * the functions of the stack in order, innermost first, like panicparse's buckets; a counted run
 * of identical frames (`× N`) or an elided part (`…elided`) is part of the signature. Lines are
 * not: goroutines parked at the same calls are one group even when a frame's line differs.
 */
export function stackSignature(items: readonly (string | { func: string; repeat?: number } | { marker: string })[]): string {
  return items
    .map((it) =>
      typeof it === 'string' ? it : 'marker' in it ? `…${it.marker}` : it.repeat !== undefined && it.repeat > 1 ? `${it.func}×${it.repeat}` : it.func,
    )
    .join('\n');
}
