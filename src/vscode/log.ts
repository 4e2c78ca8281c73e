// The extension's output channel, shared by every feature as a plain logger.
import * as vscode from 'vscode';
import { OUTPUT_CHANNEL } from './constants.js';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  trace(message: string): void;
}

export function createLogger(context: vscode.ExtensionContext): Logger & { channel: vscode.LogOutputChannel } {
  const channel = vscode.window.createOutputChannel(OUTPUT_CHANNEL, { log: true });
  context.subscriptions.push(channel);
  return {
    channel,
    info: (m) => channel.info(m),
    warn: (m) => channel.warn(m),
    error: (m) => channel.error(m),
    trace: (m) => channel.trace(m),
  };
}
