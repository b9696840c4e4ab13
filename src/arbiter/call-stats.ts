// Call metrics for status, pm2 monit, the CLI and Prometheus. Every call ends in exactly one outcome
// (`end`); rates and percentiles are over a sliding window of one-second slots, so they fall to
// zero once the pool is idle instead of keeping the last busy figure. Percentiles come from
// log-scaled histograms (buckets 5% apart): bounded memory, within 2.5% of the true value.
// Time is passed in (`now`, ms): nothing here reads a clock.

/** How a call ended, from the caller's point of view. */
export const OUTCOMES = ['ok', 'app_error', 'timeout', 'cancelled', 'worker_error', 'queue_full', 'no_workers', 'protocol_error'] as const;
export type CallOutcome = (typeof OUTCOMES)[number];
export type OutcomeCounts = Record<CallOutcome, number>;

const SLOT_MS = 1000;
/** The window: the current slot and the 9 before it (10 s). */
export const WINDOW_SLOTS = 10;
const BUCKETS = 400;
const MIN_MS = 0.01;
const LOG_STEP = Math.log(1.05);
const INV_LOG_STEP = 1 / LOG_STEP;

const bucketOf = (ms: number): number => (ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log(ms * (1 / MIN_MS)) * INV_LOG_STEP)));
/** A bucket's middle; bucket 0 (up to 0.01 ms: a call that never waited) reads 0. */
const valueOf = (bucket: number): number => (bucket === 0 ? 0 : MIN_MS * Math.exp((bucket + 0.5) * LOG_STEP));

class Slot {
  index = -1;
  readonly outcomes = new Uint32Array(OUTCOMES.length);
  readonly latency = new Uint32Array(BUCKETS);
  readonly wait = new Uint32Array(BUCKETS);

  reset(index: number): void {
    this.index = index;
    this.outcomes.fill(0);
    this.latency.fill(0);
    this.wait.fill(0);
  }
}

/** Percentiles of a window's samples, in ms (0 when there are none). */
export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

export interface WindowStats {
  readonly seconds: number;
  readonly calls: number;
  readonly perSecond: number;
  readonly errorsPerSecond: number;
  readonly outcomes: OutcomeCounts;
  readonly latencyMs: Percentiles;
  readonly queueWaitMs: Percentiles;
}

/** Told of every ended call and every queue wait (the Prometheus exporter listens here). */
export interface CallListener {
  ended(outcome: CallOutcome, latencyMs: number | null): void;
  waited(ms: number): void;
}

const OUTCOME_INDEX = Object.fromEntries(OUTCOMES.map((o, i) => [o, i])) as Record<CallOutcome, number>;

export class CallStats {
  /** Lifetime counts per outcome. */
  readonly totals = new Float64Array(OUTCOMES.length);
  readonly #slots = Array.from({ length: WINDOW_SLOTS }, () => new Slot());
  readonly #startedAt: number;
  readonly #listeners: CallListener[] = [];
  #maxWaitMs = 0;

  constructor(now: number) {
    this.#startedAt = now;
  }

  listen(l: CallListener): void {
    this.#listeners.push(l);
  }

  /** A call ended. `latencyMs` from arrival at the arbiter; null for a call refused on arrival (no sample). */
  end(outcome: CallOutcome, latencyMs: number | null, now: number): void {
    const i = OUTCOME_INDEX[outcome];
    this.totals[i] = (this.totals[i] ?? 0) + 1;
    const slot = this.#slot(now);
    slot.outcomes[i] = (slot.outcomes[i] ?? 0) + 1;
    if (latencyMs !== null) {
      const b = bucketOf(latencyMs);
      slot.latency[b] = (slot.latency[b] ?? 0) + 1;
    }
    if (this.#listeners.length > 0) for (const l of this.#listeners) l.ended(outcome, latencyMs);
  }

  /** A call left the queue for a worker after `ms` (0 when a worker was free at once). */
  waited(ms: number, now: number): void {
    if (ms > this.#maxWaitMs) this.#maxWaitMs = ms;
    const slot = this.#slot(now);
    const b = bucketOf(ms);
    slot.wait[b] = (slot.wait[b] ?? 0) + 1;
    if (this.#listeners.length > 0) for (const l of this.#listeners) l.waited(ms);
  }

  /** Longest queue wait (ms) since the last take; resets it (the autoscaler's probe). */
  takeMaxWait(): number {
    const wait = this.#maxWaitMs;
    this.#maxWaitMs = 0;
    return wait;
  }

  get total(): number {
    return this.totals.reduce((a, b) => a + b, 0);
  }

  get errors(): number {
    return this.total - (this.totals[0] ?? 0);
  }

  outcomeTotals(): OutcomeCounts {
    return countsOf(this.totals);
  }

  /** The figures of the last WINDOW_SLOTS seconds. */
  window(now: number): WindowStats {
    const current = Math.floor(now / SLOT_MS);
    const outcomes = new Float64Array(OUTCOMES.length);
    const latency = new Float64Array(BUCKETS);
    const wait = new Float64Array(BUCKETS);
    for (const s of this.#slots) {
      if (s.index < 0 || s.index <= current - WINDOW_SLOTS || s.index > current) continue;
      s.outcomes.forEach((n, i) => (outcomes[i] = (outcomes[i] ?? 0) + n));
      s.latency.forEach((n, i) => (latency[i] = (latency[i] ?? 0) + n));
      s.wait.forEach((n, i) => (wait[i] = (wait[i] ?? 0) + n));
    }
    const calls = outcomes.reduce((a, b) => a + b, 0);
    // The window covers whole earlier slots plus the current one so far, and never more than the uptime.
    const spanMs = Math.max(1, Math.min((WINDOW_SLOTS - 1) * SLOT_MS + (now - current * SLOT_MS), now - this.#startedAt));
    const perSecond = (n: number): number => Math.round((n * 10_000) / spanMs) / 10;
    return {
      seconds: WINDOW_SLOTS,
      calls,
      perSecond: perSecond(calls),
      errorsPerSecond: perSecond(calls - (outcomes[0] ?? 0)),
      outcomes: countsOf(outcomes),
      latencyMs: percentiles(latency),
      queueWaitMs: percentiles(wait),
    };
  }

  #slot(now: number): Slot {
    const index = Math.floor(now / SLOT_MS);
    const slot = this.#slots[index % WINDOW_SLOTS] as Slot;
    if (slot.index !== index) slot.reset(index);
    return slot;
  }
}

function countsOf(values: ArrayLike<number>): OutcomeCounts {
  return Object.fromEntries(OUTCOMES.map((o, i) => [o, values[i] ?? 0])) as OutcomeCounts;
}

function percentiles(hist: Float64Array): Percentiles {
  const count = hist.reduce((a, b) => a + b, 0);
  if (count === 0) return { count: 0, p50: 0, p95: 0, p99: 0 };
  const at = (q: number): number => {
    const rank = Math.ceil(q * count);
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += hist[b] ?? 0;
      if (seen >= rank) return Math.round(valueOf(b) * 100) / 100;
    }
    return Math.round(valueOf(BUCKETS - 1) * 100) / 100;
  };
  return { count, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}
