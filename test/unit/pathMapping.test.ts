import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import { isWithin } from '../../src/core/paths.js';
import {
  SourcePathMapper,
  declaredFunction,
  goModModulePath,
  plausibleSource,
  isUncLike,
  sourceRoots,
} from '../../src/analysis/pathMapping.js';

const files = new Set(['/ws/app/main.go', '/ws/app/go.mod', '/ws/app/internal/x/x.go', '/src/real.go', '/other/lib/y.go']);
const exists = (p: string) => files.has(p);

test('go.mod module path', () => {
  assert.equal(goModModulePath('// c\nmodule example.com/app\n\ngo 1.22\n'), 'example.com/app');
  assert.equal(goModModulePath('module "example.com/q"\n'), 'example.com/q');
  assert.equal(goModModulePath('go 1.22\n'), undefined);
});

test('substitutePath wins, longest prefix first', () => {
  const m = new SourcePathMapper({
    exists,
    substitutePath: [
      { from: '/nowhere', to: '/build' },
      { from: '/ws/app', to: '/build/src' },
    ],
  });
  assert.deepEqual(m.map('/build/src/main.go'), { path: '/ws/app/main.go', by: 'substitutePath' });
});

test('existing absolute paths map to themselves', () => {
  assert.deepEqual(new SourcePathMapper({ exists }).map('/src/real.go'), { path: '/src/real.go', by: 'identity' });
});

test('trimpath module paths map through the main module', () => {
  const m = new SourcePathMapper({ exists, workspaceFolders: ['/ws/app'], mainModule: 'example.com/app' });
  assert.deepEqual(m.map('example.com/app/internal/x/x.go'), { path: '/ws/app/internal/x/x.go', by: 'module' });
  assert.equal(m.map('example.com/application/main.go')?.by, 'suffix');
});

test('longest existing suffix under a workspace folder', () => {
  const m = new SourcePathMapper({ exists, workspaceFolders: ['/ws/app'] });
  assert.deepEqual(m.map('/home/ci/build/internal/x/x.go'), { path: '/ws/app/internal/x/x.go', by: 'suffix' });
  assert.equal(m.map('/home/ci/none.go'), undefined);
});

test('inside the workspace, an existing path maps to itself; outside, only when nothing inside matches', () => {
  const m = new SourcePathMapper({ exists, workspaceFolders: ['/ws/app'] });
  assert.deepEqual(m.map('/ws/app/main.go'), { path: '/ws/app/main.go', by: 'identity' });
  assert.deepEqual(m.map('/src/real.go'), { path: '/src/real.go', by: 'identity' });
});

test('a workspace copy wins over the same file outside the workspace', () => {
  const both = new Set([...files, '/cache/build/main.go']);
  const m = new SourcePathMapper({ exists: (p) => both.has(p), workspaceFolders: ['/ws/app'] });
  assert.deepEqual(m.map('/cache/build/main.go'), { path: '/ws/app/main.go', by: 'suffix' });
});

test('"inside the workspace" folds .. and never matches by string prefix', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { SourcePathMapper } = await import('../../src/analysis/pathMapping.js');
  const root = mkdtempSync(join(tmpdir(), 'gci-map-'));
  mkdirSync(join(root, 'ws'));
  mkdirSync(join(root, 'ws-other'));
  writeFileSync(join(root, 'ws-other', 'main.go'), 'package main\n');
  writeFileSync(join(root, 'ws', 'go.mod'), 'module example.com/m\n');
  const m = new SourcePathMapper({ workspaceFolders: [join(root, 'ws')], mainModule: 'example.com/m' });
  // A recorded path that only looks inside the workspace: mapped as itself, not as a workspace file.
  const got = m.map(`${join(root, 'ws')}/../ws-other/main.go`);
  assert.notEqual(got?.by, 'module');
  // A module-relative path with .. does not leave the module's folder.
  assert.equal(m.map('example.com/m/../../ws-other/main.go'), undefined);
});

// Crash-log links (the language server passes allowedRoots): only the workspace folders, the module
// cache and GOROOTs; UNC-like paths are never even checked.
test('with allowedRoots, paths outside the roots and UNC paths are neither checked nor returned', () => {
  const present = new Set([
    '/ws/app/main.go',
    '/gomod/example.com/lib@v1.0.0/lib.go',
    '/goroot/src/runtime/panic.go',
    '/etc/secret.go',
    '//host/share/app/main.go',
    '/host/share/app/main.go',
  ]);
  const checked: string[] = [];
  const m = new SourcePathMapper({
    exists: (p) => {
      checked.push(p);
      return present.has(p);
    },
    realpath: (p) => p,
    workspaceFolders: ['/ws/app'],
    allowedRoots: ['/ws/app', '/gomod', '/goroot', '//host/share'],
  });
  assert.deepEqual(m.map('/ws/app/main.go'), { path: '/ws/app/main.go', by: 'identity' });
  assert.deepEqual(m.map('/gomod/example.com/lib@v1.0.0/lib.go'), {
    path: '/gomod/example.com/lib@v1.0.0/lib.go',
    by: 'identity',
  });
  assert.deepEqual(m.map('/goroot/src/runtime/panic.go'), { path: '/goroot/src/runtime/panic.go', by: 'identity' });
  assert.equal(m.map('/etc/secret.go'), undefined);
  assert.equal(m.map('/goroot/../etc/secret.go'), undefined);
  assert.equal(m.map('/gomodx/a.go'), undefined);
  for (const unc of ['//host/share/app/x.go', '\\\\host\\share\\app\\x.go', '\\\\?\\C:\\x.go', '//host/share/app/main.go']) {
    const r = m.map(unc);
    // The suffix search may still find the workspace copy (`app/main.go` → /ws/app/main.go), never the share.
    assert.ok(r === undefined || r.path.startsWith('/ws/app/'), `${unc} → ${r?.path}`);
  }
  assert.deepEqual(
    checked.filter((p) => !p.startsWith('/ws/app/') && !p.startsWith('/gomod/') && !p.startsWith('/goroot/')),
    [],
    'paths outside the roots were checked',
  );
});

test('with allowedRoots, substitutePath into a directory outside the roots gives nothing', () => {
  const m = new SourcePathMapper({
    exists: (p) => p === '/checkout/main.go' || p === '//srv/x/main.go',
    realpath: (p) => p,
    substitutePath: [
      { from: '/checkout', to: '/build' },
      { from: '//srv/x', to: '/build2' },
    ],
    allowedRoots: ['/ws'],
  });
  assert.equal(m.map('/build/main.go'), undefined);
  assert.equal(m.map('/build2/main.go'), undefined);
  const trusted = new SourcePathMapper({
    exists: (p) => p === '/checkout/main.go',
    realpath: (p) => p,
    substitutePath: [{ from: '/checkout', to: '/build' }],
    allowedRoots: ['/ws', '/checkout'],
  });
  assert.deepEqual(trusted.map('/build/main.go'), { path: '/checkout/main.go', by: 'substitutePath' });
});

test('with allowedRoots, a link inside a root that leads out of it is refused (real files)', () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'gci-roots-')));
  try {
    mkdirSync(join(base, 'ws'));
    mkdirSync(join(base, 'out'));
    writeFileSync(join(base, 'ws', 'main.go'), 'package main\n');
    writeFileSync(join(base, 'out', 'secret.go'), 'package x\n');
    symlinkSync(join(base, 'out', 'secret.go'), join(base, 'ws', 'leak.go'));
    const m = new SourcePathMapper({ workspaceFolders: [join(base, 'ws')], allowedRoots: [join(base, 'ws')] });
    assert.deepEqual(m.map(join(base, 'ws', 'main.go')), { path: join(base, 'ws', 'main.go'), by: 'identity' });
    assert.equal(m.map(join(base, 'ws', 'leak.go')), undefined);
    assert.equal(m.map(join(base, 'out', 'secret.go')), undefined);
    // A GOROOT laid out as Debian's (src/ is a link to /usr/share/go-1.N/src) keeps its links.
    mkdirSync(join(base, 'share', 'go-1.99', 'src', 'runtime'), { recursive: true });
    mkdirSync(join(base, 'lib', 'go-1.99'), { recursive: true });
    writeFileSync(join(base, 'share', 'go-1.99', 'src', 'runtime', 'panic.go'), 'package runtime\n');
    symlinkSync('../../share/go-1.99/src', join(base, 'lib', 'go-1.99', 'src'));
    const g = new SourcePathMapper({
      workspaceFolders: [join(base, 'ws')],
      allowedRoots: [join(base, 'ws'), join(base, 'lib', 'go-1.99')],
    });
    const panicGo = join(base, 'lib', 'go-1.99', 'src', 'runtime', 'panic.go');
    assert.deepEqual(g.map(panicGo), { path: panicGo, by: 'identity' });
    assert.equal(g.map(join(base, 'ws', 'leak.go')), undefined);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('isUncLike and isWithin', () => {
  for (const p of ['//host/share', '\\\\host\\share\\a.go', '\\\\?\\C:\\a.go', '\\\\.\\pipe\\x', '/\\host\\x'])
    assert.ok(isUncLike(p), p);
  for (const p of ['/home/u/a.go', 'C:\\a.go', 'C:/a.go', 'a/b.go']) assert.ok(!isUncLike(p), p);
  assert.ok(isWithin('/a/b', '/a/b/c.go'));
  assert.ok(!isWithin('/a/b', '/a/bc/c.go'));
  assert.ok(!isWithin('/a/b', '/a'));
});

test('sourceRoots: workspace, GOMODCACHE or GOPATH/pkg/mod or ~/go/pkg/mod, GOROOT, given GOROOTs; no UNC', () => {
  const none = { PATH: '' };
  assert.deepEqual(sourceRoots({ workspaceFolders: ['/ws'], env: { ...none, GOMODCACHE: '/mc', GOPATH: '/gp' } }), [
    '/ws',
    '/mc',
  ]);
  assert.deepEqual(sourceRoots({ workspaceFolders: [], env: { ...none, GOPATH: `/gp1${delimiter}/gp2` } }), [
    '/gp1/pkg/mod',
    '/gp2/pkg/mod',
  ]);
  assert.deepEqual(
    sourceRoots({ workspaceFolders: ['/ws'], goroots: ['/opt/go', '//host/go'], env: { ...none, GOROOT: '/usr/lib/go' }, home: '/h' }),
    ['/ws', '/opt/go', '/h/go/pkg/mod', '/usr/lib/go'],
  );
});

test('sourceRoots: the GOROOT of the go on PATH, found through its link (nothing is run)', () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'gci-goroot-')));
  try {
    mkdirSync(join(base, 'lib', 'go-1.99', 'bin'), { recursive: true });
    mkdirSync(join(base, 'bin'));
    // Not executable, and never run: only its place tells the GOROOT.
    writeFileSync(join(base, 'lib', 'go-1.99', 'bin', 'go'), '');
    symlinkSync(join(base, 'lib', 'go-1.99', 'bin', 'go'), join(base, 'bin', 'go'));
    const roots = sourceRoots({ workspaceFolders: [], env: { PATH: join(base, 'bin'), GOMODCACHE: '/mc' } });
    assert.deepEqual(roots, ['/mc', join(base, 'lib', 'go-1.99')]);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

// By module and by content (issue 16, item 5): real files in a temporary workspace.
function workspaceOf(files: Record<string, string>): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'gci-map-')));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

const PICK = 'package main\n\nfunc pick(xs []int, i int) int { return xs[i] }\n\nfunc main() {\n\tprintln(pick(nil, 1))\n}\n';

test('declaredFunction: functions, methods (pointer and value receivers), closures, generics', () => {
  assert.deepEqual(declaredFunction('main.pick'), { name: 'pick' });
  assert.deepEqual(declaredFunction('example.com/a/pkg.(*T).M'), { name: 'M', receiver: 'T' });
  assert.deepEqual(declaredFunction('example.com/a/pkg.T.M'), { name: 'M', receiver: 'T' });
  assert.deepEqual(declaredFunction('main.main.func1'), { name: 'main' });
  assert.deepEqual(declaredFunction('main.(*worker).run.func2'), { name: 'run', receiver: 'worker' });
  assert.deepEqual(declaredFunction('main.Map[...]'), { name: 'Map' });
  assert.equal(declaredFunction('main.glob..func1'), undefined);
  assert.equal(declaredFunction('main.init.func1'), undefined);
});

test('plausibleSource: the function is declared at or above the line, and the line is in its body', () => {
  assert.equal(plausibleSource(PICK, 3, 'main.pick'), true);
  assert.equal(plausibleSource(PICK, 6, 'main.main'), true);
  assert.equal(plausibleSource(PICK, 7, 'main.main'), true, 'the closing brace of the function');
  assert.equal(plausibleSource(PICK, 6, 'main.pick'), false, 'line 6 lies in main, not in pick');
  assert.equal(plausibleSource(PICK, 40, 'main.main'), false, 'beyond the end of the file');
  assert.equal(plausibleSource(PICK, 2, 'main.pick'), false, 'above the declaration');
  const method = 'package main\n\ntype w struct{}\n\nfunc (x *w) run() {\n\tgo func() {\n\t\tpanic(1)\n\t}()\n}\n';
  assert.equal(plausibleSource(method, 7, 'main.(*w).run.func1'), true);
  assert.equal(plausibleSource(method, 7, 'main.(*v).run.func1'), false, 'another receiver');
  assert.equal(plausibleSource('TEXT ·f(SB)\n', 1, 'main.f', 'f_amd64.s'), true, 'assembly is not checked');
});

test('a file of another module is not the crash\'s source, even with the same name and line', () => {
  const ws = workspaceOf({ 'go.mod': 'module example.com/other\n', 'main.go': PICK });
  try {
    const m = new SourcePathMapper({ workspaceFolders: [ws], mainModule: 'example.com/app' });
    assert.equal(m.map('/build/app/main.go'), undefined);
    const why = m.explainFrame({ file: '/build/app/main.go', line: 3, function: 'main.pick' });
    assert.equal(why.found, undefined);
    assert.match(why.rejected[0]?.why ?? '', /module example\.com\/other/);
    // Without a known main module (a crash log with no binary) the suffix guess stands.
    assert.equal(new SourcePathMapper({ workspaceFolders: [ws] }).map('/build/app/main.go')?.path, join(ws, 'main.go'));
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('two modules in subfolders: each binary gets the files of its own module', () => {
  const ws = workspaceOf({
    'a/go.mod': 'module example.com/a\n',
    'a/main.go': PICK,
    'b/go.mod': 'module example.com/b\n',
    'b/main.go': PICK,
    'b/lib/go.mod': 'module example.com/lib\n',
    'b/lib/lib.go': 'package lib\n\nfunc F() {\n\tpanic(1)\n}\n',
  });
  try {
    const a = new SourcePathMapper({ workspaceFolders: [ws], mainModule: 'example.com/a' });
    const b = new SourcePathMapper({ workspaceFolders: [ws], mainModule: 'example.com/b', dependencies: ['example.com/lib'] });
    assert.equal(a.mapFrame({ file: '/build/src/main.go', line: 3, function: 'main.pick' })?.path, join(ws, 'a', 'main.go'));
    assert.equal(b.mapFrame({ file: '/build/src/main.go', line: 3, function: 'main.pick' })?.path, join(ws, 'b', 'main.go'));
    assert.deepEqual(b.map('example.com/b/main.go'), { path: join(ws, 'b', 'main.go'), by: 'module' });
    assert.equal(b.mapFrame({ file: 'example.com/lib@v1.0.0/lib.go', line: 4, function: 'example.com/lib.F' })?.path, join(ws, 'b', 'lib', 'lib.go'));
    assert.equal(a.map('/elsewhere/lib/lib.go'), undefined, 'a does not depend on example.com/lib');
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('a file of the right module whose content does not fit the frame is not the source', () => {
  const ws = workspaceOf({ 'go.mod': 'module example.com/app\n', 'main.go': 'package main\n\nfunc main() {\n}\n' });
  try {
    const m = new SourcePathMapper({ workspaceFolders: [ws], mainModule: 'example.com/app' });
    assert.equal(m.map('/build/main.go')?.path, join(ws, 'main.go'), 'map() checks modules only');
    const why = m.explainFrame({ file: '/build/main.go', line: 13, function: 'main.pick' });
    assert.equal(why.found, undefined);
    assert.match(why.rejected[0]!.why, /line 13 is not inside a declaration of main\.pick/);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('a chosen source folder is searched like a workspace folder', () => {
  const src = workspaceOf({ 'go.mod': 'module example.com/app\n', 'main.go': PICK });
  try {
    const m = new SourcePathMapper({ workspaceFolders: ['/nonexistent-ws'], sourceFolders: [src], mainModule: 'example.com/app' });
    assert.equal(m.mapFrame({ file: '/build/x/main.go', line: 3, function: 'main.pick' })?.path, join(src, 'main.go'));
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
});
