// One step of a rolling reload carried out on the pool: queue the next replacement, retire an old
// worker that is surplus or holds no configured app, or report the reload done.
import { isSurplus } from '../core/allocation.js';
import type { AppSpec, WorkerView } from '../core/types.js';
import type { Logger } from './logger.js';
import type { PoolWorker } from './pool-types.js';
import type { RollingReload } from './rolling-reload.js';

export interface ReloadHost {
  readonly workers: ReadonlyMap<number, PoolWorker>;
  readonly specs: readonly AppSpec[];
  readonly target: number;
  views(): WorkerView[];
  /** The apps the current config has. */
  readonly allowed: ReadonlySet<string>;
  readonly log: Logger;
  retire(w: PoolWorker): void;
  /** Runs a reconcile pass now (a retirement frees a slot for the next replacement). */
  runNow(): void;
  /** Queues a spawn of `apps` first in line, unless one already waits (pruning may have dropped it). */
  requeue(apps: readonly string[]): unknown;
}

export function advanceReload(r: RollingReload, h: ReloadHost): 'done' | 'going' {
  const alive = (id: number): boolean => h.workers.get(id)?.state === 'ready' || h.workers.get(id)?.state === 'starting';
  const step = r.step(alive, h.allowed);
  if (step.kind === 'spawn') {
    const id = r.awaiting;
    const old = id === null ? undefined : h.workers.get(id);
    const views = h.views();
    const view = old && views.find((v) => v.id === old.id);
    if (old && view && isSurplus(view, h.specs, views, h.target)) {
      // A scale-down made the old worker surplus: the pool meets its target without it, so it
      // is retired, not replaced (a replacement would never be spawned: the surge slot is taken).
      r.drop();
      h.log.info(`Reload: worker ${old.id} (pid:${old.process.pid}) is no longer needed at target ${h.target}; it retires instead of being replaced`);
      h.retire(old);
      h.runNow();
      return 'going';
    }
    h.requeue(step.apps);
  } else if (step.kind === 'retire') {
    const w = h.workers.get(step.id);
    if (w) h.retire(w);
    h.runNow();
  } else if (step.kind === 'done') {
    h.log.info(`Reload complete: ${step.replaced} worker(s) replaced`);
    return 'done';
  }
  return 'going';
}
