// The `status` report (pm2 action and STATUS frame): pool, workers, apps, calls, stash.
import type { Arbiter } from './arbiter.js';

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
  readonly calls: { readonly inflight: number; readonly queued: number; readonly total: number; readonly errors: number; readonly perSecond: number; readonly p95Ms: number };
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
    calls: { inflight: a.router.inflight, queued: a.router.queued, total: a.router.stats.total, errors: a.router.stats.errors, perSecond: Math.round(a.router.stats.rate(now) * 10) / 10, p95Ms: Math.round(a.router.stats.p95() * 100) / 100 },
    crashLooping: a.pool.brokenAppSets,
    autoscale: a.autoscaler ? { enabled: true, min: a.autoscaler.config.min, max: a.autoscaler.config.max, lastDecision: a.autoscaler.lastDecision, pausedForMs: a.autoscaler.pausedForMs } : { enabled: false },
    stash: a.stash.stats(),
  };
}
