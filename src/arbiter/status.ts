// The `status` report (pm2 action and STATUS frame): pool, workers, apps, calls, stash.
import type { Arbiter } from './arbiter.js';
import type { OutcomeCounts, WindowStats } from './call-stats.js';

export interface ArbiterStatus {
  readonly pid: number;
  readonly socket: string;
  readonly target: number;
  readonly live: number;
  readonly minimum: number;
  readonly maximum: number;
  readonly restarts: number;
  readonly memoryReplacements: number;
  readonly reloading: { readonly replaced: number; readonly total: number } | null;
  readonly workers: readonly { id: number; pid: number | null; apps: readonly string[]; state: string; inflight: number; served: number; uptimeMs: number; rssBytes: number }[];
  readonly apps: readonly { name: string; limit: number | null; holders: number }[];
  /**
   * `total`, `errors` and `outcomes` count since the start (every call ends in one outcome); `perSecond`,
   * `p95Ms` and `window` cover the last `window.seconds` seconds and fall to 0 when the pool is idle.
   */
  readonly calls: {
    readonly inflight: number; readonly queued: number; readonly total: number; readonly errors: number; readonly perSecond: number; readonly p95Ms: number;
    readonly outcomes: OutcomeCounts; readonly window: WindowStats;
  };
  readonly crashLooping: readonly string[];
  readonly autoscale: { readonly enabled: boolean; readonly min?: number; readonly max?: number; readonly lastDecision?: unknown; readonly pausedForMs?: number };
  readonly stash: unknown;
}

export function buildStatus(a: Arbiter, now: number): ArbiterStatus {
  const workers = [...a.pool.workers.values()];
  return {
    pid: process.pid,
    socket: a.config.socketPath,
    target: a.pool.target,
    live: a.pool.live,
    minimum: a.pool.bounds.minimum,
    maximum: a.pool.bounds.maximum,
    restarts: a.pool.restarts,
    memoryReplacements: a.pool.memoryRetirements,
    reloading: a.pool.reloading,
    workers: workers.map((w) => ({ id: w.id, pid: w.process.pid ?? null, apps: w.apps, state: w.state, inflight: w.inflight, served: w.served, uptimeMs: Math.round(now - w.spawnedAt), rssBytes: w.rss })),
    apps: a.pool.specs.map((s) => ({ name: s.name, limit: s.limit, holders: workers.filter((w) => w.state !== 'retiring' && w.apps.includes(s.name)).length })),
    calls: callsOf(a, now),
    crashLooping: a.pool.brokenAppSets,
    autoscale: a.autoscaler ? { enabled: true, min: a.autoscaler.config.min, max: a.autoscaler.config.max, lastDecision: a.autoscaler.lastDecision, pausedForMs: a.autoscaler.pausedForMs } : { enabled: false },
    stash: a.stash.stats(),
  };
}

function callsOf(a: Arbiter, now: number): ArbiterStatus['calls'] {
  const stats = a.router.stats;
  const window = stats.window(now);
  return {
    inflight: a.router.inflight,
    queued: a.router.queued,
    total: stats.total,
    errors: stats.errors,
    perSecond: window.perSecond,
    p95Ms: window.latencyMs.p95,
    outcomes: stats.outcomeTotals(),
    window,
  };
}
