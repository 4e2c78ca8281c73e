// A slow model of an open core (the engine's waitsAsync(), which gives the event loop a turn every
// 25 ms, or heap(): synchronous, up to seconds), computed once per core off the first paint: the view shows a "computing…" row, the computation starts on
// a later turn of the event loop with a progress bar on the view, and the view fills when it ends.
// An error is kept and worded for the editor (formatError(e, 'editor')).
import * as vscode from 'vscode';
import { formatError } from '../../core/errors.js';
import type { OpenCore } from '../session/coreSessions.js';

export type Computed<T> = { state: 'computing' } | { state: 'done'; value: T; ms: number } | { state: 'failed'; message: string };

/** Lets the view's first answer (the "computing…" row) reach the window before the work blocks the host. */
const FIRST_PAINT_MS = 30;

export class CoreComputation<T> {
  private readonly results = new WeakMap<OpenCore, { computed: Computed<T>; done: Promise<Computed<T>> }>();

  constructor(
    private readonly compute: (core: OpenCore) => T | Promise<T>,
    private readonly viewId: string,
    private readonly title: string,
    private readonly onDone: (core: OpenCore) => void,
  ) {}

  /** What is known now; starts the computation the first time a core is asked for. */
  peek(core: OpenCore): Computed<T> {
    return this.start(core).computed;
  }

  /** The result, computed if needed. */
  async get(core: OpenCore): Promise<Computed<T>> {
    return this.start(core).done;
  }

  private start(core: OpenCore): { computed: Computed<T>; done: Promise<Computed<T>> } {
    const known = this.results.get(core);
    if (known) return known;
    const entry: { computed: Computed<T>; done: Promise<Computed<T>> } = { computed: { state: 'computing' }, done: Promise.resolve({ state: 'computing' }) };
    entry.done = Promise.resolve(
      vscode.window.withProgress({ location: { viewId: this.viewId }, title: this.title }, async () => {
        await new Promise((r) => setTimeout(r, FIRST_PAINT_MS));
        const t0 = performance.now();
        try {
          entry.computed = { state: 'done', value: await this.compute(core), ms: performance.now() - t0 };
        } catch (e) {
          entry.computed = { state: 'failed', message: formatError(e, 'editor', { oneLine: true }) };
        }
        return entry.computed;
      }),
    ).then((c) => {
      this.onDone(core);
      return c;
    });
    this.results.set(core, entry);
    return entry;
  }
}
