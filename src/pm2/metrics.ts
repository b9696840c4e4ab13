// pm2 monit / pm2 show metrics, registered most important first (monit shows only the first few).
import type io from '@pm2/io';
import { performance } from 'node:perf_hooks';
import type { Arbiter } from '../arbiter/arbiter.js';

type IO = typeof io;

export function registerMetrics(pmx: IO, get: () => Arbiter | undefined): void {
  const gauge = (name: string, value: (a: Arbiter) => number, unit?: string): void => {
    pmx.metric({
      name,
      value: () => {
        const a = get();
        return a ? value(a) : 0;
      },
      ...(unit !== undefined ? { unit } : {}),
    });
  };
  // @pm2/io types metric values as numbers, but it sends and pm2 shows whatever the function returns.
  const text = (name: string, value: (a: Arbiter) => string): void => {
    pmx.metric({
      name,
      value: (() => {
        const a = get();
        return a ? value(a) : '';
      }) as unknown as () => number,
    });
  };
  gauge('live workers', (a) => a.pool.live, 'procs');
  gauge('target', (a) => a.pool.target);
  gauge('minimum', (a) => a.pool.bounds.minimum);
  gauge('maximum', (a) => a.pool.bounds.maximum);
  // Call figures over the last 10 s (0 once idle), then counts since start: the same as `status`.
  gauge('calls/s', (a) => a.router.stats.window(performance.now()).perSecond);
  gauge('errors/s', (a) => a.router.stats.window(performance.now()).errorsPerSecond);
  gauge('in flight', (a) => a.router.inflight);
  gauge('queued', (a) => a.router.queued);
  gauge('p95 latency', (a) => a.router.stats.window(performance.now()).latencyMs.p95, 'ms');
  gauge('p95 queue wait', (a) => a.router.stats.window(performance.now()).queueWaitMs.p95, 'ms');
  gauge('errors', (a) => a.router.stats.errors);
  gauge('timeouts', (a) => a.router.stats.outcomeTotals().timeout);
  gauge('calls', (a) => a.router.stats.total);
  gauge('restarts', (a) => a.pool.restarts);
  gauge('crash-looping app sets', (a) => a.pool.brokenAppSets.length);
  text('crash-loop breaker', (a) => describeBreakers(a));
  gauge('recycled workers', (a) => a.pool.recycles);
  gauge('abandoned calls', (a) => a.router.abandoned.size);
  gauge('memory replacements', (a) => a.pool.memoryRetirements);
  pmx.metric({ name: 'autoscale', value: (() => describeAutoscale(get())) as unknown as () => number });
  gauge('stash keys', (a) => a.stash.stats().keys);
  gauge('stash tables', (a) => a.stash.stats().tables);
  gauge('stash bytes', (a) => a.stash.stats().bytes, 'B');
}

/** The breakers that are not closed, e.g. `open [a, b] probe in 12 s`; 'closed' when all are. */
function describeBreakers(a: Arbiter): string {
  const now = performance.now();
  const probe = (at: number | null): string => (at === null ? '' : ` probe in ${Math.max(0, Math.ceil((at - now) / 1000))} s`);
  const open = a.pool.crashes.reports().map((b) => `${b.state} [${b.apps.join(', ')}]${probe(b.probeAt)}`);
  return open.length === 0 ? 'closed' : open.join('; ');
}

/** What the autoscaler decided last and why, for pm2 monit ('off' when it is not configured). */
function describeAutoscale(a: Arbiter | undefined): string {
  if (!a?.autoscaler) return 'off';
  const paused = a.autoscaler.pausedForMs;
  if (paused > 0) return `paused ${Math.ceil(paused / 1000)} s (manual scale)`;
  const d = a.autoscaler.lastDecision;
  return d ? `${d.action}: ${d.reason}` : 'warming up';
}
