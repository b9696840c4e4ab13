// A call with one answer (REQUEST, STATUS, MANAGE, STASH): deadline, abort, CANCEL on give-up,
// and RESPONSE/ERROR matched by request id.
import { DirtyError } from '../errors.js';
import { MessageType } from '../protocol/constants.js';
import type { Frame } from '../protocol/frame.js';
import { abortError, closedError, readError, readResult, timeoutError, unexpectedFrame } from './call-outcome.js';
import type { Connection } from './connection.js';

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

/** Encodes with a fresh id, so that unencodable values reject before anything is written. */
export function unaryCall(
  connection: Connection,
  label: string,
  encode: (id: bigint) => Buffer[],
  options: RequestOptions,
): Promise<unknown> {
  const { signal } = options;
  const timeoutMs = options.timeoutMs ?? connection.defaultTimeoutMs;
  if (connection.closed) return Promise.reject(closedError());
  if (signal?.aborted === true) return Promise.reject(abortError(label, signal));
  const id = connection.nextId();
  let frames: Buffer[];
  try {
    frames = encode(id);
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      connection.abandon(id);
      settle();
      reject(abortError(label, signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      const state = connection.abandon(id);
      settle();
      reject(timeoutError(label, timeoutMs, state, connection));
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    connection.open(id, frames, {
      onFrame(frame: Frame) {
        switch (frame.type) {
          case MessageType.RESPONSE: {
            const result = readResult(frame);
            connection.finish(id);
            settle();
            resolve(result);
            return;
          }
          case MessageType.ERROR: {
            const error = readError(frame);
            connection.finish(id);
            settle();
            reject(error);
            return;
          }
          case MessageType.CHUNK:
          case MessageType.END:
            // gunicorn answers "Unknown response type: chunk"; we also stop the generator.
            connection.abandon(id);
            settle();
            reject(new DirtyError(`${label} streamed its result: use client.stream() or client.openStream()`));
            return;
          case MessageType.REQUEST:
          case MessageType.STASH:
          case MessageType.STATUS:
          case MessageType.MANAGE:
          case MessageType.CANCEL:
            throw unexpectedFrame(frame, label);
        }
      },
      onFail(error) {
        settle();
        reject(error);
      },
    });
  });
}
