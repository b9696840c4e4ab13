// client.app<typeof MyApp>('name'): a proxy whose methods are the app's actions with their own
// signatures. Sync and async actions resolve to their result; generator actions stream. Types only
// flow from the app's class: nothing of the app is loaded here.

/** Names that are never actions (the worker refuses them too). */
type NotAction = 'init' | 'close' | 'constructor' | `_${string}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the widest function type, for matching methods of any signature
type AnyFunction = (...args: any[]) => unknown;

/** The instance type of an app class (`typeof Thumbnailer`), or the app object itself. */
export type AppInstance<T> = T extends abstract new (...args: never) => infer I ? I : T;

/** The action names of an app: public methods, minus `init`, `close`, `constructor` and `_`-prefixed names. */
export type ActionName<T> = {
  [K in keyof AppInstance<T>]: K extends string ? (K extends NotAction ? never : AppInstance<T>[K] extends AnyFunction ? K : never) : never;
}[keyof AppInstance<T>];

/** How one action looks to a caller: a generator streams its items, anything else resolves to its (awaited) result. */
export type RemoteAction<F> = F extends (...args: infer A) => infer R
  ? [R] extends [never] // an action that always throws is still a call
    ? (...args: A) => Promise<never>
    : R extends AsyncGenerator<infer Y, unknown, never> | Generator<infer Y, unknown, never>
      ? (...args: A) => AsyncIterableIterator<Y>
      : (...args: A) => Promise<Awaited<R>>
  : never;

/** The typed view of a dirty app (see DirtyClient.app). */
export type DirtyAppProxy<T> = { readonly [K in ActionName<T>]: RemoteAction<AppInstance<T>[K]> };

/** Options every call of a proxy gets (a subset of CallOptions, kept here to avoid an import cycle). */
export interface ProxyOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** What the proxy needs of the client. */
export interface ProxyCalls {
  call(app: string, action: string, args: readonly unknown[], options?: ProxyOptions): Promise<unknown>;
  openStream(app: string, action: string, args: readonly unknown[], options?: ProxyOptions): AsyncIterableIterator<unknown>;
}

/**
 * One action call whose kind is decided by its first use: iterated at once (`for await`) it is a
 * stream; otherwise it starts as a unary call in the next microtask (so it runs even if nobody awaits).
 */
class ActionCall implements Promise<unknown>, AsyncIterable<unknown> {
  readonly [Symbol.toStringTag] = 'Promise';
  #promise: Promise<unknown> | undefined;
  #streamed = false;
  readonly #calls: ProxyCalls;
  readonly #app: string;
  readonly #action: string;
  readonly #args: readonly unknown[];
  readonly #options: ProxyOptions;

  constructor(calls: ProxyCalls, app: string, action: string, args: readonly unknown[], options: ProxyOptions) {
    this.#options = options;
    this.#calls = calls;
    this.#app = app;
    this.#action = action;
    this.#args = args;
    queueMicrotask(() => {
      if (!this.#streamed) this.#unary().catch(() => undefined); // the caller's then/catch sees the error
    });
  }

  #unary(): Promise<unknown> {
    this.#promise ??= this.#calls.call(this.#app, this.#action, this.#args, this.#options);
    return this.#promise;
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    if (this.#promise !== undefined) throw new TypeError(`${this.#app}.${this.#action}() was already started as a unary call: iterate it at once`);
    this.#streamed = true;
    return this.#calls.openStream(this.#app, this.#action, this.#args, this.#options);
  }

  then<A = unknown, B = never>(onOk?: ((v: unknown) => A | PromiseLike<A>) | null, onErr?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.#unary().then(onOk, onErr);
  }

  catch<B = never>(onErr?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<unknown> {
    return this.#unary().catch(onErr);
  }

  finally(fn?: (() => void) | null): Promise<unknown> {
    return this.#unary().finally(fn);
  }
}

/** The runtime side of DirtyAppProxy: any string property is an action of `app`, called with `options`. */
export function appProxy<T>(calls: ProxyCalls, app: string, options: ProxyOptions = {}): DirtyAppProxy<T> {
  return new Proxy(Object.create(null) as object, {
    get(_target, prop) {
      // Not thenable itself (so `await client.app(...)` is harmless), and symbols are not actions.
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      return (...args: unknown[]) => new ActionCall(calls, app, prop, args, options);
    },
  }) as DirtyAppProxy<T>;
}
