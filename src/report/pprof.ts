// A heap profile in pprof's format (github.com/google/pprof proto/profile.proto, gzipped), written
// by hand: the few messages it needs are encoded here with protobuf's wire format (varints and
// length-delimited fields), so no dependency. Sample types inuse_objects/count and
// inuse_space/bytes (what `go tool pprof` expects of a heap profile); each sample's stack is
// [type, root] (leaf first), so `-top` lists the types and `-peek`/`-http` show what holds them,
// like goref's profiles.
import { gzipSync } from 'node:zlib';

class Writer {
  private readonly parts: Buffer[] = [];
  private varint(n: number): void {
    const b: number[] = [];
    let v = n;
    while (v >= 0x80) {
      b.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    b.push(v);
    this.parts.push(Buffer.from(b));
  }
  private key(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }
  uint(field: number, n: number): this {
    this.key(field, 0);
    this.varint(n);
    return this;
  }
  bytes(field: number, b: Buffer): this {
    this.key(field, 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }
  message(field: number, m: Writer): this {
    return this.bytes(field, m.done());
  }
  packed(field: number, ns: readonly number[]): this {
    const w = new Writer();
    for (const n of ns) w.varint(n);
    return this.bytes(field, w.done());
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export interface ProfileRow {
  type: string;
  root: string;
  count: number;
  bytes: number;
}

/** The gzipped profile.proto bytes of heap rows. */
export function heapProfile(rows: readonly ProfileRow[], timeNanos = 0): Buffer {
  const strings: string[] = [''];
  const ids = new Map<string, number>([['', 0]]);
  const str = (s: string): number => {
    let id = ids.get(s);
    if (id === undefined) {
      id = strings.length;
      strings.push(s);
      ids.set(s, id);
    }
    return id;
  };
  const p = new Writer();
  const valueType = (t: string, u: string): Writer => new Writer().uint(1, str(t)).uint(2, str(u));
  p.message(1, valueType('inuse_objects', 'count'));
  p.message(1, valueType('inuse_space', 'bytes'));
  const funcs = new Map<string, number>();
  const fn = (name: string): number => {
    let id = funcs.get(name);
    if (id === undefined) {
      id = funcs.size + 1;
      funcs.set(name, id);
    }
    return id;
  };
  for (const r of rows) {
    p.message(2, new Writer().packed(1, [fn(r.type), fn(r.root)]).packed(2, [r.count, r.bytes]));
  }
  for (const id of funcs.values()) {
    p.message(4, new Writer().uint(1, id).message(4, new Writer().uint(1, id)));
  }
  const fnMsgs: Writer[] = [];
  for (const [name, id] of funcs) fnMsgs.push(new Writer().uint(1, id).uint(2, str(name)).uint(3, str(name)));
  for (const m of fnMsgs) p.message(5, m);
  // Every string is interned before the table is written.
  const periodType = valueType('space', 'bytes');
  const defaultType = str('inuse_space');
  for (const s of strings) p.bytes(6, Buffer.from(s, 'utf8'));
  if (timeNanos > 0) p.uint(9, timeNanos);
  p.message(11, periodType);
  p.uint(14, defaultType);
  return gzipSync(p.done());
}
