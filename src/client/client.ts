// DirtyClient: the validated public facade over one multiplexed connection to the dirty arbiter.
import { READ_WINDOW } from '../core/stream-window.js';
import { ManageOp } from '../protocol/constants.js';
import { writeManage, writeRequest, writeStatus } from '../protocol/messages.js';
import { Connection } from './connection.js';
import { resolveSocketPath } from './resolve-socket-path.js';
import { StashClient } from './stash.js';
import { StreamCall } from './stream-call.js';
import { unaryCall, type RequestOptions } from './unary-call.js';
import * as check from './validate.js';
import { appProxy, type DirtyAppProxy } from './typed-app.js';

/** Options of `createClient()`. */
export interface ClientOptions {
  /**
   * Path of the arbiter's Unix socket, read at the first connect.
   * @default process.env.PM2_DIRTY_SOCKET ?? `${process.env.PM2_HOME ?? '~/.pm2'}/dirty/arbiter.sock`
   * @example { socketPath: '/run/my-app/dirty.sock' }
   */
  readonly socketPath?: string;
  /**
   * Default deadline of each call in ms, from the call to its last frame (for streams: to END, however many chunks).
   * @default 30000
   * @example { timeoutMs: 120_000 }
   */
  readonly timeoutMs?: number;
  /**
   * Cap of the reconnect backoff (20 ms, doubling) while the arbiter is unreachable.
   * @default 1000
   * @example { maxReconnectDelayMs: 5000 }
   */
  readonly maxReconnectDelayMs?: number;
  /**
   * The most chunks a stream may receive ahead of its consumer (its flow-control window). Within
   * it, the window aims at 4 MiB of chunks by their mean size: a stream whose consumer falls behind
   * holds about that much (at most 256 chunks before the first is taken), and its generator waits.
   * @default 8192
   * @example { streamWindow: 64 }
   */
  readonly streamWindow?: number;
}

/** Options of `call()` and `openStream()`. */
export interface CallOptions extends RequestOptions {
  /**
   * Keyword arguments passed to the action (gunicorn's `**kwargs`).
   * @default {}
   * @example { kwargs: { temperature: 0.2 } }
   */
  readonly kwargs?: Record<string, unknown>;
}

/** The options of a call made without any (shared: read, never written). */
const NO_OPTIONS: CallOptions = Object.freeze({});

/** A scale operation sent with MANAGE: `add` or `remove` workers (gunicorn's), or `set` the target (our extension). */
export type ManageOperation = 'add' | 'remove' | 'set';

/**
 * Calls dirty-app actions in the arbiter over one Unix-socket connection shared by all calls.
 *
 * Calls are matched to answers by request id, so any number may be in flight at once.
 * The socket connects lazily and reconnects on its own; calls made while the arbiter is
 * unreachable wait (until their own deadline) and are sent once it is back. A call already
 * sent when the connection drops fails with DirtyConnectionError: it may or may not have run.
 * The socket does not keep the process alive while no call is pending.
 */
export class DirtyClient {
  readonly #connection: Connection;

  constructor(options: ClientOptions = {}) {
    check.assertOptionalRecord('options', options);
    const { socketPath, timeoutMs = 30_000, maxReconnectDelayMs = 1000, streamWindow = READ_WINDOW } = options;
    check.assertOptionalString('socketPath', socketPath);
    check.assertDurationMs('timeoutMs', timeoutMs);
    check.assertDurationMs('maxReconnectDelayMs', maxReconnectDelayMs);
    check.assertPositiveInteger('streamWindow', streamWindow);
    this.#connection = new Connection({
      socketPath: () => resolveSocketPath(process.env, socketPath),
      defaultTimeoutMs: timeoutMs,
      maxReconnectDelayMs,
      streamWindow,
    });
    this.stash = new StashClient(this.#connection);
  }

  /** The arbiter's shared tables (STASH frames on the same connection). */
  readonly stash: StashClient;

  /**
   * Runs `action` of `app` with positional arguments and resolves with its result.
   * @example await client.execute('image-app', 'resize', buffer, 256)
   */
  execute<R = unknown>(app: string, action: string, ...args: unknown[]): Promise<R> {
    try {
      return this.call<R>(app, action, args);
    } catch (error) {
      // Only a detached `this` gets here: rejected, as from an async method.
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * Like `execute()`, with keyword arguments, a per-call timeout and an AbortSignal.
   * @example await client.call('llm', 'complete', [prompt], { kwargs: { max_tokens: 64 }, timeoutMs: 60_000 })
   */
  call<R = unknown>(app: string, action: string, args: readonly unknown[], options: CallOptions = NO_OPTIONS): Promise<R> {
    // Not `async` (hot path): unaryCall's promise is returned as is, without a wrapper promise and its
    // extra ticks. Whatever throws here (a bad argument) still becomes a rejected promise, as before.
    try {
      const { kwargs } = validateCall(app, action, args, options);
      return unaryCall(this.#connection, app, (id, out) => writeRequest(out, id, app, action, args, kwargs), options, action) as Promise<R>;
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * Streams the chunks yielded by a generator action; see `openStream()`.
   * @example for await (const token of client.stream('llm', 'generate', prompt)) process.stdout.write(String(token))
   */
  stream<Y = unknown>(app: string, action: string, ...args: unknown[]): AsyncIterableIterator<Y> {
    return this.openStream<Y>(app, action, args);
  }

  /**
   * A typed view of an app: `client.app<typeof Thumbnailer>('images').resize(buf, 256)` has the
   * action's own parameters and result (`Promise<R>`; a generator action gives `AsyncIterableIterator<Y>`).
   * `init`, `close` and `_`-prefixed methods are absent. Only types come from the class: import it
   * with `import type`. A call starts in the next microtask, or as a stream if iterated at once.
   * `options` (`timeoutMs`, `signal`) apply to every call made through the proxy.
   * @example const images = client.app<typeof Thumbnailer>('images'); const small = await images.resize(buf, 256);
   */
  app<T>(name: string, options: RequestOptions = {}): DirtyAppProxy<T> {
    check.assertNonEmptyString('name', name);
    validateRequestOptions(options);
    return appProxy<T>(this, name, options);
  }

  /**
   * Streams the chunks yielded by a generator action, ending when the action returns.
   *
   * The request is sent on the first `next()`. `timeoutMs` is a deadline for the **whole**
   * stream, from the first `next()` to its END (not restarted by each chunk). Leaving the loop
   * early (`break`, `throw`, `return`) sends CANCEL and drops later frames of this call only.
   *
   * Backpressure is per stream (the CREDIT extension, docs/protocol.md): a stream receives about
   * 4 MiB (at most `streamWindow` chunks) ahead of its consumer, and the generator in the worker
   * waits for it. The client never stops reading its connection, so a slow consumer delays only its own
   * stream; but a stream left unread past the arbiter's `streamStallTimeoutMs` is cancelled.
   * @example for await (const row of client.openStream('db', 'export', [table], { timeoutMs: 5000 })) write(row)
   */
  openStream<Y = unknown>(app: string, action: string, args: readonly unknown[], options: CallOptions = {}): AsyncIterableIterator<Y> {
    const { kwargs } = validateCall(app, action, args, options);
    return new StreamCall(
      this.#connection,
      `${app}.${action}`,
      (id, out) => writeRequest(out, id, app, action, args, kwargs),
      options,
    ) as AsyncIterableIterator<Y>;
  }

  /**
   * Asks the arbiter for its status (STATUS frame) and resolves with the answer.
   * @example const { workers } = (await client.status()) as { workers: unknown[] }
   */
  async status(options: RequestOptions = {}): Promise<unknown> {
    validateRequestOptions(options);
    return unaryCall(this.#connection, 'status', (id, out) => writeStatus(out, id), options);
  }

  /**
   * Adds or removes `count` workers, or sets the target to `count` (MANAGE frame), and resolves with the
   * arbiter's answer `{ ok, target, previous, live, minimum, maximum, message, clampedBy? }`: `ok` is false
   * when a bound cut the request (`clampedBy`), or when the arbiter refused it.
   * @example await client.manage('add', 2)
   */
  async manage(op: ManageOperation, count: number, options: RequestOptions = {}): Promise<unknown> {
    check.assertOneOf('op', op, ['add', 'remove', 'set']);
    if (op === 'set') check.assertNonNegativeInteger('count', count);
    else check.assertPositiveInteger('count', count);
    validateRequestOptions(options);
    const code = op === 'add' ? ManageOp.ADD : op === 'remove' ? ManageOp.REMOVE : ManageOp.SET;
    return unaryCall(this.#connection, `manage ${op}`, (id, out) => writeManage(out, id, code, count), options);
  }

  /**
   * Starts a rolling reload (MANAGE op 4, our extension; as SIGHUP) and resolves with `{ ok, message, changes }`
   * once the new config is read and the reload has begun (not when every worker is replaced).
   * @example await client.reload()
   */
  async reload(options: RequestOptions = {}): Promise<unknown> {
    validateRequestOptions(options);
    return unaryCall(this.#connection, 'manage reload', (id, out) => writeManage(out, id, ManageOp.RELOAD, 0), options);
  }

  /** Rejects every pending call with DirtyConnectionError('client closed') and closes the socket; later calls reject too. */
  async close(): Promise<void> {
    await this.#connection.close();
  }
}

/**
 * Creates a client; nothing connects until the first call.
 * @example
 * import { createClient } from 'pm2-dirty';
 * const client = createClient({ timeoutMs: 60_000 });
 * const thumbnail = await client.execute('images', 'thumbnail', buffer);
 */
export function createClient(options: ClientOptions = {}): DirtyClient {
  return new DirtyClient(options);
}

function validateRequestOptions(options: RequestOptions): void {
  check.assertOptionalRecord('options', options);
  if (options.timeoutMs !== undefined) check.assertDurationMs('timeoutMs', options.timeoutMs);
  check.assertOptionalSignal('signal', options.signal);
}

function validateCall(app: unknown, action: unknown, args: unknown, options: CallOptions): CallOptions {
  check.assertNonEmptyString('app', app);
  check.assertNonEmptyString('action', action);
  check.assertArray('args', args);
  validateRequestOptions(options);
  check.assertOptionalRecord('kwargs', options.kwargs);
  return options;
}
