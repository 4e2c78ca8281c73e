// What a workspace may choose by itself, decided without the editor (no `vscode` import, so unit
// tests run it): a repository's .vscode/settings.json must not open a core on startup, and a
// launch.json in an untrusted workspace must not choose the Delve we run. The wiring
// (extension.ts, debug/goCoreDebugger.ts) reads the settings and logs what these return.
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** `inspect()` of goCoreInspector.openOnStartup, per workspace folder. */
export interface OpenOnStartupValues {
  /** User (or, in a remote window, the remote machine's) settings: the only value honoured. */
  globalValue?: string;
  /** Workspace (.code-workspace) settings: ignored. */
  workspaceValue?: string;
  /** Each folder's .vscode/settings.json: ignored. */
  workspaceFolderValues?: string[];
}

export interface StartupCoreDecision {
  /** The core to open (a real path inside a workspace folder), if any. */
  path?: string;
  info: string[];
  warnings: string[];
}

/** True when `p` is `root` or lies under it (both absolute, already resolved). */
export function isInside(p: string, root: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

function realpathOrUndefined(p: string, realpath: (p: string) => string): string | undefined {
  try {
    return realpath(p);
  } catch {
    return undefined;
  }
}

/**
 * The core to open on startup. Only a user-level value counts (or, in development and tests, the
 * value the launcher passed, `devValue`); a value from workspace settings is ignored and said so.
 * The value, relative to a workspace folder or absolute, must resolve (symbolic links followed) to
 * a file inside one of the workspace folders; otherwise nothing is opened and a warning says why.
 */
export function startupCore(opts: {
  values: OpenOnStartupValues;
  /** GCI_OPEN_ON_STARTUP of the extension host, given only when not in production mode. */
  devValue?: string;
  folders: string[];
  realpath?: (p: string) => string;
}): StartupCoreDecision {
  const realpath = opts.realpath ?? realpathSync;
  const out: StartupCoreDecision = { info: [], warnings: [] };
  const ignored = [opts.values.workspaceValue, ...(opts.values.workspaceFolderValues ?? [])].filter(
    (v): v is string => !!v,
  );
  if (ignored.length > 0) {
    out.info.push(
      `goCoreInspector.openOnStartup is set in this workspace's settings (${ignored.map((v) => JSON.stringify(v)).join(', ')}) ` +
        'and was ignored: a repository must not open a core by itself. Set it in your user settings (remote settings in a remote window) to open a core on startup.',
    );
  }
  const value = opts.devValue || opts.values.globalValue;
  if (!value) return out;
  const source = opts.devValue ? 'GCI_OPEN_ON_STARTUP (development mode)' : 'goCoreInspector.openOnStartup';
  const roots = opts.folders.map((f) => realpathOrUndefined(f, realpath) ?? resolve(f));
  if (roots.length === 0) {
    out.warnings.push(`${source} names ${JSON.stringify(value)} but no folder is open: nothing was opened.`);
    return out;
  }
  const outside: string[] = [];
  for (const folder of opts.folders) {
    const candidate = isAbsolute(value) ? resolve(value) : resolve(folder, value);
    const real = realpathOrUndefined(candidate, realpath);
    if (real === undefined) continue;
    if (roots.some((r) => isInside(real, r))) {
      out.path = real;
      return out;
    }
    outside.push(real === candidate ? candidate : `${candidate} (→ ${real})`);
    if (isAbsolute(value)) break;
  }
  if (outside.length > 0) {
    out.warnings.push(
      `${source} names ${JSON.stringify(value)}, which is outside the workspace folders (${[...new Set(outside)].join(', ')}): ` +
        'nothing was opened. Only a core inside an open folder is opened on startup; open other cores with "Open Core Dump".',
    );
  } else {
    out.warnings.push(
      `${source} names ${JSON.stringify(value)}, which exists in no workspace folder (${opts.folders.join(', ')}): nothing was opened.`,
    );
  }
  return out;
}

/**
 * The launch configuration's `dlvPath` to use: honoured only in a trusted workspace (a launch.json
 * is part of the repository). Otherwise undefined, with a message saying why.
 */
export function launchDlvPath(
  config: { name?: string; dlvPath?: unknown },
  trusted: boolean,
): { dlvPath?: string; ignored?: string } {
  if (typeof config.dlvPath !== 'string' || config.dlvPath === '') return {};
  if (trusted) return { dlvPath: config.dlvPath };
  return {
    ignored:
      `The launch configuration${config.name ? ` "${config.name}"` : ''} names dlvPath ${JSON.stringify(config.dlvPath)}, which was ignored: ` +
      'this workspace is not trusted, and a repository must not choose the program we run. Delve is found as usual ' +
      '(goCoreInspector.dlvPath in your user settings, PATH, GOPATH/bin). Trust the workspace to use it.',
  };
}
