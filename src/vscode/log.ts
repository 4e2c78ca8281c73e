// The extension's output channel, shared by every feature as a plain logger.
import * as vscode from 'vscode';
import { OUTPUT_CHANNEL } from './constants.js';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  trace(message: string): void;
}

/** How many of the latest lines `recent()` keeps (what tests read; the channel keeps everything). */
const RECENT_LINES = 500;

export function createLogger(context: vscode.ExtensionContext): Logger & { channel: vscode.LogOutputChannel; recent(): string[] } {
  const channel = vscode.window.createOutputChannel(OUTPUT_CHANNEL, { log: true });
  context.subscriptions.push(channel);
  const recent: string[] = [];
  const keep = (level: string, m: string) => {
    recent.push(`[${level}] ${m}`);
    if (recent.length > RECENT_LINES) recent.splice(0, recent.length - RECENT_LINES);
  };
  return {
    channel,
    recent: () => [...recent],
    info: (m) => (keep('info', m), channel.info(m)),
    warn: (m) => (keep('warn', m), channel.warn(m)),
    error: (m) => (keep('error', m), channel.error(m)),
    trace: (m) => channel.trace(m),
  };
}
