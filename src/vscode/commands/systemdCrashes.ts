// "Open a Go Crash from systemd-coredump…": the machine's Go crashes that systemd-coredump kept
// (`coredumpctl list --json=short`, filtered to Go executables by their build info; the engine's
// src/analysis/systemdCoredumps.ts), picked in a list, written out with `coredumpctl dump` into the
// cache and opened like any core. Where coredumpctl does not exist, the command says so.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { crashLabel, dumpCore, listGoCrashes, type GoCrash } from '../../analysis/systemdCoredumps.js';
import { formatError } from '../../core/errors.js';
import { signalName } from '../../core/notes.js';
import { Commands } from '../constants.js';
import { openCoreDump, type OpenCoreDeps } from './openCoreDump.js';

export function registerSystemdCrashes(context: vscode.ExtensionContext, deps: OpenCoreDeps): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.openSystemdCrash, async () => {
      let crashes: GoCrash[];
      try {
        crashes = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: 'Listing the Go crashes kept by systemd-coredump' },
          () => listGoCrashes(),
        );
      } catch (e) {
        const msg = formatError(e, 'editor');
        deps.logger.warn(`systemd-coredump: ${msg}`);
        void vscode.window.showErrorMessage(msg);
        return undefined;
      }
      deps.logger.info(`systemd-coredump: ${crashes.length} crash${crashes.length === 1 ? '' : 'es'} of Go programs`);
      if (crashes.length === 0) {
        void vscode.window.showInformationMessage('systemd-coredump keeps no crash of a Go program on this machine.');
        return undefined;
      }
      const items = crashes.map((c) => ({
        label: `${c.dumpable ? '$(file-binary)' : '$(circle-slash)'} ${basename(c.exe)}`,
        description: `pid ${c.pid} · ${c.signal !== null ? signalName(c.signal) : 'no signal'} · ${c.goVersion}`,
        detail: `${crashLabel(c)} · core ${c.corefile ?? 'not stored'}`,
        crash: c,
      }));
      const picked = await vscode.window.showQuickPick(items, { title: 'Open a Go Crash from systemd-coredump', matchOnDescription: true, matchOnDetail: true });
      if (!picked) return undefined;
      let core: string;
      try {
        core = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Writing out the core of ${basename(picked.crash.exe)} (pid ${picked.crash.pid})` },
          () => dumpCore(picked.crash),
        );
      } catch (e) {
        void vscode.window.showErrorMessage(formatError(e, 'editor'));
        return undefined;
      }
      deps.logger.info(`systemd-coredump: core of ${crashLabel(picked.crash)} written to ${core}`);
      return openCoreDump(deps, core, picked.crash.exe, { startDebugSession: true });
    }),
  );
}
