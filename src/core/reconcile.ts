// The planner: compares what the operator asked for with the workers the shell sees and
// returns the spawns, retirements and wake-up the shell should carry out. Pure and idempotent.

import { appSetKey, appsForNewWorker, chooseVictims, holdersOf, isLive } from './allocation.js';
import type { AppName, Desired, PlanAction, Replacement, WorkerView } from './types.js';

type AppList = readonly AppName[];
type SpawnAction = Extract<PlanAction, { kind: 'spawn' }>;

/** Working state of one plan: the pool as it will be once the planned spawns exist. */
interface Draft {
  readonly desired: Desired;
  readonly now: number;
  readonly pool: WorkerView[];
  readonly pending: AppList[];
  readonly spawns: SpawnAction[];
  slots: number;
  wakeAt: number | undefined;
}

/** Whether an app set may be spawned now; notes the earliest backoff end in the draft. */
function isSpawnable(draft: Draft, apps: AppList): boolean {
  const key = appSetKey(apps);
  if (draft.desired.broken.has(key)) return false;
  const until = draft.desired.backoffUntil.get(key);
  if (until === undefined || until <= draft.now) return true;
  draft.wakeAt = draft.wakeAt === undefined ? until : Math.min(draft.wakeAt, until);
  return false;
}

/**
 * The next spawn: the oldest spawnable pending respawn (verbatim), else a freshly computed
 * app list; null when nothing spawnable is useful. With `mustHold`, only a pending entry
 * holding that app qualifies (a fresh list holds it whenever the app is under its limit).
 */
function nextSpawn(draft: Draft, mustHold?: AppName): SpawnAction | null {
  const index = draft.pending.findIndex((apps) => (mustHold === undefined || apps.includes(mustHold)) && isSpawnable(draft, apps));
  const replay = draft.pending[index];
  if (replay !== undefined) {
    draft.pending.splice(index, 1);
    return { kind: 'spawn', apps: replay, respawn: true };
  }
  const fresh = appsForNewWorker(draft.desired.specs, draft.pool);
  if (fresh.length === 0 || !isSpawnable(draft, fresh)) return null;
  return { kind: 'spawn', apps: fresh, respawn: false };
}

function addSpawn(draft: Draft, spawn: SpawnAction): void {
  draft.spawns.push(spawn);
  // Planned workers get negative ids so they never collide with real ones.
  draft.pool.push({ id: -draft.spawns.length, apps: spawn.apps, state: 'starting', inflight: 0 });
  draft.slots -= 1;
}

/** Spawns until the pool reaches the target, the spawn slots run out or nothing is useful. */
function fillToTarget(draft: Draft): void {
  while (draft.pool.length < draft.desired.target && draft.slots > 0) {
    const spawn = nextSpawn(draft);
    if (spawn === null) return;
    addSpawn(draft, spawn);
  }
}

/** Limited apps held by fewer live workers than min(limit, target), in config order. */
function shortApps(draft: Draft): AppName[] {
  const { specs, target } = draft.desired;
  return specs.filter((spec) => spec.limit !== null && holdersOf(spec.name, draft.pool) < Math.min(spec.limit, target)).map((spec) => spec.name);
}

/** Spawns for limited apps under their limit, even when the pool is already at the target. */
function repairPlacement(draft: Draft): void {
  const stuck = new Set<AppName>();
  while (draft.slots > 0) {
    const app = shortApps(draft).find((name) => !stuck.has(name));
    if (app === undefined) return;
    const spawn = nextSpawn(draft, app);
    if (spawn === null) stuck.add(app);
    else addSpawn(draft, spawn);
  }
}

/** How the replacement under way stands: its worker is live ('started'), it is to be spawned ('due'), or there is none. */
function replacementStatus(r: Replacement | null, live: readonly WorkerView[]): 'started' | 'due' | null {
  if (r === null || !live.some((w) => w.id === r.replaces)) return null;
  return r.by !== null && live.some((w) => w.id === r.by) ? 'started' : 'due';
}

/**
 * The live workers the target is measured against. A started replacement stands in for the
 * worker it replaces: that worker no longer counts (nor is it a scale-down victim; the reload
 * retires it once its replacement is ready). Before then, the old worker counts for both.
 */
function countedLive(desired: Desired, observed: readonly WorkerView[]): WorkerView[] {
  const live = observed.filter(isLive);
  const r = desired.replacement;
  return r !== null && replacementStatus(r, live) === 'started' ? live.filter((w) => w.id !== r.replaces) : live;
}

/** Plans the spawn of a due replacement in place of the worker it replaces, if a slot is free and its apps may be spawned. */
function planReplacement(draft: Draft, r: Replacement): void {
  const index = draft.pool.findIndex((w) => w.id === r.replaces);
  if (index < 0 || draft.slots <= 0 || !isSpawnable(draft, r.apps)) return;
  draft.pool.splice(index, 1);
  addSpawn(draft, { kind: 'spawn', apps: r.apps, respawn: false, replaces: r.replaces });
}

/**
 * What the shell should do now to move `observed` towards `desired`. Same input, same plan.
 *
 * - `stopping`: retire every live worker (reason 'stopping'); never spawn.
 * - Live workers (starting + ready) above the target: retire `chooseVictims(...)`
 *   (reason 'scale-down'), which never strips a limited app below its limit.
 * - Below the target: spawn, at most `maxConcurrentSpawns - starting` at once (values
 *   below 1 count as 1); the shell re-plans when a worker becomes ready. Each spawn
 *   replays the oldest spawnable pending respawn verbatim (`respawn: true`), otherwise
 *   loads `appsForNewWorker` computed as if the earlier planned spawns already existed.
 *   Nothing is spawned when no app can use another worker.
 * - A replacement under way (`desired.replacement`) stands in for the worker it replaces
 *   (see countedLive), so the target never grows for it. When it is due, it is the first
 *   spawn (`replaces` names the old worker, its apps verbatim), unless the old worker is
 *   itself a scale-down victim; without a free slot, or in backoff, it waits and the old
 *   worker goes on counting.
 * - Backoff: an app set whose `backoffUntil` is after `now` is not spawned; one
 *   `wake-at` carries the earliest such time. Sets in `broken` are never spawned.
 * - Placement repair: a limited app held by fewer live workers than min(limit, target)
 *   (e.g. its holder crashed while the target was being lowered, so its respawn was
 *   dropped) gets a spawn even when the pool is at or above the target. The surplus is
 *   retired by a later plan, and never the repaired holder: a limited app below its limit
 *   is worse than one extra worker for a moment.
 * Retirements come first, then spawns, then the wake-at.
 */
export function plan(desired: Desired, observed: readonly WorkerView[], now: number): PlanAction[] {
  const live = observed.filter(isLive);
  if (desired.stopping) {
    return live.map((worker) => ({ kind: 'retire', id: worker.id, reason: 'stopping' }));
  }
  const counted = countedLive(desired, observed);
  const surplus = counted.length - desired.target;
  const victims = surplus > 0 ? chooseVictims(desired.specs, counted, surplus) : [];
  const starting = live.filter((worker) => worker.state === 'starting').length;
  const draft: Draft = {
    desired,
    now,
    pool: counted.filter((worker) => !victims.includes(worker.id)),
    pending: [...desired.pendingRespawns],
    spawns: [],
    slots: Math.max(1, desired.maxConcurrentSpawns) - starting,
    wakeAt: undefined,
  };
  const r = desired.replacement;
  if (r !== null && replacementStatus(r, live) === 'due') planReplacement(draft, r);
  fillToTarget(draft);
  repairPlacement(draft);
  const actions: PlanAction[] = victims.map((id) => ({ kind: 'retire', id, reason: 'scale-down' }));
  actions.push(...draft.spawns);
  if (draft.wakeAt !== undefined) actions.push({ kind: 'wake-at', at: draft.wakeAt });
  return actions;
}

/**
 * The pending respawns worth keeping: a dead worker's apps are replayed only while the
 * pool still needs a worker. Keeps the oldest `target - live` entries whose set is not
 * broken; nothing once stopping. Pending entries are the apps of workers that died
 * unexpectedly; a worker retired on purpose adds none.
 *
 * Shell protocol, on each reconcile pass: `pending = prunePendingRespawns(desired,
 * observed)`, then `plan(...)`, then for each spawn with `respawn: true`,
 * `pending = consumePendingRespawn(pending, action.apps)`.
 */
export function prunePendingRespawns(desired: Desired, observed: readonly WorkerView[]): AppList[] {
  if (desired.stopping) return [];
  const need = desired.target - countedLive(desired, observed).length;
  return desired.pendingRespawns.filter((apps) => !desired.broken.has(appSetKey(apps))).slice(0, Math.max(0, need));
}

/** `pending` without its first entry loading the same app set as `apps` (a replayed respawn). */
export function consumePendingRespawn(pending: readonly AppList[], apps: AppList): AppList[] {
  const key = appSetKey(apps);
  const index = pending.findIndex((entry) => appSetKey(entry) === key);
  return index < 0 ? [...pending] : pending.filter((_, i) => i !== index);
}
