// IPC messages between arbiter and worker (control only; calls travel on the binary channel).
import type { WireError } from '../errors.js';
import type { AppLoadSpec } from './app-host.js';

/** Handed to a worker in env PM2_DIRTY_WORKER at fork. */
export type WorkerBoot =
  | {
      readonly mode: 'serve';
      readonly id: number;
      readonly apps: readonly AppLoadSpec[];
      readonly concurrency: number;
      readonly heartbeatIntervalMs: number;
      /** Set when the config file defines dirtyWorkerInit: the worker imports it to run the hook. */
      readonly configPath: string | null;
      readonly hookTimeoutMs: number;
    }
  | { readonly mode: 'probe'; readonly apps: readonly AppLoadSpec[] };

export interface ProbedApp {
  readonly name: string;
  readonly limit?: number | null;
  readonly error?: string;
}

export type ToArbiter =
  | { readonly t: 'ready'; readonly pid: number }
  | { readonly t: 'init-failed'; readonly error: WireError }
  | { readonly t: 'hb'; readonly rss: number; readonly heapUsed: number; readonly inflight: number; readonly served: number }
  | { readonly t: 'probe'; readonly apps: readonly ProbedApp[] };

export type ToWorker = { readonly t: 'retire' };
