// The traceback language server's custom protocol: method names, parameter and result types, the
// client-side commands its code lenses name, and its settings. The client (src/vscode/language)
// imports these, so both sides use the same strings.

/** Language id of the documents the server handles. */
export const TRACEBACK_LANGUAGE = 'go-traceback';

/**
 * Node options the client starts the server process with (vscode-languageclient: `options.execArgv`).
 * A larger young generation: parsing a 10,000-goroutine log builds ~100 MB of objects that all
 * survive, and with the default (16 MB) semi-space the scavenger copies them over and over (half the
 * parse time). Must be given at start: V8 sizes its heap once.
 */
export const TRACEBACK_SERVER_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=64'];

/** Commands the server's code lenses run; the client implements them. */
export const LensCommands = {
  /** Arguments: `[documentUri: string, groupKey: string]`. Opens the deduplicated goroutine view. */
  showGoroutineGroups: 'goCoreInspector.showGoroutineGroups',
  /** Arguments: `[documentUri: string]`. Asks for a binary, then sends `goTraceback/associateBinary`. */
  associateBinary: 'goCoreInspector.associateBinary',
  /**
   * Arguments: `[documentUri: string, line: number, lines: number[]]` (0-based). Peeks at the race
   * reports with the same stacks (their WARNING: DATA RACE lines) from the report at `line`.
   */
  showRaceGroup: 'goCoreInspector.showRaceGroup',
} as const;

/** A path prefix substitution, as in vscode-go's and Delve's substitutePath: `from` the local path, `to` the path as printed. */
export interface PathMapping {
  from: string;
  to: string;
}

/** Settings, from `initializationOptions` or `workspace/didChangeConfiguration` `{ settings: { goCoreInspector: ... } }`. */
export interface TracebackServerSettings {
  substitutePath: PathMapping[];
}

/** `initializationOptions`: the settings above, plus the GOROOTs crash-log links may lead into. */
export interface TracebackServerInitOptions extends Partial<TracebackServerSettings> {
  /** GOROOT directories from the user's settings (in an untrusted workspace, user settings only). */
  goroots?: string[];
}

export const SETTINGS_SECTION = 'goCoreInspector';

/** `goTraceback/groups` (request): goroutines of a document grouped by identical stacks. */
export const GroupsRequest = 'goTraceback/groups';

export interface GroupsParams {
  uri: string;
}

export interface GroupFrame {
  func: string;
  file?: string;
  line?: number;
}

/** Goroutines whose stacks list the same functions, in the same order (like panicparse's buckets). */
export interface GoroutineGroup {
  /** Stable key of the stack signature (hex). Code lenses pass it to `showGoroutineGroups`. */
  key: string;
  /** Number of goroutines in the group. */
  count: number;
  /** Goroutine ids, in printed order. */
  ids: number[];
  /** 0-based header line of each goroutine, same order as `ids`. */
  lines: number[];
  /** Distinct statuses (`chan receive`, `sync.Mutex.Lock`, ...), sorted. */
  statuses: string[];
  /** Longest wait in minutes among the group's goroutines, when printed. */
  maxWaitMinutes?: number;
  /** The frames of the first goroutine of the group (function, file, line), innermost first. */
  frames: GroupFrame[];
  /** The `created by` function of the first goroutine, when printed. */
  createdBy?: string;
  /** The first frame outside the standard library, if any. */
  topUserFrame?: GroupFrame;
}

export interface GroupsResult {
  uri: string;
  version: number;
  goroutineCount: number;
  /** Largest group first; ties by first appearance. */
  groups: GoroutineGroup[];
}

/** `goTraceback/raceGroups` (request): the race reports of a document grouped by identical stacks. */
export const RaceGroupsRequest = 'goTraceback/raceGroups';

/** One access of a race report, as the group shows it (its first report's). */
export interface RaceGroupAccess {
  /** `Read`, `Write`, `Previous read` or `Previous write`. */
  op: string;
  /** Frames of the access, innermost first (empty when the stack could not be restored). */
  frames: GroupFrame[];
  /** The first frame outside the standard library, if any. */
  topUserFrame?: GroupFrame;
}

/**
 * Race reports whose accesses have the same kinds and the same functions in the same order
 * (src/traceback/raceReport.ts raceSignature: goroutine stacks' rule, stackSignature).
 */
export interface RaceGroup {
  /** Stable key of the signature (hex). */
  key: string;
  /** Number of reports in the group. */
  count: number;
  /** 0-based line of each report's opening `==================`, in printed order. */
  lines: number[];
  /** 1-based index of each report among the document's reports, same order as `lines`. */
  reports: number[];
  /** The accesses of the first report of the group. */
  accesses: RaceGroupAccess[];
}

export interface RaceGroupsResult {
  uri: string;
  version: number;
  reportCount: number;
  /** `Found N data race(s)`, when the log prints it. */
  found?: number;
  /** Largest group first; ties by first appearance. */
  groups: RaceGroup[];
}

/** `goTraceback/associateBinary` (request, also accepted as a notification). */
export const AssociateBinaryRequest = 'goTraceback/associateBinary';

export interface AssociateBinaryParams {
  uri: string;
  /** Path of the executable that printed the traceback; an empty string removes the association. */
  binaryPath: string;
  /**
   * The load bias of an open core of that binary (hex): used as is instead of deriving one from
   * the log (the client sends it with the binary of the open core).
   */
  loadBias?: string;
}

/**
 * `goTraceback/ssaPermissions` (notification, client → server): which binaries the user allowed to
 * be rebuilt for SSA (build IDs, answered in the client's consent dialog), the folders a rebuild
 * may run in (trusted workspace folders; none when untrusted) and the GOROOTs per exact Go version
 * from the settings. Hovers show a PC's instruction and SSA value from a rebuild only for those
 * binaries; for others, only what is already cached.
 */
export const SsaPermissionsNotification = 'goTraceback/ssaPermissions';

export interface SsaPermissions {
  allowedBuildIds: string[];
  allowedRoots: string[];
  goroots: Record<string, string>;
}

export interface AssociateBinaryResult {
  ok: boolean;
  /** What was associated, or why not (a sentence for the user). */
  message: string;
  /** Load bias applied to PCs (non-zero for PIE), as hex, when it could be derived from the log. */
  bias?: string;
}
