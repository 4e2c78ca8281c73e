// Adapts a Delve CoreSession to what the debug adapter proxy and the views need.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { CoreSession } from '../../delve/coreSession.js';
import type { DelveHandle } from './coreSessions.js';

export function delveHandle(session: CoreSession, pick: { path: string; version: string; inRange: boolean }): DelveHandle {
  return {
    dlvPath: pick.path,
    dlvVersion: pick.version,
    inRange: pick.inRange,
    get ended() {
      return session.ended;
    },
    capabilities: session.capabilities,
    stoppedBody: session.stoppedEvent.body,
    forward: (request: DebugProtocol.Request) => session.client.forward(request),
    onEvent: (listener) => session.client.onEvent(listener),
    onEnded: (listener) => {
      const l = (info: { reason: string }) => listener(info.reason);
      session.on('ended', l);
      return { dispose: () => void session.off('ended', l) };
    },
    close: () => session.close(),
  };
}
