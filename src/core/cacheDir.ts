// The project's development cache directory (toolchains, Delves, fixtures, SSA results), outside any
// repository: $GO_CORE_INSPECTOR_CACHE, else
// $XDG_CACHE_HOME/go-core-inspector, else ~/.cache/go-core-inspector.
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The development cache, only when the environment names it ($GO_CORE_INSPECTOR_CACHE set; the
 * scripts, tests and benchmarks set it): Delve discovery and the toolchain lookup probe its Delves
 * and toolchains only then, never the default location.
 */
export function devCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.GO_CORE_INSPECTOR_CACHE || undefined;
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  return env.GO_CORE_INSPECTOR_CACHE ?? join(env.XDG_CACHE_HOME ?? join(home, '.cache'), 'go-core-inspector');
}
