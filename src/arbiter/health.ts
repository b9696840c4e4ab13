// Worker health, checked every second: a worker whose event loop stopped beating is killed
// (its calls fail with DirtyWorkerError, a replacement follows); one above the memory limit is
// replaced gracefully (replacement first, then drained).
import { findHung } from '../core/liveness.js';
import type { Logger } from './logger.js';
import type { PoolOptions, PoolWorker } from './pool-types.js';

/** Returns how many workers were sent for replacement by the memory guard. */
export function checkHealth(workers: readonly PoolWorker[], now: number, o: PoolOptions, log: Logger, replace: (w: PoolWorker) => void): number {
  for (const id of findHung(workers, now, o.heartbeatTimeoutMs)) {
    const w = workers.find((x) => x.id === id);
    if (!w) continue;
    log.error(`Dirty worker ${id} (pid:${w.process.pid}) missed heartbeats for ${Math.round(now - w.lastBeatAt)} ms (event loop blocked); killing it`);
    w.process.kill('SIGKILL');
  }
  let replaced = 0;
  const limit = o.maxWorkerRssBytes;
  for (const w of workers) {
    if (limit <= 0 || w.state !== 'ready' || w.rss <= limit || w.replacing === true) continue;
    w.replacing = true;
    replaced++;
    log.warn(`Dirty worker ${w.id} (pid:${w.process.pid}) uses ${Math.round(w.rss / 1048576)} MiB > maxWorkerMemoryMb ${Math.round(limit / 1048576)}: replacing it (replacement first, then drained)`);
    replace(w);
  }
  return replaced;
}
