// The Delve DAP client's public API (no `vscode` import anywhere under src/delve).
export { CoreSession } from './coreSession.js';
export type { CoreSessionOptions, DelveChoice, SessionEndInfo, StackPage, SubstitutePath } from './coreSession.js';
export { CRASH_FUNCTIONS, crashInfo, isRuntimeFrame } from './frames.js';
export type { CrashingGoroutine, CrashRule } from './frames.js';
export { DELVE_GOROUTINE_CAP, parseThreadName } from './goroutines.js';
export type { GoroutinePage, GoroutineSummary } from './goroutines.js';
export { readAllgsPage, MAX_ALLGS_PAGE, G_STATUS_NAMES } from './allgs.js';
export type { AllgsEntry, AllgsPage } from './allgs.js';
export { DapClient, DEFAULT_REQUEST_TIMEOUT_MS, failureMessage } from './dapClient.js';
export type { DapClientOptions, Disposable, RequestOptions } from './dapClient.js';
export { DapConnection, DapFrameDecoder, encodeDapMessage } from './dapConnection.js';
export type { DapConnectionOptions } from './dapConnection.js';
export type { DapArgs, DapCommand, DapRequestMap, DapResponse, DelveLogger } from './dapTypes.js';
export { DlvProcess, liveDelvePids } from './dlvProcess.js';
export type { DlvExitInfo, DlvProcessOptions } from './dlvProcess.js';
export { delveVersion, discoverDelves, findDelveCandidates, findDelveFor, pickDelve } from './dlvDiscovery.js';
export type {
  DelveCandidate,
  DelveDiscovery,
  DelveDiscoveryOptions,
  DelveInfo,
  DelvePick,
  DelveSource,
} from './dlvDiscovery.js';
export { delveSupportedGoRange, formatRange, goMinor, parseGoRangeKey, rangeCovers } from './goRange.js';
export type { GoMinorRange } from './goRange.js';
export { cacheDir } from '../core/cacheDir.js';
export * from './errors.js';
