// How we reach Delve (src/delve/dapTransport.ts): the flags read from `dlv dap --help` (excerpts of
// what Delve 1.20.2 and 1.24.0 print), the kernel's TCP table as /proc/net/tcp prints it, the
// private socket directory, and the dial-in listener's peer check on real loopback connections
// from a real child process (no Delve, no toolchain).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { statSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import {
  canCheckTcpPeers,
  DialInListener,
  parseDapHelp,
  peerSocketInode,
  privateSocketPath,
} from '../../src/delve/dapTransport.js';

// From `dlv dap --help` of Delve 1.20.2 and 1.24.0 (flag lines only).
const HELP_1_20 = `Flags:
      --client-addr string   host:port where the DAP client is waiting for the DAP server to dial in
  -h, --help                 help for dap

Global Flags:
  -l, --listen string                    Debugging server listen address. (default "127.0.0.1:0")
      --log                              Enable debugging server logging.`;
const HELP_1_24 = `Flags:
      --client-addr string   Address where the DAP client is waiting for the DAP server to dial in. Prefix with 'unix:' to use a unix domain socket.
  -h, --help                 help for dap

Global Flags:
  -l, --listen string       Debugging server listen address. Prefix with 'unix:' to use a unix domain socket. (default "127.0.0.1:0")`;

describe('dlv dap --help', () => {
  it('Delve 1.20 dials in over TCP only; 1.24 listens on a Unix socket', () => {
    assert.deepEqual(parseDapHelp(HELP_1_20), { unixSocket: false, clientAddr: true, known: true });
    assert.deepEqual(parseDapHelp(HELP_1_24), { unixSocket: true, clientAddr: true, known: true });
    assert.deepEqual(parseDapHelp('Usage:\n  dlv dap [flags]\n'), { unixSocket: false, clientAddr: false, known: true });
  });
});

describe('peerSocketInode', () => {
  // Rows as the kernel prints them on x86-64 (little-endian addresses, big-endian ports).
  const table = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 656 1 0000000000000000 100 0 0 10 0',
    '   1: 0100007F:93B7 0100007F:8CB2 06 00000000:00000000 03:00000BB0 00000000     0        0 0 3 0000000000000000',
    '   2: 0100007F:D431 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 88231 1 0000000000000000 20 4 30 10 -1',
    '   3: 0A000002:D431 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 99999 1 0000000000000000 20 4 30 10 -1',
  ].join('\n');

  it('finds the established loopback row from the peer port to ours', () => {
    assert.equal(peerSocketInode(table, 0xd431, 0x9c40), 88231);
  });
  it('ignores rows in TIME_WAIT (inode 0), other ports and non-loopback addresses', () => {
    assert.equal(peerSocketInode(table, 0x93b7, 0x8cb2), undefined);
    assert.equal(peerSocketInode(table, 0x9c40, 0xd431), undefined);
    assert.equal(peerSocketInode(table.split('\n').filter((l) => !l.includes('88231')).join('\n'), 0xd431, 0x9c40), undefined);
  });
});

describe('privateSocketPath', () => {
  it('makes a fresh directory only its owner can enter', () => {
    const a = privateSocketPath();
    const b = privateSocketPath();
    try {
      assert.notEqual(a.dir, b.dir);
      assert.equal(statSync(a.dir).mode & 0o777, 0o700);
      assert.ok(a.path.startsWith(a.dir + '/') && a.path.length <= 107, a.path);
    } finally {
      rmSync(a.dir, { recursive: true, force: true });
      rmSync(b.dir, { recursive: true, force: true });
    }
  });
});

describe('DialInListener', () => {
  it('takes the connection of the expected process and closes one from any other', async () => {
    assert.ok(canCheckTcpPeers(), 'this test needs /proc/net/tcp and /proc/<pid>/fd (Linux)');
    const listener = await DialInListener.listen();
    const rejected: string[] = [];
    // A child that connects after a delay; meanwhile this process connects first.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `setTimeout(() => { const s = require('net').connect(${listener.port}, '127.0.0.1', () => s.write('from child')); s.on('data', (d) => { process.stdout.write(d); s.end(); }); }, 300);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const accepted = listener.accept(() => child.pid, (from) => rejected.push(from));
      const stranger: Socket = connect(listener.port, '127.0.0.1');
      const strangerClosed = new Promise<void>((r) => stranger.on('close', () => r()));
      stranger.on('error', () => undefined);
      await strangerClosed;
      assert.equal(rejected.length, 1, 'the stranger was not turned away');
      const s = await accepted;
      s.resume();
      const got = await new Promise<string>((r) => s.once('data', (d: Buffer) => r(d.toString())));
      assert.equal(got, 'from child');
      s.end('ok');
      const echoed = await new Promise<string>((r) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', () => r(out));
      });
      assert.equal(echoed, 'ok');
    } finally {
      listener.close();
      child.kill();
    }
  });
});
