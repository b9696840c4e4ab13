// Escalation for calls that ignore cancellation: once a call is abandoned (client timeout, abort,
// disconnect, the arbiter's timeoutMs, a stalled stream) its worker has `cancelGraceMs` to send the
// call's final frame. A worker that lets the grace run out is recycled: replaced and killed, so one
// stubborn call costs one worker, never the pool.

import { responsiveMs, type Stall } from './hang.js';
import type { WorkerId } from './types.js';

/** An abandoned call still running on its worker (no final frame yet). */
export interface AbandonedView {
  readonly wid: number;
  readonly workerId: WorkerId;
  /** Monotonic time the call was abandoned (the CANCEL sent to the worker). */
  readonly abandonedAt: number;
}

export interface RecycleDecision {
  readonly workerId: WorkerId;
  /** The call that decided it: the longest-ignored cancellation on that worker. */
  readonly wid: number;
  /** How long (arbiter running time) the worker has ignored that cancellation. */
  readonly ignoredMs: number;
}

/**
 * The workers to recycle at `now`: those holding an abandoned call whose cancellation has been
 * ignored for more than `graceMs` of the arbiter's running time (its own stalls do not count
 * against a worker). One decision per worker, naming its longest-ignored call, in the order the
 * workers first appear. `graceMs` that is not a positive finite number disables recycling.
 */
export function findStuck(abandoned: Iterable<AbandonedView>, now: number, graceMs: number, stalls: readonly Stall[] = []): RecycleDecision[] {
  if (!Number.isFinite(graceMs) || graceMs <= 0) return [];
  const worst = new Map<WorkerId, RecycleDecision>();
  for (const a of abandoned) {
    const ignoredMs = responsiveMs(a.abandonedAt, now, stalls);
    if (ignoredMs <= graceMs) continue;
    const prev = worst.get(a.workerId);
    if (!prev || ignoredMs > prev.ignoredMs) worst.set(a.workerId, { workerId: a.workerId, wid: a.wid, ignoredMs });
  }
  return [...worst.values()];
}

/** The reason a recycled worker's other calls fail with (DirtyWorkerError details and the log). */
export function stuckReason(app: string, action: string, ignoredMs: number): string {
  return `stuck call ${app}.${action} ignored cancellation for ${Math.round(ignoredMs)} ms`;
}
