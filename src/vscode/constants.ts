// Every command, view, setting, context key and language ID of the extension, in one place.
// package.json must use the same strings; test/unit/manifest.test.ts checks that they agree.
// The crash-log server names two of the commands in its code lenses: those strings come from its
// protocol module (the server cannot import this one).
import { LensCommands, TRACEBACK_LANGUAGE } from '../server/protocol.js';

export const EXTENSION_ID = 'go-core-inspector.go-core-inspector';

export const Commands = {
  openCoreDump: 'goCoreInspector.openCoreDump',
  openAsCoreDump: 'goCoreInspector.openAsCoreDump',
  /** Pick one of the machine's Go crashes kept by systemd-coredump. */
  openSystemdCrash: 'goCoreInspector.openSystemdCrash',
  closeCoreDump: 'goCoreInspector.closeCoreDump',
  revealFrame: 'goCoreInspector.revealFrame',
  copyPc: 'goCoreInspector.copyPc',
  copyAsTraceback: 'goCoreInspector.copyAsTraceback',
  showSsaForFrame: 'goCoreInspector.showSsaForFrame',
  showGoroutineGroups: LensCommands.showGoroutineGroups,
  associateBinary: LensCommands.associateBinary,
  showRaceGroup: LensCommands.showRaceGroup,
  openTracebackFromClipboard: 'goCoreInspector.openTracebackFromClipboard',
  showLog: 'goCoreInspector.showLog',
  resetSsaConsent: 'goCoreInspector.resetSsaConsent',
  chooseSourceFolder: 'goCoreInspector.chooseSourceFolder',
  selectCore: 'goCoreInspector.selectCore',
  copyMessage: 'goCoreInspector.copyMessage',
  copyForIssue: 'goCoreInspector.copyForIssue',
  goroutinesGroupBy: 'goCoreInspector.goroutinesGroupBy',
  goroutinesFilter: 'goCoreInspector.goroutinesFilter',
  goroutinesClearFilter: 'goCoreInspector.goroutinesClearFilter',
  heapFilter: 'goCoreInspector.heapFilter',
  heapClearFilter: 'goCoreInspector.heapClearFilter',
  heapOpenInPprof: 'goCoreInspector.heapOpenInPprof',
  heapOpenRetentionPath: 'goCoreInspector.heapOpenRetentionPath',
  /** The "Show 500 more…" row of a long list (Goroutines and Heap views). */
  showMore: 'goCoreInspector.showMore',
  /**
   * A click on a row of each view: the commands of rows carry no arguments (VS Code drops a row's
   * arguments when the view refreshes); each finds the clicked row in its view's selection and runs
   * that row's action (views/rowClick.ts).
   */
  openPanicFramesRow: 'goCoreInspector.openPanicFramesRow',
  openPanicChainRow: 'goCoreInspector.openPanicChainRow',
  openGoroutinesRow: 'goCoreInspector.openGoroutinesRow',
  openHeapRow: 'goCoreInspector.openHeapRow',
} as const;

/** Keys of the extension's global state (user scope, never the workspace's). */
export const StateKeys = {
  /** Build ID → 'allowed' | 'denied': may functions of that binary be rebuilt for SSA. */
  ssaConsent: 'goCoreInspector.ssaConsent',
  /** Core path → source folders the user chose for it (workspace state). */
  sourceFolders: 'goCoreInspector.sourceFolders',
  /** `core path|size|mtime` → the executable the user chose for that core (workspace state). */
  chosenBinaries: 'goCoreInspector.chosenBinaries',
  /** How the Goroutines view groups goroutines: object | reason | userFrame | creator (global state). */
  goroutinesGrouping: 'goCoreInspector.goroutinesGrouping',
} as const;

export const Views = {
  container: 'goCoreInspector',
  panicFrames: 'goCoreInspector.panicFrames',
  threads: 'goCoreInspector.threads',
  panicChain: 'goCoreInspector.panicChain',
  goroutines: 'goCoreInspector.goroutines',
  heap: 'goCoreInspector.heap',
} as const;

export const Settings = {
  section: 'goCoreInspector',
  dlvPath: 'dlvPath',
  dlvPaths: 'dlvPaths',
  goroots: 'goroots',
  substitutePath: 'substitutePath',
  requestTimeoutMs: 'requestTimeoutMs',
  trace: 'trace',
  autoSsa: 'ssa.auto',
  openOnStartup: 'openOnStartup',
  buildIdDirs: 'buildIdDirs',
  debuginfodUrls: 'debuginfodUrls',
  detectTracebacks: 'detectTracebacks',
  debugAdapter: 'debugAdapter',
} as const;

export const ContextKeys = {
  sessionActive: 'goCoreInspector.sessionActive',
  /** More than one core is open: the view title offers the core picker. */
  severalCores: 'goCoreInspector.severalCores',
  /** The Goroutines view has a filter: its title offers Clear Filter. */
  goroutinesFiltered: 'goCoreInspector.goroutinesFiltered',
  /** The Heap view has a filter: its title offers Clear Filter. */
  heapFiltered: 'goCoreInspector.heapFiltered',
} as const;

export const DEBUG_TYPE = 'go-core';
export const TRACEBACK_LANGUAGE_ID = TRACEBACK_LANGUAGE;
export const OUTPUT_CHANNEL = 'Go Core Dump Inspector';
