// Consent per binary before anything is rebuilt for SSA. A binary's build info is written by whoever
// built it; the rebuild runs the user's own Go toolchain on the user's own source with an
// allow-listed subset of it (src/ssa/buildFlags.ts). The first request shows exactly what will run
// (toolchain, directory, command, environment, what was not taken from the binary) and asks; the
// answer is remembered per build ID in the user's global state (never in the workspace).
import * as vscode from 'vscode';
import { describePlan, type RebuildPlan } from '../../ssa/rebuild.js';
import { StateKeys } from '../constants.js';

export type ConsentDecision = 'allowed' | 'denied';

const ALLOW = 'Allow for This Binary';
const NEVER = 'Never for This Binary';
const REVIEW = 'Review…';

export class SsaConsent implements vscode.Disposable {
  /** Keys with a pending non-modal question (one question per binary at a time). */
  private readonly asking = new Set<string>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when an answer is stored or forgotten. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento) {}

  dispose(): void {
    this.changed.dispose();
  }

  /** Build IDs of the binaries the user allowed to be rebuilt. */
  allowed(): string[] {
    return Object.entries(this.all())
      .filter(([, d]) => d === 'allowed')
      .map(([k]) => k);
  }

  private all(): Record<string, ConsentDecision> {
    return this.state.get<Record<string, ConsentDecision>>(StateKeys.ssaConsent) ?? {};
  }

  decision(key: string): ConsentDecision | undefined {
    return this.all()[key];
  }

  async set(key: string, decision: ConsentDecision | undefined): Promise<void> {
    const next = { ...this.all() };
    if (decision === undefined) delete next[key];
    else next[key] = decision;
    await this.state.update(StateKeys.ssaConsent, next);
    this.changed.fire();
  }

  /** Forget every answer (the "Reset SSA Rebuild Permissions" command). */
  async reset(): Promise<void> {
    await this.state.update(StateKeys.ssaConsent, {});
    this.changed.fire();
  }

  /** A modal question with the whole plan; resolves to the answer (undefined: not now). */
  private async askModal(key: string, binary: string, plan: RebuildPlan): Promise<boolean> {
    const pick = await vscode.window.showWarningMessage(
      `Rebuild functions of ${binary} with ${plan.toolchain.version} to show their SSA values?`,
      {
        modal: true,
        detail:
          'The build settings come from the binary; only those that change the generated code are used. ' +
          'Nothing runs until you allow it.\n\n' +
          describePlan(plan).join('\n'),
      },
      ALLOW,
      NEVER,
    );
    if (pick === ALLOW) await this.set(key, 'allowed');
    if (pick === NEVER) await this.set(key, 'denied');
    return pick === ALLOW;
  }

  /**
   * Whether this rebuild may run. Interactive (the user asked for SSA): a modal question when the
   * binary has no answer yet or was refused. Automatic: only binaries already allowed; otherwise a
   * notification offers to review the plan, and `onAllowed` runs when the user allows it later.
   */
  async confirm(
    key: string,
    binary: string,
    plan: RebuildPlan,
    interactive: boolean,
    onAllowed: () => void,
  ): Promise<boolean> {
    const d = this.decision(key);
    if (d === 'allowed') return true;
    if (interactive) return this.askModal(key, binary, plan);
    if (d === 'denied' || this.asking.has(key)) return false;
    this.asking.add(key);
    void vscode.window
      .showInformationMessage(
        `Go Core: SSA values for ${binary} need a rebuild with ${plan.toolchain.version}. Nothing is rebuilt until you allow it.`,
        REVIEW,
        NEVER,
      )
      .then(async (pick) => {
        this.asking.delete(key);
        if (pick === NEVER) await this.set(key, 'denied');
        if (pick === REVIEW && (await this.askModal(key, binary, plan))) onAllowed();
      });
    return false;
  }
}
