// The project's development cache directory (toolchains, Delves, fixtures, SSA results), outside any
// repository: $GO_CORE_INSPECTOR_CACHE, else
// $XDG_CACHE_HOME/go-core-inspector, else ~/.cache/go-core-inspector.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  return env.GO_CORE_INSPECTOR_CACHE ?? join(env.XDG_CACHE_HOME ?? join(home, '.cache'), 'go-core-inspector');
}
