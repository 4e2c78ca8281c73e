// How we reach the `dlv dap` we started, so that nobody else reaches it and nobody else answers us.
//
// `dlv dap` is an unauthenticated debugger server: whoever connects to it first can `launch` any
// program as our user. A TCP port on 127.0.0.1 is open to every local user, so listening there and
// connecting a moment later is a race another user can win. Two transports close it:
//   - Unix socket (Delve ≥ 1.24 prints "Prefix with 'unix:'" in `dlv dap --help`):
//     `--listen=unix:<dir>/dap.sock`, where <dir> is a fresh mkdtemp directory with mode 0700. Only
//     our user (and root) can connect to a socket in it, and only our user can create one there, so
//     the socket we connect to is the one our child bound: its first answer (`initialize`) is
//     Delve's. Processes of our own user could already ptrace us; they are not the threat.
//   - Dial-in over TCP (older Delves, e.g. 1.20: `--client-addr=host:port`): we listen on
//     127.0.0.1:0 and Delve connects to us, so Delve never listens at all. Any local user can also
//     connect to our port, so each accepted connection is checked before a byte is read or written:
//     the kernel's table of TCP sockets (/proc/net/tcp) names the socket inode of the connection's
//     other end, and that inode must be among the open files of our child (/proc/<pid>/fd). Other
//     connections are closed and logged. Linux only: elsewhere an old Delve is refused.
// Delve's flags: `dlv dap --help` of 1.20.2, 1.24.0 and 1.27.1 (checked on these builds).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DelveDapFeatures {
  /** `--listen=unix:/path` (Delve ≥ 1.24). */
  unixSocket: boolean;
  /** `--client-addr=host:port`: Delve dials in to a waiting client (Delve ≥ 1.20). */
  clientAddr: boolean;
  /** False when `dlv dap --help` could not be run (the flags above are then unknown, false). */
  known: boolean;
}

/** What `dlv dap --help` says about the transports; exported for tests. */
export function parseDapHelp(help: string): DelveDapFeatures {
  return {
    unixSocket: /--listen\b[^\n]*Prefix with 'unix:'/.test(help),
    clientAddr: /--client-addr\b/.test(help),
    known: true,
  };
}

const featureCache = new Map<string, DelveDapFeatures>();

/**
 * The transports a Delve supports, from its `dlv dap --help` (cached per path and mtime). When the
 * help cannot be read, both are false: starting Delve then reports the real error.
 */
export async function delveDapFeatures(dlvPath: string, timeoutMs = 10_000): Promise<DelveDapFeatures> {
  let key = dlvPath;
  try {
    key += `@${statSync(dlvPath).mtimeMs}`;
  } catch {
    return { unixSocket: false, clientAddr: false, known: false };
  }
  const cached = featureCache.get(key);
  if (cached) return cached;
  const help = await new Promise<string | undefined>((resolve) => {
    execFile(
      dlvPath,
      ['dap', '--help'],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 },
      (err, stdout, stderr) => resolve(err ? undefined : `${stdout}\n${stderr}`),
    );
  });
  const features = help === undefined ? { unixSocket: false, clientAddr: false, known: false } : parseDapHelp(help);
  if (help !== undefined) featureCache.set(key, features);
  return features;
}

/** Longest path a Unix socket address holds on Linux (sun_path is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;

/** A fresh 0700 directory for Delve's socket, and the socket's path in it. */
export function privateSocketPath(): { dir: string; path: string } {
  // mkdtemp creates the directory with mode 0700 (owner only), whatever the umask.
  let base = tmpdir();
  if (join(base, 'gci-dlv-XXXXXX', 'dap.sock').length > MAX_SOCKET_PATH) base = '/tmp';
  const dir = mkdtempSync(join(base, 'gci-dlv-'));
  const mode = statSync(dir).mode & 0o777;
  if (mode !== 0o700) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the temporary directory ${dir} has mode ${mode.toString(8)}, not 700`);
  }
  return { dir, path: join(dir, 'dap.sock') };
}

/**
 * The inode of the socket at the other end of a loopback TCP connection, from the text of
 * /proc/net/tcp: the row whose local port is `peerPort` and remote port is `ourPort` (the kernel
 * prints addresses as hex `ADDR:PORT`, the port big-endian). Undefined when there is no such row.
 */
export function peerSocketInode(procNetTcp: string, peerPort: number, ourPort: number): number | undefined {
  const hexPort = (p: number): string => p.toString(16).toUpperCase().padStart(4, '0');
  // 127.0.0.1 as the kernel prints it on little- and big-endian machines.
  const loopback = new Set(['0100007F', '7F000001']);
  for (const line of procNetTcp.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    if (f.length < 10) continue;
    const [localAddr, localPort] = f[1]!.split(':');
    const [remAddr, remPort] = f[2]!.split(':');
    if (localPort !== hexPort(peerPort) || remPort !== hexPort(ourPort)) continue;
    if (!loopback.has(localAddr!) || !loopback.has(remAddr!)) continue;
    const inode = Number(f[9]);
    if (Number.isInteger(inode) && inode > 0) return inode;
  }
  return undefined;
}

/** True when process `pid` holds the socket with this inode among its open files. */
export function processHoldsSocket(pid: number, inode: number): boolean {
  const want = `socket:[${inode}]`;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === want) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

/** True when the other end of an accepted loopback TCP connection is a socket of process `pid`. */
export function tcpPeerIsProcess(socket: Socket, pid: number): boolean {
  const peerPort = socket.remotePort;
  const ourPort = socket.localPort;
  if (peerPort === undefined || ourPort === undefined || socket.remoteAddress !== '127.0.0.1') return false;
  let table: string;
  try {
    table = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return false;
  }
  const inode = peerSocketInode(table, peerPort, ourPort);
  return inode !== undefined && processHoldsSocket(pid, inode);
}

/** True where tcpPeerIsProcess can answer (Linux with /proc). */
export function canCheckTcpPeers(): boolean {
  try {
    return statSync('/proc/net/tcp').isFile() && statSync('/proc/self/fd').isDirectory();
  } catch {
    return false;
  }
}

/** A loopback TCP listener that hands out the first connection coming from a given process. */
export class DialInListener {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static listen(): Promise<DialInListener> {
    return new Promise((resolve, reject) => {
      const server = createServer({ pauseOnConnect: true });
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const addr = server.address();
        if (typeof addr !== 'object' || !addr) {
          server.close();
          reject(new Error('the listener has no port'));
          return;
        }
        server.off('error', reject);
        resolve(new DialInListener(server, addr.port));
      });
    });
  }

  /**
   * The first connection whose other end belongs to process `pid` (checked before any byte is
   * read); every other connection is closed and reported through `rejected`. The socket comes back
   * paused: call resume() once its reader is attached.
   */
  accept(pid: () => number | undefined, rejected: (from: string) => void): Promise<Socket> {
    return new Promise((resolve) => {
      const onConnection = (s: Socket): void => {
        const p = pid();
        if (p !== undefined && tcpPeerIsProcess(s, p)) {
          this.server.off('connection', onConnection);
          resolve(s);
          return;
        }
        rejected(`${s.remoteAddress}:${s.remotePort}`);
        s.destroy();
      };
      this.server.on('connection', onConnection);
    });
  }

  close(): void {
    this.server.close();
  }
}
