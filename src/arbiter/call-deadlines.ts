// The arbiter's two limits on a call, each on one precise timer (net/deadlines.ts), not a sweep:
// - timeoutMs: the most a call may run from dispatch to its last frame, streams included;
// - streamStallTimeoutMs: the most a stream may wait with a full window for its reader.
// When one fires, the router abandons the call (CANCEL to the worker) and fails it with this error.
import { Buffer } from 'node:buffer';
import { DirtyTimeoutError } from '../errors.js';
import type { Payload } from '../protocol/frame-batch.js';
import { decodeRequest } from '../protocol/messages.js';
import { Deadlines, type Expiring } from '../net/deadlines.js';
import type { Call } from './router-types.js';

export type Expired = (call: Call, error: DirtyTimeoutError) => void;

export class CallDeadlines {
  readonly #lines = new Deadlines();
  readonly #timeoutMs: number;
  readonly #stallMs: number;
  readonly #onExpired: Expired;
  /** The targets of every call's deadlines (the call is the deadline's arg): no object per call. */
  readonly #runs: Expiring = { expire: (call) => this.expired(call as Call, false) };
  readonly #stalls: Expiring = { expire: (call) => this.expired(call as Call, true) };

  /** A limit of 0 is off. */
  constructor(timeoutMs: number, stallMs: number, onExpired: Expired) {
    this.#timeoutMs = timeoutMs;
    this.#stallMs = stallMs;
    this.#onExpired = onExpired;
  }

  /** The call was sent to a worker: its run time counts from now. */
  dispatched(call: Call): void {
    if (this.#timeoutMs <= 0) return;
    if (call.deadline) this.#lines.cancel(call.deadline); // sent again after its worker died
    call.deadline = this.#lines.add(this.#timeoutMs, this.#runs, call);
  }

  /** The stream's window is full: its reader has this long to make room (a second call changes nothing). */
  stalled(call: Call): void {
    if (this.#stallMs <= 0 || call.stall) return;
    call.stall = this.#lines.add(this.#stallMs, this.#stalls, call);
  }

  /** The reader made room. */
  flowing(call: Call): void {
    if (!call.stall) return;
    this.#lines.cancel(call.stall);
    call.stall = undefined;
  }

  /** The call is over (answered, abandoned or failed). */
  ended(call: Call): void {
    if (call.deadline) this.#lines.cancel(call.deadline);
    this.flowing(call);
    call.deadline = undefined;
  }

  expired(call: Call, stall: boolean): void {
    if (stall) call.stall = undefined;
    else call.deadline = undefined;
    const action = actionOf(call.payload);
    const what = `${call.app}.${action}`;
    const error = stall
      ? new DirtyTimeoutError(`Stream ${what} stalled: its reader made no room for ${this.#stallMs} ms (streamStallTimeoutMs); the call was cancelled`, {
          app_path: call.app,
          action,
          limit: 'streamStallTimeoutMs',
          timeout: Math.round(this.#stallMs / 1000),
          timeout_ms: this.#stallMs,
        })
      : new DirtyTimeoutError(`${what} ran past timeoutMs (${this.#timeoutMs} ms from dispatch to its last frame); the call was cancelled`, {
          app_path: call.app,
          action,
          limit: 'timeoutMs',
          timeout: Math.round(this.#timeoutMs / 1000),
          timeout_ms: this.#timeoutMs,
        });
    this.#onExpired(call, error);
  }
}

/** The action named in a REQUEST payload (read only for an error message); '?' if unreadable. */
function actionOf(payload: Payload): string {
  try {
    const bytes = Buffer.isBuffer(payload) ? payload : Buffer.concat(payload);
    return decodeRequest(bytes).action;
  } catch {
    return '?';
  }
}
