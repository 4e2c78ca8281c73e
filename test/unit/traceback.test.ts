// The traceback parser on small inline cases of rarer syntax; each must print back exactly.
// (Every generated fixture traceback: test/integration/traceback.test.ts.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  crashingGoroutine,
  formatTraceback,
  isRuntimeFunction,
  originFrame,
  parseTraceback,
  type Traceback,
} from '../../src/traceback/parse.js';
import { framesAsTraceback } from '../../src/traceback/format.js';

/** Parse, check the round trip, return the traceback. */
function parse(text: string): Traceback {
  const tb = parseTraceback(text);
  assert.equal(formatTraceback(tb), text);
  return tb;
}

describe('parseTraceback edge syntax', () => {
  it('reads generics, receivers, inlined frames, elided frames and created-by forms', () => {
    const tb = parse(
      [
        'panic: boom [recovered, repanicked]',
        '',
        'goroutine 7 gp=0xc000007dc0 m=nil [chan receive, 12 minutes, locked to thread]:',
        'example.com/x/pkg.Map[...](0xc0000a0000, {0x4b1f20, 0x3})',
        '\t/src/pkg/map.go:12 +0x1f',
        'example.com/x/pkg.(*Cache[go.shape.int]).Get(...)',
        '\t/src/pkg/cache.go:40',
        'main.(*T).M(0x0?, ...)',
        '\t/src/main.go:9 +0x2a fp=0xc000050f80 sp=0xc000050f60 pc=0x47e2aa',
        '...additional frames elided...',
        'created by main.main',
        '\t/src/main.go:20 +0x66',
        '',
        'goroutine 8 [select, 1 minute]:',
        'main.f()',
        '\t/src/main.go:3 +0x1',
        '...5 frames elided...',
        'main.g()',
        '\t/src/main.go:4 +0x2',
        'created by main.main in goroutine 1',
        '\t/src/main.go:21 +0x77',
        'exit status 2',
        '',
      ].join('\n'),
    );
    assert.equal(tb.panics.length, 1);
    assert.equal(tb.panics[0]!.recovered, true);
    assert.equal(tb.panics[0]!.repanicked, true);
    assert.equal(tb.panics[0]!.message.value, 'boom');
    const [g7, g8] = tb.goroutines;
    assert.equal(g7!.id, 7);
    assert.equal(g7!.status, 'chan receive');
    assert.equal(g7!.waitMinutes, 12);
    assert.equal(g7!.lockedToThread, true);
    assert.equal(g7!.m, null);
    assert.equal(g7!.gp, 0xc000007dc0n);
    assert.deepEqual(
      g7!.frames.map((f) => [f.func, f.inlined, f.lineNumber]),
      [
        ['example.com/x/pkg.Map[...]', false, 12],
        ['example.com/x/pkg.(*Cache[go.shape.int]).Get', true, 40],
        ['main.(*T).M', false, 9],
      ],
    );
    assert.equal(g7!.frames[0]!.call.args.value, '0xc0000a0000, {0x4b1f20, 0x3}');
    assert.equal(g7!.frames[0]!.offset, 0x1f);
    assert.equal(g7!.frames[2]!.pc, 0x47e2aan);
    assert.equal(g7!.frames[2]!.sp, 0xc000050f60n);
    assert.equal(g7!.frames[2]!.fp, 0xc000050f80n);
    assert.deepEqual(
      g7!.items.map((x) => x.kind),
      ['frame', 'frame', 'frame', 'elided'],
    );
    assert.equal(g7!.createdBy!.line.func.value, 'main.main');
    assert.equal(g7!.createdBy!.line.goroutine, undefined);
    assert.equal(g7!.createdBy!.location!.lineNumber.value, 20);
    assert.equal(g7!.firstLine, 2);
    assert.equal(g7!.lastLine, 11);
    assert.equal(g8!.waitMinutes, 1);
    assert.equal(g8!.lockedToThread, false);
    assert.equal(g8!.m, undefined);
    assert.equal(g8!.createdBy!.line.goroutine!.value, 1);
    const elided = g8!.items.find((x) => x.kind === 'elided');
    assert.equal(elided?.kind === 'elided' ? elided.line.count?.value : undefined, 5);
    assert.deepEqual(
      tb.others.map((o) => o.text),
      ['exit status 2'],
    );
    assert.equal(tb.lines[tb.lines.length - 1]!.kind, 'blank');
  });

  it('reads nested panics, a signal, runtime stacks, a SIGQUIT section and a register dump', () => {
    const text = [
      'panic: first [recovered]',
      '\tpanic: second',
      'fatal error: unexpected signal during runtime execution',
      '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4011aa]',
      '',
      'runtime stack:',
      'runtime.throw({0x49b801?, 0x419445?})',
      '\t/go/src/runtime/panic.go:1047 +0x5d fp=0x7ffd0 sp=0x7ffa0 pc=0x433b1d',
      '',
      'goroutine 1 [running]:',
      '\tgoroutine running on other thread; stack unavailable',
      '',
      '-----',
      '',
      'SIGQUIT: quit',
      'PC=0x46b0a1 m=3 sigcode=0',
      '',
      'goroutine 0 gp=0xc000102000 m=3 mp=0xc000100008 [idle]:',
      'runtime.futex(0x5a4d50, 0x80, 0x0, 0x0, 0x0, 0x0)',
      '\t/go/src/runtime/sys_linux_amd64.s:557 +0x21 fp=0x7f0 sp=0x7e8 pc=0x46b0a1',
      '',
      'rax    0xca',
      'rbx    0x0',
      'rflags 0x286',
    ].join('\r\n');
    const tb = parse(text);
    assert.deepEqual(
      tb.panics.map((p) => [p.message.value, p.nested, p.recovered, p.repanicked]),
      [
        ['first', false, true, false],
        ['second', true, false, false],
      ],
    );
    assert.equal(tb.kind, 'panic');
    assert.equal(tb.fatalErrors[0]!.message.value, 'unexpected signal during runtime execution');
    assert.equal(tb.signal!.signal.value, 'SIGSEGV');
    assert.equal(tb.signal!.description.value, 'segmentation violation');
    assert.deepEqual(
      tb.signal!.fields.map((f) => [f.key, f.value]),
      [
        ['code', '0x1'],
        ['addr', '0x0'],
        ['pc', '0x4011aa'],
      ],
    );
    assert.equal(tb.runtimeStacks.length, 1);
    assert.equal(tb.runtimeStacks[0]!.frames[0]!.func, 'runtime.throw');
    assert.equal(tb.goroutines.length, 2);
    assert.equal(tb.goroutines[0]!.items[0]!.kind, 'unavailable');
    assert.equal(tb.goroutines[1]!.m, 3);
    assert.equal(tb.goroutines[1]!.mp, 0xc000100008n);
    assert.equal(tb.registerDumps.length, 1);
    const dump = tb.registerDumps[0]!;
    assert.equal(dump.title?.signal.value, 'SIGQUIT');
    assert.deepEqual(
      dump.pcLine?.fields.map((f) => [f.key, f.value]),
      [
        ['PC', '0x46b0a1'],
        ['m', '3'],
        ['sigcode', '0'],
      ],
    );
    assert.deepEqual(
      dump.registers.map((r) => [r.name.value, r.value.value]),
      [
        ['rax', '0xca'],
        ['rbx', '0x0'],
        ['rflags', '0x286'],
      ],
    );
    assert.deepEqual(
      tb.others.map((o) => o.text),
      ['-----'],
    );
    assert.equal(tb.terminators[0], '\r\n');
  });

  it('keeps a block open across an unknown note line', () => {
    const tb = parse(
      [
        'goroutine 1 [syscall]:',
        'runtime.cgocall(0x45d0e0, 0xc000057f38)',
        '\t/go/src/runtime/cgocall.go:157 +0x4b fp=0xc000057f10 sp=0xc000057ed8 pc=0x40634b',
        'signal arrived during cgo execution',
        'main._Cfunc_crash()',
        '\t_cgo_gotypes.go:39 +0x29',
        '',
      ].join('\n'),
    );
    const g = tb.goroutines[0]!;
    assert.deepEqual(
      g.frames.map((f) => [f.func, f.file]),
      [
        ['runtime.cgocall', '/go/src/runtime/cgocall.go'],
        ['main._Cfunc_crash', '_cgo_gotypes.go'],
      ],
    );
    assert.equal(g.lastLine, 5);
    assert.equal(tb.others[0]!.text, 'signal arrived during cgo execution');
  });

  it('finds the origin frame below the runtime panic helpers', () => {
    const tb = parse(
      [
        'panic: runtime error: index out of range [5] with length 3',
        '',
        'goroutine 1 [running]:',
        'panic({0x4940e0?, 0xc00009c000?})',
        '\t/go/src/runtime/panic.go:779 +0x158',
        'runtime.goPanicIndex(0x5, 0x3)',
        '\t/go/src/runtime/panic.go:114 +0x7c',
        'main.pick(...)',
        '\t/src/main.go:11',
        'main.main()',
        '\t/src/main.go:16 +0x9e',
      ].join('\n'),
    );
    const g = crashingGoroutine(tb)!;
    assert.equal(originFrame(g)!.func, 'main.pick');
    assert.equal(originFrame(g)!.inlined, true);
    assert.equal(isRuntimeFunction('internal/runtime/maps.fatal'), true);
    assert.equal(isRuntimeFunction('runtimefoo.x'), false);
  });

  it('reads location lines exactly as printed, and keeps look-alikes as other lines', () => {
    const text = [
      'goroutine 1 [running]:',
      'main.a()',
      '\t/x:y/a.go:12 +0x1f',
      'main.b()',
      '\t/src/b.go:7 +0x1F',
      'main.c()',
      '\t/src/c.go:8 pc=0x4 sp=0x3',
      'main.d()',
      '\t/src/d.go:9 ',
      'main.e()',
      ' \t/src/e.go:10 fp=0x1 sp=0x2 pc=0x3',
      'main.f()',
      '\t:11',
      '',
    ].join('\n');
    const tb = parse(text);
    assert.deepEqual(
      tb.lines.map((l) => l.kind),
      [
        'goroutine',
        'call',
        'location',
        'call',
        'other',
        'call',
        'other',
        'call',
        'other',
        'call',
        'location',
        'call',
        'other',
        'blank',
      ],
    );
    const [a, , , , e] = tb.goroutines[0]!.frames;
    assert.deepEqual([a!.file, a!.lineNumber, a!.offset], ['/x:y/a.go', 12, 0x1f]);
    assert.deepEqual(
      [e!.file, e!.lineNumber, e!.offset, e!.fp, e!.sp, e!.pc],
      ['/src/e.go', 10, undefined, 1n, 2n, 3n],
    );
    assert.equal(e!.location!.indent, ' \t');
    assert.equal(tb.goroutines[0]!.frames.filter((f) => f.location).length, 2);
  });

  it('keeps anything else as other lines and never throws', () => {
    for (const text of [
      '',
      '\n',
      'hello\nworld',
      'goroutine x [running]:',
      'goroutine 1 [running]:\n((((\n)))\n\tno location\n',
      'panic: ' + 'x'.repeat(200000),
      'goroutine 1 [running]:\nmain.f(' + '('.repeat(100000) + ')\n',
      '[signal SIGSEGV: x code=0x1 addr=zz]',
    ]) {
      const tb = parse(text);
      assert.equal(tb.lines.length, text.split('\n').length);
    }
    assert.equal(parse('').kind, 'unknown');
  });
});

describe('framesAsTraceback', () => {
  it('prints frames as the runtime does, so that the parser reads them back', () => {
    const text = framesAsTraceback(
      [
        { function: 'main.pick', file: '/src/main.go', line: 12, inlined: true, offset: '0x1d' },
        { function: 'main.main', file: '/src/main.go', line: 20, inlined: false, offset: '0x1d' },
        { function: 'runtime.goexit', file: '', line: 0, inlined: false, offset: '0x1' },
      ],
      'goroutine 1 [running]:',
    );
    assert.equal(
      text,
      'goroutine 1 [running]:\nmain.pick(...)\n\t/src/main.go:12\nmain.main()\n\t/src/main.go:20 +0x1d\nruntime.goexit()\n\t? +0x1\n',
    );
    const frames = parse(text.replace('\t? +0x1\n', '\t/src/asm.s:1700 +0x1\n')).goroutines[0]!.frames;
    assert.deepEqual(
      frames.map((f) => [f.func, f.file, f.lineNumber, f.inlined, f.offset]),
      [
        ['main.pick', '/src/main.go', 12, true, undefined],
        ['main.main', '/src/main.go', 20, false, 0x1d],
        ['runtime.goexit', '/src/asm.s', 1700, false, 0x1],
      ],
    );
  });
});

it('a fault outside Go code (Go 1.21+ header: SIGSEGV + PC= line) is a signal crash', () => {
  // The shape the runtime prints for a fault in C code or on g0 (FIELD_NOTES; cgo-* fixtures).
  const text = [
    'SIGSEGV: segmentation violation',
    'PC=0x493bd8 m=0 sigcode=1 addr=0x10',
    'signal arrived during cgo execution',
    '',
    'goroutine 1 gp=0xc000002380 m=0 mp=0x5677c0 [syscall]:',
    'runtime.cgocall(0x493c00, 0xc000052ee0)',
    '\t/usr/lib/go/src/runtime/cgocall.go:167 +0x4b fp=0xc000052eb8 sp=0xc000052e80 pc=0x4679cb',
    '',
  ].join('\n');
  const tb = parseTraceback(text);
  assert.equal(tb.kind, 'signal');
  assert.equal(tb.registerDumps[0]?.pcLine?.fields.find((f) => f.key === 'addr')?.value, '0x10');
  // Output that merely contains such lines after the goroutines is not the crash header.
  assert.equal(parseTraceback(['goroutine 1 [running]:', 'main.main()', '\t/x.go:1 +0x1', '', 'SIGSEGV: segmentation violation', 'PC=0x1 m=0'].join('\n')).kind, 'unknown');
});
