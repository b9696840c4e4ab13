// Hang attribution: which process stopped? The arbiter records the stalls of its own event loop
// (gaps between its observations); time spent stalled is never counted against a worker. Silence,
// a pending init or an unanswered cancellation is evidence against a worker only for the part of
// the wait during which the arbiter itself was running and able to hear it.

import type { WorkerId, WorkerState } from './types.js';

/** A span of monotonic time during which the arbiter's event loop did not run. */
export interface Stall {
  readonly from: number;
  readonly to: number;
}

export interface StallPolicy {
  /** How often the arbiter expects to observe its loop (its lag timer's period). */
  readonly intervalMs: number;
  /** A gap this much longer than the interval is a stall; shorter jitter is ignored. */
  readonly minStallMs: number;
  /** Stalls older than this are forgotten (longer than any deadline judged with them). */
  readonly keepMs: number;
  /** At most this many stalls are kept (the oldest go first). */
  readonly maxStalls: number;
}

export const DEFAULT_STALL_POLICY: StallPolicy = { intervalMs: 100, minStallMs: 100, keepMs: 600_000, maxStalls: 256 };

/**
 * The stall list after an observation at `now` whose previous one was at `previous`: a gap longer
 * than `intervalMs + minStallMs` is recorded whole (from `previous` to `now`), since nothing was
 * heard during it. Old stalls beyond `keepMs` or `maxStalls` are dropped. Returns the same array
 * when nothing changes.
 */
export function noteObservation(stalls: readonly Stall[], previous: number, now: number, p: StallPolicy = DEFAULT_STALL_POLICY): readonly Stall[] {
  const stalled = now - previous > p.intervalMs + p.minStallMs;
  const oldest = stalls[0];
  const expired = oldest !== undefined && now - oldest.to > p.keepMs;
  if (!stalled && !expired) return stalls;
  const next = stalls.filter((s) => now - s.to <= p.keepMs);
  if (stalled) next.push({ from: previous, to: now });
  return next.length > p.maxStalls ? next.slice(next.length - p.maxStalls) : next;
}

/** Milliseconds of [since, now] during which the arbiter was running (the stalls taken out). */
export function responsiveMs(since: number, now: number, stalls: readonly Stall[]): number {
  let ms = now - since;
  for (const s of stalls) {
    const overlap = Math.min(now, s.to) - Math.max(since, s.from);
    if (overlap > 0) ms -= overlap;
  }
  return Math.max(0, ms);
}

export interface HeartbeatView {
  readonly id: WorkerId;
  /** Monotonic time (arbiter clock) the last heartbeat from the worker was received. */
  readonly lastBeatAt: number;
  readonly state: WorkerState;
}

/**
 * Ready or retiring workers silent for more than `timeoutMs` of the arbiter's running time since
 * their last heartbeat, in input order.
 *
 * - Starting workers are never hung here: their deadline is `findOverdueInits`.
 * - A stall of the arbiter does not count: heartbeats sent meanwhile wait in the channel, unread.
 * - A `timeoutMs` that is not a positive finite number disables the check and returns nothing.
 *   gunicorn's `dirty_timeout = 0` instead makes everything time out.
 */
export function findHung(workers: readonly HeartbeatView[], now: number, timeoutMs: number, stalls: readonly Stall[] = []): WorkerId[] {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return [];
  return workers.filter((w) => w.state !== 'starting' && responsiveMs(w.lastBeatAt, now, stalls) > timeoutMs).map((w) => w.id);
}

export interface StartingView {
  readonly id: WorkerId;
  readonly state: WorkerState;
  /** Monotonic time the worker was forked. */
  readonly spawnedAt: number;
}

/**
 * Starting workers whose apps' init() (and the dirtyWorkerInit hook) ran past `initTimeoutMs` of
 * the arbiter's running time since the fork, in input order, with that time. 0 (or any value that
 * is not a positive finite number) disables the deadline.
 */
export function findOverdueInits(
  workers: readonly StartingView[],
  now: number,
  initTimeoutMs: number,
  stalls: readonly Stall[] = [],
): { id: WorkerId; waitedMs: number }[] {
  if (!Number.isFinite(initTimeoutMs) || initTimeoutMs <= 0) return [];
  const out: { id: WorkerId; waitedMs: number }[] = [];
  for (const w of workers) {
    if (w.state !== 'starting') continue;
    const waitedMs = responsiveMs(w.spawnedAt, now, stalls);
    if (waitedMs > initTimeoutMs) out.push({ id: w.id, waitedMs });
  }
  return out;
}
