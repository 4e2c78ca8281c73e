// DAP framing on in-memory streams: partial chunks, several messages per chunk, bounds, bad input.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DapConnection, DapFrameDecoder, encodeDapMessage } from '../../src/delve/dapConnection.js';
import { DapFramingError } from '../../src/delve/errors.js';

const ev = (n: number, extra: Record<string, unknown> = {}): DebugProtocol.Event => ({
  seq: n,
  type: 'event',
  event: 'output',
  body: { output: `line ${n} ünïcødé ✓`, ...extra },
});

describe('DapFrameDecoder', () => {
  it('decodes one message delivered byte by byte', () => {
    const d = new DapFrameDecoder();
    const bytes = encodeDapMessage(ev(1));
    const out: DebugProtocol.ProtocolMessage[] = [];
    for (let i = 0; i < bytes.length; i++) out.push(...d.push(bytes.subarray(i, i + 1)));
    assert.deepEqual(out, [ev(1)]);
    assert.equal(d.pendingBytes, 0);
  });

  it('decodes several messages in one chunk, and a split across chunks', () => {
    const d = new DapFrameDecoder();
    const all = Buffer.concat([encodeDapMessage(ev(1)), encodeDapMessage(ev(2)), encodeDapMessage(ev(3))]);
    const cut = all.length - 7;
    assert.deepEqual(d.push(all.subarray(0, cut)), [ev(1), ev(2)]);
    assert.deepEqual(d.push(all.subarray(cut)), [ev(3)]);
  });

  it('splits inside the header and inside a multi-byte UTF-8 character', () => {
    const d = new DapFrameDecoder();
    const bytes = encodeDapMessage(ev(7));
    const mid = bytes.indexOf(Buffer.from('✓')) + 1; // inside the 3-byte character
    assert.deepEqual(d.push(bytes.subarray(0, 5)), []);
    assert.deepEqual(d.push(bytes.subarray(5, mid)), []);
    assert.deepEqual(d.push(bytes.subarray(mid)), [ev(7)]);
  });

  it('accepts extra headers and any header case', () => {
    const body = Buffer.from(JSON.stringify(ev(4)));
    const d = new DapFrameDecoder();
    const msg = Buffer.concat([
      Buffer.from(`content-type: application/json\r\nCONTENT-LENGTH: ${body.length}\r\n\r\n`),
      body,
    ]);
    assert.deepEqual(d.push(msg), [ev(4)]);
  });

  it('decodes an empty-bodied chunk and a zero-length push', () => {
    const d = new DapFrameDecoder();
    assert.deepEqual(d.push(Buffer.alloc(0)), []);
  });

  it('rejects a body larger than the limit before buffering it', () => {
    const d = new DapFrameDecoder({ maxMessageBytes: 100 });
    assert.throws(() => d.push(Buffer.from('Content-Length: 101\r\n\r\n')), DapFramingError);
  });

  it('rejects a header that never ends', () => {
    const d = new DapFrameDecoder({ maxHeaderBytes: 64 });
    assert.throws(() => d.push(Buffer.from('X'.repeat(65))), /header longer than 64/);
  });

  it('rejects a missing or bad Content-Length, and bad JSON', () => {
    assert.throws(() => new DapFrameDecoder().push(Buffer.from('Foo: 1\r\n\r\n')), /without Content-Length/);
    assert.throws(
      () => new DapFrameDecoder().push(Buffer.from('Content-Length: -3\r\n\r\n')),
      /bad DAP Content-Length/,
    );
    assert.throws(
      () => new DapFrameDecoder().push(Buffer.from('Content-Length: 1e3\r\n\r\n')),
      /bad DAP Content-Length/,
    );
    assert.throws(() => new DapFrameDecoder().push(Buffer.from('garbage\r\n\r\n')), /malformed DAP header/);
    assert.throws(() => new DapFrameDecoder().push(Buffer.from('Content-Length: 3\r\n\r\n{x}')), /not JSON/);
    assert.throws(() => new DapFrameDecoder().push(Buffer.from('Content-Length: 2\r\n\r\n[]')), /"type"/);
  });
});

describe('DapConnection', () => {
  it('emits messages from a stream and writes framed messages', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const c = new DapConnection(input, output);
    const got: DebugProtocol.ProtocolMessage[] = [];
    c.on('message', (m) => got.push(m));
    const bytes = Buffer.concat([encodeDapMessage(ev(1)), encodeDapMessage(ev(2))]);
    input.write(bytes.subarray(0, 10));
    input.write(bytes.subarray(10));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(got, [ev(1), ev(2)]);
    c.send(ev(9));
    const written = output.read() as Buffer;
    assert.deepEqual(new DapFrameDecoder().push(written), [ev(9)]);
    c.close('done');
  });

  it('closes with the framing error as reason, once, and stops emitting', async () => {
    const input = new PassThrough();
    const c = new DapConnection(input, new PassThrough(), { maxMessageBytes: 10 });
    const reasons: string[] = [];
    const errors: Error[] = [];
    c.on('close', (r) => reasons.push(r));
    c.on('error', (e) => errors.push(e));
    input.write('Content-Length: 11\r\n\r\n');
    await new Promise((r) => setImmediate(r));
    assert.equal(reasons.length, 1);
    assert.match(reasons[0]!, /DapFramingError: DAP message of 11 bytes exceeds/);
    assert.ok(errors[0] instanceof DapFramingError);
    assert.equal(c.send(ev(1)), false);
    c.close('again');
    assert.equal(reasons.length, 1);
  });

  it('reports the end of the input stream as close', async () => {
    const input = new PassThrough();
    const c = new DapConnection(input, new PassThrough());
    const closed = new Promise<string>((r) => c.on('close', r));
    input.end();
    input.resume();
    assert.match(await closed, /closed/);
    assert.ok(c.closed);
  });
});
