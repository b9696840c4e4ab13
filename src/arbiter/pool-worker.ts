// Starts one worker process for the pool and keeps its record (state, heartbeat, memory)
// up to date from the process's events.
import { performance } from 'node:perf_hooks';
import type { AppLoadSpec } from '../worker/app-host.js';
import type { Logger } from './logger.js';
import type { PoolOptions, PoolWorker } from './pool-types.js';
import type { SpawnWorker } from './worker-handle.js';
import { WorkerProcess } from './worker-process.js';

export interface PoolWorkerEvents {
  ready(w: PoolWorker): void;
  /** The process died: stop routing to it now; `exit` follows once its channel is drained. */
  dead(w: PoolWorker): void;
  exit(w: PoolWorker, code: number | null, signal: NodeJS.Signals | null): void;
  readonly log: Logger;
}

/** How often a worker beats: a few times per heartbeat timeout, at most once per 100 ms. */
export function heartbeatIntervalMs(timeoutMs: number): number {
  return timeoutMs > 0 ? Math.max(100, Math.min(1000, Math.floor(timeoutMs / 4))) : 1000;
}

/** The real worker: a forked process. */
export const forkWorker: SpawnWorker = (id, specs, opts, events) => new WorkerProcess(id, specs, opts, events);

export function startPoolWorker(id: number, specs: readonly AppLoadSpec[], o: PoolOptions, now: number, on: PoolWorkerEvents): PoolWorker {
  const opts = {
    concurrency: o.concurrency,
    heartbeatIntervalMs: heartbeatIntervalMs(o.heartbeatTimeoutMs),
    socketPath: o.socketPath,
    configPath: o.configPath,
    hookTimeoutMs: o.hookTimeoutMs,
  };
  const w: PoolWorker = {
    id,
    process: (o.spawn ?? forkWorker)(id, specs, opts, {
      onReady: () => {
        if (w.state !== 'starting') return;
        w.state = 'ready';
        w.lastBeatAt = performance.now();
        on.ready(w);
      },
      onInitFailed: (message) => on.log.error(`Dirty worker ${id} (pid:${w.process.pid}) failed to boot: ${message}`),
      onBeat: (msg) => {
        w.lastBeatAt = performance.now();
        w.rss = msg.rss;
      },
      onDead: () => on.dead(w),
      onExit: (code, signal) => on.exit(w, code, signal),
    }),
    apps: specs.map((s) => s.name),
    state: 'starting',
    spawnedAt: now,
    lastBeatAt: now,
    served: 0,
    rss: 0,
  };
  return w;
}

/** Asks the worker to finish its calls and exit; SIGKILL if it is still there after `graceMs`. */
export function drainWorker(w: PoolWorker, graceMs: number, log: Logger): void {
  w.process.retire();
  const timer = setTimeout(() => {
    log.warn(`Dirty worker ${w.id} (pid:${w.process.pid}) did not stop within ${graceMs} ms; sending SIGKILL`);
    w.process.kill('SIGKILL');
  }, graceMs);
  timer.unref();
  w.process.whenExited(() => clearTimeout(timer));
}
