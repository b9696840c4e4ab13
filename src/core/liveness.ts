// Liveness policy: which workers missed their heartbeat for longer than the timeout.

import type { WorkerId, WorkerState } from './types.js';

export interface HeartbeatView {
  readonly id: WorkerId;
  /** Monotonic time of the last heartbeat received from the worker. */
  readonly lastBeatAt: number;
  readonly state: WorkerState;
}

/**
 * Ready or retiring workers whose last heartbeat is more than `timeoutMs` old, in input order.
 *
 * - Starting workers are never hung here: loading an app may take long, and a boot
 *   deadline is a separate concern.
 * - A `timeoutMs` that is not a positive finite number disables the check and returns
 *   nothing. gunicorn's `dirty_timeout = 0` instead makes every request time out.
 */
export function findHung(workers: readonly HeartbeatView[], now: number, timeoutMs: number): WorkerId[] {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return [];
  return workers
    .filter((worker) => worker.state !== 'starting' && now - worker.lastBeatAt > timeoutMs)
    .map((worker) => worker.id);
}
