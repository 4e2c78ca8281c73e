// Browser suite, as a person: the workbench in Chromium, the Explorer, a right-click on the core.
// Called by test/vscode/runner.ts with a page of a running Chromium and a running code-server.
// The extension is either installed from a .vsix (the workbench opens with no payload at all) or
// loaded from the repository (extensionDevelopmentPath, no tests), as `npm start` does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { crashingGoroutine, originFrame, parseTraceback } from '../../../src/traceback/parse.js';
import { workbenchUrl } from '../codeServer.js';
import type { TestResult } from '../suite/index.js';

export interface SmokeOptions {
  page: Page;
  /** http://127.0.0.1:<port> of code-server. */
  origin: string;
  /** The workspace folder (holds `core`). */
  workspace: string;
  /** The repository: package.json, and the extension's development path unless `installed`. */
  repo: string;
  /** The extension is installed in code-server's extensions directory (from a .vsix). */
  installed: boolean;
  /** Where screenshots go. */
  resultsDir: string;
}

interface PackageCommand {
  command: string;
  title: string;
}

/** The title the Explorer menu shows for a contributed command, or undefined when not contributed. */
function contributedTitle(repo: string, command: string): string | undefined {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
    contributes?: { commands?: PackageCommand[] };
  };
  return pkg.contributes?.commands?.find((c) => c.command === command)?.title;
}

async function step(
  results: TestResult[],
  title: string,
  fn: () => Promise<void>,
  shot: () => Promise<void>,
): Promise<boolean> {
  const t0 = Date.now();
  try {
    await fn();
    results.push({
      title: `[browser] ${title}`,
      file: 'browser/smoke.ts',
      state: 'passed',
      durationMs: Date.now() - t0,
    });
    return true;
  } catch (e) {
    await shot();
    const err = e as Error;
    results.push({
      title: `[browser] ${title}`,
      file: 'browser/smoke.ts',
      state: 'failed',
      durationMs: Date.now() - t0,
      error: { message: err.message.split('\n')[0] ?? String(e) },
    });
    return false;
  }
}

/** The Explorer row of a file at the top of the workspace. */
export function explorerRow(page: Page, name: string): Locator {
  return page
    .locator('.explorer-folders-view .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(name)}$`) }) });
}

/** Labels of the open context menu's items (VS Code renders menus in a shadow root; locators pierce it). */
export async function contextMenuItems(page: Page): Promise<string[]> {
  const items = page.locator('.context-view .monaco-menu .action-item:not(.disabled) .action-label');
  await items.first().waitFor({ state: 'visible', timeout: 10_000 });
  return (await items.allInnerTexts()).map((s) => s.trim()).filter((s) => s.length > 0);
}

export async function runBrowserSmoke(o: SmokeOptions): Promise<TestResult[]> {
  const { page } = o;
  const results: TestResult[] = [];
  const shot = (name: string) => async () => {
    await page.screenshot({ path: join(o.resultsDir, name), timeout: 10_000 }).catch(() => undefined);
  };

  const loaded = await step(
    results,
    `the workbench opens the workspace with the extension ${o.installed ? 'installed from the .vsix' : 'from the repository'}`,
    async () => {
      const url = o.installed
        ? workbenchUrl(o.origin, o.workspace)
        : workbenchUrl(o.origin, o.workspace, { extensionDevelopmentPath: o.repo });
      await page.goto(url, { timeout: 60_000 });
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
      await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
    },
    shot('browser-failure-workbench.png'),
  );
  if (!loaded) return results;

  let coreRow: Locator | undefined;
  const shown = await step(
    results,
    'the Explorer lists the core file',
    async () => {
      if (!(await page.locator('.explorer-folders-view').isVisible())) {
        await page.keyboard.press('Control+Shift+E');
      }
      await page.locator('.explorer-folders-view').waitFor({ state: 'visible', timeout: 30_000 });
      coreRow = explorerRow(page, 'core');
      await coreRow.waitFor({ state: 'visible', timeout: 30_000 });
      await shot('browser-explorer.png')();
    },
    shot('browser-failure-explorer.png'),
  );
  if (!shown || !coreRow) return results;

  // A missing contribution fails the steps that need it: nothing here is relaxed or skipped.
  const openTitle = contributedTitle(o.repo, OPEN_CORE_DUMP);
  const requireContributions = (): string => {
    if (!openTitle) throw new Error(`${join(o.repo, 'package.json')} contributes no command ${OPEN_CORE_DUMP}`);
    if (!contributesView(o.repo, PANIC_FRAMES_VIEW))
      throw new Error(`${join(o.repo, 'package.json')} contributes no view ${PANIC_FRAMES_VIEW}`);
    return openTitle;
  };
  await step(
    results,
    `right-click on core offers "${openTitle ?? OPEN_CORE_DUMP}"`,
    async () => {
      const title = requireContributions();
      // The extension's menu entries arrive when the remote extension host has scanned it:
      // like a person, open the menu again for a while before concluding.
      const deadline = Date.now() + 30_000;
      let items: string[] = [];
      for (;;) {
        await coreRow!.click({ button: 'right' });
        items = await contextMenuItems(page);
        if (items.includes(title) || Date.now() > deadline) break;
        await page.keyboard.press('Escape');
        await page.waitForTimeout(1000);
      }
      await shot('browser-core-context-menu.png')();
      process.stderr.write(`[test-vscode] context menu on core: ${items.join(' | ')}\n`);
      if (!items.includes(title)) {
        throw new Error(`context menu lacks "${title}"; it shows: ${items.join(' | ')}`);
      }
      await page.keyboard.press('Escape');
    },
    shot('browser-failure-context-menu.png'),
  );

  {
    const traceback = readFileSync(join(o.workspace, 'traceback.txt'), 'utf8');
    // The oracle: the crash's origin in the runtime's printed traceback (its crashing goroutine's
    // first frame outside the runtime: `main.pick`, or `internal/sync.(*Mutex).unlockSlow` for a
    // fatal error the sync package raised), and the source line printed below it.
    const printedOrigin = ((g) => (g ? originFrame(g) : undefined))(crashingGoroutine(parseTraceback(traceback)));
    const origin = printedOrigin?.func.replace(/\([^()]*\)$/, '');
    await step(
      results,
      `Open Core Dump from the Explorer fills the Panic Frames view (${origin ?? '?'})`,
      async () => {
        const title = requireContributions();
        if (!origin) throw new Error(`no origin frame in ${join(o.workspace, 'traceback.txt')}`);
        await coreRow!.click({ button: 'right' });
        await contextMenuItems(page);
        await page
          .locator('.context-view .monaco-menu .action-label', { hasText: new RegExp(`^${escapeRegExp(title)}$`) })
          .click();
        // Under load the menu can swallow the first click (it stays open, the item highlighted):
        // as a person would, press Enter on the highlighted item.
        const menu = page.locator('.context-view .monaco-menu');
        if (await menu.isVisible().catch(() => false)) {
          await page.waitForTimeout(1000);
          if (await menu.isVisible().catch(() => false)) await page.keyboard.press('Enter');
        }
        const rows = await viewRows(page, 'Panic Frames', (texts) => texts.some((t) => t.includes(origin)), 120_000);
        process.stderr.write(`[test-vscode] Panic Frames: ${rows.join(' | ')}\n`);
        await shot('browser-panic-frames.png')();
      },
      shot('browser-failure-panic-frames.png'),
    );
    const at = printedOrigin?.lineNumber;
    await step(
      results,
      `clicking ${origin ?? '?'} opens its line ${at ?? '?'} with the crash annotation, and hovering it shows the crash`,
      async () => {
        requireContributions();
        if (!at) throw new Error(`no location line after ${origin} in traceback.txt`);
        const line = at;
        // The debug session that Open Core Dump starts brings Run and Debug forward: go back to Go Core.
        if (!(await viewPane(page, 'Panic Frames').isVisible())) {
          await page.locator('.activitybar .action-item a[aria-label^="Go Core"]').click({ timeout: 10_000 });
        }
        // Clicked at once, while the core's notes may still be arriving (each refreshes the view): a
        // row drawn before a refresh still goes to its frame (src/vscode/views/rowClick.ts).
        const row = viewPane(page, 'Panic Frames').locator('.monaco-list-row', { hasText: origin! }).first();
        await row.click();
        await page.locator('.part.statusbar', { hasText: `Ln ${line},` }).waitFor({ state: 'visible', timeout: 30_000 });
        // The annotation is rendered after the line's text (CSS ::after content).
        const deadline = Date.now() + 60_000;
        let annotation = '';
        // The crash's own words head the origin's annotation: `panic: …` or `fatal error: …`.
        const crashWords = /\b(panic|fatal error): /;
        while (Date.now() < deadline && !crashWords.test(annotation)) {
          // Runs in the page (a string: this file is type-checked without the DOM library).
          annotation = await page.evaluate<string>(
            `Array.from(document.querySelectorAll('.view-lines span'))
               .map((el) => getComputedStyle(el, '::after').content)
               .filter((c) => c && c !== 'none' && c !== 'normal')
               .join(' | ')`,
          );
          if (!crashWords.test(annotation)) await page.waitForTimeout(500);
        }
        if (!crashWords.test(annotation)) throw new Error(`no crash annotation in the editor; after-texts: ${annotation}`);
        process.stderr.write(`[test-vscode] annotation: ${annotation}\n`);
        // Hover the annotation after the line's text, as a person reads it. (Not the code: the debug
        // session is stopped in this file, and VS Code's debug hover owns hovers on its words.)
        // Where the annotation is now; the editor may still scroll (the debug session reveals its
        // frame after the click): read it until it stays put, as a person's eye settles.
        const annotationBox = () =>
          page.evaluate<{ x: number; y: number } | undefined>(
            `(() => {
               for (const line of Array.from(document.querySelectorAll('.view-line'))) {
                 const spans = Array.from(line.querySelectorAll('span'));
                 const annotated = spans.find((el) => /\\b(panic|fatal error): /.test(String(getComputedStyle(el, '::after').content)));
                 if (!annotated) continue;
                 const r = annotated.getBoundingClientRect();
                 // The line a person sees (VS Code can keep another, hidden rendering of the file).
                 const seen = document.elementFromPoint(r.left + 2, r.top + r.height / 2);
                 if (!seen || !line.contains(seen)) continue;
                 // Just past the annotation (the span's box includes its ::after content): the
                 // line's hover, not the annotation text's.
                 return { x: Math.min(r.right + 80, window.innerWidth - 200), y: r.top + r.height / 2 };
               }
               return undefined;
             })()`,
          );
        // The debug session centers its frame's line when its stack arrives, seconds later at worst:
        // the box must hold still for 2 s (at most 20 s).
        let box = await annotationBox();
        for (let still = 0, i = 0; still < 7 && i < 66; i++) {
          await page.waitForTimeout(300);
          const again = await annotationBox();
          still = again && box && again.x === box.x && again.y === box.y ? still + 1 : 0;
          box = again;
        }
        if (!box) throw new Error('the annotated line is not on screen');
        // Move onto the line in steps, as a pointer does, and wait for the editor's hover widget.
        // The debug session is stopped on the crash, so VS Code's debug hover owns the editor's
        // hovers; a person holds Alt for the language hovers (VS Code's own rule while stopped).
        await page.keyboard.down('Alt');
        try {
          await page.mouse.move(box.x - 20, box.y, { steps: 3 });
          await page.mouse.move(box.x, box.y, { steps: 5 });
          const hover = page.locator('.monaco-hover', { hasText: 'Crash origin' });
          let how = 'pointer with Alt';
          try {
            await hover.first().waitFor({ state: 'visible', timeout: 8_000 });
          } catch {
            // While a session is stopped VS Code may keep the editor's hover off for the pointer;
            // the keyboard's Show Hover (Ctrl+K Ctrl+I) on the line shows the same hovers.
            how = 'Show Hover (Ctrl+K Ctrl+I)';
            await page.keyboard.up('Alt');
            await page.mouse.click(box.x, box.y);
            await page.keyboard.press('Control+K');
            await page.keyboard.press('Control+I');
            try {
              await hover.first().waitFor({ state: 'visible', timeout: 20_000 });
            } catch (e) {
              const seen = await page.locator('.monaco-hover').allInnerTexts();
              throw new Error(`no crash hover on the origin line; hovers on screen: ${JSON.stringify(seen)} (${(e as Error).message})`);
            }
          }
          process.stderr.write(`[test-vscode] crash hover by ${how}\n`);
          await shot('browser-origin-hover.png')();
        } finally {
          await page.keyboard.up('Alt');
          await page.keyboard.press('Escape');
        }
      },
      shot('browser-failure-origin.png'),
    );
  }
  {
    const traceback = readFileSync(join(o.workspace, 'traceback.txt'), 'utf8');
    // The oracle: the first line the runtime printed (`panic: …` or `fatal error: …`).
    const first = traceback.split('\n').find((l) => /^(panic|fatal error): /.test(l));
    await step(
      results,
      `the debug session's Call Stack and exception widget show the crash (${first ?? '?'}), not Delve's "can not continue"`,
      async () => {
        if (!first) throw new Error(`no panic:/fatal error: line in ${join(o.workspace, 'traceback.txt')}`);
        const kind = first.startsWith('panic') ? 'panic' : 'fatal error';
        await page.keyboard.press('Control+Shift+D');
        const callStack = viewPane(page, 'Call Stack');
        await callStack.waitFor({ state: 'visible', timeout: 30_000 });
        const paused = callStack.locator('.state.label, .state', { hasText: `Paused on ${kind}` });
        await paused.first().waitFor({ state: 'visible', timeout: 30_000 });
        // The exception widget opens in the editor of the focused frame when its source is there.
        const widget = page.locator('.exception-widget');
        const widgetText = (await widget.count()) > 0 ? (await widget.first().innerText()).replace(/\s+/g, ' ') : '';
        process.stderr.write(`[test-vscode] exception widget: ${widgetText || '(not shown)'}\n`);
        await shot('browser-debug-exception.png')();
        const everything = await page.locator('.monaco-workbench').innerText();
        if (everything.includes('can not continue')) throw new Error(`Delve's "can not continue execution of core process" is on screen`);
        if (widgetText && !widgetText.includes(first.slice(first.indexOf(': ') + 2, first.indexOf(': ') + 40)))
          throw new Error(`the exception widget shows "${widgetText}", not the crash "${first}"`);
      },
      shot('browser-failure-debug-exception.png'),
    );
  }
  {
    // The oracle: every goroutine the runtime printed (GOTRACEBACK=crash prints them all).
    const traceback = readFileSync(join(o.workspace, 'traceback.txt'), 'utf8');
    const printed = new Set([...traceback.matchAll(/^goroutine (\d+) /gm)].map((m) => m[1])).size;
    await step(
      results,
      `the Goroutines view counts the ${printed} goroutines the runtime printed`,
      async () => {
        if (!(await viewPane(page, 'Goroutines').isVisible())) {
          await page.locator('.activitybar .action-item a[aria-label^="Go Core"]').click({ timeout: 10_000 });
        }
        const header = viewPane(page, 'Goroutines').locator('.pane-header');
        if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
        const want = `${printed} goroutine${printed === 1 ? '' : 's'}`;
        const rows = await viewRows(page, 'Goroutines', (texts) => texts.some((t) => t.startsWith(want) && !t.includes('match')), 60_000);
        process.stderr.write(`[test-vscode] Goroutines: ${rows.slice(0, 8).join(' | ')}\n`);
        await shot('browser-goroutines.png')();
      },
      shot('browser-failure-goroutines.png'),
    );
  }
  await step(
    results,
    'the PORTS count stays 0: the Delve connection is not offered for forwarding',
    async () => {
      // The status bar's forwarded-ports item (radio-tower icon) counts what VS Code forwards.
      const item = page.locator('.part.statusbar .statusbar-item').filter({ has: page.locator('.codicon-radio-tower') });
      await item.first().waitFor({ state: 'visible', timeout: 10_000 });
      // VS Code's port detection polls: give it the time it needs to see a listener.
      await page.waitForTimeout(5000);
      const text = (await item.first().innerText()).trim();
      process.stderr.write(`[test-vscode] ports item: ${JSON.stringify(text)}\n`);
      if (text !== '0') {
        await item.first().click();
        const rows = page.locator('.part.panel .monaco-list-row, .part.panel tr');
        await rows.first().waitFor({ state: 'visible', timeout: 10_000 }).catch(() => undefined);
        const seen = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
        await shot('browser-ports.png')();
        throw new Error(`the PORTS count is ${JSON.stringify(text)}, expected 0; forwarded: ${seen.join(' | ')}`);
      }
    },
    shot('browser-failure-ports.png'),
  );
  await step(
    results,
    'no error notification after the walk-through',
    async () => {
      const errors = await errorNotifications(page);
      if (errors.length > 0) throw new Error(`VS Code shows errors: ${errors.join(' | ')}`);
    },
    shot('browser-failure-errors.png'),
  );
  await shot('browser-end.png')();
  return results;
}

const OPEN_CORE_DUMP = 'goCoreInspector.openCoreDump';
const PANIC_FRAMES_VIEW = 'goCoreInspector.panicFrames';

function contributesView(repo: string, id: string): boolean {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
    contributes?: { views?: Record<string, { id: string }[]> };
  };
  return Object.values(pkg.contributes?.views ?? {}).some((views) => views.some((v) => v.id === id));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Texts of the error notifications on screen (toasts with the error icon). */
export async function errorNotifications(page: Page): Promise<string[]> {
  const toasts = page.locator('.notification-toast').filter({ has: page.locator('.codicon-error') });
  return (await toasts.locator('.notification-list-item-message').allInnerTexts()).map((t) => t.trim());
}

/** The pane of a view in the side bar, by its visible title. */
export function viewPane(page: Page, title: string): Locator {
  return page.locator('.pane').filter({ has: page.locator('.pane-header', { hasText: title }) });
}

/**
 * Waits until a view's rows satisfy `ok` and returns their visible texts. Opens the view's
 * container from the activity bar (as a person would) when the view is not visible.
 */
export async function viewRows(
  page: Page,
  title: string,
  ok: (texts: string[]) => boolean,
  timeoutMs: number,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let texts: string[] = [];
  let clickedContainer = false;
  while (Date.now() < deadline) {
    const errors = await errorNotifications(page);
    if (errors.length > 0)
      throw new Error(`VS Code shows an error while waiting for "${title}": ${errors.join(' | ')}`);
    const pane = viewPane(page, title);
    if (await pane.isVisible()) {
      texts = (await pane.locator('.monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
      if (ok(texts)) return texts;
    } else if (!clickedContainer && Date.now() > deadline - timeoutMs + 10_000) {
      clickedContainer = true;
      await page
        .locator('.activitybar .action-item a[aria-label^="Go Core"]')
        .click({ timeout: 5000 })
        .catch(() => undefined);
    }
    await page.waitForTimeout(500);
  }
  throw new Error(
    `view "${title}" did not show the expected rows within ${timeoutMs / 1000} s; rows: ${texts.join(' | ') || 'none'}`,
  );
}
