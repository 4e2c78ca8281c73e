// Which debug adapter serves a core's debug session, and why (said once in the log): Delve, behind
// our proxy, when it can read the binary; otherwise our own adapter on the engine
// (engineAdapter.ts). The setting `goCoreInspector.debugAdapter` forces either; `auto` decides:
// - no DWARF in the binary (built with -ldflags=-w or -s -w): our adapter. Delve opens such a core
//   but shows frames without source lines, drops frames it cannot unwind without DWARF, and has no
//   variables (checked with Delve 1.24.0 and 1.27.1 on the index-stripped fixtures);
// - no Delve found, or none whose Go range covers the binary's Go (a Go newer than every Delve):
//   our adapter (Delve outside its range may misread the runtime's structures);
// - Delve could not open the core: our adapter;
// - otherwise Delve.

export type AdapterSetting = 'auto' | 'delve' | 'goCore';
export const ADAPTER_SETTINGS: readonly AdapterSetting[] = ['auto', 'delve', 'goCore'];

export interface AdapterDecision {
  adapter: 'delve' | 'goCore';
  /** Why, in words for the log: "…: <reason>". */
  reason: string;
}

/** The setting's value, `auto` for anything unknown. */
export function adapterSetting(value: unknown): AdapterSetting {
  return ADAPTER_SETTINGS.includes(value as AdapterSetting) ? (value as AdapterSetting) : 'auto';
}

/** Before looking for Delve: our adapter when the setting says so or the binary has no DWARF; undefined: look for Delve. */
export function chooseBeforeDelve(setting: AdapterSetting, binary: { hasDwarf: boolean; path: string }): AdapterDecision | undefined {
  if (setting === 'goCore') return { adapter: 'goCore', reason: 'the setting goCoreInspector.debugAdapter is "goCore"' };
  if (setting === 'auto' && !binary.hasDwarf) {
    return {
      adapter: 'goCore',
      reason: `${binary.path} has no DWARF (built with -ldflags=-w or -s -w): Delve would show frames without source lines and no variables`,
    };
  }
  return undefined;
}

/** What looking for Delve gave. */
export type DelveLookup =
  | { found: true; version: string; path: string; inRange: boolean; rangeText: string }
  | { found: false; error: string };

/** After looking for Delve, before starting it: start it, or serve the session ourselves. */
export function chooseAfterLookup(setting: AdapterSetting, lookup: DelveLookup, goVersion: string | undefined): AdapterDecision {
  if (!lookup.found) return { adapter: 'goCore', reason: `no Delve: ${lookup.error}` };
  if (!lookup.inRange && setting === 'auto') {
    return {
      adapter: 'goCore',
      reason: `no Delve found supports ${goVersion ?? 'this Go version'} (the nearest, Delve ${lookup.version} at ${lookup.path}, supports ${lookup.rangeText}); set goCoreInspector.debugAdapter to "delve" to run it anyway`,
    };
  }
  return {
    adapter: 'delve',
    reason: `Delve ${lookup.version} (${lookup.path}) ${lookup.inRange ? `supports ${goVersion ?? 'the binary'}` : `is outside its Go range (${lookup.rangeText}) but the setting goCoreInspector.debugAdapter is "delve"`}`,
  };
}

/** Delve failed to open the core: our adapter serves the session (whatever the setting: it is all there is). */
export function chooseAfterDelveFailed(error: string): AdapterDecision {
  return { adapter: 'goCore', reason: `Delve could not open the core: ${error}` };
}

/** The log line. */
export function decisionLine(corePath: string, d: AdapterDecision): string {
  return `debug session for ${corePath}: ${d.adapter === 'delve' ? 'Delve (through our proxy, which adds readMemory)' : "Go Core's own adapter (from the engine, no Delve)"}, because ${d.reason}`;
}
