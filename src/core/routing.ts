// Routing policy: pick the least-loaded worker that still has room, size that room from the
// worker's concurrency plus a prefetch, and track call service time with an EWMA.

import type { WorkerId } from './types.js';

export interface RouteCandidate {
  readonly id: WorkerId;
  /** Calls sent to the worker and not yet answered. */
  readonly outstanding: number;
  /** How many calls the worker may have outstanding (see `workerCapacity`). */
  readonly capacity: number;
}

export interface RouteChoice {
  /** The chosen worker, or null when every candidate is full (the call waits in the queue). */
  readonly id: WorkerId | null;
  /** The cursor to pass to the next call. */
  readonly cursor: number;
}

/**
 * The candidate with the fewest outstanding calls among those below their capacity.
 *
 * Ties are broken round-robin: the scan starts at index `cursor` (modulo the list length)
 * and the returned cursor points just past the chosen candidate, so equal workers take
 * turns as long as the caller keeps the candidate order stable (e.g. spawn order). When all
 * are full the cursor is returned unchanged. Unlike gunicorn (per-app round-robin onto each
 * worker's unbounded queue), a busy worker never gets a call while another holder of the app is idle.
 */
export function pickWorker(candidates: readonly RouteCandidate[], cursor: number): RouteChoice {
  const count = candidates.length;
  const start = Number.isSafeInteger(cursor) && count > 0 ? ((cursor % count) + count) % count : 0;
  let bestIndex = -1;
  let bestOutstanding = Infinity;
  for (let step = 0; step < count; step += 1) {
    const index = (start + step) % count;
    const candidate = candidates[index];
    if (candidate === undefined || candidate.outstanding >= candidate.capacity) continue;
    if (candidate.outstanding < bestOutstanding) {
      bestIndex = index;
      bestOutstanding = candidate.outstanding;
    }
  }
  const best = candidates[bestIndex];
  if (best === undefined) return { id: null, cursor };
  return { id: best.id, cursor: (bestIndex + 1) % count };
}

/** The deepest prefetch, reached by calls of `PREFETCH_BUDGET_MS / PREFETCH_MAX` (0.125 ms) or less. */
export const PREFETCH_MAX = 64;
/** How much queued work (in ms of service time) a worker may hold beyond its own slots. */
export const PREFETCH_BUDGET_MS = 8;

/**
 * How many calls the arbiter keeps outstanding on one worker: its `concurrency` plus a prefetch.
 *
 * Without a prefetch, a worker that finishes a call idles for one arbiter round trip (the answer
 * travels back, the arbiter picks the next call, the call travels out). The prefetch covers
 * `PREFETCH_BUDGET_MS` of work: floor(8 / ewma), between 1 and 64. Tiny calls (0.125 ms or less) get
 * 64, so throughput is not bound by round trips.
 *
 * A prefetched call is committed to its worker: it cannot go to another holder of the app that frees
 * up first. So there is no prefetch while the service time is unknown (no answer yet), when calls
 * take `PREFETCH_BUDGET_MS` or more, or while the worker's oldest outstanding call has been out
 * longer than that (a call that is long this time, whatever the average says): those calls wait
 * in the arbiter's queue, where the first free worker takes them.
 * A non-positive or non-integer concurrency counts as 1.
 * @param oldestCallMs How long the worker's oldest outstanding call has been out; null when it has none.
 */
export function workerCapacity(concurrency: number, ewmaServiceMs: number | null, oldestCallMs: number | null = null): number {
  const slots = Number.isSafeInteger(concurrency) && concurrency > 0 ? concurrency : 1;
  return slots + prefetchFor(ewmaServiceMs, oldestCallMs);
}

function prefetchFor(ewmaServiceMs: number | null, oldestCallMs: number | null): number {
  // `!(x < budget)` also catches NaN, which means "unknown" (see updateEwma).
  if (ewmaServiceMs === null || !(ewmaServiceMs < PREFETCH_BUDGET_MS)) return 0;
  if (oldestCallMs !== null && oldestCallMs > PREFETCH_BUDGET_MS) return 0;
  if (ewmaServiceMs <= 0) return PREFETCH_MAX;
  return Math.min(PREFETCH_MAX, Math.floor(PREFETCH_BUDGET_MS / ewmaServiceMs));
}

/** Weight of a new sample in `updateEwma`. */
export const DEFAULT_EWMA_ALPHA = 0.2;

/**
 * Exponentially weighted moving average of service times: the first sample is taken as is,
 * later ones move the average by `alpha` of the difference. A negative sample counts as 0;
 * an alpha outside (0, 1] falls back to `DEFAULT_EWMA_ALPHA`. NaN means "unknown" on both
 * sides: a NaN sample leaves the average unchanged (NaN if there was none, which
 * `workerCapacity` treats like null, not like an instant call), and a NaN average is
 * replaced by the next real sample.
 */
export function updateEwma(prev: number | null, sampleMs: number, alpha: number = DEFAULT_EWMA_ALPHA): number {
  const known = prev === null || Number.isNaN(prev) ? null : prev;
  if (Number.isNaN(sampleMs)) return known ?? Number.NaN;
  const sample = Math.max(0, sampleMs);
  if (known === null) return sample;
  const weight = alpha > 0 && alpha <= 1 ? alpha : DEFAULT_EWMA_ALPHA;
  return known + weight * (sample - known);
}
