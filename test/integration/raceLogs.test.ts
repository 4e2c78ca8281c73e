// Race reports of -race builds (issue 12) on what the race detector really printed: the
// race-reports fixture (scripts/make-cores) for every provisioned Go version, its traceback.txt
// (five reports, then the panic and its goroutines), race-exit.txt (`go run -race . exit`: the
// same reports, `Found 5 data race(s)`, `exit status 66`) and race-test.txt (`go test -race -v`:
// reports inside a test's output, then `--- FAIL` and `FAIL`). The oracle is the printed text, read
// here line by line with the test's own patterns (the format of TSan's Go reports), and the
// fixture's source (which lines race); the parser (src/traceback), the language server (driven by a
// real LSP client, serverClient.ts), the grammar and the content detection are checked against it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Hover, MarkupContent } from 'vscode-languageserver/node';
import type { RaceGroupsResult } from '../../src/server/protocol.js';
import { looksLikeCrashLog } from '../../src/traceback/detect.js';
import { formatTraceback, parseTraceback } from '../../src/traceback/parse.js';
import { raceSignature } from '../../src/traceback/raceReport.js';
import { type Fixture, goroot, listFixtures, provisionedGoVersions } from '../support/fixtures.js';
import { tokenizeText } from '../support/tracebackGrammar.js';
import { ServerClient } from './serverClient.js';

const isFile = (p: string): boolean => statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;

/** A log of the fixture: its path and text. */
interface Log {
  where: string;
  fixture: Fixture;
  path: string;
  text: string;
}

/** What the test reads from a printed report by itself. */
interface PrintedFrame {
  func: string;
  file: string;
  line: number;
  /** 0-based index of the function line. */
  at: number;
}
interface PrintedSection {
  header: string;
  first: number;
  last: number;
  frames: PrintedFrame[];
}
interface PrintedReport {
  first: number;
  last: number;
  accesses: PrintedSection[];
  creations: PrintedSection[];
}

const ACCESS = /^(Read|Write|Previous read|Previous write) at 0x[0-9a-f]+ by (main goroutine|goroutine \d+):$/;
const CREATION = /^Goroutine \d+ \((running|finished)\) created at:$/;

/** The reports of a log, read with the patterns of TSan's Go output (tsan_report.cpp). */
function printedReports(text: string): PrintedReport[] {
  const lines = text.split('\n');
  const out: PrintedReport[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '==================' || lines[i + 1] !== 'WARNING: DATA RACE') continue;
    const r: PrintedReport = { first: i, last: -1, accesses: [], creations: [] };
    let sec: PrintedSection | undefined;
    for (let j = i + 2; j < lines.length; j++) {
      const s = lines[j]!;
      if (s === '==================') {
        r.last = j;
        break;
      }
      if (ACCESS.test(s) || CREATION.test(s)) {
        sec = { header: s, first: j, last: j, frames: [] };
        (ACCESS.test(s) ? r.accesses : r.creations).push(sec);
      } else if (s === '') {
        sec = undefined;
      } else if (sec && /^ {2}\S.*\(\)$/.test(s)) {
        const m = /^ {6}(.+):(\d+) \+0x[0-9a-f]+$/.exec(lines[j + 1] ?? '');
        assert.ok(m, `line ${j + 2}: a frame's function line without its file:line line`);
        sec.frames.push({ func: s.slice(2, -2), file: m[1]!, line: Number(m[2]), at: j });
        sec.last = j + 1;
        j++;
      }
    }
    assert.ok(r.last > r.first, `the report at line ${i + 1} is not closed`);
    out.push(r);
    i = r.last;
  }
  return out;
}

/** The 1-based line of the fixture's source that holds `code`, exactly once. */
function sourceLine(f: Fixture, code: string): number {
  const src = readFileSync(join(f.srcDir, 'main.go'), 'utf8').split('\n');
  const at = src.flatMap((l, i) => (l.trim() === code ? [i + 1] : []));
  assert.equal(at.length, 1, `${code} in ${f.srcDir}/main.go`);
  return at[0]!;
}

let logs: Log[];
let client: ServerClient;

before(async () => {
  const fixtures = listFixtures({ fixture: 'race-reports' });
  const versions = provisionedGoVersions();
  for (const v of ['1.19', '1.22', '1.24', '1.27']) {
    if (!versions.includes(v)) continue;
    assert.ok(fixtures.some((f) => f.goMinor === v), `no race-reports fixture for Go ${v}: run scripts/make-cores`);
  }
  logs = fixtures.flatMap((f) => {
    const extra = ['race-exit.txt', 'race-test.txt'].map((name) => {
      const path = join(f.dir, name);
      if (!existsSync(path)) throw new Error(`${path} is missing: run scripts/make-cores`);
      return { where: `race-reports go${f.goMinor} ${name}`, fixture: f, path, text: readFileSync(path, 'utf8') };
    });
    return [{ where: `race-reports go${f.goMinor} traceback.txt`, fixture: f, path: f.tracebackPath, text: f.traceback }, ...extra];
  });
  client = await ServerClient.start({
    workspaceFolders: [...new Set(fixtures.map((f) => f.srcDir))],
    initializationOptions: { goroots: provisionedGoVersions().map(goroot) },
  });
});

after(async () => {
  await client?.stop();
});

test('the parser reads every printed race report: accesses, frames, creations, the count and the exit status', () => {
  for (const log of logs) {
    const { where, text, fixture: f } = log;
    const tb = parseTraceback(text);
    assert.equal(formatTraceback(tb), text, `${where}: the parsed lines do not format back to the log`);
    const printed = printedReports(text);
    assert.equal(printed.length, text.split('\n').filter((l) => l === 'WARNING: DATA RACE').length);
    assert.equal(tb.races.length, printed.length, `${where}: reports`);
    tb.races.forEach((r, i) => {
      const p = printed[i]!;
      const at = `${where}: report ${i + 1} (line ${p.first + 1})`;
      assert.equal(r.firstLine, p.first, at);
      assert.equal(r.lastLine, p.last, at);
      assert.ok(r.close, `${at}: not closed`);
      const sections = (ours: typeof r.accesses | typeof r.creations, theirs: PrintedSection[], what: string): void => {
        assert.deepEqual(
          ours.map((s) => ({ header: s.header.text, first: s.firstLine, last: s.lastLine })),
          theirs.map((s) => ({ header: s.header, first: s.first, last: s.last })),
          `${at}: ${what}`,
        );
        ours.forEach((s, k) =>
          assert.deepEqual(
            s.frames.map((fr) => ({ func: fr.func, file: fr.file, line: fr.lineNumber, at: fr.call.line })),
            theirs[k]!.frames,
            `${at}: frames of ${s.header.text}`,
          ),
        );
      };
      sections(r.accesses, p.accesses, 'accesses');
      sections(r.creations, p.creations, 'creations');
      assert.equal(r.accesses.length, 2, `${at}: a race has two accesses`);
      assert.deepEqual(
        r.accesses.map((a) => a.previous),
        [false, true],
        `${at}: the current access first, then the previous one`,
      );
      // Every goroutine but main has its creation printed.
      for (const a of r.accesses) {
        assert.equal(a.mainGoroutine, a.header.text.endsWith('by main goroutine:'));
        if (!a.mainGoroutine) assert.ok(r.creations.some((c) => c.goroutine === a.goroutine), `${at}: creation of goroutine ${a.goroutine}`);
      }
    });
    // What the fixture's source says races: both counter fields in record (two reports of the same
    // functions), the map (fill and lookup) and the flag main reads after finish exited; in the
    // test, the counter fields only.
    const main = join(f.srcDir, 'main.go');
    const userLines = tb.races.map((r) => r.accesses.map((a) => a.frames.filter((x) => x.file === main).map((x) => x.lineNumber)[0]));
    for (const code of ['c.hits++', 'c.misses++']) {
      const line = sourceLine(f, code);
      assert.ok(userLines.some(([x, y]) => x === line && y === line), `${where}: no report of ${code} (line ${line}) against itself`);
    }
    if (log.path.endsWith('race-test.txt')) {
      // The test's output around the reports stays as printed; the reports' code is the package's.
      assert.equal(tb.races.length, 2, `${where}: one report per counter field`);
      assert.ok(tb.races.every((r) => r.accesses.every((a) => a.frames[0]?.func === 'example.com/racereports.record')));
      const fail = text.split('\n').findIndex((l) => l.startsWith('--- FAIL: TestRecord'));
      assert.ok(fail > tb.races.at(-1)!.lastLine, `${where}: --- FAIL after the reports`);
      assert.equal(tb.lines[fail]?.kind, 'other');
      assert.equal(tb.raceFound, undefined);
      assert.equal(tb.goroutines.length, 0);
      continue;
    }
    assert.ok(
      userLines.some(([x, y]) => y === sourceLine(f, 'done = true') && x !== undefined),
      `${where}: no report of the flag written by finish`,
    );
    assert.ok(
      tb.races.some((r) => r.creations.some((c) => !c.running) && r.accesses.some((a) => a.frames.some((x) => x.func === 'main.finish'))),
      `${where}: finish's goroutine is printed as finished`,
    );
    if (log.path.endsWith('race-exit.txt')) {
      const found = /^Found (\d+) data race\(s\)$/m.exec(text);
      assert.ok(found, `${where}: no Found line`);
      assert.equal(tb.raceFound?.count.value, Number(found[1]));
      assert.equal(tb.raceFound?.count.value, tb.races.length, `${where}: Found N equals the reports printed`);
      assert.equal(tb.exitStatus?.status, Number(/^exit status (\d+)$/m.exec(text)![1]));
      assert.equal(tb.exitStatus?.status, 66, `${where}: the race detector's exit status`);
      assert.equal(tb.goroutines.length, 0);
    } else {
      // Mixed: the reports, then the program's panic as the runtime printed it.
      const panicLine = text.split('\n').findIndex((l) => l.startsWith('panic: '));
      assert.equal(tb.kind, 'panic');
      assert.equal(tb.panics[0]?.line, panicLine);
      assert.ok(tb.races.every((r) => r.lastLine < panicLine));
      assert.ok(tb.goroutines.some((g) => g.id === 1 && g.frames.some((x) => x.func === 'main.main')), `${where}: goroutine 1`);
      assert.equal(tb.raceFound, undefined);
    }
  }
});

test('race logs are detected by content, after program output too', () => {
  for (const { where, text } of logs) {
    assert.ok(looksLikeCrashLog(text), where);
    assert.ok(looksLikeCrashLog(`=== RUN   TestX\nsome output\n${text}`), `${where} after program output`);
    assert.ok(looksLikeCrashLog(text.replace(/\n/g, '\r\n')), `${where} with CRLF`);
    // A banner alone (any report of any tool) is not a Go race report.
    assert.equal(looksLikeCrashLog(text.replace(/WARNING: DATA RACE/g, 'WARNING: something else').replace(/^panic: /m, 'panik: ')), false, where);
  }
});

test('the grammar scopes race reports: headers, functions, paths and lines', async () => {
  for (const { where, text } of logs) {
    const { lines, tokens } = await tokenizeText(text);
    const tb = parseTraceback(text);
    const scopeAt = (i: number, ch: number): string[] => tokens[i]!.find((t) => t.start <= ch && ch < t.end)?.scopes ?? [];
    const has = (i: number, ch: number, want: string): void =>
      assert.ok(
        scopeAt(i, ch).some((s) => s.startsWith(want)),
        `${where}:${i + 1}:${ch}: ${JSON.stringify(lines[i])} lacks ${want} (has ${scopeAt(i, ch).join(' ')})`,
      );
    for (const r of tb.races) {
      has(r.firstLine, 0, 'meta.separator.race');
      has(r.warning.line, 0, 'keyword.control.race');
      for (const s of r.sections) {
        has(s.firstLine, 0, s.kind === 'access' ? (s.previous ? 'storage.modifier.previous' : 'keyword.other.access') : 'storage.type.goroutine');
        for (const fr of s.frames) {
          has(fr.call.line, fr.call.func.span.start, 'entity.name.function');
          has(fr.call.line, fr.call.func.span.end - 1, 'entity.name.function');
          const loc = fr.location!;
          has(loc.line, loc.file.span.start, 'string.unquoted.path');
          has(loc.line, loc.lineNumber.span.start, 'constant.numeric.integer.line');
          has(loc.line, loc.offset!.span.start, 'constant.numeric.hex.offset');
        }
      }
    }
    if (tb.raceFound) has(tb.raceFound.line, 0, 'keyword.control.race');
  }
});

test('language server: folding per report and section, links, symbols, hovers, groups and lenses', async () => {
  for (const { where, text, path, fixture: f } of logs) {
    const uri = pathToFileURL(path).href;
    const tb = parseTraceback(text);
    const printed = printedReports(text);
    await client.open(uri, text);
    const doc = { textDocument: { uri } };
    const [unresolved, folds, symbols, lenses, groups] = await client.documentFeatures<RaceGroupsResult>(uri, 'goTraceback/raceGroups');

    // Folding: each report from banner to banner, and each section with frames.
    const foldSet = new Set(folds.map((r) => `${r.startLine}-${r.endLine}`));
    for (const p of printed) {
      assert.ok(foldSet.has(`${p.first}-${p.last}`), `${where}: the report at line ${p.first + 1} does not fold`);
      for (const s of [...p.accesses, ...p.creations]) {
        assert.ok(foldSet.has(`${s.first}-${s.last}`), `${where}: ${s.header} (line ${s.first + 1}) does not fold to line ${s.last + 1}`);
      }
    }

    // Links: every printed frame file that exists here, into the program's source or a GOROOT.
    const links = await client.resolveLinks(unresolved);
    const byLine = new Map(links.map((k) => [k.range.start.line, k]));
    const roots = [f.srcDir, ...provisionedGoVersions().map(goroot)];
    let linked = 0;
    let intoGoroot = 0;
    for (const p of printed) {
      for (const s of [...p.accesses, ...p.creations]) {
        for (const fr of s.frames) {
          const k = byLine.get(fr.at + 1);
          if (!isFile(fr.file)) {
            assert.equal(k, undefined, `${where}:${fr.at + 2}: a link to a missing file`);
            continue;
          }
          assert.ok(k?.target, `${where}:${fr.at + 2}: no link for ${fr.file}`);
          const target = new URL(k.target);
          assert.equal(target.hash, `#L${fr.line}`);
          const to = fileURLToPath(new URL(target.href.replace(/#.*$/, '')));
          assert.equal(to, fr.file);
          assert.ok(roots.some((r) => to.startsWith(r + '/')), `${where}: a link leads outside the roots: ${to}`);
          assert.equal(k.range.start.character, 6);
          linked++;
          if (!to.startsWith(f.srcDir)) intoGoroot++;
        }
      }
    }
    assert.ok(linked > 0 && intoGoroot > 0, `${where}: ${linked} race frame links, ${intoGoroot} into the GOROOT (map access or testing frames)`);

    // Symbols: one per report with its two accesses as children.
    const rsyms = symbols.filter((s) => s.name.startsWith('DATA RACE: '));
    assert.equal(rsyms.length, printed.length, `${where}: race report symbols`);
    rsyms.forEach((s, i) => {
      const p = printed[i]!;
      assert.equal(s.range.start.line, p.first);
      assert.equal(s.range.end.line, p.last);
      assert.deepEqual(
        s.children?.map((c) => ({ name: c.name, first: c.range.start.line, last: c.range.end.line })),
        p.accesses.map((a) => ({ name: a.header.slice(0, -1), first: a.first, last: a.last })),
        `${where}: children of ${s.name}`,
      );
      // The name gives each access's first frame of user code (here every stack has one: the
      // program's main.*, or its package example.com/racereports.* under go test).
      const user = p.accesses.map((a) => a.frames.find((x) => /^(main|example\.com\/racereports)\./.test(x.func))!.func);
      assert.equal(
        s.name,
        `DATA RACE: ${p.accesses.map((a, k) => `${/^\S+( \S+)?(?= at)/.exec(a.header)![0].toLowerCase()} in ${user[k]}`).join(' / ')}`,
      );
    });
    if (tb.raceFound) assert.ok(symbols.some((s) => s.name === tb.raceFound!.text), `${where}: Found symbol`);

    // Groups: the test's own grouping of the printed reports (kinds and functions of both accesses).
    const expected = new Map<string, number[]>();
    for (const p of printed) {
      const sig = p.accesses.map((a) => `${/^(\S+(?: \S+)?) at/.exec(a.header)![1]}:${a.frames.map((x) => x.func).join(',')}`).join('|');
      expected.set(sig, [...(expected.get(sig) ?? []), p.first]);
    }
    assert.equal(groups.reportCount, printed.length);
    assert.equal(groups.found, tb.raceFound?.count.value);
    assert.deepEqual(
      groups.groups.map((g) => g.lines).sort(),
      [...expected.values()].sort(),
      `${where}: race groups`,
    );
    const shared = groups.groups.filter((g) => g.count > 1);
    assert.ok(shared.length > 0, `${where}: no two reports share their stacks (the counter's two fields should)`);
    // The groups use the goroutines' signature rule.
    for (const g of groups.groups) {
      const sigs = new Set(g.lines.map((l) => raceSignature(tb.races.find((r) => r.firstLine === l)!)));
      assert.equal(sigs.size, 1);
    }

    // Lenses: one on each report of a shared group, naming the other reports' lines.
    const raceLenses = lenses.filter((l) => l.command?.title.includes('race reports share these stacks'));
    assert.equal(raceLenses.length, shared.reduce((n, g) => n + g.count, 0), `${where}: race lenses`);
    for (const g of shared) {
      for (const line of g.lines) {
        const lens = raceLenses.find((l) => l.range.start.line === line + 1);
        assert.ok(lens, `${where}: no lens on the report at line ${line + 1}`);
        const others = g.lines.filter((x) => x !== line).map((x) => x + 1);
        assert.ok(lens.command!.title.startsWith(`${g.count} race reports`), lens.command!.title);
        assert.ok(lens.command!.title.endsWith(` ${others.join(', ')})`), lens.command!.title);
        // It peeks at the group's reports: their WARNING lines (the line after each separator).
        assert.equal(lens.command!.command, 'goCoreInspector.showRaceGroup');
        assert.deepEqual(lens.command!.arguments?.slice(1), [line + 1, g.lines.map((x) => x + 1)]);
      }
    }

    // Hovers: on the warning line and on each access header, the two accesses side by side.
    for (const [i, p] of printed.entries()) {
      const r = tb.races[i]!;
      for (const line of [p.first + 1, ...p.accesses.map((a) => a.first)]) {
        const h = await client.request<Hover | null>('textDocument/hover', { ...doc, position: { line, character: 3 } });
        assert.ok(h, `${where}:${line + 1}: no hover`);
        const md = (h.contents as MarkupContent).value;
        const at = `${where}:${line + 1}: hover\n${md}`;
        assert.ok(md.includes(`report ${i + 1} of ${printed.length}`), at);
        const header = md.split('\n').find((l) => l.startsWith('| |'));
        assert.ok(header, at);
        // Side by side: one column per access, in printed order.
        const ops = p.accesses.map((a) => /^(\S+(?: \S+)?) at/.exec(a.header)![1]!);
        assert.equal(header, `| | ${ops.map((o) => `**${o}**`).join(' | ')} |`, at);
        const row = (name: string): string => md.split('\n').find((l) => l.startsWith(`| ${name} |`)) ?? '';
        p.accesses.forEach((a, k) => {
          const cells = row('by').split(' | ');
          const by = /by (main goroutine|goroutine \d+):$/.exec(a.header)![1]!;
          assert.ok(cells[k + 1]!.startsWith(by), `${at}: by ${by}`);
          const top = a.frames[0]!;
          const fn = row('function').split(' | ')[k + 1]!;
          assert.ok(fn.includes(`\`${top.func}\``), `${at}: function ${top.func}`);
          const base = top.file.slice(top.file.lastIndexOf('/') + 1);
          assert.ok(fn.includes(`${base}:${top.line}`), `${at}: ${base}:${top.line}`);
          if (isFile(top.file)) assert.ok(fn.includes(`(${pathToFileURL(top.file).href}#L${top.line})`), `${at}: link to ${top.file}`);
          const created = row('created at').split(' | ')[k + 1]!;
          if (by === 'main goroutine') assert.ok(created.includes('main goroutine'), at);
          else {
            const c = p.creations.find((x) => x.header.startsWith(`Goroutine ${by.slice('goroutine '.length)} (`))!;
            assert.ok(created.includes(`\`${c.frames[0]!.func}\``) && created.includes(`:${c.frames[0]!.line}`), `${at}: created at`);
            const state = /\((running|finished)\)/.exec(c.header)![1]!;
            assert.ok(cells[k + 1]!.includes(`(${state})`), `${at}: ${state}`);
          }
        });
        const group = groups.groups.find((g) => g.lines.includes(r.firstLine))!;
        for (const other of group.lines.filter((x) => x !== r.firstLine)) {
          assert.ok(md.includes(`(${uri}#L${other + 1})`), `${at}: no link to the report at line ${other + 1} with the same stacks`);
        }
        if (group.count === 1) assert.ok(!md.includes('Same stacks'), at);
      }
      // No race hover on a file:line line (a link) nor outside reports.
      const loc = p.accesses[0]!.frames[0]!.at + 1;
      const h = await client.request<Hover | null>('textDocument/hover', { ...doc, position: { line: loc, character: 8 } });
      assert.ok(!h || !(h.contents as MarkupContent).value.includes('DATA RACE'), `${where}:${loc + 1}: race hover on a link`);
    }
    await client.close(uri);
  }
});
