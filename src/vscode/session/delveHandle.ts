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
    instructionAt: async (pc, isReturnAddress) => {
      const ins = await session.disassemble('0x' + pc.toString(16), { instructionOffset: -4 }, 8, { timeoutMs: 5000 });
      const at = ins.findIndex((i) => BigInt(i.address) === pc);
      const hit = at < 0 ? undefined : isReturnAddress ? ins[at - 1] : ins[at];
      return hit?.instruction;
    },
    close: () => session.close(),
  };
}
