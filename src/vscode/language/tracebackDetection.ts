// Crash logs saved as .txt or .log: VS Code picks the language by extension before `firstLine`, so
// a `traceback.txt` opens as plain text. When such a file is a Go crash log (its first non-empty
// line a crash header, or a race report of a -race build in it: src/traceback/detect.ts), it is
// switched to the go-traceback language. `goCoreInspector.detectTracebacks` (default on) turns it off.
import * as vscode from 'vscode';
import { looksLikeCrashLog } from '../../traceback/detect.js';
import { Settings, TRACEBACK_LANGUAGE_ID } from '../constants.js';

/** Lines read from the top of a candidate file (a race report may follow pages of program output). */
const DETECTION_LINES = 5000;

/** True when the text is a Go crash log (src/traceback/detect.ts looksLikeCrashLog). */
export function looksLikeTraceback(text: string): boolean {
  return looksLikeCrashLog(text);
}

function candidate(doc: vscode.TextDocument): boolean {
  // VS Code gives .log files its own `log` language, .txt files `plaintext`: only those are switched.
  return (doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled') && (doc.languageId === 'plaintext' || doc.languageId === 'log') && /\.(txt|log)$/i.test(doc.uri.path);
}

export function registerTracebackDetection(context: vscode.ExtensionContext): void {
  const check = (doc: vscode.TextDocument): void => {
    if (!candidate(doc)) return;
    if (!vscode.workspace.getConfiguration(Settings.section).get<boolean>(Settings.detectTracebacks, true)) return;
    if (looksLikeTraceback(doc.getText(new vscode.Range(0, 0, DETECTION_LINES, 0)))) {
      void vscode.languages.setTextDocumentLanguage(doc, TRACEBACK_LANGUAGE_ID).then(undefined, () => undefined);
    }
  };
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(check));
  vscode.workspace.textDocuments.forEach(check);
}
