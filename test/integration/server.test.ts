// The traceback language server, driven by a real LSP client over stdio (serverClient.ts), on the
// tracebacks the runtime printed for every generated crash fixture. Expected values come from the
// traceback parser (src/traceback) and from the file system, never from constants written here.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DocumentLink, Hover, MarkupContent } from 'vscode-languageserver/node';
import { openBinary } from '../../src/analysis/engine.js';
import { TARGETS_UP_TO } from '../../src/server/links.js';
import type { AssociateBinaryResult, GroupsResult } from '../../src/server/protocol.js';
import { parseTraceback } from '../../src/traceback/parse.js';
import type { Goroutine, LocationLine, Traceback } from '../../src/traceback/types.js';
import { type Fixture, fixture, goroot, listFixtures, provisionedGoVersions } from '../support/fixtures.js';
import { ServerClient } from './serverClient.js';

const isFile = (p: string): boolean => statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;

/** Every fixture but the 10,000-goroutine one, which is used for the newest Go version only (it is large). */
function selectedFixtures(): Fixture[] {
  const all = listFixtures();
  const many = all.filter((f) => f.program === 'many-goroutines');
  const newest = many.sort((a, b) => Number(b.goMinor.split('.')[1]) - Number(a.goMinor.split('.')[1]))[0];
  return [...all.filter((f) => f.program !== 'many-goroutines'), ...(newest ? [newest] : [])];
}

/** The test's own grouping: goroutines with the same list of function names. */
function groupCounts(tb: Traceback): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const g of tb.goroutines) {
    const sig = g.frames.map((f) => f.func).join('\n');
    m.set(sig, [...(m.get(sig) ?? []), g.id]);
  }
  return m;
}

const sigOf = (g: Goroutine): string => g.frames.map((f) => f.func).join('\n');

let client: ServerClient;
let fixtures: Fixture[];

before(async () => {
  fixtures = selectedFixtures();
  assert.ok(new Set(fixtures.map((f) => f.goMinor)).size > 0);
  for (const f of fixtures) assert.ok(provisionedGoVersions().includes(f.goMinor));
  // As the extension starts it: the user's GOROOTs (goCoreInspector.goroots) are where runtime frames may link.
  client = await ServerClient.start({
    workspaceFolders: [...new Set(fixtures.map((f) => f.srcDir))],
    initializationOptions: { goroots: provisionedGoVersions().map(goroot) },
  });
});

after(async () => {
  await client?.stop();
});

test('links, folding ranges, symbols, groups and lenses on every fixture traceback', async () => {
  for (const f of fixtures) {
    const where = `${f.fixture} go${f.goMinor}`;
    const uri = pathToFileURL(f.tracebackPath).href;
    const tb = parseTraceback(f.traceback);
    await client.open(uri, f.traceback);
    const [unresolved, folds, symbols, lenses, groups] = await client.documentFeatures<GroupsResult>(uri, 'goTraceback/groups');

    // Links: one per location line whose printed file exists, with the file:line range and target
    // (a large log's come without target: resolved one by one, as VS Code does when one is followed).
    assert.ok(
      unresolved.every((k) => (k.target !== undefined) === unresolved.length <= TARGETS_UP_TO),
      `${where}: ${unresolved.length} links, some with and some without target`,
    );
    const links = await client.resolveLinks(unresolved);
    assert.deepEqual(
      links.map((k) => k.range),
      unresolved.map((k) => k.range),
      `${where}: resolving changed link ranges`,
    );
    const locations = tb.lines.filter((l): l is LocationLine => l.kind === 'location');
    const linkable = locations.filter((l) => isFile(l.file.value));
    assert.ok(linkable.length > 0, `${where}: no printed path exists on this machine`);
    assert.equal(links.length, linkable.length, `${where}: links`);
    const byLine = new Map(links.map((k) => [k.range.start.line, k]));
    const roots = [f.srcDir, ...provisionedGoVersions().map(goroot)];
    for (const k of links) {
      const to = fileURLToPath(k.target!.replace(/#.*$/, ''));
      assert.ok(roots.some((r) => to.startsWith(r + '/')), `${where}: a link leads outside the roots: ${to}`);
    }
    for (const l of linkable) {
      const k = byLine.get(l.line);
      assert.ok(k, `${where}:${l.line + 1}: no link for ${l.file.value}`);
      assert.equal(k.range.start.character, l.file.span.start);
      assert.equal(k.range.end.character, l.lineNumber.span.end);
      const target = new URL(k.target!);
      assert.equal(target.hash, `#L${l.lineNumber.value}`);
      assert.equal(fileURLToPath(new URL(target.href.replace(/#.*$/, ''))), l.file.value);
    }
    assert.ok(
      links.some((k) => fileURLToPath(k.target!.replace(/#.*$/, '')).startsWith(f.srcDir)),
      `${where}: no link into the program's source`,
    );

    // Folding: each goroutine block, each runtime stack, each register dump (when longer than a line).
    const blocks = [...tb.goroutines, ...tb.runtimeStacks, ...tb.registerDumps].filter((b) => b.lastLine > b.firstLine);
    assert.equal(folds.length, blocks.length, `${where}: folding ranges`);
    const foldSet = new Set(folds.map((r) => `${r.startLine}-${r.endLine}`));
    for (const g of tb.goroutines) {
      if (g.lastLine > g.firstLine)
        assert.ok(foldSet.has(`${g.firstLine}-${g.lastLine}`), `${where}: goroutine ${g.id} not folded`);
    }

    // Symbols: one per goroutine, in order, spanning its block.
    const gsyms = symbols.filter((s) => s.name.startsWith('goroutine '));
    assert.deepEqual(
      gsyms.map((s) => Number(/^goroutine (\d+) /.exec(s.name)?.[1])),
      tb.goroutines.map((g) => g.id),
      `${where}: goroutine symbols`,
    );
    gsyms.forEach((s, i) => {
      const g = tb.goroutines[i]!;
      assert.equal(s.name, `goroutine ${g.id} [${g.header.state.value}]`);
      assert.equal(s.range.start.line, g.firstLine);
      assert.equal(s.range.end.line, g.lastLine);
    });

    // Groups: counts equal the test's own grouping of the parsed goroutines.
    const expected = groupCounts(tb);
    assert.equal(groups.goroutineCount, tb.goroutines.length);
    assert.equal(
      groups.groups.reduce((n, g) => n + g.count, 0),
      tb.goroutines.length,
      `${where}: groups do not add up to the goroutines`,
    );
    assert.equal(groups.groups.length, expected.size, `${where}: number of groups`);
    for (const g of groups.groups) {
      const ids = expected.get(g.frames.map((x) => x.func).join('\n'));
      assert.ok(ids, `${where}: group ${g.key} has a stack no goroutine has`);
      assert.equal(g.count, ids.length);
      assert.deepEqual(g.ids, ids);
    }

    // Lenses: "N goroutines share this stack" on every goroutine whose stack others share.
    const shareLenses = lenses.filter((l) => l.command?.command === 'goCoreInspector.showGoroutineGroups');
    const shared = tb.goroutines.filter((g) => expected.get(sigOf(g))!.length > 1);
    assert.equal(shareLenses.length, shared.length, `${where}: share lenses`);
    const lensAt = new Map(shareLenses.map((l) => [l.range.start.line, l]));
    const keys = new Set(groups.groups.map((g) => g.key));
    for (const g of shared) {
      const l = lensAt.get(g.firstLine);
      assert.ok(l, `${where}: no lens on goroutine ${g.id}`);
      assert.equal(l.command!.title, `${expected.get(sigOf(g))!.length} goroutines share this stack`);
      assert.equal(l.command!.arguments?.[0], uri);
      assert.ok(keys.has(l.command!.arguments?.[1] as string));
    }
    assert.ok(
      lenses.some((l) => l.command?.command === 'goCoreInspector.associateBinary'),
      `${where}: no associate lens`,
    );
    await client.close(uri);
  }
});

test('paths from another machine map into the workspace (suffix match) and through substitutePath', async () => {
  const f = fixtures.find((x) => x.program === 'index')!;
  const tb = parseTraceback(f.traceback);
  // The same traceback as if built under a root that does not exist here.
  const fakeRoot = '/nonexistent-build-root/proj';
  const moved = f.traceback.split(f.srcDir).join(fakeRoot);
  const userLines = tb.lines.filter(
    (l): l is LocationLine => l.kind === 'location' && l.file.value.startsWith(f.srcDir + '/'),
  );
  assert.ok(userLines.length > 0, 'no location in the program source');
  const ws = mkdtempSync(join(tmpdir(), 'gci-ws-'));
  const ws2 = mkdtempSync(join(tmpdir(), 'gci-ws2-'));
  const c = await ServerClient.start({ workspaceFolders: [] });
  try {
    cpSync(f.srcDir, join(ws, 'proj'), { recursive: true });
    const uri = pathToFileURL(join(ws, 'moved.gotrace')).href;
    writeFileSync(join(ws, 'moved.gotrace'), moved);
    await c.open(uri, moved);
    // No workspace folder yet: the moved paths exist nowhere, so they get no link.
    let links = await c.resolveLinks(
      await c.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri } }),
    );
    for (const l of userLines)
      assert.ok(!links.some((x) => x.range.start.line === l.line), `line ${l.line + 1}: unexpected link`);
    await c.notify('workspace/didChangeWorkspaceFolders', {
      event: { added: [{ uri: pathToFileURL(ws).href, name: 'ws' }], removed: [] },
    });
    links = await c.resolveLinks(
      await c.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri } }),
    );
    for (const l of userLines) {
      const k = links.find((x) => x.range.start.line === l.line);
      assert.ok(k, `line ${l.line + 1}: no link for the moved path`);
      const rel = l.file.value.slice(f.srcDir.length + 1);
      assert.equal(fileURLToPath(k.target!.replace(/#.*$/, '')), join(ws, 'proj', rel));
    }
    // substitutePath wins over the workspace match (its local side must be a workspace folder too:
    // links never lead outside the workspace folders, the module cache and GOROOTs).
    cpSync(f.srcDir, ws2, { recursive: true });
    await c.notify('workspace/didChangeWorkspaceFolders', {
      event: { added: [{ uri: pathToFileURL(ws2).href, name: 'ws2' }], removed: [] },
    });
    await c.notify('workspace/didChangeConfiguration', {
      settings: { goCoreInspector: { substitutePath: [{ from: ws2, to: fakeRoot }] } },
    });
    await c.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: moved }] });
    links = await c.resolveLinks(
      await c.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri } }),
    );
    for (const l of userLines) {
      const k = links.find((x) => x.range.start.line === l.line);
      assert.ok(k);
      assert.equal(fileURLToPath(k.target!.replace(/#.*$/, '')), join(ws2, l.file.value.slice(f.srcDir.length + 1)));
    }
    // A path that exists nowhere gets no link.
    const stale = (await c.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri } })).filter(
      (k) => userLines.some((l) => l.line === k.range.start.line),
    );
    assert.ok(stale.length > 0);
    const nowhere = moved.split(fakeRoot).join('/nonexistent-build-root/other');
    await c.notify('textDocument/didChange', {
      textDocument: { uri, version: 3 },
      contentChanges: [{ text: nowhere.replace(/main\.go/g, 'absent.go') }],
    });
    links = await c.resolveLinks(
      await c.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri } }),
    );
    for (const l of userLines)
      assert.ok(!links.some((x) => x.range.start.line === l.line), `line ${l.line + 1}: link to a missing file`);
    // A link of the previous version, resolved now: its file is gone from the document, so no target.
    // (Small documents get their links with targets: drop them to ask the server.)
    const untargeted: DocumentLink[] = stale.map((k) => ({ range: k.range, data: k.data as unknown }));
    for (const k of await c.resolveLinks(untargeted))
      assert.equal(k.target, undefined, `stale link resolved to ${k.target}`);
    // A link of a closed document comes back as it was.
    await c.close(uri);
    const [closed] = await c.resolveLinks([untargeted[0]!]);
    assert.deepEqual(closed, untargeted[0]);
  } finally {
    await c.stop();
    rmSync(ws, { recursive: true, force: true });
    rmSync(ws2, { recursive: true, force: true });
  }
});

function hoverText(h: Hover | null): string {
  assert.ok(h, 'no hover');
  return (h.contents as MarkupContent).value;
}

test('hover on the signal pc of a fault in C code names the C function, the C function inlined there and their lines (DWARF); no SSA', async () => {
  // cgo-inlined-fault (issue 12): the runtime prints no C frame, only the faulting pc in its header
  // (`PC=0x…` on Go 1.21+, `[signal … pc=0x…]` on Go 1.19); the C names and lines are the fixture's source.
  for (const minor of provisionedGoVersions()) {
    const f = fixture('cgo-inlined-fault', minor);
    const where = `${f.fixture} go${minor}`;
    const uri = pathToFileURL(f.tracebackPath).href;
    const tb = parseTraceback(f.traceback);
    const sig = tb.lines.flatMap((l) => (l.kind === 'signal' || l.kind === 'signalPc' ? l.fields.filter((x) => x.key.toLowerCase() === 'pc').map((x) => ({ line: l.line, x })) : []))[0];
    assert.ok(sig, `${where}: no pc in the signal header`);
    await client.open(uri, f.traceback);
    try {
      const r = await client.request<AssociateBinaryResult>('goTraceback/associateBinary', { uri, binaryPath: f.prog });
      assert.ok(r.ok, `${where}: ${r.message}`);
      const text = hoverText(
        await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: sig.line, character: sig.x.span.start + 2 } }),
      );
      const src = readFileSync(join(f.srcDir, 'main.go'), 'utf8').split('\n');
      const line = (t: string) => src.findIndex((l) => l.includes(t)) + 1;
      const main = join(f.srcDir, 'main.go');
      assert.match(text, /\*\*sum_counts\*\* \+0x[0-9a-f]+ \(C code\)/, `${where}:\n${text}`);
      assert.ok(text.includes(`\`${main}:${line('total += read_count(c + i);')}\``), `${where}:\n${text}`);
      assert.ok(text.includes(`inlined here: \`read_count\` at \`${main}:${line('return c->count;')}\``), `${where}:\n${text}`);
      assert.ok(text.includes('C code has no SSA value'), `${where}:\n${text}`);
    } finally {
      await client.close(uri);
    }
  }
});

test('hover on pc= resolves through the associated binary to the function the traceback names', async () => {
  const hoverFixtures = fixtures.filter((f) => /^(index|index-pie|index-stripped|nilptr-goroutine)$/.test(f.fixture));
  assert.ok(hoverFixtures.length > 0);
  for (const f of hoverFixtures) {
    const where = `${f.fixture} go${f.goMinor}`;
    const uri = pathToFileURL(f.tracebackPath).href;
    const tb = parseTraceback(f.traceback);
    await client.open(uri, f.traceback);
    const g = tb.goroutines[0]!;
    const withPc = g.frames.filter((fr) => fr.location?.pc && !fr.func.includes('['));
    assert.ok(withPc.length > 0, `${where}: the crashing goroutine prints no pc=`);

    // Without a binary: what the log says.
    const first = withPc[0]!;
    const pos = (fr: typeof first) => ({ line: fr.location!.line, character: fr.location!.pc!.span.start + 2 });
    let text = hoverText(
      await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: pos(first) }),
    );
    assert.ok(text.includes(`**${first.func}**`), `${where}: ${text}`);
    assert.ok(text.includes(`${first.file}:${first.lineNumber}`), `${where}: ${text}`);

    const r = await client.request<AssociateBinaryResult>('goTraceback/associateBinary', { uri, binaryPath: f.prog });
    assert.ok(r.ok, `${where}: ${r.message}`);
    for (const fr of withPc) {
      text = hoverText(
        await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: pos(fr) }),
      );
      const name = fr.func === 'panic' ? 'runtime.gopanic' : fr.func;
      // The runtime omits `+0x0` when the pc is the function's entry (a fault on its first instruction).
      assert.ok(
        text.includes(`**${name}** +0x${(fr.offset ?? 0).toString(16)}`),
        `${where}: hover on ${fr.func} pc says:\n${text}`,
      );
      assert.ok(text.includes('resolved through'), `${where}: ${text}`);
      if (!fr.func.startsWith('runtime.') && fr.func !== 'panic') {
        assert.ok(text.includes(`\`${fr.file}:${fr.lineNumber}\``), `${where}: hover on ${fr.func} pc says:\n${text}`);
      }
    }
    // `+0x..` of a `created by` location: the creator's entry + offset, resolved through the binary.
    const created = tb.goroutines.find(
      (x) => x.createdBy?.location?.offset && !x.createdBy.line.func.value.includes('['),
    );
    if (created) {
      const loc = created.createdBy!.location!;
      const at = { line: loc.line, character: loc.offset!.span.start + 1 };
      text = hoverText(
        await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: at }),
      );
      const creator = created.createdBy!.line.func.value;
      assert.ok(text.includes(`**${creator}** +0x${loc.offset!.value.replace(/^0x/, '')}`), `${where}: ${text}`);
      assert.ok(text.includes(`\`${loc.file.value}:${loc.lineNumber.value}\``), `${where}: ${text}`);
    }
    await client.close(uri);
  }
});

test('associating something that is not a Go binary fails with a message naming it', async () => {
  const f = fixtures[0]!;
  const uri = pathToFileURL(f.tracebackPath).href;
  await client.open(uri, f.traceback);
  const r = await client.request<AssociateBinaryResult>('goTraceback/associateBinary', {
    uri,
    binaryPath: f.tracebackPath,
  });
  assert.equal(r.ok, false);
  assert.ok(r.message.includes(f.tracebackPath), r.message);
  const missing = join(f.dir, 'no-such-binary');
  assert.ok(!existsSync(missing));
  const r2 = await client.request<AssociateBinaryResult>('goTraceback/associateBinary', { uri, binaryPath: missing });
  assert.equal(r2.ok, false);
  assert.ok(r2.message.includes(missing), r2.message);
  await client.close(uri);
});

test('no link to a UNC path, to a file outside the roots, or through a link out of the workspace', async () => {
  const ws = mkdtempSync(join(tmpdir(), 'gci-ws-roots-'));
  const out = mkdtempSync(join(tmpdir(), 'gci-out-'));
  const c = await ServerClient.start({ workspaceFolders: [ws] });
  try {
    writeFileSync(join(ws, 'main.go'), 'package main\n');
    writeFileSync(join(out, 'secret.go'), 'package x\n');
    symlinkSync(join(out, 'secret.go'), join(ws, 'leak.go'));
    const text = [
      'panic: boom',
      '',
      'goroutine 1 [running]:',
      'main.main()',
      `\t${join(ws, 'main.go')}:1 +0x1d`,
      'main.a()',
      '\t//host/share/proj/unc.go:2 +0x1d',
      'main.b()',
      '\t\\\\host\\share\\proj\\unc2.go:3 +0x1d',
      'main.c()',
      `\t${join(out, 'secret.go')}:4 +0x1d`,
      'main.d()',
      `\t${join(ws, 'leak.go')}:5 +0x1d`,
      'exit status 2',
      '',
    ].join('\n');
    const uri = pathToFileURL(join(ws, 'roots.gotrace')).href;
    await c.open(uri, text);
    const tb = parseTraceback(text);
    const locations = tb.lines.filter((l): l is LocationLine => l.kind === 'location');
    assert.equal(locations.length, 5, 'every location line parsed');
    const links = await c.resolveLinks(
      await c.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri } }),
    );
    assert.deepEqual(
      links.map((k) => [k.range.start.line, fileURLToPath(k.target!.replace(/#.*$/, ''))]),
      [[4, join(ws, 'main.go')]],
    );
  } finally {
    await c.stop();
    rmSync(ws, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
});

test('hover on any pc= of a crash log shows its instruction and SSA value once the binary is allowed', async () => {
  // One hover owner for crash logs: the server, through the engine's binary (src/analysis) and the
  // SSA mapping. Oracle: the runtime's traceback (which frame faulted, which called).
  for (const minor of ['1.22', '1.27']) {
    const f = listFixtures({ fixture: 'nilptr-goroutine', goMinor: minor })[0]!;
    const where = `nilptr-goroutine go${minor}`;
    const c = await ServerClient.start({ workspaceFolders: [f.dir] });
    try {
      const uri = pathToFileURL(f.tracebackPath).href;
      await c.open(uri, f.traceback);
      const r = await c.request<AssociateBinaryResult>('goTraceback/associateBinary', { uri, binaryPath: f.prog });
      assert.ok(r.ok, r.message);
      const g = parseTraceback(f.traceback).goroutines[0]!;
      const user = g.frames.filter((fr) => fr.func.startsWith('main.') && fr.location?.pc);
      assert.ok(user.length >= 2, `${where}: a faulting user frame and its caller`);
      const [faulting, caller] = [user[0]!, user[1]!];
      const hover = async (fr: typeof faulting): Promise<string> =>
        hoverText(
          await c.request<Hover | null>('textDocument/hover', {
            textDocument: { uri },
            position: { line: fr.location!.line, character: fr.location!.pc!.span.start + 2 },
          }),
        );
      // Not allowed yet (and nothing cached for a fresh build ID is assumed): never a rebuild.
      const before = await hover(caller);
      assert.ok(before.includes(`**${caller.func}**`), `${where}: ${before}`);
      assert.doesNotMatch(before, /rebuilding/);
      // The user allows this binary in the client: the client tells the server.
      const bin = openBinary(f.prog);
      const buildId = bin.buildIds.go ?? bin.buildIds.gnu;
      bin.close();
      await c.notify('goTraceback/ssaPermissions', {
        allowedBuildIds: [buildId],
        allowedRoots: [f.dir],
        goroots: { [f.goVersion]: goroot(minor) },
      });
      const atCaller = await hover(caller);
      assert.match(atCaller, /instruction `CALL main\.\w+/, `${where}: the caller's pc is a return address: ${atCaller}`);
      assert.match(atCaller, /the call before the return address/);
      assert.match(atCaller, /SSA `v\d+ /, `${where}: ${atCaller}`);
      assert.match(atCaller, /_verified/, `${where}: ${atCaller}`);
      const atFault = await hover(faulting);
      assert.doesNotMatch(atFault, /the call before the return address/, `${where}: the faulting pc is the instruction itself`);
      assert.match(atFault, new RegExp(`instruction \`[^\`]+\` at ${faulting.location!.pc!.value}`), `${where}: ${atFault}`);
      assert.match(atFault, /SSA `v\d+ /, `${where}: ${atFault}`);
    } finally {
      await c.stop();
    }
  }
});
