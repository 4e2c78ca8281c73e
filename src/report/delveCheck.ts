// The second source of truth: Delve (through its DAP server) on the same core. The report asks it
// for the crashing goroutine and its frames and says whether they agree with our own readers.
import { CoreSession } from '../delve/coreSession.js';
import { findDelveFor } from '../delve/dlvDiscovery.js';
import type { DelveCheck } from '../analysis/report.js';

export type { DelveCheck };


export interface DelveCheckInput {
  corePath: string;
  binaryPath: string;
  goVersion: string | undefined;
  goroutine: number | null;
  /**
   * Our origin frame; `physicalFunction` when it is an inlined call at a faulting pc (Delve does not
   * expand inlined calls there and names the physical function instead).
   */
  origin: { function: string; line: number; physicalFunction?: string; pc?: string; stack?: string } | null;
  /**
   * Another goroutine that threw at the same time, on the thread that raised the final signal: Delve
   * stops there, while the runtime printed (and we name) the first thrower.
   */
  finalThrower?: { goroutine: number; origin: { function: string; line: number } | null };
  timeoutMs?: number;
}

export async function delveCheck(input: DelveCheckInput): Promise<DelveCheck> {
  const empty = (dlv: DelveCheck['dlv'], error: string): DelveCheck => ({
    dlv,
    goroutine: null,
    frames: [],
    agrees: { goroutine: null, origin: null },
    error,
  });
  let pick;
  try {
    pick = await findDelveFor(input.goVersion);
  } catch (e) {
    return empty(null, (e as Error).message);
  }
  const dlv = { path: pick.path, version: pick.version, inRange: pick.inRange };
  let session: CoreSession | undefined;
  try {
    session = await CoreSession.open({
      corePath: input.corePath,
      programPath: input.binaryPath,
      goVersion: input.goVersion,
      dlv: pick,
      timeoutMs: input.timeoutMs ?? 15_000,
      openTimeoutMs: (input.timeoutMs ?? 15_000) * 2,
    });
    const crash = await session.crashingGoroutine();
    const frames = crash.frames.map((f) => ({
      // an argument list at the end, if any (a method's receiver, `(*T).M`, stays)
      function: f.name.replace(/\([^()]*\)$/, '').trim(),
      file: f.source?.path ?? '',
      line: f.line,
    }));
    // The Delve client's own origin rule (first non-runtime frame below the crash frame).
    const origin = crash.originFrameIndex >= 0 ? frames[crash.originFrameIndex] : undefined;
    const onFinalThrower = !!input.finalThrower && input.finalThrower.goroutine === crash.id && input.goroutine !== crash.id;
    // With two throwers Delve's answer is the other one's: compare it with that goroutine's origin.
    const ours = onFinalThrower ? input.finalThrower!.origin : input.origin;
    // Delve names a C function `C.<name>` and prints a package path's last element only
    // (`sync.fatal` for internal/sync.fatal).
    const name = (fn: string) => fn.replace(/^C\./, '').replace(/^.*\//, '');
    const exact = !!ours && !!origin && name(ours.function) === name(origin.function) && ours.line === origin.line;
    const physical = !!input.origin?.physicalFunction && !onFinalThrower && !!origin && name(origin.function) === name(input.origin.physicalFunction);
    // A frame Delve could not name (`???`: C code without DWARF or symbols, e.g. a libc function)
    // at our origin's pc: the same frame, which we name from .symtab / .dynsym.
    const ourPc = !onFinalThrower && input.origin?.pc ? BigInt(input.origin.pc) : undefined;
    const unnamed =
      ourPc !== undefined &&
      crash.frames.some((f, i) => i > crash.crashFrameIndex && f.name === '???' && f.instructionPointerReference !== undefined && BigInt(f.instructionPointerReference) === ourPc);
    const notes = [
      onFinalThrower
        ? `several goroutines threw at once: Delve stops on goroutine ${crash.id}, the thread that raised the final signal; the runtime printed goroutine ${input.goroutine} first`
        : null,
      !exact && physical
        ? `Delve does not expand the inlined call ${input.origin!.function} at the faulting pc; it names ${origin!.function} (line ${origin!.line})`
        : null,
      !exact && !physical && unnamed ? `Delve shows ??? at ${input.origin!.pc}, the frame we name ${input.origin!.function}` : null,
      // Delve walks the goroutine from its saved state: the frames that ran on the thread's g0
      // (C code reached through cgo, race-instrumented code on the system stack) are not in it.
      !exact && !physical && !unnamed && ourPc !== undefined && input.origin!.stack === 'g0' &&
      !crash.frames.some((f) => f.instructionPointerReference !== undefined && BigInt(f.instructionPointerReference) === ourPc)
        ? `Delve's stack of goroutine ${crash.id} does not reach ${input.origin!.function} (pc ${input.origin!.pc}), which ran on the g0 stack`
        : null,
    ].filter((n): n is string => n !== null);
    return {
      dlv,
      goroutine: crash.id,
      frames,
      agrees: {
        goroutine: input.goroutine === null ? null : input.goroutine === crash.id || onFinalThrower,
        origin: ours === null || (!origin && !unnamed) ? null : exact || physical || unnamed,
        note: notes.length > 0 ? notes.join('; ') : null,
      },
      error: null,
    };
  } catch (e) {
    return empty(dlv, (e as Error).message.split('\n')[0]!);
  } finally {
    await session?.close();
  }
}
