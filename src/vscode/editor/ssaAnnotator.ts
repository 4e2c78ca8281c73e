// Maps the crash frames' PCs to instructions and SSA values in the background (rebuilding each
// function with the binary's exact toolchain, src/ssa), then updates the views and annotations.
// Never in an untrusted workspace (only cached results there), never without the user's consent
// for that binary (ssaConsent.ts), only from a module inside a workspace folder; cancellable; one
// rebuild at a time.
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { originOf } from '../../analysis/crashSummary.js';
import { annotateFrames } from '../../analysis/annotate.js';
import type { SourcePathMapper } from '../../analysis/pathMapping.js';
import type { ReportFrame } from '../../analysis/report.js';
import { findModuleRoot, RebuildNotAllowedError, type PcMapping } from '../../ssa/pcToSsa.js';
import type { Logger } from '../log.js';
import { ignoredMachineSettings } from '../settings.js';
import type { CoreSessions, OpenCore } from '../session/coreSessions.js';
import { frameFunction, isRuntimeFrame, type ShownFrame } from '../views/frameText.js';
import type { SsaConsent } from './ssaConsent.js';
import { formatError } from '../../core/errors.js';

/** The SSA that produced a pc's instruction: the value (`v16 = CALL ...`), or a branch's block; undefined when none. */
export function ssaText(m: PcMapping): string | undefined {
  return m.ssaValue?.text ?? m.ssaBlock?.text;
}

/** Frames worth rebuilding: user code first (the origin frame first), one per physical PC. */
export function framesToMap(frames: readonly ReportFrame[]): ReportFrame[] {
  const seen = new Set<string>();
  const origin = originOf(frames);
  const user = frames.filter((f) => !isRuntimeFrame(f));
  const ordered = [...user.filter((f) => f === origin), ...user.filter((f) => f !== origin)];
  return ordered.filter((f) => {
    if (seen.has(f.pc)) return false;
    seen.add(f.pc);
    return true;
  });
}

export interface SsaAnnotatorOptions {
  logger: Logger;
  goroots: Record<string, string>;
  trusted: boolean;
  mapper: SourcePathMapper;
  consent: SsaConsent;
  /** The user asked for SSA (a command), rather than the automatic pass after opening. */
  interactive: boolean;
  /** Folders a rebuild may run in: the workspace folders (trusted workspaces only). */
  allowedRoots: string[];
  /** Runs when the user allows the binary later, from the notification. */
  onAllowed: () => void;
}

/** The key a binary's rebuild permission is stored under: its build ID (Go, else GNU), as the language server receives it. */
export function consentKey(core: OpenCore): string {
  const ids = core.engine.binary.buildIds;
  return ids.go ?? ids.gnu ?? `path:${core.binaryPath}`;
}

/**
 * Replaces the view's SSA note: every earlier SSA note goes (a retry or a second pass never adds
 * another), and the new one is one line (a multi-line reason, e.g. "… Looked at:" and its list,
 * is folded onto the line so the row does not end at the colon).
 */
export function setSsaNote(core: Pick<OpenCore, 'notes'>, note: string | undefined): void {
  for (let i = core.notes.length - 1; i >= 0; i--) if (core.notes[i]!.startsWith('SSA')) core.notes.splice(i, 1);
  if (note) core.notes.push(note.replace(/\s*\n\s*/g, ' ').trim());
}

/** The pass running per core: a second pass (the command while the automatic one runs) waits for it. */
const running = new WeakMap<OpenCore, Promise<void>>();

export async function annotateCoreWithSsa(
  sessions: CoreSessions,
  core: OpenCore,
  opts: SsaAnnotatorOptions,
  token?: vscode.CancellationToken,
): Promise<void> {
  const before = running.get(core);
  const pass = (async () => {
    await before?.catch(() => undefined);
    await annotatePass(sessions, core, opts, token);
  })();
  running.set(core, pass);
  try {
    await pass;
  } finally {
    if (running.get(core) === pass) running.delete(core);
  }
}

async function annotatePass(
  sessions: CoreSessions,
  core: OpenCore,
  opts: SsaAnnotatorOptions,
  token?: vscode.CancellationToken,
): Promise<void> {
  const frames = core.report.crash.frames;
  if (framesToMap(frames).length === 0) return;
  const abort = new AbortController();
  token?.onCancellationRequested(() => abort.abort());
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Go Core: rebuilding for SSA', cancellable: true },
    async (progress, progressToken) => {
      progressToken.onCancellationRequested(() => abort.abort());
      // The one code path of `go-core report --ssa` (src/analysis/annotate.ts): each physical pc
      // mapped once with its frame's rule, the origin first; its inlined frames share the answer.
      let refused = false;
      await annotateFrames(core.engine, frames, {
        sourceRoot: (frame) => {
          const local = frame.file ? opts.mapper.mapFrame(frame)?.path : undefined;
          const root = local ? findModuleRoot(dirname(local))?.root : undefined;
          if (!root) opts.logger.info(`SSA: no local source for ${frame.function} (${frame.file || '?'}); not rebuilt`);
          return root;
        },
        noSourceHint: 'its module is not in this workspace (Choose Source Folder…)',
        goroots: opts.goroots,
        allowRebuild: opts.trusted,
        allowedRoots: opts.allowedRoots,
        confirmRebuild: (plan) => opts.consent.confirm(consentKey(core), core.binaryPath, plan, opts.interactive, opts.onAllowed),
        signal: abort.signal,
        onProgress: (msg) => progress.report({ message: msg }),
        onFrame: (a, m, e) => {
          if (abort.signal.aborted || !sessions.get(core.id)) {
            abort.abort();
            return;
          }
          const frame = frames[a.frame]!;
          if (!m) {
            if (e === undefined) return; // no local source: logged above
            const msg = formatError(e, 'editor');
            if (refused) return;
            opts.logger.warn(`SSA for ${a.function} at ${a.pc}: ${msg}`);
            if (e instanceof RebuildNotAllowedError) {
              // Nothing else is rebuilt in this pass: say why once.
              refused = true;
              abort.abort();
              const denied = opts.consent.decision(consentKey(core)) === 'denied';
              setSsaNote(
                core,
                denied
                  ? 'SSA: rebuilding is not allowed for this binary (Go Core: Reset SSA Rebuild Permissions to be asked again)'
                  : 'SSA: waiting for your permission to rebuild (Show SSA for This Frame asks)',
              );
            } else if (a.origin) {
              setSsaNote(core, `SSA not available: ${msg}${ignoredMachineSettings().length ? ` (${ignoredMachineSettings().join(' ')})` : ''}`);
            }
            sessions.update(core);
            return;
          }
          // Keyed by the physical pc: the inlined frames of that physical frame share it and its rule.
          core.annotations.set(a.pc, m);
          core.frameAnnotations.set(frame, a);
          // SSA works: no "not available" or "waiting" row stays (the views refresh).
          if (a.origin || core.notes.some((n) => n.startsWith('SSA: waiting'))) {
            setSsaNote(core, undefined);
            sessions.update(core);
          }
          sessions.annotate(core);
          if (a.inlined && frames.some((f, i) => i !== a.frame && f.pc === a.pc && core.frameAnnotations.has(f))) return; // logged once per pc
          opts.logger.info(
            `SSA for ${a.function} at ${a.pc} (${a.rule}): ${a.instruction?.text ?? 'no instruction'} · ${a.verified ? 'verified' : 'not verified'} (${a.reason})` +
              (m.rebuild.cached ? ', from the cache' : `; rebuilt with go ${m.rebuild.args.join(' ')}`) +
              (m.rebuild.ignoredSettings.length ? `; not taken from the binary: ${m.rebuild.ignoredSettings.join('; ')}` : ''),
          );
        },
      });
    },
  );
}

/** Read-only documents `go-core-ssa:/<function>.ssa?<key>` holding a function's genssa listing. */
export class SsaDocuments implements vscode.TextDocumentContentProvider {
  static readonly scheme = 'go-core-ssa';
  private readonly docs = new Map<string, string>();

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.toString()) ?? '// This SSA listing is no longer available: run "Show SSA for This Frame" again.';
  }

  /**
   * Registers the genssa listing of the function a frame's pc was mapped into and returns its URI
   * and the line of the crash instruction; undefined when that pc has no SSA value.
   */
  put(frame: ShownFrame, m: PcMapping | undefined): { uri: vscode.Uri; line: number } | undefined {
    const value = m && ssaText(m);
    if (!value) return undefined;
    const header = [
      `// genssa of ${m.function} (the compiler's last SSA pass, as GOSSAFUNC prints it)`,
      `// crash frame ${frameFunction(frame)} at pc ${frame.pc}: ${value}`,
      `// ${m.verified ? 'verified: the rebuilt code equals the binary byte for byte (relocations aside)' : `unverified: ${m.reason || 'the code differs'}`}`,
      '',
    ];
    const listing = m.genssaRows.map((r) => `${r.value ?? '    '}\t${r.line !== undefined ? `(${r.isStmt ? '+' : ''}${r.line})` : ''}\t${r.text}`);
    const uri = vscode.Uri.from({ scheme: SsaDocuments.scheme, path: `/${m.function}.ssa`, query: frame.pc });
    this.docs.set(uri.toString(), [...header, ...listing].join('\n') + '\n');
    return { uri, line: header.length + (m.genssaRow ?? 0) };
  }
}
