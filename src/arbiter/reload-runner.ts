// Carries out a rolling reload on the pool (the sequencing is core/rolling-reload's): holds the
// reload's state, retires what a step says to retire, hands the replacement under way to the plan,
// tags the worker the plan spawns for it, and retires the old worker once that one is ready.
import type { Replacement, WorkerId, WorkerView } from '../core/types.js';
import {
  abortsReload,
  replacementReady,
  replacementSpawned,
  startReload,
  stepReload,
  takeOn,
  type OldWorker,
  type ReloadState,
  type ReloadView,
} from '../core/rolling-reload.js';
import type { Logger } from './logger.js';
import type { PoolWorker } from './pool-types.js';

/** What the runner needs from the pool. */
export interface ReloadHost {
  readonly workers: ReadonlyMap<number, PoolWorker>;
  view(): ReloadView;
  retire(w: PoolWorker): void;
  ended(how: 'complete' | 'aborted'): void;
  readonly log: Logger;
}

export class ReloadRunner {
  #state: ReloadState | null = null;
  readonly #host: ReloadHost;

  constructor(host: ReloadHost) {
    this.#host = host;
  }

  /** Progress for status, or null when no reload runs. */
  get progress(): { replaced: number; total: number } | null {
    return this.#state ? { replaced: this.#state.replaced, total: this.#state.total } : null;
  }

  /** The replacement under way, for the plan (Desired.replacement). */
  get replacement(): Replacement | null {
    return this.#state?.current ?? null;
  }

  /** Replaces `old`, one at a time; a reload already under way takes them on (nothing is replaced twice). */
  replace(old: readonly OldWorker[]): void {
    this.#state = this.#state ? takeOn(this.#state, old) : startReload(old);
  }

  /** One step, at the start of each reconcile pass (before the plan). */
  advance(): void {
    if (!this.#state) return;
    const h = this.#host;
    const view = h.view();
    const step = stepReload(this.#state, view);
    this.#state = step.state;
    for (const { id, why } of step.retire) {
      const w = h.workers.get(id);
      if (!w) continue;
      const reason = why === 'surplus' ? `is no longer needed at target ${view.target}` : 'holds no configured app any more';
      h.log.info(`Reload: worker ${id} (pid:${w.process.pid}) ${reason}; it retires instead of being replaced`);
      h.retire(w);
    }
    for (const { id, apps } of step.kept) {
      h.log.warn(`Reload: worker ${id} is kept as it is: the crash-loop breaker of [${apps.join(', ')}] is open, its replacement cannot start`);
    }
    if (step.done) {
      h.log.info(`Reload complete: ${this.#state.replaced} worker(s) replaced`);
      this.#end('complete');
    }
  }

  /** The plan spawned worker `id` as the replacement of `replaces`. */
  spawned(replaces: WorkerId, id: WorkerId): void {
    if (this.#state) this.#state = replacementSpawned(this.#state, replaces, id);
  }

  /** Worker `w` is ready: when it is the replacement under way, the worker it replaces retires. */
  ready(w: PoolWorker): void {
    if (!this.#state) return;
    const r = replacementReady(this.#state, w.id);
    this.#state = r.state;
    const old = r.retire === null ? undefined : this.#host.workers.get(r.retire);
    if (!old) return;
    this.#host.log.info(`Reload: worker ${w.id} replaces worker ${old.id} (pid:${old.process.pid}), which now retires`);
    this.#host.retire(old);
  }

  /** Worker `w` died unexpectedly (`how`): the reload aborts when it was the replacement (the new code does not boot). */
  crashed(w: PoolWorker, how: string): void {
    if (!this.#state || !abortsReload(this.#state, w.id)) return;
    this.#host.log.error(`Reload aborted: the replacement worker ${w.id} ${w.killReason ?? how} before it was ready; the old workers keep serving`);
    this.#end('aborted');
  }

  #end(how: 'complete' | 'aborted'): void {
    this.#state = null;
    this.#host.ended(how);
  }
}

/** The old workers a reload replaces: every worker not already retiring. */
export function oldWorkers(views: readonly WorkerView[]): OldWorker[] {
  return views.filter((w) => w.state !== 'retiring').map((w) => ({ id: w.id, apps: w.apps }));
}
