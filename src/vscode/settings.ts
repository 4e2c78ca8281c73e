// Reads the extension's settings. Paths to executables (Delve, GOROOTs) are never taken from workspace
// settings in an untrusted workspace: a cloned repository must not choose what we execute.
import * as vscode from 'vscode';
import { Settings } from './constants.js';

export interface PathMapping {
  from: string;
  to: string;
}

export interface InspectorSettings {
  dlvPath: string | undefined;
  dlvPaths: Record<string, string>;
  goroots: Record<string, string>;
  substitutePath: PathMapping[];
  requestTimeoutMs: number;
  trace: boolean;
  autoSsa: boolean;
  /** vscode-go's `go.alternateTools.dlv`, when set (trusted scopes only in untrusted workspaces). */
  goAlternateDlv: string | undefined;
}

/** A value from user (global) scope only, ignoring workspace and folder overrides. */
function userScoped<T>(config: vscode.WorkspaceConfiguration, key: string): T | undefined {
  return config.inspect<T>(key)?.globalValue;
}

function executableSetting<T>(config: vscode.WorkspaceConfiguration, key: string): T | undefined {
  return vscode.workspace.isTrusted ? config.get<T>(key) : userScoped<T>(config, key);
}

export function readSettings(): InspectorSettings {
  const c = vscode.workspace.getConfiguration(Settings.section);
  const go = vscode.workspace.getConfiguration('go');
  const alt = executableSetting<Record<string, string>>(go, 'alternateTools');
  return {
    dlvPath: executableSetting<string>(c, Settings.dlvPath) || undefined,
    dlvPaths: executableSetting<Record<string, string>>(c, Settings.dlvPaths) ?? {},
    goroots: executableSetting<Record<string, string>>(c, Settings.goroots) ?? {},
    substitutePath: c.get<PathMapping[]>(Settings.substitutePath) ?? [],
    requestTimeoutMs: c.get<number>(Settings.requestTimeoutMs) ?? 30000,
    trace: c.get<boolean>(Settings.trace) ?? false,
    autoSsa: (c.get<boolean>(Settings.autoSsa) ?? true) && vscode.workspace.isTrusted,
    goAlternateDlv: alt?.['dlv'] || undefined,
  };
}
