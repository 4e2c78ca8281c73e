// Command name → argument and response types of the DAP requests the client uses by name.
import type { DebugProtocol as P } from '@vscode/debugprotocol';

export interface DapRequestMap {
  initialize: [P.InitializeRequestArguments, P.InitializeResponse];
  launch: [P.LaunchRequestArguments & Record<string, unknown>, P.LaunchResponse];
  attach: [P.AttachRequestArguments & Record<string, unknown>, P.AttachResponse];
  configurationDone: [P.ConfigurationDoneArguments | undefined, P.ConfigurationDoneResponse];
  disconnect: [P.DisconnectArguments | undefined, P.DisconnectResponse];
  terminate: [P.TerminateArguments | undefined, P.TerminateResponse];
  cancel: [P.CancelArguments, P.CancelResponse];
  threads: [undefined, P.ThreadsResponse];
  stackTrace: [P.StackTraceArguments, P.StackTraceResponse];
  scopes: [P.ScopesArguments, P.ScopesResponse];
  variables: [P.VariablesArguments, P.VariablesResponse];
  evaluate: [P.EvaluateArguments, P.EvaluateResponse];
  disassemble: [P.DisassembleArguments, P.DisassembleResponse];
  readMemory: [P.ReadMemoryArguments, P.ReadMemoryResponse];
  source: [P.SourceArguments, P.SourceResponse];
  loadedSources: [P.LoadedSourcesArguments | undefined, P.LoadedSourcesResponse];
  modules: [P.ModulesArguments, P.ModulesResponse];
  exceptionInfo: [P.ExceptionInfoArguments, P.ExceptionInfoResponse];
}

export type DapCommand = keyof DapRequestMap;
export type DapArgs<C extends DapCommand> = DapRequestMap[C][0];
export type DapResponse<C extends DapCommand> = DapRequestMap[C][1];

/** A logger callback: `category` says where the line comes from. */
export type DelveLogger = (category: 'dap-send' | 'dap-recv' | 'stderr' | 'stdout' | 'info', message: string) => void;
