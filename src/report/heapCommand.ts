// `go-core heap <core> [--binary <exe>] [--json] [--pprof <out.pb.gz>] [--path <type|address>]`:
// the Go heap of a core (CoreEngine.heap(), src/analysis/heap.ts) as text or JSON
// (schemas/heap.schema.json), a pprof heap profile (pprof.ts), and the retention path of a type or
// an object.
import { writeFileSync } from 'node:fs';
import { formatError } from '../core/errors.js';
import { openCore } from '../analysis/engine.js';
import type { HeapField, HeapModel, RetentionPath } from '../analysis/heap.js';
import { heapProfile } from './pprof.js';

export const HEAP_USAGE = '       go-core heap <core> [--binary <exe>] [--json] [--pprof <out.pb.gz>] [--path <type|address>] [--top <n>]';

export interface HeapArgs {
  core: string;
  binary?: string;
  json: boolean;
  pprof?: string;
  path?: string;
  top: number;
}

export interface HeapJson extends HeapModel {
  /** The retention path asked for with --path (null when no root reaches it). */
  path?: { target: string; path: RetentionPath | null };
}

export function parseHeapArgs(argv: readonly string[]): HeapArgs | string {
  let core: string | undefined;
  const out: Omit<HeapArgs, 'core'> = { json: false, top: 30 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') {
      out.json = true;
      continue;
    }
    const m = /^(--binary|-b|--pprof|--path|--top)(?:=(.*))?$/.exec(a);
    if (m) {
      const v = m[2] ?? argv[++i];
      if (v === undefined || v === '') return `${m[1]} needs a value`;
      if (m[1] === '--binary' || m[1] === '-b') out.binary = v;
      else if (m[1] === '--pprof') out.pprof = v;
      else if (m[1] === '--path') out.path = v;
      else {
        const n = Number(v);
        if (!Number.isInteger(n) || n <= 0) return '--top needs a positive number';
        out.top = n;
      }
    } else if (a.startsWith('-')) return `unknown option ${a}`;
    else if (core === undefined) core = a;
    else return `unexpected argument "${a}"`;
  }
  if (core === undefined) return 'missing <core>';
  return { core, ...out };
}

function mib(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

export function formatPath(target: string, p: RetentionPath | null): string {
  if (!p) return `no root reaches ${target}\n`;
  const lines = [`retention path of ${target}:`, `  ${p.root} (${p.rootKind}, word at ${p.rootAddress})`];
  for (const s of p.steps) {
    const via = s.field !== undefined ? `, pointer in ${s.field} at +${s.pointerOffset}` : s.pointerOffset !== undefined ? `, pointer at +${s.pointerOffset}` : '';
    lines.push(`  → ${s.type} at ${s.address} (${s.size} B)${via}`);
  }
  return lines.join('\n') + '\n';
}

/** An object's fields (heap.fields()), one per line; empty when it has none. */
export function formatFields(fields: readonly HeapField[]): string {
  if (fields.length === 0) return '';
  return ['', 'fields:', ...fields.map((f) => `  +${String(f.offset).padEnd(5)} ${f.name} ${f.type} = ${f.value}`)].join('\n') + '\n';
}

export function formatHeapText(m: HeapModel, top: number): string {
  const out: string[] = [];
  const t = m.totals;
  out.push(`Go heap of ${m.goVersion ?? 'an unknown Go version'}: ${t.objects} objects, ${t.bytes} bytes (${mib(t.bytes)}) in ${t.spans} spans`);
  out.push(
    `typed: ${m.typing.header} by allocation header, ${m.typing.dwarf} from DWARF-typed roots, ${m.typing.untyped} untyped` +
      (m.allocationHeaders ? '' : ' (this Go version has no allocation headers)'),
  );
  out.push(`reached from roots: ${t.reachedObjects} objects, ${t.reachedBytes} bytes`);
  out.push('', 'by type (bytes):', `${'count'.padStart(10)} ${'bytes'.padStart(12)} ${'share'.padStart(6)}  type`);
  for (const r of m.byType.slice(0, top)) {
    out.push(`${String(r.count).padStart(10)} ${String(r.bytes).padStart(12)} ${(r.share * 100).toFixed(1).padStart(5)}%  ${r.type}${r.source === 'untyped' ? '' : ` [${r.source}]`}`);
  }
  if (m.byType.length > top) out.push(`  … ${m.byType.length - top} more types (--top, --json)`);
  out.push('', 'by size class:', `${'class'.padStart(6)} ${'size'.padStart(6)} ${'count'.padStart(10)} ${'bytes'.padStart(12)} ${'typed'.padStart(8)}`);
  for (const c of m.bySizeClass) {
    out.push(
      `${String(c.sizeclass).padStart(6)} ${(c.sizeclass === 0 ? 'large' : String(c.size)).padStart(6)} ${String(c.count).padStart(10)} ${String(c.bytes).padStart(12)} ${String(c.typed).padStart(8)}  ${c.noscan ? 'no pointers' : 'pointers'}${c.tinyBlocks ? ' (tiny-allocator blocks)' : ''}`,
    );
  }
  out.push('', 'by root (first reached from):');
  for (const r of m.byRoot.slice(0, top)) out.push(`${String(r.count).padStart(10)} ${String(r.bytes).padStart(12)}  ${r.root}`);
  if (m.notes.length > 0) out.push('', 'notes:', ...m.notes.map((n) => `  ${n}`));
  return out.join('\n') + '\n';
}

export function runHeapCommand(args: HeapArgs, io: { out: (s: string) => void; err: (s: string) => void }): number {
  try {
    const e = openCore(args.core, args.binary !== undefined ? { binary: args.binary } : {});
    try {
      const h = e.heap();
      const json: HeapJson = { ...h.model };
      let pathText = '';
      if (args.path !== undefined) {
        const target = /^0x[0-9a-f]+$/i.test(args.path) ? { address: BigInt(args.path) } : { type: args.path };
        const p = h.path(target) ?? null;
        json.path = { target: args.path, path: p };
        pathText = formatPath(args.path, p);
        const last = p?.steps.at(-1);
        if (last) pathText += formatFields(h.fields(BigInt(last.address)));
      }
      if (args.pprof !== undefined) {
        writeFileSync(args.pprof, heapProfile(h.profileRows()));
        io.err(`go-core: wrote the heap profile ${args.pprof} (go tool pprof -top ${args.pprof})\n`);
      }
      io.out(args.json ? JSON.stringify(json, null, 2) + '\n' : formatHeapText(h.model, args.top) + (pathText ? '\n' + pathText : ''));
      return 0;
    } finally {
      e.close();
    }
  } catch (e) {
    io.err(`go-core: ${formatError(e, 'cli', { oneLine: true })}\n`);
    return 1;
  }
}
