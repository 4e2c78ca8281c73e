// Crash logs saved as .txt or .log: VS Code picks the language by extension before `firstLine`, so
// a `traceback.txt` opens as plain text. When such a file's first non-empty line is a Go crash header
// (`panic: `, `fatal error: `, `goroutine N [`, or a signal header such as `SIGSEGV: segmentation
// violation`, as the runtime prints them: src/runtime/panic.go, signal_unix.go, traceback.go), it is
// switched to the go-traceback language. `goCoreInspector.detectTracebacks` (default on) turns it off.
import * as vscode from 'vscode';
import { Settings, TRACEBACK_LANGUAGE_ID } from '../constants.js';

const HEADER = /^(panic: |fatal error: |goroutine \d+ (gp=0x[0-9a-f]+ )?.*\[|SIG[A-Z]+: )/;

/** True when the text's first non-empty line (within the first 4 KiB) is a Go crash header. */
export function looksLikeTraceback(text: string): boolean {
  const first = text
    .slice(0, 4096)
    .split(/\r?\n/)
    .find((l) => l.trim() !== '');
  return first !== undefined && HEADER.test(first.replace(/^\uFEFF/, ''));
}

function candidate(doc: vscode.TextDocument): boolean {
  // VS Code gives .log files its own `log` language, .txt files `plaintext`: only those are switched.
  return (doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled') && (doc.languageId === 'plaintext' || doc.languageId === 'log') && /\.(txt|log)$/i.test(doc.uri.path);
}

export function registerTracebackDetection(context: vscode.ExtensionContext): void {
  const check = (doc: vscode.TextDocument): void => {
    if (!candidate(doc)) return;
    if (!vscode.workspace.getConfiguration(Settings.section).get<boolean>(Settings.detectTracebacks, true)) return;
    if (looksLikeTraceback(doc.getText(new vscode.Range(0, 0, 200, 0)))) {
      void vscode.languages.setTextDocumentLanguage(doc, TRACEBACK_LANGUAGE_ID).then(undefined, () => undefined);
    }
  };
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(check));
  vscode.workspace.textDocuments.forEach(check);
}
