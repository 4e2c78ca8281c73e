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
 * Whether a function belongs to the Go runtime: package runtime (`runtime.x`, `runtime.(*T).m`),
 * its internal packages (`runtime/internal/...`, `internal/runtime/...`), or the `panic` frame
 * that Go 1.21+ prints for runtime.gopanic.
 */
export function isRuntimeFunction(func: string): boolean {
  return (
    func === 'panic' ||
    func.startsWith('runtime.') ||
    func.startsWith('runtime/internal/') ||
    func.startsWith('internal/runtime/')
  );
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
