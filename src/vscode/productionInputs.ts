// Where Open Core Dump may look for an executable that is not beside the core, decided without the
// editor (no `vscode` import, so unit tests run it; the wiring passes `inspect()` results): local
// build-ID directories and debuginfod servers come from user (or remote) settings and the extension
// host's environment ($DEBUGINFOD_URLS, as elfutils reads it), never from a workspace's own
// settings (the settings are machine-scoped; a workspace value is ignored and said so), and nothing
// is downloaded in an untrusted workspace. The result is the lookup part of openCoreAsync's options.
import { isAbsolute } from 'node:path';
import { debuginfodUrls } from '../analysis/debuginfod.js';

/** `inspect()` of a setting: only `globalValue` (user or remote settings) is honoured. */
export interface SettingValues<T> {
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

export interface ExecutableLookup {
  buildIdDirs: string[];
  debuginfod: { urls: string[] };
  /** Lines for the log: what was ignored and why. */
  info: string[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function executableLookup(opts: {
  buildIdDirs: SettingValues<unknown>;
  debuginfodUrls: SettingValues<unknown>;
  env: NodeJS.ProcessEnv;
  trusted: boolean;
}): ExecutableLookup {
  const info: string[] = [];
  for (const [name, v] of [
    ['buildIdDirs', opts.buildIdDirs],
    ['debuginfodUrls', opts.debuginfodUrls],
  ] as const) {
    if (v.workspaceValue !== undefined || v.workspaceFolderValue !== undefined) {
      info.push(`goCoreInspector.${name} is set in this workspace's settings and was ignored: set it in your user settings`);
    }
  }
  const dirs = strings(opts.buildIdDirs.globalValue).filter((d) => isAbsolute(d));
  const urls = [...debuginfodUrls(opts.env.DEBUGINFOD_URLS), ...debuginfodUrls(strings(opts.debuginfodUrls.globalValue).join(' '))];
  if (!opts.trusted && urls.length > 0) {
    info.push('this workspace is not trusted: no debuginfod server is asked for the executable');
  }
  return { buildIdDirs: dirs, debuginfod: { urls: opts.trusted ? [...new Set(urls)] : [] }, info };
}
