// Optional Prometheus endpoint (config `metricsListen`, e.g. "127.0.0.1:9464"): GET /metrics in the
// text format, built with prom-client. The same figures as `status` and pm2 monit: every call's
// outcome (counter), its duration and its queue wait (histograms, seconds), the pool's gauges.
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Arbiter } from './arbiter.js';
import { OUTCOMES } from './call-stats.js';

/** Seconds: from a cached answer (1 ms) to a long job (10 min). */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600];

/** `host:port` -> its parts (the schema has checked the shape). */
export function parseListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  return { host: listen.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(listen.slice(at + 1)) };
}

export function buildRegistry(a: Arbiter): Registry {
  const registry = new Registry();
  const calls = new Counter({
    name: 'pm2_dirty_calls_total',
    help: 'Calls ended, by outcome (each call ends in exactly one)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  for (const o of OUTCOMES) calls.inc({ outcome: o }, 0); // every series exists from the start
  const duration = new Histogram({
    name: 'pm2_dirty_call_duration_seconds',
    help: 'Time from a call reaching the arbiter to its end, any outcome',
    buckets: BUCKETS,
    registers: [registry],
  });
  const wait = new Histogram({
    name: 'pm2_dirty_queue_wait_seconds',
    help: 'Time a call waited in the arbiter for a free worker',
    buckets: BUCKETS,
    registers: [registry],
  });
  a.router.stats.listen({
    ended: (outcome, ms) => {
      calls.inc({ outcome });
      if (ms !== null) duration.observe(ms / 1000);
    },
    waited: (ms) => wait.observe(ms / 1000),
  });
  const gauge = (name: string, help: string, value: () => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(value());
      },
    });
  };
  gauge('pm2_dirty_workers_live', 'Workers running (starting or ready)', () => a.pool.live);
  gauge('pm2_dirty_workers_target', 'Target number of workers', () => a.pool.target);
  gauge('pm2_dirty_workers_minimum', 'Fewest workers the app specs allow', () => a.pool.bounds.minimum);
  gauge('pm2_dirty_workers_maximum', 'Most workers scale-up may reach', () => a.pool.bounds.maximum);
  gauge('pm2_dirty_calls_in_flight', 'Calls running on workers', () => a.router.inflight);
  gauge('pm2_dirty_calls_queued', 'Calls waiting for a free worker', () => a.router.queued);
  gauge('pm2_dirty_crash_looping_app_sets', 'App sets whose crash-loop breaker is open or half-open', () => a.pool.brokenAppSets.length);
  gauge('pm2_dirty_stash_keys', 'Keys in the stash', () => a.stash.stats().keys);
  gauge('pm2_dirty_stash_bytes', 'Bytes the stash accounts for', () => a.stash.stats().bytes);
  // Monotonic counts kept by the pool, exposed as counters (raised by the difference at each scrape).
  const counter = (name: string, help: string, value: () => number): void => {
    let seen = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const v = value();
        if (v > seen) this.inc(v - seen);
        seen = v;
      },
    });
  };
  counter('pm2_dirty_worker_restarts_total', 'Workers respawned after dying', () => a.pool.restarts);
  counter('pm2_dirty_memory_replacements_total', 'Workers replaced for growing past maxWorkerMemoryMb', () => a.pool.memoryRetirements);
  counter('pm2_dirty_worker_recycles_total', 'Workers recycled because a cancelled call ignored its cancellation (cancelGraceMs)', () => a.pool.recycles);
  return registry;
}

/** Serves GET /metrics on `listen`; resolves once listening. */
export async function serveMetrics(a: Arbiter, listen: string): Promise<Server> {
  const registry = buildRegistry(a);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end('not found: GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  const { host, port } = parseListen(listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
