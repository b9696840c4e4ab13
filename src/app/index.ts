// What dirty-app authors import from 'pm2-dirty/app': the DirtyApp base class, the shapes the
// worker accepts, and the per-call context (AbortSignal of the running call).
import { AsyncLocalStorage } from 'node:async_hooks';

/** The context of the call an action runs in. */
export interface CallContext {
  /** Aborted when the caller cancels, times out or disconnects; long actions should watch it. */
  readonly signal: AbortSignal;
  readonly app: string;
  readonly action: string;
}

// Two ways to be "in" a call. An action that continues after returning (async functions, async
// generators, promises) runs inside AsyncLocalStorage, so its continuations see the context.
// A synchronous action only needs the context while it runs: a plain variable is enough, and it
// keeps AsyncLocalStorage (whose promise and async hooks slow down the whole worker) switched off.
const storage = new AsyncLocalStorage<CallContext>();
let current: CallContext | undefined;

/** The context of the current call, inside an action (undefined outside one). */
export function callContext(): CallContext | undefined {
  return current ?? storage.getStore();
}

/** @internal Runs `fn` with `ctx` as the current call context, its async continuations included (used by the worker). */
export function runWithContext<T>(ctx: CallContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** @internal `fn.apply(self, args)` with `ctx` as the current call context while it runs (not in its continuations). */
export function applySyncWithContext(ctx: CallContext, fn: (...args: unknown[]) => unknown, self: unknown, args: unknown[]): unknown {
  const outer = current;
  current = ctx;
  try {
    return fn.apply(self, args);
  } finally {
    current = outer;
  }
}

/**
 * @internal Switches AsyncLocalStorage off again (its hooks cost every promise of the process);
 * the next `runWithContext` switches it on. Only when no call runs inside it any more.
 */
export function releaseContextStorage(): void {
  storage.disable();
}

/**
 * Base class for dirty apps. One instance per worker, kept for the worker's life.
 * Any public method is an action; `_`-prefixed names, `init`, `close` and `constructor` are not.
 * Sync, async, generator and async-generator methods are supported; generators stream.
 *
 * @example
 * export class Thumbnailer extends DirtyApp {
 *   static workers = 2;            // at most two workers load this app
 *   async init() { this.model = await loadModel(); }
 *   resize(image: Buffer, size: number) { return resize(this.model, image, size); }
 * }
 */
export abstract class DirtyApp {
  /** How many workers load this app; null or undefined: every worker. `:N` in the spec overrides it. */
  static workers: number | null | undefined = undefined;
  /** Called once in the worker before it counts as ready (load models, open pools). */
  init(): void | Promise<void> {
    return undefined;
  }
  /** Called once when the worker retires or the pool stops. */
  close(): void | Promise<void> {
    return undefined;
  }
}

/** A plain-object app: the same hooks and actions, without a class. */
export interface DirtyAppObject {
  readonly workers?: number | null;
  init?(): void | Promise<void>;
  close?(): void | Promise<void>;
  readonly [action: string]: unknown;
}

/** What a worker hook (dirtyWorkerInit) sees of its worker. */
export interface WorkerInfo {
  readonly id: number;
  readonly pid: number;
  readonly apps: readonly string[];
}
