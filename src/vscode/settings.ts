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

/** The machine-scoped executable settings: under a remote, VS Code takes them from the remote's settings only. */
const MACHINE_SETTINGS = [Settings.dlvPath, Settings.dlvPaths, Settings.goroots] as const;

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '' || (typeof v === 'object' && Object.keys(v).length === 0);
}

/**
 * One sentence per machine-scoped setting whose User value is ignored because the window is remote
 * (code-server, Remote-SSH, a container): inspect() shows a global value, the effective value is
 * empty. Said in the log and in the error that needed the setting (Delve not found, no GOROOT).
 */
export function ignoredMachineSettings(
  remoteName: string | undefined = vscode.env.remoteName,
  config: Pick<vscode.WorkspaceConfiguration, 'inspect' | 'get'> = vscode.workspace.getConfiguration(Settings.section),
): string[] {
  if (!remoteName) return [];
  const out: string[] = [];
  for (const key of MACHINE_SETTINGS) {
    const i = config.inspect<unknown>(key);
    if (i && !isEmpty(i.globalValue) && isEmpty(config.get<unknown>(key))) {
      out.push(
        `${Settings.section}.${key} is set in your User settings, which a ${remoteName} window does not apply to this machine-scoped setting: set it in the Remote settings (Preferences: Open Remote Settings).`,
      );
    }
  }
  return out;
}
