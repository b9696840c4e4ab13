// How the executor calls an action: in its call context (AsyncLocalStorage only when the action
// continues asynchronously), with an AbortSignal that is made only if the action reads it.
import { applySyncWithContext, releaseContextStorage, runWithContext, type CallContext } from '../app/index.js';

/** The cancellation state of a call, as the executor keeps it. */
export interface Cancellable {
  /** CANCEL arrived: the executor's own checks read this flag, never the signal. */
  cancelled: boolean;
  /** Made only when the action reads `callContext().signal` (an AbortSignal costs several µs). */
  controller: AbortController | undefined;
  reason: unknown;
}

export type AnyGen = Generator<unknown, unknown, unknown> | AsyncGenerator<unknown, unknown, unknown>;
export type Action = (...args: unknown[]) => unknown;
/** How an action is run: 'sync' without AsyncLocalStorage, 'async' inside it, 'probe' inside it once, to learn which. */
type Kind = 'sync' | 'async' | 'probe';

const kinds = new WeakMap<Action, Kind>();
/** Some action needed AsyncLocalStorage: it stays on from then on. */
let asyncSeen = false;

export function isGenerator(v: unknown): v is AnyGen {
  if (typeof v !== 'object' || v === null) return false;
  const tag = Object.prototype.toString.call(v);
  return tag === '[object Generator]' || tag === '[object AsyncGenerator]';
}

export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** async functions and async generators continue after returning; a plain function is probed once. */
function kindOf(fn: Action): Kind {
  let kind = kinds.get(fn);
  if (kind === undefined) {
    const tag = Object.prototype.toString.call(fn);
    kind = tag === '[object AsyncFunction]' || tag === '[object AsyncGeneratorFunction]' ? 'async' : tag === '[object GeneratorFunction]' ? 'sync' : 'probe';
    kinds.set(fn, kind);
  }
  return kind;
}

function needsStorage(fn: Action): void {
  kinds.set(fn, 'async');
  asyncSeen = true;
}

/**
 * The context an action sees. `signal` is a getter (on the prototype: an object literal with a
 * getter costs more than the rest of the context) that makes the call's AbortController on first
 * read, already aborted if the call was cancelled before.
 */
class LazyContext implements CallContext {
  readonly app: string;
  readonly action: string;
  readonly #job: Cancellable;

  constructor(job: Cancellable, app: string, action: string) {
    this.#job = job;
    this.app = app;
    this.action = action;
  }

  get signal(): AbortSignal {
    const job = this.#job;
    let c = job.controller;
    if (c === undefined) {
      c = job.controller = new AbortController();
      if (job.cancelled) c.abort(job.reason);
    }
    return c.signal;
  }
}

export function contextOf(job: Cancellable, app: string, action: string): CallContext {
  return new LazyContext(job, app, action);
}

/**
 * Calls the action in its context. async functions run inside AsyncLocalStorage. A plain function
 * runs inside it on its first call; if that returned no promise, it runs without it from then on,
 * and the storage is switched off while no action needs it (its hooks tax every promise). Should
 * such a function return a promise later after all, it runs inside the storage from its next call
 * on; only that one call's continuations (after an await) do not see the context.
 */
export function invoke(fn: Action, self: unknown, args: unknown[], ctx: CallContext): unknown {
  const kind = kindOf(fn);
  if (kind === 'sync') {
    const result = applySyncWithContext(ctx, fn, self, args);
    if (isThenable(result)) needsStorage(fn);
    return result;
  }
  if (kind === 'async') {
    asyncSeen = true;
    return runWithContext(ctx, () => fn.apply(self, args));
  }
  let result: unknown;
  try {
    result = runWithContext(ctx, () => fn.apply(self, args));
  } catch (err) {
    if (!asyncSeen) releaseContextStorage(); // a throw is synchronous: nothing of this call goes on
    throw err;
  }
  if (isThenable(result)) needsStorage(fn);
  else {
    kinds.set(fn, 'sync');
    if (!asyncSeen) releaseContextStorage();
  }
  return result;
}

const NO_ARGS: unknown[] = [];

/** One step of a generator: an async generator's continuations need AsyncLocalStorage, a sync one's do not. */
export function step(gen: AnyGen, ctx: CallContext): IteratorResult<unknown> | Promise<IteratorResult<unknown>> {
  if (Object.prototype.toString.call(gen) === '[object Generator]') {
    return applySyncWithContext(ctx, gen.next as (...args: unknown[]) => unknown, gen, NO_ARGS) as IteratorResult<unknown>;
  }
  asyncSeen = true;
  return runWithContext(ctx, () => gen.next());
}
