// Autoscaler policy: grow the pool when calls wait or workers run hot, shrink it after a long
// idle spell, one step at a time, with cooldowns, a warm-up and a pause after manual scaling.

import { appendSample, loadFigures, withinWindow } from './autoscale-window.js';
import type { AutoscaleSample, LoadFigures } from './autoscale-window.js';
import type { Bounds } from './types.js';

export type { AutoscaleSample, LoadFigures } from './autoscale-window.js';

/** Autoscaler settings (validated at the boundary; `min`/`max` have no default). */
export interface AutoscaleConfig {
  /** Fewest workers the autoscaler keeps; the app specs' minimum wins when it is higher. */
  readonly min: number;
  /** Most workers the autoscaler asks for; the bounds' maximum wins when it is lower. */
  readonly max: number;
  /** How much history a decision reads. @default 10_000 */
  readonly windowMs: number;
  /** Busy worker-time over live worker-time above which the pool grows; it shrinks below half of it. @default 0.75 */
  readonly targetUtilization: number;
  /** A queue wait p95 over the window above this means calls wait: the pool grows. @default 100 */
  readonly maxQueueWaitMs: number;
  /** Workers added per scale-up. @default 1 */
  readonly scaleUpStep: number;
  /** Least time between two scale-ups. @default 5_000 */
  readonly scaleUpCooldownMs: number;
  /** How long the pool must stay under-used, without queueing, before each scale-down. @default 60_000 */
  readonly idleCooldownMs: number;
  /** Workers removed per scale-down. @default 1 */
  readonly scaleDownStep: number;
  /** How long the autoscaler stays out of the way after a manual TTIN/TTOU/scale-to/MANAGE. @default 300_000 */
  readonly manualHoldMs: number;
}

/** The defaults of everything but `min` and `max`. */
export const DEFAULT_AUTOSCALE_CONFIG: Omit<AutoscaleConfig, 'min' | 'max'> = {
  windowMs: 10_000,
  targetUtilization: 0.75,
  maxQueueWaitMs: 100,
  scaleUpStep: 1,
  scaleUpCooldownMs: 5_000,
  idleCooldownMs: 60_000,
  scaleDownStep: 1,
  manualHoldMs: 300_000,
};

/** What the autoscaler wants. `to` is the target to pass as a `set` ScaleCommand (the target itself for `none`). */
export interface AutoscaleDecision {
  readonly action: 'none' | 'up' | 'down';
  readonly to: number;
  /** For status, pm2 monit and logs, e.g. `queue wait p95 340 ms > 100 ms over 10 s; 2 -> 3`. */
  readonly reason: string;
}

/** The autoscaler's memory: an immutable value, returned updated by every function here. */
export interface AutoscaleState {
  /** The samples inside the window, oldest first. */
  readonly samples: readonly AutoscaleSample[];
  readonly lastScaleUpAt: number | null;
  readonly lastScaleDownAt: number | null;
  /** Since when every decision has found the pool under-used (null: it is not). */
  readonly underusedSince: number | null;
  /** No decision before this time (a manual scale happened). */
  readonly pausedUntil: number | null;
  readonly lastDecision: AutoscaleDecision | null;
}

export interface AutoscaleStep {
  readonly state: AutoscaleState;
  readonly decision: AutoscaleDecision;
}

/** The range the autoscaler keeps the target in. */
export interface AutoscaleRange {
  /** max(bounds.minimum, config.min), never above the bounds' maximum. */
  readonly floor: number;
  /** min(bounds.maximum, config.max), never below the floor. */
  readonly ceiling: number;
}

/** A shrink must leave the pool at most this fraction of `targetUtilization` busy (see `decide`). */
export const SHRINK_HEADROOM = 0.75;
/** Waits up to this long are dispatch jitter, not queueing, for the under-use test. */
export const QUIET_WAIT_MS = 1;

export function initialAutoscaleState(): AutoscaleState {
  return { samples: [], lastScaleUpAt: null, lastScaleDownAt: null, underusedSince: null, pausedUntil: null, lastDecision: null };
}

/** Adds a sample and drops those that left the window. An out-of-order sample is ignored. */
export function observe(state: AutoscaleState, sample: AutoscaleSample, config: AutoscaleConfig): AutoscaleState {
  const samples = appendSample(state.samples, sample, config.windowMs);
  return samples === state.samples ? state : { ...state, samples };
}

/**
 * Records a manual scale (TTIN, TTOU, scale-to, scale-up/down, MANAGE) at `now`.
 *
 * Manual commands still work and win: the shell applies them as usual, then calls this, and
 * the autoscaler decides `none` until `now + manualHoldMs`. The samples (taken with the old
 * pool) and the under-use streak are dropped, so afterwards the autoscaler resumes from the
 * new target, judged on samples of the new pool only.
 */
export function noteManualScale(state: AutoscaleState, now: number, config: AutoscaleConfig): AutoscaleState {
  return { ...state, samples: [], underusedSince: null, pausedUntil: now + config.manualHoldMs };
}

/** Where the autoscaler keeps the target: the bounds always win over `config.min`/`config.max`. */
export function autoscaleRange(bounds: Bounds, config: AutoscaleConfig): AutoscaleRange {
  const floor = Math.max(bounds.minimum, Math.min(config.min, bounds.maximum));
  const ceiling = Math.max(floor, Math.min(bounds.maximum, config.max));
  return { floor, ceiling };
}

/**
 * The autoscaler's decision at `now` for the current `target`. The shell calls it after each
 * `observe` (about once a second), keeps the returned state, and passes an `up`/`down`
 * decision's `to` as a `set` ScaleCommand, so `applyScaleCommand` still clamps it.
 *
 * In order:
 * 1. Paused (`now < pausedUntil`, after a manual scale): `none`.
 * 2. A target outside [floor, ceiling] (see `autoscaleRange`) is brought to the nearest end
 *    at once, without waiting for data or cooldowns.
 * 3. Warm-up: `none` until the samples in the window span at least half of `windowMs`.
 * 4. Evidence is the window's samples taken AFTER the last scale-up or scale-down, so the
 *    load seen by the old pool never justifies a second step.
 * 5. Up, by `scaleUpStep` up to the ceiling, when among the fresh samples with `live >= target`
 *    (the pool at full size): the queue wait p95 (nearest rank; with 1 s sampling and a
 *    10 s window, the longest wait) exceeds `maxQueueWaitMs`, or calls were queued on more than
 *    half of the samples, or utilization exceeds `targetUtilization`. Blocked (`none`) while
 *    the newest sample has `live < target` (workers still starting: their capacity is on
 *    its way), within `scaleUpCooldownMs` of the last scale-up, or at the ceiling.
 * 6. Down, by `scaleDownStep` down to the floor, once every decision for `idleCooldownMs` has
 *    found the fresh samples under-used: utilization below `targetUtilization / 2`, no
 *    queued call and no wait above `QUIET_WAIT_MS` (`underusedSince` tracks the streak; a
 *    scale, a pause or one busy window resets it, so shrinking goes one step per idle
 *    cooldown). The step is also refused when the smaller pool would be more than
 *    `SHRINK_HEADROOM * targetUtilization` busy.
 *
 * Hysteresis: growth needs utilization above the target, shrinking needs under half of it for
 * `idleCooldownMs` AND a predicted utilization after the step well under the target, so a load
 * held at the target never alternates up and down (1 worker just over 75% grows to 2 at just
 * over 37.5%; shrinking back is refused because it would predict 75%).
 */
export function decide(state: AutoscaleState, target: number, bounds: Bounds, config: AutoscaleConfig, now: number): AutoscaleStep {
  const { floor, ceiling } = autoscaleRange(bounds, config);
  if (state.pausedUntil !== null && now < state.pausedUntil) {
    const left = Math.ceil((state.pausedUntil - now) / 1000);
    return conclude(state, { underusedSince: null }, none(target, `paused for ${left} s after a manual scale`));
  }
  const resumed: AutoscaleState = { ...state, pausedUntil: null };
  if (target < floor) return moved(resumed, 'up', target, floor, `below the autoscale floor ${floor}`, now);
  if (target > ceiling) return moved(resumed, 'down', target, ceiling, `above the autoscale ceiling ${ceiling}`, now);
  const window = withinWindow(state.samples, now, config.windowMs);
  const spanMs = loadFigures(window, now)?.spanMs ?? 0;
  if (spanMs < config.windowMs / 2) {
    const reason = `warming up (${secs(spanMs)} s of ${secs(config.windowMs)} s window)`;
    return conclude(resumed, { underusedSince: null }, none(target, reason));
  }
  const lastChange = Math.max(state.lastScaleUpAt ?? -Infinity, state.lastScaleDownAt ?? -Infinity);
  const fresh = window.filter((sample) => sample.at > lastChange);
  const newestLive = window.at(-1)?.live ?? 0;
  const view: View = { state: resumed, target, floor, ceiling, config, now, fresh, newestLive };
  return considerUp(view) ?? considerDown(view);
}

interface View {
  readonly state: AutoscaleState;
  readonly target: number;
  readonly floor: number;
  readonly ceiling: number;
  readonly config: AutoscaleConfig;
  readonly now: number;
  readonly fresh: readonly AutoscaleSample[];
  readonly newestLive: number;
}

/** A scale-up, a blocked one (`none`), or null when nothing presses for one. */
function considerUp(v: View): AutoscaleStep | null {
  const full = loadFigures(
    v.fresh.filter((sample) => sample.live >= v.target),
    v.now,
  );
  const pressure = full === null ? null : pressureOf(full, v.config);
  if (pressure === null) return null;
  const sinceUp = v.state.lastScaleUpAt === null ? Infinity : v.now - v.state.lastScaleUpAt;
  let blocked: string | null = null;
  if (v.newestLive < v.target) blocked = `${pressure}; waiting for workers to start (${v.newestLive} of ${v.target} live)`;
  else if (sinceUp < v.config.scaleUpCooldownMs) {
    blocked = `${pressure}; cooling down (${secs(sinceUp)} s of ${secs(v.config.scaleUpCooldownMs)} s since the last scale-up)`;
  } else if (v.target >= v.ceiling) blocked = `at max ${v.ceiling} (${pressure})`;
  if (blocked !== null) return conclude(v.state, { underusedSince: null }, none(v.target, blocked));
  return moved(v.state, 'up', v.target, Math.min(v.ceiling, v.target + v.config.scaleUpStep), pressure, v.now);
}

/** Why the pool should grow, or null. */
function pressureOf(f: LoadFigures, config: AutoscaleConfig): string | null {
  const over = `over ${secs(f.spanMs)} s`;
  if (f.waitP95Ms > config.maxQueueWaitMs) {
    return `queue wait p95 ${Math.round(f.waitP95Ms)} ms > ${config.maxQueueWaitMs} ms ${over}`;
  }
  if (f.queuedSamples * 2 > f.samples) return `calls queued on ${f.queuedSamples} of ${f.samples} samples ${over}`;
  if (f.utilization > config.targetUtilization) {
    return `utilization ${pct(f.utilization)} > ${pct(config.targetUtilization)} ${over}`;
  }
  return null;
}

function considerDown(v: View): AutoscaleStep {
  const f = loadFigures(v.fresh, v.now);
  const threshold = v.config.targetUtilization / 2;
  const quiet = f !== null && f.queuedSamples === 0 && f.longestWaitMs <= QUIET_WAIT_MS;
  if (f === null || !quiet || f.utilization >= threshold) {
    return conclude(v.state, { underusedSince: null }, none(v.target, steadyReason(v, f)));
  }
  const since = v.state.underusedSince ?? v.now;
  const idle = `utilization ${pct(f.utilization)} < ${pct(threshold)} for ${secs(v.now - since)} s`;
  const keep = (reason: string): AutoscaleStep => conclude(v.state, { underusedSince: since }, none(v.target, reason));
  if (v.target <= v.floor) return keep(`at min ${v.floor} (${idle})`);
  if (v.now - since < v.config.idleCooldownMs) return keep(`${idle} of ${secs(v.config.idleCooldownMs)} s; keeping ${v.target}`);
  const to = Math.max(v.floor, v.target - v.config.scaleDownStep);
  const predicted = f.meanBusy / to;
  if (predicted > v.config.targetUtilization * SHRINK_HEADROOM) {
    return keep(`${idle}, but ${v.target} -> ${to} would run at ${pct(predicted)}; keeping ${v.target}`);
  }
  return moved(v.state, 'down', v.target, to, idle, v.now);
}

function steadyReason(v: View, f: LoadFigures | null): string {
  if (v.newestLive < v.target) return `waiting for workers to start (${v.newestLive} of ${v.target} live)`;
  if (f === null) return `no sample since the last scale; keeping ${v.target}`;
  return `steady: utilization ${pct(f.utilization)}, queue wait p95 ${Math.round(f.waitP95Ms)} ms; keeping ${v.target}`;
}

function moved(state: AutoscaleState, action: 'up' | 'down', from: number, to: number, why: string, now: number): AutoscaleStep {
  const patch: Partial<AutoscaleState> = action === 'up' ? { lastScaleUpAt: now } : { lastScaleDownAt: now };
  return conclude(state, { ...patch, underusedSince: null }, { action, to, reason: `${why}; ${from} -> ${to}` });
}

function none(target: number, reason: string): AutoscaleDecision {
  return { action: 'none', to: target, reason };
}

function conclude(state: AutoscaleState, patch: Partial<AutoscaleState>, decision: AutoscaleDecision): AutoscaleStep {
  return { state: { ...state, ...patch, lastDecision: decision }, decision };
}

/** Whole seconds elapsed: 4.9 s of data reads `4 s`, never more than there is. */
function secs(ms: number): number {
  return Math.floor(ms / 1000);
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}
