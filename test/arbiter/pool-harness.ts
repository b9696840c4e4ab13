// A pool over in-memory workers (test/arbiter/fake-worker.ts) for the pool's unit tests, and
// helpers to wait for its reconcile passes by polling (never a fixed sleep).
import type { PoolListener, PoolOptions, PoolWorker } from '../../src/arbiter/pool-types.js';
import { Pool } from '../../src/arbiter/pool.js';
import type { Logger } from '../../src/arbiter/logger.js';
import type { ScaleResult } from '../../src/core/types.js';
import { fakeSpawner, type FakeWorker } from './fake-worker.js';

export async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export interface Harness {
  pool: Pool;
  fakes: FakeWorker[];
  lines: string[];
  heard: string[];
  scaled: ScaleResult[];
  reloads: string[];
  opts: PoolOptions;
}

export function harness(o: Partial<PoolOptions> = {}): Harness {
  const { spawn, workers: fakes } = fakeSpawner();
  const lines: string[] = [];
  const heard: string[] = [];
  const scaled: ScaleResult[] = [];
  const reloads: string[] = [];
  const log: Logger = { info: (l) => lines.push(l), warn: (l) => lines.push(`WARN ${l}`), error: (l) => lines.push(`ERROR ${l}`) };
  const listener: PoolListener = {
    workerLoad: () => 0,
    workerReady: (w) => heard.push(`ready ${w.id}`),
    workerRetiring: (w) => heard.push(`retiring ${w.id}`),
    workerGone: (w, code, signal) => heard.push(`gone ${w.id} ${code ?? signal}`),
  };
  const opts: PoolOptions = {
    apps: [{ name: 'a', specifier: 'a.js', exportName: 'default', limit: null }],
    initialTarget: 2,
    maxWorkers: 4,
    concurrency: 1,
    spawnConcurrency: 4,
    gracefulTimeoutMs: 60_000,
    heartbeatTimeoutMs: 0,
    socketPath: '/nowhere',
    configPath: null,
    hookTimeoutMs: 0,
    maxWorkerRssBytes: 0,
    initTimeoutMs: 0,
    cancelGraceMs: 0,
    crashCooldownMs: 0,
    restart: { baseDelayMs: 1, maxDelayMs: 1, maxCrashes: 100, windowMs: 60_000 },
    spawn,
    ...o,
  };
  const pool = new Pool(opts, log, listener, { scaled: (r) => scaled.push(r), reloadEnded: (how) => reloads.push(how) });
  return { pool, fakes, lines, heard, scaled, reloads, opts };
}

export const fake = (h: Harness, id: number): FakeWorker => {
  const f = h.fakes.find((x) => x.id === id);
  if (!f) throw new Error(`no worker ${id}`);
  return f;
};
export const worker = (h: Harness, id: number): PoolWorker => {
  const w = h.pool.workers.get(id);
  if (!w) throw new Error(`no worker ${id} in the pool`);
  return w;
};

export async function started(h: Harness, n: number): Promise<void> {
  await until(`${n} workers spawned`, () => h.fakes.length >= n);
}
