// The pool's options as the config gives them (at start and for each reload's fresh workers).
import type { LoadedConfig } from '../config/load.js';
import type { Pool } from './pool.js';

export function poolOptions(c: LoadedConfig): ConstructorParameters<typeof Pool>[0] {
  return {
    apps: c.resolvedApps,
    initialTarget: c.workers ?? 1,
    maxWorkers: c.maxWorkers,
    concurrency: c.concurrency,
    spawnConcurrency: c.spawnConcurrency,
    initTimeoutMs: c.initTimeoutMs,
    cancelGraceMs: c.cancelGraceMs,
    crashCooldownMs: c.crashCooldownMs,
    gracefulTimeoutMs: c.gracefulTimeoutMs,
    heartbeatTimeoutMs: c.heartbeatTimeoutMs,
    socketPath: c.socketPath,
    configPath: c.hookFns.dirtyWorkerInit ? c.configPath : null,
    hookTimeoutMs: c.hookTimeoutMs,
    maxWorkerRssBytes: c.maxWorkerMemoryMb * 1024 * 1024,
    restart: { baseDelayMs: c.restartBaseDelayMs, maxDelayMs: c.restartMaxDelayMs, maxCrashes: c.maxCrashes, windowMs: c.crashWindowMs },
  };
}
