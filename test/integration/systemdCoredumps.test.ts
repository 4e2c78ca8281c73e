// systemd-coredump's list of crashes (src/analysis/systemdCoredumps.ts). coredumpctl is not installed
// on this machine, so:
// - the JSON below is written by hand from systemd's source, not captured from a real coredumpctl:
//   src/coredump/coredumpctl.c (dump_list: `table_new("time", "pid", "uid", "gid", "sig",
//   "corefile", "exe", "size")`; print_list: the values and the corefile states) and
//   src/shared/format-table.c (table_data_to_json: timestamps in µs, a signal that is not valid and a
//   size of UINT64_MAX become null; `--json=short` prints the array on one line);
// - filtering to Go programs is checked on real executables: the fixtures' Go binaries and this
//   machine's /bin/sh (not Go);
// - a missing coredumpctl must be said plainly (run with a PATH that has none).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crashLabel, goCrashes, listGoCrashes, parseCoredumpList, CoredumpctlError } from '../../src/analysis/systemdCoredumps.js';
import { runCli } from '../../src/report/cli.js';
import { fixture } from '../support/fixtures.js';

const index = fixture('index', '1.24');
const stripped = fixture('index-stripped', '1.22');

/** `coredumpctl list --json=short` as systemd prints it (see above), with two Go crashes and two others. */
const LIST = JSON.stringify([
  { time: 1764486000123456, pid: 4242, uid: 1000, gid: 1000, sig: 6, corefile: 'present', exe: index.prog, size: 1234567 },
  { time: 1764486100000000, pid: 4300, uid: 1000, gid: 1000, sig: 11, corefile: 'missing', exe: '/bin/sh', size: null },
  { time: 1764486200000000, pid: 4400, uid: 0, gid: 0, sig: 6, corefile: 'journal', exe: stripped.prog, size: null },
  { time: 1764486300000000, pid: 4500, uid: 0, gid: 0, sig: null, corefile: null, exe: 'kworker', size: null },
]);

describe('systemd-coredump list', () => {
  it('parses the columns of coredumpctl list --json=short', () => {
    const e = parseCoredumpList(LIST + '\n');
    assert.equal(e.length, 4);
    assert.deepEqual(e[0], { time: new Date(1764486000123), pid: 4242, uid: 1000, gid: 1000, signal: 6, corefile: 'present', exe: index.prog, size: 1234567 });
    assert.equal(e[3]!.signal, null);
    assert.equal(e[3]!.corefile, null);
    assert.deepEqual(parseCoredumpList(''), []);
    assert.throws(() => parseCoredumpList('TIME PID UID GID SIG COREFILE EXE SIZE'), CoredumpctlError);
  });

  it('keeps the crashes of Go executables (by their build info), newest first', () => {
    const go = goCrashes(parseCoredumpList(LIST));
    assert.deepEqual(go.map((c) => c.pid), [4400, 4242], 'the stripped and the plain Go binary; not /bin/sh, not a bare command name');
    assert.equal(go[1]!.goVersion, index.goVersion);
    assert.equal(go[0]!.goVersion, stripped.goVersion, 'a stripped binary keeps its build info');
    assert.equal(go[0]!.dumpable, true, 'a core kept in the journal can be dumped');
    assert.match(crashLabel(go[1]!), new RegExp(`^${index.prog} \\(pid 4242\\) SIGABRT, ${index.goVersion}, 2025-11-30 07:00$`));
  });

  it('says plainly that coredumpctl is missing', async () => {
    await assert.rejects(listGoCrashes({ env: { PATH: '/nonexistent' } }), (e: Error) => {
      assert.ok(e instanceof CoredumpctlError);
      assert.match(e.message, /coredumpctl is not installed on this machine/);
      return true;
    });
  });

  it('go-core crashes says the same and exits 1', async () => {
    let out = '';
    let err = '';
    const code = await runCli(['crashes'], { out: (t) => (out += t), err: (t) => (err += t), env: { PATH: '/nonexistent' } });
    assert.equal(code, 1);
    assert.equal(out, '');
    assert.match(err, /^go-core: coredumpctl is not installed on this machine .*; pass a core file to `go-core report`\n$/);
  });
});
