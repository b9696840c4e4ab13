// Runs STASH payloads for the arbiter. Every op but KEYS is answered at once (their cost is bounded by the
// stash limits); a KEYS runs in slices of SLICE_STEPS steps, one slice per turn of the event loop, taking
// turns with other pending KEYS, so a scan of a big table never holds the loop for long.
import { startStash, type StashOutcome } from '../stash/ops.js';
import type { KeyScan, StashStore } from '../stash/store.js';

/** Steps (keys examined plus glob steps) per slice: a few ms here. */
export const SLICE_STEPS = 300_000;

interface Pending {
  readonly scan: KeyScan;
  readonly resolve: (outcome: StashOutcome) => void;
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

  /** KEYS still running. */
  get pending(): number {
    return this.#pending.length;
  }

  run(payload: unknown): StashOutcome | Promise<StashOutcome> {
    const r = startStash(this.#store, payload, this.#now());
    if (r.ok !== 'pending') return r;
    const scan = r.pending;
    // A small table finishes in its first slice; with others waiting, this one waits its turn.
    if (this.#pending.length === 0 && scan.run(this.#now(), SLICE_STEPS)) return { ok: true, result: scan.keys };
    return new Promise((resolve) => {
      this.#pending.push({ scan, resolve });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#pending.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => this.#slice());
  }

  /** One slice of the oldest pending scan; unfinished, it goes to the back of the line. */
  #slice(): void {
    this.#scheduled = false;
    const job = this.#pending.shift();
    if (!job) return;
    if (job.scan.run(this.#now(), SLICE_STEPS)) job.resolve({ ok: true, result: job.scan.keys });
    else this.#pending.push(job);
    this.#schedule();
  }
}
