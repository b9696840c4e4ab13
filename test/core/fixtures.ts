// Builders shared by the core tests: worker views, desired states, the specs of the docs'
// examples, and a fake shell loop that carries out plans until they settle.

import { consumePendingRespawn, plan, prunePendingRespawns } from '../../src/core/reconcile.js';
import type { AppName, AppSpec, Desired, PlanAction, WorkerState, WorkerView } from '../../src/core/types.js';

export const worker = (id: number, apps: AppName[], state: WorkerState = 'ready', inflight = 0): WorkerView => ({
  id,
  apps,
  state,
  inflight,
});

/** gunicorn's docs example: Light (all workers), Heavy (2), Single (1). */
export const LIGHT_HEAVY_SINGLE: AppSpec[] = [
  { name: 'L', limit: null },
  { name: 'H', limit: 2 },
  { name: 'S', limit: 1 },
];

/** The setup where gunicorn's "kill oldest" scale-down strips a limited app: U (all workers) and L (2). */
export const U_L2: AppSpec[] = [
  { name: 'U', limit: null },
  { name: 'L', limit: 2 },
];

export function desired(overrides: Partial<Desired> = {}): Desired {
  return {
    target: 2,
    specs: U_L2,
    stopping: false,
    pendingRespawns: [],
    maxConcurrentSpawns: 8,
    backoffUntil: new Map(),
    broken: new Set(),
    replacement: null,
    ...overrides,
  };
}

export interface Settled {
  readonly workers: WorkerView[];
  readonly passes: number;
  readonly history: PlanAction[][];
}

/**
 * A fake shell: prunes the pending respawns, plans, and carries the plan out at once
 * (spawned workers are ready, retired workers are gone), until a plan has nothing to do.
 * Returns null if it does not settle within `maxPasses`.
 */
export function settle(start: Desired, initial: readonly WorkerView[], now = 0, maxPasses = 20): Settled | null {
  let workers = [...initial];
  let nextId = Math.max(0, ...workers.map((w) => w.id)) + 1;
  let pendingRespawns = [...start.pendingRespawns];
  const history: PlanAction[][] = [];
  for (let passes = 1; passes <= maxPasses; passes += 1) {
    const state: Desired = { ...start, pendingRespawns: prunePendingRespawns({ ...start, pendingRespawns }, workers) };
    const actions = plan(state, workers, now);
    history.push(actions);
    pendingRespawns = [...state.pendingRespawns];
    if (!actions.some((a) => a.kind === 'spawn' || a.kind === 'retire')) return { workers, passes, history };
    for (const action of actions) {
      if (action.kind === 'retire') workers = workers.filter((w) => w.id !== action.id);
      if (action.kind === 'spawn') {
        workers.push(worker(nextId, [...action.apps]));
        nextId += 1;
        if (action.respawn) pendingRespawns = consumePendingRespawn(pendingRespawns, action.apps);
      }
    }
  }
  return null;
}
