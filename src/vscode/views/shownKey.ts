// When a view refreshes. Every refresh re-creates a view's tree items (and makes a click that lands
// just then wait for the new rows: rowClick.ts); cores change often while they open (Delve starts,
// SSA notes come and go). A view therefore refreshes only when the key of what it shows changes.
import type * as vscode from 'vscode';
import type { CoreSessions } from '../session/coreSessions.js';

/** Calls `fire` on a change of the sessions only when `key()` differs from the key last shown. */
export function refreshWhenShownChanges(sessions: CoreSessions, key: () => string, fire: () => void): vscode.Disposable {
  let last = key();
  return sessions.onDidChange(() => {
    const now = key();
    if (now === last) return;
    last = now;
    fire();
  });
}

/** The key of a view that shows only the active core's crash model (immutable once the core is open). */
export function activeCoreKey(sessions: CoreSessions): string {
  return sessions.active?.id ?? 'none';
}
