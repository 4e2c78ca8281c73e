// Extension entry point: wiring only. Features register themselves from their own modules.
import type * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {
  // Wiring is added by the features as they land.
}

export function deactivate(): void {}
