// Parsers of the compiler's -S listing and GOSSAFUNC genssa dump, the alignment between them, the
// masked byte comparison and the rebuild flag logic, on excerpts captured from real builds
// (test/fixtures/ssa: go1.19 / go1.24 / go1.27 builds of test/fixtures/programs/{index,nilptr-goroutine}).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { alignGenssa } from '../../src/ssa/align.js';
import { patternMatches, rebuildFlags, splitPerPackageFlag } from '../../src/ssa/buildFlags.js';
import { htmlText, parseGenssaHtml, parseValueText } from '../../src/ssa/genssa.js';
import { findListingFunction, instructionAt, parseListing } from '../../src/ssa/listing.js';
import { packageOfSymbol } from '../../src/ssa/rebuild.js';
import { goMinor, toolchainCandidates } from '../../src/ssa/toolchain.js';
import { verifyCode, verifyPositions } from '../../src/ssa/verify.js';

const dir = join(__dirname, '..', 'fixtures', 'ssa');
const read = (f: string): string => readFileSync(join(dir, f), 'utf8');

test('listing go1.19: numeric relocation types, object code, positions', () => {
  const fns = parseListing(read('listing-idx-go1.19.txt'));
  assert.deepEqual(
    fns.map((f) => f.name),
    ['main.pick', 'main.main'],
  );
  const main = findListingFunction(fns, 'main.main')!;
  assert.equal(main.size, 185);
  assert.equal(main.code.length, 185);
  assert.equal(main.code.subarray(0, 4).toString('hex'), '493b6610'); // CMPQ SP, 16(R14)
  const calls = main.relocs.filter((r) => r.type === 'R_CALL').map((r) => `${r.symbol}@${r.offset}`);
  assert.deepEqual(calls, [
    'runtime.convT64@97',
    'fmt.Fprintln@146',
    'runtime.panicIndex@170',
    'runtime.morestack_noctxt@176',
  ]);
  assert.ok(
    main.relocs.some((r) => r.type === 'R_PCREL' && r.symbol === 'os.Args' && r.addend === 8 && r.offset === 66),
  );
  assert.ok(main.relocs.some((r) => r.type === 'R_USEIFACE' && r.size === 0));
  // <unknown line number>
  const nop = main.instructions.find((i) => i.op === 'NOP' && i.line === undefined);
  assert.ok(nop);
  // the return address after CALL runtime.panicIndex is 174; pc-1 falls inside the CALL
  assert.equal(instructionAt(main, 173)!.text, 'CALL runtime.panicIndex(SB)');
  assert.equal(instructionAt(main, 169)!.offset, 169);
  // zero-length pseudo-instructions never answer
  assert.equal(instructionAt(main, 0)!.op, 'CMPQ');
  const cmp = main.instructions.find((i) => i.op === 'CMPQ' && i.text === 'CMPQ DX, $3')!;
  assert.equal(cmp.file, '/src/idx/main.go');
  assert.equal(cmp.line, 11);
});

test('listing go1.27: named relocation types, align= first in the header', () => {
  const fns = parseListing(read('listing-idx-go1.27.txt'));
  const main = findListingFunction(fns, 'main.main')!;
  assert.equal(main.code.length, main.size);
  assert.ok(main.relocs.some((r) => r.type === 'R_CALL' && r.symbol === 'runtime.panicBounds'));
  assert.deepEqual(fns.find((f) => f.name === 'main.pick')!.flags, ['nosplit']);
});

test('listing: symbols with spaces, out-of-function lines, CRLF', () => {
  const text = [
    '# x',
    'main.f STEXT size=5 args=0x0 locals=0x0 funcid=0x0 align=0x0',
    '\t0x0000 00000 (x.go:3)\tTEXT\tmain.f(SB), ABIInternal, $0-0',
    '\t0x0000 00000 (x.go:4)\tMOVQ\t$1, AX\r',
    '\t0x0000 48 c7 c0 01 c3                                   H....',
    '\trel 0+0 t=R_USETYPE type:[]interface {}+0',
    '\trel 1+4 t=R_PCREL type:struct { a int }-8',
    'go:info.x SDWARFINFO size=4',
    '\t0x0000 01 02 03 04                                      ....',
  ].join('\n');
  const [f, ...rest] = parseListing(text);
  assert.equal(rest.length, 0);
  assert.equal(f!.code.toString('hex'), '48c7c001c3');
  assert.equal(f!.instructions[1]!.text, 'MOVQ $1, AX');
  assert.deepEqual(
    f!.relocs.map((r) => [r.symbol, r.addend]),
    [
      ['type:[]interface {}', 0],
      ['type:struct { a int }', -8],
    ],
  );
  assert.deepEqual(parseListing('garbage\n\t\x00\x01\nmain.g STEXT size=notanumber'), []);
});

test('genssa go1.19: rows, values of the last pass, the panic call', () => {
  const g = parseGenssaHtml(read('genssa-idx-go1.19.html'));
  assert.equal(g.function, 'main.main');
  assert.equal(g.lastPass, 'loop-rotate--+--stackframe--+--trim');
  const call = g.rows.find((r) => r.text === 'CALL runtime.panicIndex(SB)')!;
  assert.equal(call.value, 'v41');
  assert.equal(call.line, 11);
  assert.equal(call.file, '/src/idx/main.go');
  const v = g.values.get('v41')!;
  assert.equal(v.op, 'LoweredPanicBoundsC');
  assert.deepEqual(v.args, ['v29', 'v28', 'v44']);
  assert.equal(v.type, 'mem');
  // a row from an inlined standard-library function keeps its own file
  assert.equal(g.rows.find((r) => r.text === 'CALL fmt.Fprintln(SB)')!.file, '$GOROOT/src/fmt/print.go');
  // branch rows name their block
  assert.match(g.rows.find((r) => r.op === 'JCC')!.value!, /^b\d+$/);
  assert.equal(g.rows[g.rows.length - 1]!.op, 'END');
});

test('genssa go1.27: runtime.panicBounds, aux in brackets, comment rows', () => {
  const g = parseGenssaHtml(read('genssa-idx-go1.27.html'));
  const call = g.rows.find((r) => r.op === 'CALL')!;
  assert.equal(call.text, 'CALL runtime.panicBounds(SB)');
  const v = g.values.get(call.value!)!;
  assert.equal(v.op, 'LoweredPanicBoundsRC');
  assert.equal(v.aux, '[auxtype=21 AuxInt=0 Aux={3}]');
  assert.ok(!g.rows.some((r) => r.text.startsWith('live at')));
  assert.equal(g.rows.find((r) => r.op === 'TEXT')!.file, '/src/idx/main.go');
});

test('genssa go1.24 nil dereference: MOVQload with its register', () => {
  const g = parseGenssaHtml(read('genssa-nilp-go1.24.html'));
  const row = g.rows.find((r) => r.text === 'MOVQ 16(AX), AX')!;
  const v = g.values.get(row.value!)!;
  assert.equal(v.op, 'MOVQload');
  assert.equal(v.aux, '[16]');
  assert.equal(v.reg, 'AX');
  assert.equal(v.line, 19);
});

test('genssa: value text edge cases and entities', () => {
  assert.equal(htmlText('a &lt;b&gt; &amp; &#34;c&#x22; &bogus;'), 'a <b> & "c" &bogus;');
  const v = parseValueText('v7 (?) = StructMake2 <struct { a int; b string }> {x} [3] v1 v2 : <> (s[struct])', 'b1')!;
  assert.equal(v.type, 'struct { a int; b string }');
  assert.deepEqual(v.args, ['v1', 'v2']);
  assert.equal(v.aux, '{x} [3]');
  assert.equal(v.line, undefined);
  assert.equal(parseValueText('not a value', 'b1'), undefined);
  assert.throws(() => parseGenssaHtml('<html>no columns</html>', 'x.html'), /no genssa column/);
});

test('align: every genssa row finds its instruction on 1.19, 1.24, 1.27', () => {
  for (const [l, h, fn] of [
    ['listing-idx-go1.19.txt', 'genssa-idx-go1.19.html', 'main.main'],
    ['listing-idx-go1.27.txt', 'genssa-idx-go1.27.html', 'main.main'],
    ['listing-nilp-go1.24.txt', 'genssa-nilp-go1.24.html', 'main.balanceOf'],
  ] as const) {
    const f = findListingFunction(parseListing(read(l)), fn)!;
    const g = parseGenssaHtml(read(h));
    const a = alignGenssa(g.rows, f.instructions);
    assert.equal(a.coverage, 1, l);
    // the assembler's prologue has no SSA value
    if (l.includes('1.19')) assert.equal(a.rowOfInstruction[1], -1);
    const k = f.instructions.findIndex((i) => i.op === 'CALL' && /panic/.test(i.text));
    if (k >= 0) assert.match(g.rows[a.rowOfInstruction[k]!]!.text, /^CALL runtime\.panic/);
  }
});

test('verify: masked comparison, padding, call targets, positions', () => {
  const f = findListingFunction(parseListing(read('listing-idx-go1.19.txt')), 'main.main')!;
  const entry = 0x480000n;
  // the "binary": object code with relocated fields filled in, then INT3 padding
  const bin = Buffer.concat([Buffer.from(f.code), Buffer.alloc(7, 0xcc)]);
  const targets = new Map<string, bigint>([
    ['runtime.convT64', 0x401000n],
    ['fmt.Fprintln', 0x402000n],
    ['runtime.panicIndex', 0x403000n],
    ['runtime.morestack_noctxt', 0x404000n],
  ]);
  for (const r of f.relocs) {
    if (r.size !== 4) continue;
    const t = targets.get(r.symbol) ?? 0x500000n;
    bin.writeInt32LE(Number(t - (entry + BigInt(r.offset + 4))), r.offset);
  }
  const resolve = (a: bigint): { name: string; entry: bigint } | undefined => {
    for (const [name, e] of targets) if (a >= e && a < e + 0x100n) return { name, entry: e };
    return undefined;
  };
  const ok = verifyCode(f, bin, entry, resolve);
  assert.equal(ok.verified, true, ok.reason);
  assert.equal(ok.checkedCalls, 4);

  const changed = Buffer.from(bin);
  changed[0x20] ^= 1;
  const bad = verifyCode(f, changed, entry, resolve);
  assert.equal(bad.verified, false);
  assert.equal(bad.firstDiff, 0x20);

  const wrongCall = Buffer.from(bin);
  wrongCall.writeInt32LE(Number(0x402000n - (entry + 174n)), 170); // panicIndex call → fmt.Fprintln
  const wc = verifyCode(f, wrongCall, entry, resolve);
  assert.equal(wc.verified, false);
  assert.match(wc.reason, /fmt\.Fprintln/);

  assert.equal(verifyCode(f, bin.subarray(0, 100), entry, resolve).verified, false);
  const longer = Buffer.concat([bin, Buffer.from([0x48, 0x89])]);
  longer[185] = 0x48;
  assert.equal(verifyCode(f, longer, entry, resolve).verified, false);

  const pos = (a: bigint) => {
    const off = Number(a - entry);
    const i = [...f.instructions].reverse().find((x) => x.offset === off);
    return i?.line !== undefined && i.file
      ? { file: `/elsewhere/${i.file.split('/').pop()}`, line: i.line }
      : undefined;
  };
  assert.equal(verifyPositions(f, entry, pos).verified, true);
  const shifted = verifyPositions(f, entry, (a) => {
    const p = pos(a);
    return p ? { ...p, line: p.line + 1 } : undefined;
  });
  assert.equal(shifted.verified, false);
  assert.match(shifted.reason, /source lines moved/);
});

test('build flags: recorded settings, per-package gcflags, pattern matching', () => {
  assert.deepEqual(splitPerPackageFlag('all=-N -l'), { pattern: 'all', flags: '-N -l' });
  assert.deepEqual(splitPerPackageFlag('-N -l'), { flags: '-N -l' });
  assert.ok(patternMatches(undefined, 'example.com/a', 'example.com/a'));
  assert.ok(!patternMatches(undefined, 'example.com/a/b', 'example.com/a'));
  assert.ok(patternMatches('example.com/a/...', 'example.com/a', 'example.com/a'));
  assert.ok(patternMatches('./...', 'example.com/a/internal/x', 'example.com/a'));
  assert.ok(patternMatches('std', 'runtime', 'example.com/a'));
  assert.ok(!patternMatches('std', 'example.com/a', 'example.com/a'));

  const f = rebuildFlags(
    [
      { key: '-buildmode', value: 'pie' },
      { key: '-compiler', value: 'gc' },
      { key: '-gcflags', value: 'all=-N -l' },
      { key: '-ldflags', value: '-s -w' },
      { key: '-tags', value: 'netgo,osusergo' },
      { key: '-trimpath', value: 'true' },
      { key: 'CGO_ENABLED', value: '0' },
      { key: 'GOAMD64', value: 'v3' },
      { key: 'vcs.revision', value: 'abc' },
    ],
    'example.com/a',
    'example.com/a',
    '-S',
  );
  assert.deepEqual(f.args, [
    '-buildmode=pie',
    '-tags=netgo,osusergo',
    '-trimpath',
    '-gcflags=all=-N -l',
    '-gcflags=example.com/a=-N -l -S',
  ]);
  assert.deepEqual(f.env, { CGO_ENABLED: '0', GOAMD64: 'v3' });
  assert.ok(f.ignored.some((s) => s.startsWith('-ldflags')));
  // a recorded pattern that does not cover the target package: only our flags for it
  const g = rebuildFlags([{ key: '-gcflags', value: 'example.com/other=-N' }], 'example.com/a', 'example.com/a', '-S');
  assert.deepEqual(g.args, ['-gcflags=example.com/other=-N', '-gcflags=example.com/a=-S']);
});

test('symbols, versions and toolchain candidates', () => {
  assert.equal(packageOfSymbol('main.main'), 'main');
  assert.equal(packageOfSymbol('example.com/a/b.(*T).M'), 'example.com/a/b');
  assert.equal(packageOfSymbol('example.com/a.F[go.shape.int]'), 'example.com/a');
  assert.equal(packageOfSymbol('gopkg.in/yaml%2ev3.Unmarshal'), 'gopkg.in/yaml.v3');
  assert.equal(goMinor('go1.22.12'), '1.22');
  assert.equal(goMinor('go1.21rc2'), '1.21');
  assert.equal(goMinor('devel +abc'), undefined);
  const c = toolchainCandidates('go1.22.12', {
    goroots: { 'go1.22.12': '/opt/go122' },
    env: { PATH: '/usr/bin:/bin', HOME: '/home/u', GO_CORE_INSPECTOR_CACHE: '/c' },
    cacheDir: '/c',
  });
  assert.deepEqual(
    c.map((x) => x.path),
    [
      '/opt/go122/bin/go',
      '/usr/bin/go',
      '/bin/go',
      '/home/u/sdk/go1.22.12/bin/go',
      '/c/toolchains/go1.22/root/usr/lib/go-1.22/bin/go',
    ],
  );
  // Without GO_CORE_INSPECTOR_CACHE the development cache is not a candidate.
  const shipped = toolchainCandidates('go1.22.12', { env: { PATH: '', HOME: '/home/u' }, cacheDir: '/c' });
  assert.deepEqual(
    shipped.map((x) => x.source),
    ['sdk'],
  );
});

test('verify on arm64: BL and ADRP+LDR immediates are the only bits masked; BL targets are checked', () => {
  // go1.24 GOARCH=arm64 build of test/fixtures/programs/index: ADRP+LDR of os.Args at 24, BL
  // runtime.panicIndex at 44, BL runtime.morestack_noctxt at 56.
  const f = findListingFunction(parseListing(read('listing-idx-arm64-go1.24.txt')), 'main.main')!;
  assert.deepEqual(
    f.relocs.filter((r) => r.size > 0).map((r) => `${r.offset}+${r.size} ${r.type} ${r.symbol}`),
    ['24+8 R_ARM64_PCREL_LDST64 os.Args', '44+4 R_CALLARM64 runtime.panicIndex', '56+4 R_CALLARM64 runtime.morestack_noctxt'],
  );
  const entry = 0x88ba0n;
  const targets = new Map<string, bigint>([
    ['runtime.panicIndex', 0x7e150n],
    ['runtime.morestack_noctxt', 0x7ac40n],
  ]);
  const resolve = (a: bigint): { name: string; entry: bigint } | undefined => {
    for (const [name, e] of targets) if (a >= e && a < e + 0x100n) return { name, entry: e };
    return undefined;
  };
  const bl = (buf: Buffer, at: number, target: bigint) => {
    const words = Number((target - (entry + BigInt(at))) / 4n);
    buf.writeUInt32LE(((buf.readUInt32LE(at) & 0xfc000000) | (words & 0x03ffffff)) >>> 0, at);
  };
  // The binary: the linker's immediates filled in (ADRP page 0x17f, LDR offset 3960/8).
  const bin = Buffer.from(f.code);
  bl(bin, 44, 0x7e150n);
  bl(bin, 56, 0x7ac40n);
  bin.writeUInt32LE((bin.readUInt32LE(24) | (1 << 29) | (0x5f << 5)) >>> 0, 24);
  bin.writeUInt32LE((bin.readUInt32LE(28) | ((3960 / 8) << 10)) >>> 0, 28);
  const ok = verifyCode(f, bin, entry, resolve);
  assert.equal(ok.verified, true, ok.reason);
  assert.equal(ok.checkedCalls, 2);

  // The ADRP's destination register is not a relocated bit: a difference there is found.
  const reg = Buffer.from(bin);
  reg[24]! ^= 1;
  assert.equal(verifyCode(f, reg, entry, resolve).firstDiff, 24);
  // Nor is BL's opcode (a B instead of a BL).
  const b = Buffer.from(bin);
  b[47]! &= 0x7f;
  assert.equal(verifyCode(f, b, entry, resolve).verified, false);
  // A BL that lands elsewhere.
  const wrong = Buffer.from(bin);
  bl(wrong, 44, 0x7ac40n);
  const wc = verifyCode(f, wrong, entry, resolve);
  assert.equal(wc.verified, false);
  assert.match(wc.reason, /call at offset 44 goes to runtime\.morestack_noctxt/);
});
