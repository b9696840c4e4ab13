// Types shared by the pool and the router: pool options, a worker's record, the pool's events.
import type { WorkerState } from '../core/types.js';
import type { AppLoadSpec } from '../worker/app-host.js';
import type { SpawnWorker, WorkerHandle } from './worker-handle.js';

export interface PoolOptions {
  readonly apps: readonly (AppLoadSpec & { readonly limit: number | null })[];
  readonly initialTarget: number;
  readonly maxWorkers: number;
  readonly concurrency: number;
  readonly spawnConcurrency: number;
  readonly gracefulTimeoutMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly socketPath: string;
  /** The config file, when it defines dirtyWorkerInit (the worker imports it to run the hook). */
  readonly configPath: string | null;
  readonly hookTimeoutMs: number;
  /** Retire and replace a worker above this RSS (bytes); 0 disables. */
  readonly maxWorkerRssBytes: number;
  /** Liveness (docs/operations.md): init deadline, grace for ignored cancellations, breaker cooldown; 0 disables each. */
  readonly initTimeoutMs: number;
  readonly cancelGraceMs: number;
  readonly crashCooldownMs: number;
  /** Starts a worker; the forked process unless a test passes an in-memory one. */
  readonly spawn?: SpawnWorker;
  readonly restart: { readonly baseDelayMs: number; readonly maxDelayMs: number; readonly maxCrashes: number; readonly windowMs: number };
}

/** A worker's record. Each mutable field has one writer module (docs/architecture.md, "Who owns which state"). */
export interface PoolWorker {
  readonly id: number;
  readonly process: WorkerHandle;
  readonly apps: readonly string[];
  /** pool-worker.ts: starting -> ready; Pool (its #unroute): retiring. */
  state: WorkerState;
  readonly spawnedAt: number;
  /** pool-worker.ts, from the worker's heartbeats (with `rss`). */
  lastBeatAt: number;
  /** router.ts: calls answered (its in-flight count is the router's WorkerChoice, Router.workerLoad). */
  served: number;
  rss: number;
  /** health.ts: a replacement is under way (memory guard); do not ask twice. */
  replacing?: boolean;
  /** health.ts (killWorker): set when the arbiter kills the worker on purpose (hung, init timeout, recycled): why. */
  killReason?: string;
}

/** What the router needs to hear from the pool. */
export interface PoolListener {
  /** Calls outstanding on `w` (the router counts them; the pool reads them for its views). */
  workerLoad(w: PoolWorker): number;
  workerReady(w: PoolWorker): void;
  workerRetiring(w: PoolWorker): void;
  workerGone(w: PoolWorker, code: number | null, signal: NodeJS.Signals | null): void;
}

/** Lifecycle events for hooks and persistence (all optional, none may throw into the pool). */
export interface PoolEvents {
  spawned?(w: PoolWorker): void;
  exited?(w: PoolWorker, code: number | null, signal: NodeJS.Signals | null): void;
  /** A rolling reload ended (all replaced, or stopped because a replacement did not boot). */
  reloadEnded?(how: 'complete' | 'aborted'): void;
  scaled?(result: import('../core/types.js').ScaleResult, source: string, message: string): void;
}
