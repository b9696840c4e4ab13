// A call with one answer (REQUEST, STATUS, MANAGE, STASH): deadline, abort, CANCEL on give-up,
// and RESPONSE/ERROR matched by request id.
import { DirtyError } from '../errors.js';
import { isAnswerType, MessageType } from '../protocol/constants.js';
import type { Frame } from '../protocol/frame.js';
import type { RequestId } from '../protocol/header.js';
import { abortError, closedError, readError, readResult, timeoutError, unexpectedFrame } from './call-outcome.js';
import type { CallSink, CallState, Connection, Encoder } from './connection.js';
import type { Deadline, Expiring } from '../net/deadlines.js';

/** Per-call options shared by every single-answer call. */
export interface RequestOptions {
  /**
   * Deadline for the whole call in milliseconds, including any wait for the arbiter to come back.
   * @default the client's `timeoutMs` (30000)
   * @example { timeoutMs: 120_000 }
   */
  readonly timeoutMs?: number;
  /**
   * Abandons the call: it rejects with DirtyAbortError (`cause` = `signal.reason`) and a CANCEL is sent.
   * @example { signal: AbortSignal.timeout(5000) }
   */
  readonly signal?: AbortSignal;
}

/**
 * Encodes with a fresh id, so that unencodable values reject before anything is written.
 * The call's name in error messages is `what`, or `what.action` (only built when an error needs it).
 */
export function unaryCall(connection: Connection, what: string, encode: Encoder, options: RequestOptions, action?: string): Promise<unknown> {
  const { signal } = options;
  const timeoutMs = options.timeoutMs ?? connection.defaultTimeoutMs;
  if (connection.closed) return Promise.reject(closedError());
  if (signal?.aborted === true) return Promise.reject(abortError(labelOf(what, action), signal));
  const id = connection.nextId();
  let frames: readonly Buffer[] | null;
  try {
    frames = connection.encode(encode, id);
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
  return new Promise((resolve, reject) => {
    const call = new UnaryCall(connection, id, what, action, timeoutMs, signal, resolve, reject);
    connection.open(id, frames, call);
  });
}

function labelOf(what: string, action: string | undefined): string {
  return action === undefined ? what : `${what}.${action}`;
}

/** One pending call: its deadline (on the connection's shared timer), its abort listener, its answer. */
class UnaryCall implements CallSink, Expiring {
  state: CallState = 'queued';
  frames: readonly Buffer[] = [];
  readonly #connection: Connection;
  readonly #id: RequestId;
  readonly #what: string;
  readonly #action: string | undefined;
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #resolve: (value: unknown) => void;
  readonly #reject: (error: unknown) => void;
  readonly #deadline: Deadline;
  readonly #onAbort: (() => void) | undefined;

  constructor(
    connection: Connection,
    id: RequestId,
    what: string,
    action: string | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
  ) {
    this.#connection = connection;
    this.#id = id;
    this.#what = what;
    this.#action = action;
    this.#timeoutMs = timeoutMs;
    this.#signal = signal;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#deadline = connection.deadlines.add(timeoutMs, this);
    if (signal !== undefined) {
      const onAbort = (): void => {
        connection.abandon(id);
        this.#settle();
        reject(abortError(this.#label(), signal));
      };
      this.#onAbort = onAbort;
      signal.addEventListener('abort', onAbort, { once: true });
    }
  }

  #label(): string {
    return labelOf(this.#what, this.#action);
  }

  /** The deadline passed. */
  expire(): void {
    const state = this.#connection.abandon(this.#id, true);
    this.#settle();
    this.#reject(timeoutError(this.#label(), this.#timeoutMs, state, this.#connection));
  }

  onResponse(buf: Buffer, start: number, end: number): void {
    const result = readResult(buf, start, end);
    this.#connection.finish(this.#id);
    this.#settle();
    this.#resolve(result);
  }

  onFrame(frame: Frame): void {
    const connection = this.#connection;
    const type = frame.type;
    if (!isAnswerType(type)) throw unexpectedFrame(frame, this.#label()); // a frame type only clients send
    switch (type) {
      case MessageType.RESPONSE:
        this.onResponse(frame.payload, 0, frame.payload.length);
        return;
      case MessageType.ERROR: {
        const error = readError(frame);
        connection.finish(this.#id);
        this.#settle();
        this.#reject(error);
        return;
      }
      case MessageType.CHUNK:
      case MessageType.END:
        // gunicorn answers "Unknown response type: chunk"; we also stop the generator.
        connection.abandon(this.#id);
        this.#settle();
        this.#reject(new DirtyError(`${this.#label()} streamed its result: use client.stream() or client.openStream()`));
        return;
    }
  }

  onFail(error: DirtyError): void {
    this.#settle();
    this.#reject(error);
  }

  #settle(): void {
    this.#connection.deadlines.cancel(this.#deadline);
    if (this.#onAbort !== undefined) this.#signal?.removeEventListener('abort', this.#onAbort);
  }
}
