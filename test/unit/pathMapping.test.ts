import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SourcePathMapper, goModModulePath } from '../../src/analysis/pathMapping.js';

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
