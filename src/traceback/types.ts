// The structure of a Go runtime traceback (what a crashing Go program prints on stderr), as read
// by parse.ts. Every line of the input is described by exactly one `TracebackLine`, which keeps
// the pieces the line was made of, so that format.ts rebuilds the input text byte for byte.
// Positions: `line` is the 0-based line index in the input, spans are [start, end) character
// offsets within that line (what an editor needs for links, hovers and folding).

/** A [start, end) character range within one line. */
export interface Span {
  start: number;
  end: number;
}

/** A parsed value with where it was printed. */
export interface Located<T> {
  value: T;
  span: Span;
}

interface LineBase {
  /** 0-based line index in the input. */
  line: number;
  /** The line's text, without its line terminator. */
  text: string;
}

/** `panic: msg`, `panic: msg [recovered]`, `panic: msg [recovered, repanicked]`, or a nested `\tpanic: msg`. */
export interface PanicLine extends LineBase {
  kind: 'panic';
  /** Printed with a leading tab: a panic raised while the one before it was running its defers. */
  nested: boolean;
  message: Located<string>;
  /** The bracketed suffix (` [recovered]`), with its leading space, or undefined. */
  suffix?: Located<string>;
  recovered: boolean;
  repanicked: boolean;
}

/** `fatal error: msg` (runtime.throw / runtime.fatal). */
export interface FatalErrorLine extends LineBase {
  kind: 'fatal';
  message: Located<string>;
}

/** `runtime: msg`, a diagnostic the runtime prints before a fatal error. */
export interface RuntimeMessageLine extends LineBase {
  kind: 'runtime';
  message: Located<string>;
}

/** `[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x45f1a0]`. */
export interface SignalLine extends LineBase {
  kind: 'signal';
  /** `SIGSEGV` */
  signal: Located<string>;
  /** `segmentation violation` */
  description: Located<string>;
  /** The `key=value` fields after the description (`code`, `addr`, `pc`, ...), in order. */
  fields: SignalField[];
}

export interface SignalField {
  key: string;
  /** The value as printed (`0x1`). */
  value: string;
  span: Span;
}

/** `goroutine 1 gp=0xc0000061c0 m=0 mp=0x530520 [running, 5 minutes, locked to thread]:` */
export interface GoroutineHeaderLine extends LineBase {
  kind: 'goroutine';
  id: Located<number>;
  /** `gp=0x...` (Go 1.22+ with GOTRACEBACK=crash or system). */
  gp?: Located<string>;
  /** `m=N` or `m=nil` (Go 1.22+). */
  m?: Located<string>;
  /** `mp=0x...` (Go 1.22+, when m is not nil). */
  mp?: Located<string>;
  /** The text between the brackets. */
  state: Located<string>;
  /** The status or wait reason: `running`, `chan receive`, `sync.Mutex.Lock`, ... */
  status: Located<string>;
  /** `N minutes` when printed. */
  waitMinutes?: Located<number>;
  lockedToThread: boolean;
  /** Other comma-separated items inside the brackets (newer runtimes add some), in order. */
  extra: Located<string>[];
}

/** A frame's first line: `main.(*T).M(0x1, {0x2, 0x3}, ...)`, or `  main.f()` in a race report. */
export interface CallLine extends LineBase {
  kind: 'call';
  /** Leading spaces: a race report indents its frames (`  main.f()`); a traceback does not. */
  indent?: string;
  /** The full function name, with package path, receiver and type parameters (`[...]`). */
  func: Located<string>;
  /** The text between the outer parentheses (`...` for an inlined frame). */
  args: Located<string>;
  /** The arguments were elided as `(...)`: the frame was inlined. */
  inlined: boolean;
}

/** A frame's second line: `\t/path/file.go:16 +0x9e fp=0x.. sp=0x.. pc=0x..`. */
export interface LocationLine extends LineBase {
  kind: 'location';
  /** Leading whitespace (a tab). */
  indent: string;
  file: Located<string>;
  lineNumber: Located<number>;
  /** `+0x9e`: the PC's offset from the function entry, as printed, without the `+`. */
  offset?: Located<string>;
  fp?: Located<string>;
  sp?: Located<string>;
  pc?: Located<string>;
}

/** `created by main.main in goroutine 1`, or `created by main.main` (before Go 1.21). */
export interface CreatedByLine extends LineBase {
  kind: 'createdBy';
  func: Located<string>;
  goroutine?: Located<number>;
}

/** `...additional frames elided...` or `...N frames elided...`. */
export interface ElidedLine extends LineBase {
  kind: 'elided';
  /** The number of frames elided, when printed. */
  count?: Located<number>;
}

/** `\tgoroutine running on other thread; stack unavailable`. */
export interface UnavailableLine extends LineBase {
  kind: 'unavailable';
}

/** `runtime stack:` starts the system (g0) stack of a crash on the system stack. */
export interface RuntimeStackLine extends LineBase {
  kind: 'runtimeStack';
}

/** A register of a signal's register dump: `rax    0x0`. */
export interface RegisterLine extends LineBase {
  kind: 'register';
  name: Located<string>;
  value: Located<string>;
}

/** `SIGQUIT: quit` or `SIGSEGV: segmentation violation` (a per-thread signal title). */
export interface SignalTitleLine extends LineBase {
  kind: 'signalTitle';
  signal: Located<string>;
  description: Located<string>;
}

/** `PC=0x46b0a1 m=3 sigcode=0 addr=0x0`, after a signal title. */
export interface SignalPcLine extends LineBase {
  kind: 'signalPc';
  fields: SignalField[];
}

// Race reports (`WARNING: DATA RACE`): what the race detector of a -race build prints when two
// goroutines access the same memory without synchronisation. The format is ThreadSanitizer's for
// Go (compiler-rt lib/tsan/rtl/tsan_report.cpp, the SANITIZER_GO branch: PrintReport, PrintMop,
// PrintLocation, PrintThread, PrintStack; the count line in tsan_rtl.cpp's Finalize):
//   ==================
//   WARNING: DATA RACE
//   Write at 0x00c000012345 by goroutine 7:          (Read at, by main goroutine)
//     main.f()
//         /path/main.go:12 +0x3c
//
//   Previous read at 0x00c000012345 by main goroutine:
//     [failed to restore the stack]                  (when the access left TSan's history)
//
//   Heap block of size 8 at 0x00c000012340 allocated by goroutine 6:   (sometimes, with a stack)
//   Global var x of size 8 at 0x... declared at /path/x.go:3           (sometimes)
//
//   Goroutine 7 (running) created at:                (never for the main goroutine)
//     main.main()
//         /path/main.go:10 +0x7a
//   ==================
//   Found 2 data race(s)                             (at a normal exit; the process exits 66)

/** `==================`: opens or closes a race report. */
export interface RaceBannerLine extends LineBase {
  kind: 'raceBanner';
}

/** `WARNING: DATA RACE`. */
export interface RaceWarningLine extends LineBase {
  kind: 'raceWarning';
}

/** Who made an access or an allocation: `goroutine 7` or `main goroutine` (goroutine 1). */
export interface RaceGoroutineRef {
  /** The goroutine id; 1 for `main goroutine` (TSan's kMainGoroutineId). */
  id: number;
  /** Printed as `main goroutine`. */
  main: boolean;
  /** The span of `goroutine 7` or `main goroutine`. */
  span: Span;
}

/** `Write at 0x00c000012345 by goroutine 7:`, `Previous read at 0x… by main goroutine:`. */
export interface RaceAccessLine extends LineBase {
  kind: 'raceAccess';
  /** `Write`, `Read`, `Previous write` or `Previous read`, as printed. */
  op: Located<string>;
  write: boolean;
  previous: boolean;
  address: Located<string>;
  goroutine: RaceGoroutineRef;
}

/** `Goroutine 7 (running) created at:` or `Goroutine 6 (finished) created at:`. */
export interface RaceCreatedAtLine extends LineBase {
  kind: 'raceCreatedAt';
  goroutine: Located<number>;
  /** `running` or `finished`. */
  state: Located<string>;
}

/** `Heap block of size 8 at 0x… allocated by goroutine 6:`. */
export interface RaceHeapBlockLine extends LineBase {
  kind: 'raceHeapBlock';
  size: Located<number>;
  address: Located<string>;
  goroutine: RaceGoroutineRef;
}

/** `Global var x of size 8 at 0x… declared at /path/x.go:3`. */
export interface RaceGlobalLine extends LineBase {
  kind: 'raceGlobal';
  name: Located<string>;
  size: Located<number>;
  address: Located<string>;
  file: Located<string>;
  lineNumber: Located<number>;
}

/** `  [failed to restore the stack]`: the access is older than TSan's history. */
export interface RaceNoStackLine extends LineBase {
  kind: 'raceNoStack';
}

/** `Found 2 data race(s)`, printed by the race runtime when the program exits. */
export interface RaceFoundLine extends LineBase {
  kind: 'raceFound';
  count: Located<number>;
}

/** An empty line. */
export interface BlankLine extends LineBase {
  kind: 'blank';
}

/** Any line not recognised (program output, `exit status 2`, `-----`, messages of newer runtimes). */
export interface OtherLine extends LineBase {
  kind: 'other';
}

export type TracebackLine =
  | PanicLine
  | FatalErrorLine
  | RuntimeMessageLine
  | SignalLine
  | GoroutineHeaderLine
  | CallLine
  | LocationLine
  | CreatedByLine
  | ElidedLine
  | UnavailableLine
  | RuntimeStackLine
  | RegisterLine
  | SignalTitleLine
  | SignalPcLine
  | RaceBannerLine
  | RaceWarningLine
  | RaceAccessLine
  | RaceCreatedAtLine
  | RaceHeapBlockLine
  | RaceGlobalLine
  | RaceNoStackLine
  | RaceFoundLine
  | BlankLine
  | OtherLine;

/** One stack frame: a call line and, when printed, its location line. */
export interface Frame {
  call: CallLine;
  location?: LocationLine;
  /** `call.func.value`, for convenience. */
  func: string;
  /** `location.file.value`, when printed. */
  file?: string;
  /** `location.lineNumber.value`, when printed. */
  lineNumber?: number;
  inlined: boolean;
  /** The PC, parsed from `pc=0x...`, when printed (GOTRACEBACK=crash or system). */
  pc?: bigint;
  sp?: bigint;
  fp?: bigint;
  /** The `+0x..` offset, parsed. */
  offset?: number;
}

/** What a goroutine block or a runtime stack holds after its header, in order. */
export type StackItem =
  | { kind: 'frame'; frame: Frame }
  | { kind: 'elided'; line: ElidedLine }
  | { kind: 'unavailable'; line: UnavailableLine };

/** A stack: frames (and elision markers), optionally with the `created by` frame. */
export interface Stack {
  items: StackItem[];
  /** The frames alone, in order (innermost first). */
  frames: Frame[];
  createdBy?: { line: CreatedByLine; location?: LocationLine };
}

/** A `goroutine N [...]:` block. */
export interface Goroutine extends Stack {
  header: GoroutineHeaderLine;
  id: number;
  status: string;
  waitMinutes?: number;
  lockedToThread: boolean;
  /** `gp=` value parsed, when printed. */
  gp?: bigint;
  /** `m=` value: a number, or null for `m=nil`; undefined when not printed. */
  m?: number | null;
  mp?: bigint;
  /** First and last line index of the block (folding range). */
  firstLine: number;
  lastLine: number;
}

/** A `runtime stack:` block: the system (g0) stack printed on a crash on the system stack. */
export interface RuntimeStack extends Stack {
  header: RuntimeStackLine;
  firstLine: number;
  lastLine: number;
}

/** A register dump printed after a fatal signal (`rax 0x..` lines), with its title and PC line. */
export interface RegisterDump {
  title?: SignalTitleLine;
  pcLine?: SignalPcLine;
  registers: RegisterLine[];
  firstLine: number;
  lastLine: number;
}

/** A part of a race report that has a stack: an access, the allocation of the block, a creation. */
interface RaceSectionBase {
  /** The frames, innermost first (empty when the stack could not be restored). */
  frames: Frame[];
  /** `[failed to restore the stack]` was printed instead of frames. */
  noStack: boolean;
  /** First (the header) and last line index of the section. */
  firstLine: number;
  lastLine: number;
}

/** One of the two accesses of a race: the current one first, then the previous one. */
export interface RaceAccess extends RaceSectionBase {
  kind: 'access';
  header: RaceAccessLine;
  write: boolean;
  previous: boolean;
  address: bigint;
  /** Goroutine id (1 for the main goroutine). */
  goroutine: number;
  mainGoroutine: boolean;
}

/** `Heap block of size N at 0x… allocated by …:` and its stack. */
export interface RaceHeapBlock extends RaceSectionBase {
  kind: 'heapBlock';
  header: RaceHeapBlockLine;
}

/** `Goroutine N (running|finished) created at:` and the stack of its `go` statement. */
export interface RaceCreation extends RaceSectionBase {
  kind: 'creation';
  header: RaceCreatedAtLine;
  goroutine: number;
  running: boolean;
}

export type RaceSection = RaceAccess | RaceHeapBlock | RaceCreation;

/** One `WARNING: DATA RACE` report, from its opening to its closing `==================`. */
export interface RaceReport {
  open: RaceBannerLine;
  warning: RaceWarningLine;
  /** The closing banner; undefined when the log ends (or a traceback starts) first. */
  close?: RaceBannerLine;
  /** The accesses in printed order: the current one, then the previous one. */
  accesses: RaceAccess[];
  heapBlock?: RaceHeapBlock;
  global?: RaceGlobalLine;
  /** `Goroutine N … created at:` sections, in printed order. */
  creations: RaceCreation[];
  /** Every section with a stack, in printed order. */
  sections: RaceSection[];
  firstLine: number;
  lastLine: number;
}

/**
 * What kind of crash: one type for the traceback parser, the engine and every surface. `fatal error`
 * is spelled as the runtime prints it (a throw: not recoverable, `m.throwing` set).
 */
export type CrashKind = 'panic' | 'fatal error' | 'signal' | 'unknown';

export interface Traceback {
  /** Every line, in input order: `lines[i].line === i`. */
  lines: TracebackLine[];
  /** The line terminator of each line (`\n`, `\r\n` or `` for the last line without one). */
  terminators: string[];
  /** `panic:` lines, in printed order (the first one is the oldest panic). */
  panics: PanicLine[];
  fatalErrors: FatalErrorLine[];
  runtimeMessages: RuntimeMessageLine[];
  /** The `[signal ...]` line, when a signal caused the crash. */
  signal?: SignalLine;
  /** Goroutine blocks, in printed order. */
  goroutines: Goroutine[];
  /** `runtime stack:` blocks, in printed order. */
  runtimeStacks: RuntimeStack[];
  registerDumps: RegisterDump[];
  /** `WARNING: DATA RACE` reports of a -race build, in printed order. */
  races: RaceReport[];
  /** `Found N data race(s)`, when printed. */
  raceFound?: RaceFoundLine;
  /**
   * `exit status N` as the go command prints it after the program (`go run`, `go test`): an
   * `other` line, also read here. The last one, when printed.
   */
  exitStatus?: { line: OtherLine; status: number };
  /** Lines that are none of the above (kept so that nothing is lost). */
  others: OtherLine[];
  /** panic when a panic line is printed, fatal error when only a fatal error, signal when only a signal. */
  kind: CrashKind;
}
