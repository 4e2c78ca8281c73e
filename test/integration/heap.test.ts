// The heap walk (src/analysis/heap.ts, `go-core heap`) on the heap-population fixture of every
// default Go version, checked against what the program printed (runtime.MemStats after
// runtime.GC(), and the population it built: test/fixtures/programs/heap-population/main.go) and
// against the fixture's construction (each type's size class; the garbage it dropped).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openCore, type CoreEngine } from '../../src/analysis/engine.js';
import type { HeapModel } from '../../src/analysis/heap.js';
import { runCli } from '../../src/report/cli.js';
import { fixture, goBinary, type Fixture } from '../support/fixtures.js';
import { validate, type Schema } from '../support/jsonSchema.js';

const GO = ['1.19', '1.22', '1.24', '1.27'];
const root = join(__dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'gci-heap-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Oracle {
  heapObjects: number;
  heapAlloc: number;
  counts: Record<string, number>;
  record0: bigint;
  secret0: bigint;
}

/** The first line the program printed: `panic: heap fixture: HeapObjects=N HeapAlloc=N main.Small=N … record0=0x… secret0=0x…`. */
function oracle(fx: Fixture): Oracle {
  const line = fx.traceback.split('\n')[0]!;
  const m = /^panic: heap fixture: HeapObjects=(\d+) HeapAlloc=(\d+) (.*) record0=(0x[0-9a-f]+) secret0=(0x[0-9a-f]+)$/.exec(line);
  assert.ok(m, `${fx.fixture} go${fx.goMinor}: the first line is not the oracle: ${line}`);
  const counts: Record<string, number> = {};
  for (const kv of m[3]!.split(' ')) {
    const [k, v] = kv.split('=');
    counts[k!] = Number(v);
  }
  return { heapObjects: Number(m[1]), heapAlloc: Number(m[2]), counts, record0: BigInt(m[4]!), secret0: BigInt(m[5]!) };
}

/** Size of each type's slot, from the fixture's source (sizes on 64-bit and runtime/sizeclasses.go). */
const SLOT: Record<string, number> = { 'main.Small': 24, 'main.Node': 32, 'main.Record': 704, 'main.Blob': 40960, 'main.Conn': 16 };

function row(m: HeapModel, type: string): { count: number; bytes: number; source: string } | undefined {
  return m.byType.find((r) => r.type === type);
}

function within(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= expected * 0.01, `${what}: ${actual} is not within 1 % of ${expected}`);
}

describe('heap walk on heap-population', () => {
  for (const minor of GO) {
    describe(`go${minor}`, () => {
      const fx = fixture('heap-population', minor);
      let engine: CoreEngine | undefined;
      const heap = () => {
        assert.ok(fx, `fixture heap-population go${minor} is missing: run GCI_FIXTURES=heap-population scripts/make-cores`);
        engine ??= openCore(fx.core, { binary: fx.prog });
        return engine.heap();
      };
      after(() => engine?.close());

      it('totals equal MemStats.HeapObjects and HeapAlloc within 1 %', () => {
        const o = oracle(fx);
        const m = heap().model;
        within(m.totals.objects, o.heapObjects, 'objects vs HeapObjects');
        within(m.totals.bytes, o.heapAlloc, 'bytes vs HeapAlloc');
        assert.deepEqual(m.notes, [], 'nothing skipped');
        assert.equal(m.allocationHeaders, minor !== '1.19');
      });

      it('counts each known type exactly, at count × its size class', () => {
        const o = oracle(fx);
        const m = heap().model;
        // Typed on every version: Node (the global map's values: hash/bucket or Swiss table internals
        // from DWARF), Blob (the global slice), Conn (the local slice `conns` of main.serve, typed by
        // that frame's DWARF local), Small (the global channel's buffer, through hchan<*main.Small>).
        // From 1.22 Record too (its header); on 1.19 Records are typed only when a Blob points to
        // them, the others are counted in their size class.
        const typed = minor === '1.19' ? ['main.Node', 'main.Blob', 'main.Conn', 'main.Small'] : ['main.Node', 'main.Blob', 'main.Record', 'main.Small', 'main.Conn'];
        for (const t of typed) {
          const r = row(m, t);
          assert.ok(r, `${t} is typed`);
          assert.equal(r.count, o.counts[t], `${t} count`);
          assert.equal(r.bytes, o.counts[t]! * SLOT[t]!, `${t} bytes`);
        }
        if (minor === '1.19') {
          assert.equal(row(m, 'main.Record')?.count, o.counts['main.Blob'], 'Records typed through Blob.Ref');
          const c704 = m.bySizeClass.find((c) => c.size === 704 && !c.noscan);
          assert.ok(c704 && c704.count >= o.counts['main.Record']!, 'every Record counted in class 704');
        } else {
          assert.equal(row(m, 'main.Record')?.source, 'header');
          assert.equal(row(m, 'main.Blob')?.source, 'header');
        }
      });

      it('does not count the garbage dropped before runtime.GC()', () => {
        const m = heap().model;
        assert.equal(row(m, 'main.Garbage'), undefined);
        // 5000 Garbage objects of class 576 were allocated; at most a few runtime objects share the class.
        const c576 = m.bySizeClass.filter((c) => c.size === 576).reduce((n, c) => n + c.count, 0);
        assert.ok(c576 < 10, `class 576 holds ${c576} objects`);
      });

      it('finds a retention path from the root that holds each type', () => {
        const h = heap();
        const o = oracle(fx);
        assert.equal(h.path({ type: 'main.Node' })?.root, 'global main.registry');
        assert.equal(h.path({ type: 'main.Blob' })?.root, 'global main.blobs');
        // The fixture's goroutine running main.serve holds its Conns only in its local `conns`: the
        // root is that frame's local (stack map slot + DWARF location list), then the slice's array.
        const conn = h.path({ type: 'main.Conn' });
        assert.ok(conn, 'main.Conn has a retention path');
        assert.match(conn.root, /^goroutine \d+ frame main\.serve local conns$/);
        assert.equal(conn.rootKind, 'local');
        assert.deepEqual(
          conn.steps.map((s) => s.type.replace(/^\[\d+\]/, '[N]')),
          ['[N]*main.Conn', 'main.Conn'],
        );
        assert.match(conn.steps[0]!.field ?? '', /^\[\d+\]$/, 'the array step names the element holding the pointer');
        // Blob → Ref → Record: the field holding each pointer is named from DWARF.
        const blobRef = h.path({ type: 'main.Blob' })!;
        assert.match(blobRef.steps[0]!.field ?? '', /^\[\d+\]$/);
        if (minor !== '1.19') {
          // main's local `records`: a constant-capacity slice, so its array is a stack object of main.main.
          assert.equal(h.path({ type: 'main.Record' })?.root, 'goroutine 1 frame main.main stack object');
        }
        // The global channel: hchan<*main.Small>.buf → the buffer → a Small.
        const small = h.path({ type: 'main.Small' });
        assert.equal(small?.root, 'global main.smalls');
        assert.deepEqual(
          small.steps.map((s) => [s.type.replace(/^\[\d+\]/, '[N]'), s.field?.replace(/^\[\d+\]$/, '[i]')]),
          [
            ['hchan<*main.Small>', 'buf'],
            ['[N]*main.Small', '[i]'],
            ['main.Small', undefined],
          ],
        );
        // Which buffered Small the shortest path takes depends on the core's layout (a fresh core
        // took element 322): the element is one of the buffer's.
        const capacity = Number(/^\[(\d+)\]/.exec(small.steps[1]!.type)![1]);
        const element = Number(/^\[(\d+)\]$/.exec(small.steps[1]!.field!)![1]);
        assert.ok(element < capacity, `element ${element} of a buffer of ${capacity}`);
        // Each Secret is held only by the closure of a finalizer set on a Pinned (the fixture's source).
        const secret = h.path({ address: o.secret0 });
        assert.ok(secret, 'the object printed as secret0 is reached');
        assert.match(secret.root, /^finalizer of 0x[0-9a-f]+ \(function\)$/);
        assert.equal(secret.rootKind, 'special');
        assert.equal(BigInt(secret.steps.at(-1)!.address), o.secret0);
        assert.equal(secret.steps.length, 2, 'the finalizer function (a closure) → the Secret');
        const p = h.path({ address: o.record0 });
        assert.ok(p, 'the object printed as record0 is reached');
        assert.equal(BigInt(p.steps.at(-1)!.address), o.record0);
        assert.equal(h.objectAt(o.record0)?.size, 704);
      });

      it("decodes each object's fields with its type (main.Conn{ID, Peer *main.Node})", () => {
        const h = heap();
        const o = oracle(fx);
        const conns = h.objectsOf('main.Conn', 1000);
        assert.equal(conns.length, o.counts['main.Conn']);
        const ids = new Set<string>();
        for (const c of conns) {
          const f = h.fields(c.address);
          assert.deepEqual(
            f.map((x) => [x.name, x.offset, x.type]),
            [
              ['ID', 0, 'int64'],
              ['Peer', 8, '*main.Node'],
            ],
          );
          ids.add(f[0]!.value);
          // Peer = registry[ID] (the fixture's source): a main.Node.
          assert.equal(h.objectAt(BigInt(f[1]!.value))?.type, 'main.Node');
        }
        // serve set ID = 0 .. nConns-1, each once.
        assert.equal(ids.size, o.counts['main.Conn']);
      });

      it('go-core heap --json --pprof: the JSON follows the schema; go tool pprof -top lists the types', async () => {
        const o = oracle(fx);
        const pb = join(tmp, `heap-${minor}.pb.gz`);
        let out = '';
        let err = '';
        const code = await runCli(['heap', fx.core, '--binary', fx.prog, '--json', '--pprof', pb, '--path', 'main.Node'], {
          out: (s) => (out += s),
          err: (s) => (err += s),
        });
        assert.equal(code, 0, err);
        const json = JSON.parse(out) as Record<string, unknown>;
        const errors: string[] = [];
        validate(schema, schema, json, '$', errors);
        assert.deepEqual(errors, [], 'the JSON follows schemas/heap.schema.json');
        const r = spawnSync(goBinary(minor), ['tool', 'pprof', '-top', '-sample_index=inuse_objects', '-nodecount=200', pb], {
          encoding: 'utf8',
          env: { ...process.env, PPROF_TMPDIR: tmp },
        });
        assert.equal(r.status, 0, r.stderr);
        const typed = minor === '1.19' ? ['main.Node', 'main.Blob', 'main.Conn', 'main.Small'] : ['main.Node', 'main.Blob', 'main.Record', 'main.Small', 'main.Conn'];
        for (const t of typed) {
          assert.match(r.stdout, new RegExp(`^\\s+${o.counts[t]} .* ${t.replace('.', '\\.')}$`, 'm'), `pprof -top lists ${t} with its count`);
        }
      });
    });
  }
});

const schema = JSON.parse(readFileSync(join(root, 'schemas', 'heap.schema.json'), 'utf8')) as Schema;


// The same program linked with -ldflags=-w (no DWARF, symbols kept): no DWARF types and no named
// globals, but the heap walk, header types (1.22+), the data and bss sections as untyped roots,
// stack maps and finalizers still answer.
describe('heap walk on heap-population-nodwarf', () => {
  for (const minor of GO) {
    it(`go${minor}: totals, header types and roots without DWARF`, () => {
      const fx = fixture('heap-population-nodwarf', minor);
      const o = oracle(fx);
      const e = openCore(fx.core, { binary: fx.prog });
      try {
        const h = e.heap();
        const m = h.model;
        within(m.totals.objects, o.heapObjects, 'objects vs HeapObjects');
        within(m.totals.bytes, o.heapAlloc, 'bytes vs HeapAlloc');
        assert.match(m.notes.join('\n'), /no DWARF/);
        assert.equal(m.typing.dwarf, 0, 'nothing is typed from DWARF');
        if (minor !== '1.19') assert.equal(row(m, 'main.Record')?.count, o.counts['main.Record'], 'Records typed by their allocation headers');
        assert.ok(m.byRoot.some((r) => r.root === 'global in .bss (no DWARF: untyped)'), 'the bss section is a root');
        // main.blobs and main.registry live in .bss: what they hold is reached from it.
        const blob = h.path({ address: o.record0 });
        assert.ok(blob, 'record0 is reached');
        // Reached: from its finalizer, or (untyped runtime structures are scanned conservatively
        // without DWARF) through a stale word the runtime keeps, such as a P's write-barrier buffer.
        const secret = h.path({ address: o.secret0 });
        assert.ok(secret && (secret.rootKind === 'special' || secret.rootKind === 'global'), `secret0 is reached: ${secret?.root}`);
      } finally {
        e.close();
      }
    });
  }
});
