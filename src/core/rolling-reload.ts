// A rolling reload's sequencing, on plain data: which old worker is replaced next, when one is
// retired without a replacement, when the reload is done or aborted. Old workers are replaced one
// at a time; each is retired only once its replacement is ready (core/reconcile plans that
// replacement's spawn from `ReloadState.current`), so limited apps never drop below their limit.

import { appSetKey, isLive, isSurplus } from './allocation.js';
import type { AppName, AppSpec, Replacement, WorkerId, WorkerView } from './types.js';

export interface OldWorker {
  readonly id: WorkerId;
  readonly apps: readonly AppName[];
}

export interface ReloadState {
  /** Old workers waiting their turn, in order. */
  readonly queue: readonly OldWorker[];
  /** The replacement under way (handed to the planner as Desired.replacement). */
  readonly current: Replacement | null;
  /** Old workers retired once their replacement was ready. */
  readonly replaced: number;
  /** Old workers taken on, the current one and those already handled included. */
  readonly total: number;
}

/** What the step sees: the workers, and what the pool is configured for now. */
export interface ReloadView {
  readonly workers: readonly WorkerView[];
  readonly specs: readonly AppSpec[];
  readonly target: number;
  /** App sets (appSetKey) whose crash-loop breaker is open: a replacement of such a set is never spawned. */
  readonly broken: ReadonlySet<string>;
}

/** Why an old worker is retired without a replacement. */
export type RetireWhy = 'unconfigured' | 'surplus';

export interface ReloadStep {
  readonly state: ReloadState;
  /** Old workers to retire now, without a replacement. */
  readonly retire: readonly { readonly id: WorkerId; readonly why: RetireWhy }[];
  /** Old workers left as they are: their replacement's app set is crash-looping (it would never be spawned). */
  readonly kept: readonly { readonly id: WorkerId; readonly apps: readonly AppName[] }[];
  /** Nothing left to replace: the reload is complete. */
  readonly done: boolean;
}

export function startReload(old: readonly OldWorker[]): ReloadState {
  return takeOn({ queue: [], current: null, replaced: 0, total: 0 }, old);
}

/** More workers to replace (a reload or the memory guard while one runs); a worker already taken on is not taken twice. */
export function takeOn(state: ReloadState, more: readonly OldWorker[]): ReloadState {
  const queue = [...state.queue];
  for (const w of more) if (state.current?.replaces !== w.id && !queue.some((o) => o.id === w.id)) queue.push(w);
  return { ...state, queue, total: state.total + queue.length - state.queue.length };
}

/**
 * The reload's next step given the workers now. While the current replacement is live the reload
 * waits. Otherwise the current old worker gets a (new) replacement, unless it left (skipped) or a
 * scale-down made it surplus (retired: the pool meets its target without it); then the next old
 * worker in line is taken, skipping those that left and retiring those none of whose apps is
 * configured any more. A replacement that left before it was ready (a scale-down retires starting
 * workers first) is asked for again, `by` back to null. A replacement whose app set is crash-looping
 * is not waited for: its old worker is kept as it is (the reload would never end, and a reload asked
 * for meanwhile would wait behind it).
 */
export function stepReload(state: ReloadState, view: ReloadView): ReloadStep {
  let workers = view.workers.filter(isLive);
  const alive = (id: WorkerId | null): boolean => workers.some((w) => w.id === id);
  const configured = new Set(view.specs.map((s) => s.name));
  const retire: { id: WorkerId; why: RetireWhy }[] = [];
  const leave = (id: WorkerId, why: RetireWhy): void => {
    retire.push({ id, why });
    workers = workers.filter((w) => w.id !== id);
  };
  const kept: { id: WorkerId; apps: readonly AppName[] }[] = [];
  const queue = [...state.queue];
  let current = state.current;
  for (;;) {
    const old = current && workers.find((w) => w.id === current?.replaces);
    if (current && old) {
      if (alive(current.by)) return { state: { ...state, queue, current }, retire, kept, done: false };
      if (isSurplus(old, view.specs, workers, view.target)) leave(old.id, 'surplus');
      else if (view.broken.has(appSetKey(current.apps))) kept.push({ id: old.id, apps: current.apps });
      else return { state: { ...state, queue, current: { ...current, by: null } }, retire, kept, done: false };
    }
    const next = queue.shift();
    if (next === undefined) return { state: { ...state, queue, current: null }, retire, kept, done: true };
    current = null;
    if (!alive(next.id)) continue;
    if (next.apps.some((a) => configured.has(a))) current = { replaces: next.id, apps: replacementApps(next, view.specs), by: null };
    else leave(next.id, 'unconfigured');
  }
}

/**
 * What a replacement loads, in config order: the old worker's apps that are still configured, and
 * every unlimited app (one a config reload added belongs on every worker, the replacements included).
 */
export function replacementApps(old: OldWorker, specs: readonly AppSpec[]): AppName[] {
  return specs.filter((s) => s.limit === null || old.apps.includes(s.name)).map((s) => s.name);
}

/** The spawn the planner made for the replacement of `replaces` is worker `id`. */
export function replacementSpawned(state: ReloadState, replaces: WorkerId, id: WorkerId): ReloadState {
  const c = state.current;
  return c?.replaces === replaces ? { ...state, current: { ...c, by: id } } : state;
}

/** Worker `id` is ready: if it is the current replacement, the old worker it replaces (to retire now), else null. */
export function replacementReady(state: ReloadState, id: WorkerId): { state: ReloadState; retire: WorkerId | null } {
  const c = state.current;
  if (c === null || c.by !== id) return { state, retire: null };
  return { state: { ...state, current: null, replaced: state.replaced + 1 }, retire: c.replaces };
}

/** True when worker `id`, which died before it was ready, was the current replacement: the new code does not boot, the reload aborts. */
export function abortsReload(state: ReloadState, id: WorkerId): boolean {
  return state.current !== null && state.current.by === id;
}
