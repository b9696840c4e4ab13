// The `status` report (pm2 action and STATUS frame): pool, workers, apps, calls, stash.
import type { Arbiter } from './arbiter.js';
import { abandonedByWorker } from './stuck-calls.js';
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
  /** Workers killed because a cancelled call ignored its cancellation for cancelGraceMs (not crashes). */
  readonly recycles: number;
  readonly reloading: { readonly replaced: number; readonly total: number; readonly queued: boolean } | null;
  /** `abandoned`: cancelled calls the worker is still running (it has not sent their final frame). */
  readonly workers: readonly {
    id: number;
    pid: number | null;
    apps: readonly string[];
    state: string;
    inflight: number;
    abandoned: number;
    served: number;
    uptimeMs: number;
    rssBytes: number;
  }[];
  readonly apps: readonly { name: string; limit: number | null; holders: number }[];
  /**
   * `total`, `errors` and `outcomes` count since the start (every call ends in one outcome); `perSecond`,
   * `p95Ms` and `window` cover the last `window.seconds` seconds and fall to 0 when the pool is idle.
   */
  readonly calls: {
    readonly inflight: number;
    readonly queued: number;
    readonly total: number;
    readonly errors: number;
    readonly perSecond: number;
    readonly p95Ms: number;
    readonly outcomes: OutcomeCounts;
    readonly window: WindowStats;
  };
  readonly crashLooping: readonly string[];
  /** Crash-loop breakers that are not closed (a closed one is not listed); `nextProbeInMs` null: none planned. */
  readonly breakers: readonly { apps: readonly string[]; state: string; nextProbeInMs: number | null; cooldownMs: number }[];
  /** Stalls of the arbiter's own event loop (never held against a worker). */
  readonly eventLoop: { readonly stalls: number; readonly maxStallMs: number };
  readonly autoscale: {
    readonly enabled: boolean;
    readonly min?: number;
    readonly max?: number;
    readonly lastDecision?: unknown;
    readonly pausedForMs?: number;
  };
  readonly stash: unknown;
}

export function buildStatus(a: Arbiter, now: number): ArbiterStatus {
  const workers = [...a.pool.workers.values()];
  const abandoned = abandonedByWorker(a.router.abandoned);
  const reloading = a.pool.reloading;
  return {
    pid: process.pid,
    socket: a.config.socketPath,
    target: a.pool.target,
    live: a.pool.live,
    minimum: a.pool.bounds.minimum,
    maximum: a.pool.bounds.maximum,
    restarts: a.pool.restarts,
    memoryReplacements: a.pool.memoryRetirements,
    recycles: a.pool.recycles,
    reloading: reloading ? { ...reloading, queued: a.reloadQueued } : null,
    workers: workers.map((w) => ({
      id: w.id,
      pid: w.process.pid ?? null,
      apps: w.apps,
      state: w.state,
      inflight: a.router.workerLoad(w),
      abandoned: abandoned.get(w) ?? 0,
      served: w.served,
      uptimeMs: Math.round(now - w.spawnedAt),
      rssBytes: w.rss,
    })),
    apps: a.pool.specs.map((s) => ({ name: s.name, limit: s.limit, holders: workers.filter((w) => w.state !== 'retiring' && w.apps.includes(s.name)).length })),
    calls: callsOf(a, now),
    crashLooping: a.pool.brokenAppSets,
    breakers: a.pool.crashes.reports().map((b) => ({
      apps: b.apps,
      state: b.state,
      nextProbeInMs: b.probeAt === null ? null : Math.max(0, Math.round(b.probeAt - now)),
      cooldownMs: b.cooldownMs,
    })),
    eventLoop: { stalls: a.pool.lag.count, maxStallMs: Math.round(a.pool.lag.maxMs) },
    autoscale: a.autoscaler
      ? {
          enabled: true,
          min: a.autoscaler.config.min,
          max: a.autoscaler.config.max,
          lastDecision: a.autoscaler.lastDecision,
          pausedForMs: a.autoscaler.pausedForMs,
        }
      : { enabled: false },
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
