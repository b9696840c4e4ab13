// Placement policy: which apps a new worker loads (gunicorn's per-app allocation of `module:N` specs)
// and which workers a scale-down retires without stripping a limited app (gunicorn retires the oldest).

import type { AppName, AppSpec, WorkerId, WorkerView } from './types.js';

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A stable key for a set of apps: order and duplicates do not matter. */
export function appSetKey(apps: readonly AppName[]): string {
  return JSON.stringify([...new Set(apps)].sort(byCodeUnit));
}

/** True for a worker that counts towards the pool (starting or ready, not retiring). */
export function isLive(worker: WorkerView): boolean {
  return worker.state !== 'retiring';
}

/** How many live (starting or ready) workers hold `app`. */
export function holdersOf(app: AppName, workers: readonly WorkerView[]): number {
  let count = 0;
  for (const worker of workers) {
    if (isLive(worker) && worker.apps.includes(app)) count += 1;
  }
  return count;
}

/**
 * The apps a new worker should load, in config order: every unlimited app, plus each
 * limited app held by fewer live workers than its limit. So the oldest workers carry the
 * limited apps: Light (all), Heavy (2), Single (1) spawned one by one give
 * W1=[L,H,S], W2=[L,H], W3=[L], W4=[L]. An empty list means no spawn is useful.
 */
export function appsForNewWorker(specs: readonly AppSpec[], workers: readonly WorkerView[]): AppName[] {
  return specs.filter((spec) => spec.limit === null || holdersOf(spec.name, workers) < spec.limit).map((spec) => spec.name);
}

/** True when retiring `worker` leaves every limited app it holds at or above its limit. */
function isSafeToRetire(worker: WorkerView, specs: readonly AppSpec[], live: readonly WorkerView[]): boolean {
  return specs.every((spec) => spec.limit === null || !worker.apps.includes(spec.name) || holdersOf(spec.name, live) - 1 >= spec.limit);
}

/**
 * Whether `worker` can go without a replacement: the other live workers still number at least
 * `target` and hold every limited app at its limit. (A rolling reload retires such a worker
 * instead of replacing it, after a scale-down made it surplus.)
 */
export function isSurplus(worker: WorkerView, specs: readonly AppSpec[], workers: readonly WorkerView[], target: number): boolean {
  if (!isLive(worker)) return false;
  const live = workers.filter(isLive);
  return live.filter((w) => w.id !== worker.id).length >= target && isSafeToRetire(worker, specs, live);
}

/** Negative when `a` is the better victim: idle first, then starting, then newest. */
function victimOrder(a: WorkerView, b: WorkerView): number {
  const idle = Number(b.inflight === 0) - Number(a.inflight === 0);
  if (idle !== 0) return idle;
  const starting = Number(b.state === 'starting') - Number(a.state === 'starting');
  if (starting !== 0) return starting;
  return b.id - a.id;
}

/**
 * Up to `count` live workers to retire on scale-down, picked greedily one at a time with
 * the holder counts recomputed after each pick.
 *
 * - A worker is never taken if that drops a limited app below its limit; an app already
 *   below its limit loses no holder at all. gunicorn retires the oldest workers, which are
 *   exactly the ones holding limited apps, so a limited app can drop below its count; we do not. When no safe
 *   worker is left, fewer victims than asked are returned.
 * - Among safe workers: idle ones (inflight 0) first, since retiring them aborts nothing
 *   and frees them at once; then starting ones, which have not loaded anything yet and
 *   serve nothing, so retiring them costs least; then the newest (largest id), which keeps
 *   the long-lived, warmed-up workers.
 */
export function chooseVictims(specs: readonly AppSpec[], workers: readonly WorkerView[], count: number): WorkerId[] {
  const remaining = workers.filter(isLive);
  const victims: WorkerId[] = [];
  while (victims.length < count) {
    const best = remaining.filter((worker) => isSafeToRetire(worker, specs, remaining)).sort(victimOrder)[0];
    if (best === undefined) break;
    victims.push(best.id);
    remaining.splice(remaining.indexOf(best), 1);
  }
  return victims;
}
