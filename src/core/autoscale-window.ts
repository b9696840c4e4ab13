// The autoscaler's view of recent load: the samples the shell takes about once a second, and
// the figures a decision reads from them (utilization, queue wait p95, how often calls queued).

/** One observation of the pool, taken by the shell about once a second. */
export interface AutoscaleSample {
  /** Monotonic time of the sample, in ms. */
  readonly at: number;
  /** Ready workers: those that can take calls. */
  readonly live: number;
  /** Workers with at least one call in flight, averaged over the last interval or sampled at `at`. */
  readonly busy: number;
  /** Calls waiting in the dispatch queue at `at`. */
  readonly queued: number;
  /** Longest queue wait of the calls dispatched since the previous sample; 0 if none. */
  readonly maxQueueWaitMs: number;
}

/** What a decision reads from a set of samples. */
export interface LoadFigures {
  readonly samples: number;
  /** `now` minus the time of the oldest sample. */
  readonly spanMs: number;
  /** Σbusy / Σlive: busy worker-time over live worker-time; 0 without live worker-time. */
  readonly utilization: number;
  /** Mean number of busy workers. */
  readonly meanBusy: number;
  /** Nearest-rank 95th percentile of the samples' `maxQueueWaitMs`. */
  readonly waitP95Ms: number;
  /** Largest `maxQueueWaitMs`. */
  readonly longestWaitMs: number;
  /** Samples that saw at least one queued call. */
  readonly queuedSamples: number;
}

/**
 * The samples at most `windowMs` old at `now` (and not from after `now`), oldest first.
 * The window is inclusive, so 1 s sampling over a 10 s window holds 11 samples spanning 10 s.
 */
export function withinWindow(samples: readonly AutoscaleSample[], now: number, windowMs: number): AutoscaleSample[] {
  return samples.filter((sample) => sample.at <= now && now - sample.at <= windowMs);
}

/**
 * `samples` plus `sample`, without those more than `windowMs` older than it. A sample older
 * than the newest one held (the clock is monotonic, so a bug in the shell) is ignored.
 */
export function appendSample(samples: readonly AutoscaleSample[], sample: AutoscaleSample, windowMs: number): readonly AutoscaleSample[] {
  const newest = samples.at(-1);
  if (newest !== undefined && sample.at < newest.at) return samples;
  return [...withinWindow(samples, sample.at, windowMs), sample];
}

/** Nearest-rank percentile (`p` in (0, 1]) of `values`; 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

/** The figures of `samples` (oldest first) as seen at `now`; null for no samples. */
export function loadFigures(samples: readonly AutoscaleSample[], now: number): LoadFigures | null {
  const oldest = samples[0];
  if (oldest === undefined) return null;
  let busy = 0;
  let live = 0;
  let queuedSamples = 0;
  for (const sample of samples) {
    busy += sample.busy;
    live += sample.live;
    if (sample.queued > 0) queuedSamples += 1;
  }
  const waits = samples.map((sample) => sample.maxQueueWaitMs);
  return {
    samples: samples.length,
    spanMs: now - oldest.at,
    utilization: live > 0 ? busy / live : 0,
    meanBusy: busy / samples.length,
    waitP95Ms: percentile(waits, 0.95),
    longestWaitMs: Math.max(...waits),
    queuedSamples,
  };
}
