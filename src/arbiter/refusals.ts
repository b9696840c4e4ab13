// The errors the router answers a call with when it refuses or loses it: one wording each, so a
// client, the logs and the tests see the same message wherever the router decides it.
import { DirtyAppNotFoundError, DirtyError, DirtyNoWorkersAvailableError, DirtyQueueFullError, DirtyWorkerError } from '../errors.js';
import type { RequestId } from '../protocol/header.js';
import type { PoolWorker } from './pool-types.js';

export const duplicateId = (clientId: RequestId): DirtyError => new DirtyError(`Duplicate request id ${clientId}: a call with this id was still running`);

/** Any string may come here: a long one is shortened, never sent back whole (twice). */
export function appNotFound(app: string): DirtyError {
  const name = app.length > 128 ? `${app.slice(0, 64)}… (${app.length} characters)` : app;
  return new DirtyAppNotFoundError(`App not found: ${name}`, { app_path: name });
}

export const noWorkers = (app: string): DirtyError => new DirtyNoWorkersAvailableError(`No workers available for app: ${app}`, { app_path: app });

export const queueFull = (app: string, max: number): DirtyError =>
  new DirtyQueueFullError(`Queue full (${max} calls waiting); retry later`, { app_path: app, max_queue: max });

/** A call that was running on `w` when it exited (`how` says why: killed, signal, exit code). */
export function workerLost(w: PoolWorker, app: string, code: number | null, signal: NodeJS.Signals | null): DirtyError {
  const how = w.killReason !== undefined ? `was killed (${w.killReason})` : signal ? `killed by signal ${signal}` : `exited with code ${code}`;
  const details = { worker_id: w.id, pid: w.process.pid ?? null, exit_code: code, signal, reason: w.killReason ?? null };
  return new DirtyWorkerError(`Dirty worker ${w.id} (pid:${w.process.pid}) ${how} while running ${app}`, details);
}
