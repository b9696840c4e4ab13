// Worker health, checked every second: a worker whose event loop stopped beating is killed
// (its calls fail with DirtyWorkerError, a replacement follows); one whose init() runs past
// initTimeoutMs is killed like a failed boot (backoff, breaker); one above the memory limit is
// replaced gracefully (replacement first, then drained). Silence during a stall of the arbiter's
// own loop is not held against a worker (core/hang).
import { findHung, findOverdueInits, type Stall } from '../core/hang.js';
import type { Logger } from './logger.js';
import type { PoolOptions, PoolWorker } from './pool-types.js';

/** Kills a worker once, remembering why (the router puts the reason in its calls' errors). */
export function killWorker(w: PoolWorker, reason: string): void {
  if (w.killReason !== undefined) return;
  w.killReason = reason;
  w.process.kill('SIGKILL');
}

/** Returns how many workers were sent for replacement by the memory guard. */
export function checkHealth(
  workers: readonly PoolWorker[],
  now: number,
  o: PoolOptions,
  log: Logger,
  replace: (w: PoolWorker) => void,
  stalls: readonly Stall[],
): number {
  const alive = workers.filter((w) => w.killReason === undefined);
  for (const id of findHung(alive, now, o.heartbeatTimeoutMs, stalls)) {
    const w = alive.find((x) => x.id === id);
    if (!w) continue;
    log.error(`Dirty worker ${id} (pid:${w.process.pid}) missed heartbeats for ${Math.round(now - w.lastBeatAt)} ms (event loop blocked); killing it`);
    killWorker(w, `missed heartbeats for ${Math.round(now - w.lastBeatAt)} ms`);
  }
  for (const { id, waitedMs } of findOverdueInits(alive, now, o.initTimeoutMs, stalls)) {
    const w = alive.find((x) => x.id === id);
    if (!w) continue;
    log.error(`Dirty worker ${id} (pid:${w.process.pid}) init timed out after ${Math.round(waitedMs)} ms (initTimeoutMs ${o.initTimeoutMs}); killing it`);
    killWorker(w, `init timed out after ${Math.round(waitedMs)} ms`);
  }
  let replaced = 0;
  const limit = o.maxWorkerRssBytes;
  for (const w of workers) {
    if (limit <= 0 || w.state !== 'ready' || w.rss <= limit || w.replacing === true) continue;
    w.replacing = true;
    replaced++;
    const mib = (bytes: number): number => Math.round(bytes / 1048576);
    const what = `Dirty worker ${w.id} (pid:${w.process.pid}) uses ${mib(w.rss)} MiB > maxWorkerMemoryMb ${mib(limit)}`;
    log.warn(`${what}: replacing it (replacement first, then drained)`);
    replace(w);
  }
  return replaced;
}
