// Maps the crash frames' PCs to instructions and SSA values in the background (rebuilding each
// function with the binary's exact toolchain, src/ssa), then updates the views and annotations.
// Never in an untrusted workspace (only cached results there), never without the user's consent
// for that binary (ssaConsent.ts), only from a module inside a workspace folder; cancellable; one
// rebuild at a time.
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { SourcePathMapper } from '../../analysis/pathMapping.js';
import { findModuleRoot, RebuildNotAllowedError, type PcMapping } from '../../ssa/pcToSsa.js';
import type { Logger } from '../log.js';
import type { FrameModel, SsaAnnotation } from '../model.js';
import type { CoreSessions, OpenCore } from '../session/coreSessions.js';
import type { SsaConsent } from './ssaConsent.js';

export function ssaAnnotation(m: PcMapping): SsaAnnotation | undefined {
  const value = m.ssaValue?.text ?? m.ssaBlock?.text;
  if (!value) return undefined;
  return {
    value,
    verified: m.verified,
    reason: m.reason,
    neighbours: m.neighbours.map((n) => n.text),
    function: m.function,
    listing: m.genssaRows.map((r) => `${r.value ?? '    '}\t${r.line !== undefined ? `(${r.isStmt ? '+' : ''}${r.line})` : ''}\t${r.text}`),
    listingRow: m.genssaRow,
  };
}

/** Frames worth rebuilding: user code first (the origin frame first), one per physical PC. */
export function framesToMap(frames: FrameModel[]): FrameModel[] {
  const seen = new Set<string>();
  const user = frames.filter((f) => !f.runtime);
  const ordered = [...user.filter((f) => f.origin), ...user.filter((f) => !f.origin)];
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

/** Replaces the view's SSA note (one at a time: a retry never adds a second one). */
function setSsaNote(core: OpenCore, note: string | undefined): void {
  core.model.notes = core.model.notes.filter((n) => !n.startsWith('SSA'));
  if (note) core.model.notes.push(note);
}

export async function annotateCoreWithSsa(
  sessions: CoreSessions,
  core: OpenCore,
  opts: SsaAnnotatorOptions,
  token?: vscode.CancellationToken,
): Promise<void> {
  const frames = framesToMap([...core.model.frames, ...core.model.systemFrames]);
  if (frames.length === 0) return;
  const abort = new AbortController();
  token?.onCancellationRequested(() => abort.abort());
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Go Core: rebuilding for SSA', cancellable: true },
    async (progress, progressToken) => {
      progressToken.onCancellationRequested(() => abort.abort());
      for (const frame of frames) {
        if (abort.signal.aborted || !sessions.get(core.id)) return;
        const local = frame.file ? opts.mapper.map(frame.file)?.path : undefined;
        const root = local ? findModuleRoot(dirname(local))?.root : undefined;
        if (!root) {
          opts.logger.info(`SSA: no local source for ${frame.func} (${frame.file ?? '?'}); not rebuilt`);
          continue;
        }
        progress.report({ message: frame.func });
        try {
          if (!core.engine) return;
          const m = await core.engine.mapSsa({
            pc: BigInt(frame.pc),
            isReturnAddress: !frame.faulting,
            sourceRoot: root,
            goroots: opts.goroots,
            allowRebuild: opts.trusted,
            allowedRoots: opts.allowedRoots,
            confirmRebuild: (plan) =>
              opts.consent.confirm(
                core.model.buildId ?? `path:${core.binaryPath}`,
                core.binaryPath,
                plan,
                opts.interactive,
                opts.onAllowed,
              ),
            signal: abort.signal,
            onProgress: (msg) => progress.report({ message: `${frame.func}: ${msg}` }),
          });
          // Inlined frames share the physical PC: annotate each frame with that PC.
          for (const f of [...core.model.frames, ...core.model.systemFrames]) {
            if (f.pc !== frame.pc) continue;
            f.instruction = m.instruction?.text;
            f.ssa = ssaAnnotation(m);
          }
          if (frame.origin) setSsaNote(core, undefined);
          sessions.annotate(core);
          opts.logger.info(
            `SSA for ${frame.func} at ${frame.pc}: ${m.verified ? 'verified' : 'not verified'} (${m.reason})` +
              (m.rebuild.cached ? ', from the cache' : `; rebuilt with go ${m.rebuild.args.join(' ')}`) +
              (m.rebuild.ignoredSettings.length ? `; not taken from the binary: ${m.rebuild.ignoredSettings.join('; ')}` : ''),
          );
        } catch (e) {
          if (abort.signal.aborted) return;
          const msg = e instanceof Error ? e.message : String(e);
          opts.logger.warn(`SSA for ${frame.func} at ${frame.pc}: ${msg}`);
          if (e instanceof RebuildNotAllowedError) {
            const denied = opts.consent.decision(core.model.buildId ?? `path:${core.binaryPath}`) === 'denied';
            setSsaNote(
              core,
              denied
                ? 'SSA: rebuilding is not allowed for this binary (Go Core: Reset SSA Rebuild Permissions to be asked again)'
                : 'SSA: waiting for your permission to rebuild (Show SSA for This Frame asks)',
            );
            sessions.update(core);
            return;
          }
          if (frame.origin) setSsaNote(core, `SSA not available: ${msg.split('\n')[0]}`);
          sessions.update(core);
        }
      }
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

  /** Registers the listing of a frame and returns its URI and the line of the crash instruction. */
  put(frame: FrameModel): { uri: vscode.Uri; line: number } | undefined {
    const ssa = frame.ssa;
    if (!ssa?.listing) return undefined;
    const header = [
      `// genssa of ${ssa.function ?? frame.func} (the compiler's last SSA pass, as GOSSAFUNC prints it)`,
      `// crash frame ${frame.func} at pc ${frame.pc}: ${ssa.value}`,
      `// ${ssa.verified ? 'verified: the rebuilt code equals the binary byte for byte (relocations aside)' : `unverified: ${ssa.reason ?? 'the code differs'}`}`,
      '',
    ];
    const uri = vscode.Uri.from({ scheme: SsaDocuments.scheme, path: `/${ssa.function ?? frame.func}.ssa`, query: frame.pc });
    this.docs.set(uri.toString(), [...header, ...ssa.listing].join('\n') + '\n');
    return { uri, line: header.length + (ssa.listingRow ?? 0) };
  }
}
