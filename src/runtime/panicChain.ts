// The _panic and _defer chains of a goroutine, field by field with this Go version's offsets, and
// the panic messages the runtime prints for them (printpanics).
import type { Memory } from '../core/memory.js';
import { CoreReadError, hex } from '../core/errors.js';
import { readAllFields, readField, type CodeNamer, type FieldValue } from './fields.js';
import type { RuntimeLayout } from './layout.js';
import { decodeEface, type DecodedValue } from './panicValue.js';

export interface PanicRecord {
  /** Address of the runtime._panic. */
  addr: bigint;
  /** 0 = newest (g._panic). */
  index: number;
  /** Every field of runtime._panic in this version, in order, with offsets. */
  fields: FieldValue[];
  argType: bigint;
  argData: bigint;
  value: DecodedValue;
  link: bigint;
  recovered: boolean;
  goexit: boolean;
  /** Go <= 1.21 only. */
  aborted: boolean | undefined;
  /** Go 1.25+ only. */
  repanicked: boolean | undefined;
}

export interface DeferRecord {
  addr: bigint;
  index: number;
  fields: FieldValue[];
  /** *funcval of the deferred call (0 for open-coded / rangefunc heads). */
  fn: bigint;
  /** The deferred function's entry PC (*fn), when readable. */
  fnPC: bigint | undefined;
  /** Its name, when a namer was given. */
  fnName: string | undefined;
  sp: bigint;
  pc: bigint;
  link: bigint;
  heap: boolean;
}

export interface ChainOptions {
  /** runtime address of moduledata.types, for type names of panic values. */
  typesBase?: bigint;
  /** Stop after this many records (default 10,000). */
  max?: number;
  /** Resolves code addresses in fields (startPC, retpc, ...) and deferred functions to names. */
  namer?: CodeNamer;
}

function boolField(fields: FieldValue[], name: string): boolean | undefined {
  const f = fields.find((x) => x.name === name);
  return f?.value === undefined ? undefined : f.value !== 0n;
}

/** The _panic chain starting at g._panic of the goroutine at gAddr, newest first. */
export function walkPanicChain(mem: Memory, layout: RuntimeLayout, gAddr: bigint, opts: ChainOptions = {}): PanicRecord[] {
  const st = layout.structs.get('runtime._panic')!;
  const argOff = BigInt(layout.offsets.panic.arg.offset);
  const out: PanicRecord[] = [];
  const seen = new Set<bigint>();
  let p = readField(mem, gAddr, layout.offsets.g.panic);
  const max = opts.max ?? 10_000;
  while (p !== 0n) {
    if (seen.has(p)) throw new CoreReadError('corrupt', '<memory>', `the _panic chain of g ${hex(gAddr)} loops at ${hex(p)}`);
    if (out.length >= max) throw new CoreReadError('corrupt', '<memory>', `the _panic chain of g ${hex(gAddr)} is longer than ${max}`);
    seen.add(p);
    const fields = readAllFields(mem, p, st, opts.namer);
    const argType = mem.readPtr(p + argOff);
    const argData = mem.readPtr(p + argOff + 8n);
    const link = readField(mem, p, layout.offsets.panic.link);
    out.push({
      addr: p,
      index: out.length,
      fields,
      argType,
      argData,
      value: decodeEface(mem, argType, argData, opts.typesBase),
      link,
      recovered: boolField(fields, 'recovered') ?? false,
      goexit: boolField(fields, 'goexit') ?? false,
      aborted: boolField(fields, 'aborted'),
      repanicked: boolField(fields, 'repanicked'),
    });
    p = link;
  }
  return out;
}

/** The _defer chain starting at g._defer, newest first. */
export function walkDeferChain(mem: Memory, layout: RuntimeLayout, gAddr: bigint, opts: ChainOptions = {}): DeferRecord[] {
  const st = layout.structs.get('runtime._defer')!;
  const o = layout.offsets.defer;
  const out: DeferRecord[] = [];
  const seen = new Set<bigint>();
  let d = readField(mem, gAddr, layout.offsets.g.defer);
  const max = opts.max ?? 10_000;
  while (d !== 0n) {
    if (seen.has(d)) throw new CoreReadError('corrupt', '<memory>', `the _defer chain of g ${hex(gAddr)} loops at ${hex(d)}`);
    if (out.length >= max) throw new CoreReadError('corrupt', '<memory>', `the _defer chain of g ${hex(gAddr)} is longer than ${max}`);
    seen.add(d);
    const fn = readField(mem, d, o.fn);
    let fnPC: bigint | undefined;
    if (fn !== 0n) {
      try {
        fnPC = mem.readPtr(fn);
      } catch (e) {
        if (!(e instanceof CoreReadError)) throw e;
      }
    }
    const link = readField(mem, d, o.link);
    out.push({
      addr: d,
      index: out.length,
      fields: readAllFields(mem, d, st, opts.namer),
      fn,
      fnPC,
      fnName: fnPC !== undefined ? opts.namer?.codeName(fnPC) : undefined,
      sp: readField(mem, d, o.sp),
      pc: readField(mem, d, o.pc),
      link,
      heap: readField(mem, d, o.heap) !== 0n,
    });
    d = link;
  }
  return out;
}

/**
 * The `panic: ...` lines the runtime prints for a chain (printpanics): oldest first, each later
 * one indented by a tab, ` [recovered]` (` [recovered, repanicked]` on 1.25+) appended. A value we
 * cannot render exactly appears as `<type name>` / `<unknown>`.
 */
export function printedPanicLines(chain: readonly PanicRecord[]): string[] {
  const lines: string[] = [];
  const rec = (i: number, depth: number): void => {
    if (depth > 10_000) return;
    const p = chain[i]!;
    const link = chain[i + 1];
    let prefix = '';
    if (link) {
      rec(i + 1, depth + 1);
      if (link.repanicked) return;
      if (!link.goexit) prefix = '\t';
    }
    if (p.goexit) return;
    const v = p.value.text ?? p.value.errorText ?? `<${p.value.type?.name ?? 'unknown'}>`;
    let s = prefix + 'panic: ' + v;
    if (p.recovered && p.repanicked) s += ' [recovered, repanicked]';
    else if (p.recovered) s += ' [recovered]';
    lines.push(s);
  };
  if (chain.length > 0) rec(0, 0);
  return lines;
}
