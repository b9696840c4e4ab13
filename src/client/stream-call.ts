// A streaming call as a single-use async iterator: CHUNK data until END (or RESPONSE), ERROR rejects,
// one deadline for the whole stream, and CANCEL when the consumer leaves early. It reads by windows
// (CREDIT): the request opens a window, and each half window the consumer takes is granted again,
// so at most a window of chunks waits here for a slow consumer.
import { ReadWindow } from '../core/stream-window.js';
import { isAnswerType, MessageType } from '../protocol/constants.js';
import { writeCredit } from '../protocol/messages.js';
import type { Frame } from '../protocol/frame.js';
import type { RequestId } from '../protocol/header.js';
import { abortError, closedError, readChunk, readData, readError, timeoutError, unexpectedFrame } from './call-outcome.js';
import type { CallSink, CallState, Connection, Encoder } from './connection.js';
import type { RequestOptions } from './unary-call.js';

interface Waiter {
  resolve(result: IteratorResult<unknown>): void;
  reject(error: Error): void;
}

const DONE: IteratorResult<unknown> = { done: true, value: undefined };

/** The request is sent on the first `next()`; `return()` (a `break` in for-await) cancels it. */
export class StreamCall implements AsyncIterableIterator<unknown> {
  readonly #connection: Connection;
  readonly #label: string;
  readonly #encode: Encoder;
  readonly #options: RequestOptions;
  /** Chunks not yet taken: #items[#head...], a queue read by index (shift() is O(n) on a long one). */
  readonly #items: unknown[] = [];
  /** Payload bytes of each item in #items. */
  readonly #sizes: number[] = [];
  #head = 0;
  readonly #window: ReadWindow;
  readonly #waiters: Waiter[] = [];
  #id: RequestId | undefined;
  #started = false;
  /** Set once the call is over: `{}` for a clean end, `{error}` until that error is delivered. */
  #ended: { error?: Error } | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(connection: Connection, label: string, encode: Encoder, options: RequestOptions) {
    this.#connection = connection;
    this.#label = label;
    this.#encode = encode;
    this.#options = options;
    this.#window = new ReadWindow(connection.streamWindow);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (!this.#started) this.#start();
    const items = this.#items;
    const at = this.#head;
    if (at < items.length) {
      const value = items[at];
      const bytes = this.#sizes[at] ?? 0;
      items[at] = undefined;
      if (at + 1 === items.length) this.#dropItems();
      else this.#head = at + 1;
      this.#taken(bytes);
      return Promise.resolve({ done: false, value });
    }
    if (this.#ended !== undefined) {
      const { error } = this.#ended;
      this.#ended = {};
      return error === undefined ? Promise.resolve(DONE) : Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
  }

  return(): Promise<IteratorResult<unknown>> {
    this.#started = true;
    if (this.#id !== undefined) this.#connection.abandon(this.#id);
    this.#dropItems();
    this.#end();
    this.#ended = {};
    return Promise.resolve(DONE);
  }

  #start(): void {
    this.#started = true;
    const { signal } = this.#options;
    if (this.#connection.closed) {
      this.#end(closedError());
      return;
    }
    if (signal?.aborted === true) {
      this.#end(abortError(this.#label, signal));
      return;
    }
    const id = this.#connection.nextId();
    let frames: readonly Buffer[] | null;
    const window = this.#window.opening;
    try {
      // The opening CREDIT travels with the REQUEST: this stream is read by windows from its first chunk.
      frames = this.#connection.encode((i, out) => {
        this.#encode(i, out);
        return writeCredit(out, i, window);
      }, id);
    } catch (error) {
      this.#end(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.#id = id;
    const timeoutMs = this.#options.timeoutMs ?? this.#connection.defaultTimeoutMs;
    this.#timer = setTimeout(() => {
      this.#onDeadline(id, timeoutMs);
    }, timeoutMs);
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#connection.open(id, frames, this.#sink());
  }

  #sink(): CallSink {
    return {
      state: 'queued',
      frames: [],
      onFrame: (frame) => {
        this.#onFrame(frame);
      },
      onChunk: (buf, start, end) => {
        this.#push(readChunk(buf, start, end), end - start);
      },
      onFail: (error) => {
        this.#end(error);
      },
    };
  }

  #onFrame(frame: Frame): void {
    const id = frame.requestId;
    const type = frame.type;
    if (!isAnswerType(type)) throw unexpectedFrame(frame, this.#label); // a frame type only clients send
    switch (type) {
      case MessageType.CHUNK:
        this.#push(readData(frame), frame.payload.length);
        return;
      case MessageType.END:
      case MessageType.RESPONSE: // gunicorn: a plain RESPONSE ends the stream, its result is discarded
        this.#connection.finish(id);
        this.#end();
        return;
      case MessageType.ERROR: {
        const error = readError(frame);
        this.#connection.finish(id);
        this.#end(error);
        return;
      }
    }
  }

  #push(value: unknown, bytes: number): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      this.#taken(bytes);
      waiter.resolve({ done: false, value });
      return;
    }
    this.#items.push(value);
    this.#sizes.push(bytes);
  }

  /** The consumer took a chunk of `bytes`: room made in the window is granted again (ReadWindow). */
  #taken(bytes: number): void {
    const credit = this.#window.taken(bytes);
    if (credit > 0 && this.#id !== undefined && this.#ended === undefined) this.#connection.credit(this.#id, credit);
  }

  /** The whole stream, to its END, had `timeoutMs`. */
  #onDeadline(id: RequestId, timeoutMs: number): void {
    const state: CallState | undefined = this.#connection.abandon(id, true);
    this.#end(timeoutError(this.#label, timeoutMs, state, this.#connection));
  }

  readonly #onAbort = (): void => {
    const { signal } = this.#options;
    if (this.#id !== undefined) this.#connection.abandon(this.#id);
    this.#dropItems();
    this.#end(abortError(this.#label, signal as AbortSignal));
  };

  /** The call is over; buffered chunks are still delivered before the end or the error. */
  #end(error?: Error): void {
    clearTimeout(this.#timer);
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    if (this.#ended !== undefined) return;
    const waiters = this.#waiters.splice(0);
    const first = waiters.shift();
    if (error !== undefined && first !== undefined) first.reject(error);
    else if (first !== undefined) first.resolve(DONE);
    for (const waiter of waiters) waiter.resolve(DONE);
    this.#ended = error !== undefined && first === undefined ? { error } : {};
  }

  #dropItems(): void {
    this.#items.length = 0;
    this.#sizes.length = 0;
    this.#head = 0;
  }
}
