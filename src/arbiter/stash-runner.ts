// Runs STASH payloads for the arbiter. Every op but KEYS is answered at once (their cost is bounded by the
// stash limits). A KEYS runs in slices, one per turn of the event loop, taking turns with other pending
// KEYS: first the scan (SLICE_STEPS steps a slice), then, for a big answer, its encoding (SLICE_BYTES a
// slice), so neither a scan of a big table nor a big answer holds the loop for long.
import { startStash, type StashOutcome } from '../stash/ops.js';
import type { KeyScan, StashStore } from '../stash/store.js';
import { isDirtyError, StashError } from '../errors.js';
import { itemSize, ListResponse } from './list-response.js';

/** Steps (keys examined plus glob steps) per slice: a few ms here. */
export const SLICE_STEPS = 300_000;
/** Bytes of keys encoded per slice: a few ms here. */
export const SLICE_BYTES = 1 << 20;

/** An answer: an outcome the server encodes, or a response already encoded (it only needs the request id). */
export type StashAnswer = StashOutcome | { readonly ok: true; readonly frames: (requestId: bigint) => Buffer[] };

interface Pending {
  readonly scan: KeyScan;
  response: ListResponse | undefined;
  readonly resolve: (answer: StashAnswer) => void;
}

function small(keys: readonly unknown[]): boolean {
  let size = 0;
  for (const k of keys) if ((size += itemSize(k)) > SLICE_BYTES) return false;
  return true;
}

export class StashRunner {
  readonly #store: StashStore;
  readonly #now: () => number;
  readonly #pending: Pending[] = [];
  #scheduled = false;

  constructor(store: StashStore, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  run(payload: unknown): StashAnswer | Promise<StashAnswer> {
    const r = startStash(this.#store, payload, this.#now());
    if (r.ok !== 'pending') return r;
    const scan = r.pending;
    // A small table with a small answer finishes now, unless others are waiting their turn.
    if (this.#pending.length === 0 && scan.run(this.#now(), SLICE_STEPS) && small(scan.keys)) return { ok: true, result: scan.keys };
    return new Promise((resolve) => {
      this.#pending.push({ scan, response: undefined, resolve });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#pending.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => this.#slice());
  }

  /** One slice of the oldest pending KEYS; unfinished, it goes to the back of the line. */
  #slice(): void {
    this.#scheduled = false;
    const job = this.#pending.shift();
    if (!job) return;
    try {
      if (this.#step(job)) this.#finish(job);
      else this.#pending.push(job);
    } catch (err) {
      job.resolve({ ok: false, error: (isDirtyError(err) ? err : new StashError(String(err))).toWire() });
    }
    this.#schedule();
  }

  /** Scans, then encodes; true when the answer is ready. */
  #step(job: Pending): boolean {
    if (!job.scan.done) {
      if (!job.scan.run(this.#now(), SLICE_STEPS)) return false;
      if (small(job.scan.keys)) return true;
      job.response = new ListResponse(job.scan.keys);
      return false;
    }
    return job.response ? job.response.step(SLICE_BYTES) : true;
  }

  #finish(job: Pending): void {
    const response = job.response;
    if (!response) {
      job.resolve({ ok: true, result: job.scan.keys });
      return;
    }
    job.resolve({ ok: true, frames: (requestId) => response.frames(requestId) });
  }
}
