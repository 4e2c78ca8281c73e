// The manifest and the constants module must name the same commands, views and settings.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Commands, DEBUG_TYPE, EXTENSION_ID, Settings, Views } from '../../src/vscode/constants.js';

interface Manifest {
  name: string;
  activationEvents: string[];
  publisher: string;
  contributes: {
    commands: { command: string }[];
    views: Record<string, { id: string }[]>;
    viewsContainers: { activitybar: { id: string }[] };
    configuration: { properties: Record<string, unknown> };
    debuggers: { type: string }[];
    menus: Record<string, { command: string }[]>;
  };
}

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as Manifest;

test('extension id is publisher.name', () => {
  assert.equal(`${manifest.publisher}.${manifest.name}`, EXTENSION_ID);
});

test('every command constant is contributed, and every contributed command is a constant', () => {
  const contributed = manifest.contributes.commands.map((c) => c.command).sort();
  assert.deepEqual(contributed, Object.values(Commands).sort());
});

test('a crash log saved as .txt or .log wakes the extension (its detection switches the language), in a workspace without a core too', () => {
  // VS Code gives those files the plaintext and log languages (src/vscode/language/tracebackDetection.ts).
  for (const lang of ['plaintext', 'log']) assert.ok(manifest.activationEvents.includes(`onLanguage:${lang}`), `onLanguage:${lang}`);
});

test('menus only name contributed commands', () => {
  const known = new Set(Object.values(Commands) as string[]);
  for (const [menu, items] of Object.entries(manifest.contributes.menus)) {
    for (const item of items) assert.ok(known.has(item.command), `${menu} names unknown command ${item.command}`);
  }
});

test('views and container match the constants', () => {
  assert.deepEqual(
    manifest.contributes.viewsContainers.activitybar.map((c) => c.id),
    [Views.container],
  );
  const ids = (manifest.contributes.views[Views.container] ?? []).map((v) => v.id).sort();
  assert.deepEqual(ids, [Views.panicFrames, Views.goroutines, Views.panicChain, Views.threads, Views.heap].sort());
});

test('settings match the constants', () => {
  const props = Object.keys(manifest.contributes.configuration.properties).sort();
  const expected = Object.entries(Settings)
    .filter(([k]) => k !== 'section')
    .map(([, v]) => `${Settings.section}.${v}`)
    .sort();
  assert.deepEqual(props, expected);
});

test('debugger type matches', () => {
  assert.deepEqual(
    manifest.contributes.debuggers.map((d) => d.type),
    [DEBUG_TYPE],
  );
});
