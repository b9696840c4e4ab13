// Autoscaler rules one decision at a time: the window, warm-up, the range and its clamp, the
// pause after a manual scale, what counts as pressure, and the under-use streak.

import test from 'ava';
import { DEFAULT_AUTOSCALE_CONFIG, autoscaleRange, decide, initialAutoscaleState, noteManualScale, observe } from '../../src/core/autoscale.js';
import type { AutoscaleConfig, AutoscaleDecision, AutoscaleSample, AutoscaleState } from '../../src/core/autoscale.js';
import { percentile } from '../../src/core/autoscale-window.js';
import type { Bounds } from '../../src/core/types.js';

const bounds = (minimum: number, maximum: number): Bounds => ({ minimum, maximum, maximumReason: `maxWorkers is ${maximum}` });
const B18 = bounds(1, 8);
const config = (overrides: Partial<AutoscaleConfig> = {}): AutoscaleConfig => ({
  min: 1,
  max: 6,
  ...DEFAULT_AUTOSCALE_CONFIG,
  ...overrides,
});
type Load = Omit<AutoscaleSample, 'at'>;
const IDLE: Load = { live: 4, busy: 0.2, queued: 0, maxQueueWaitMs: 0 };
const STEADY: Load = { live: 4, busy: 2, queued: 0, maxQueueWaitMs: 0 };
const WAITING: Load = { live: 4, busy: 4, queued: 3, maxQueueWaitMs: 340 };

/** Observes one sample per second for `from..to` (inclusive, in ms). */
function feed(state: AutoscaleState, cfg: AutoscaleConfig, from: number, to: number, load: Load): AutoscaleState {
  let next = state;
  for (let at = from; at <= to; at += 1000) next = observe(next, { at, ...load }, cfg);
  return next;
}

test('initialAutoscaleState: empty and unpaused', (t) => {
  t.deepEqual(initialAutoscaleState(), {
    samples: [],
    lastScaleUpAt: null,
    lastScaleDownAt: null,
    underusedSince: null,
    pausedUntil: null,
    lastDecision: null,
  });
});

test('observe keeps the samples at most windowMs older than the newest, and ignores one from the past', (t) => {
  const cfg = config();
  const state = feed(initialAutoscaleState(), cfg, 0, 30_000, STEADY);
  t.deepEqual(
    state.samples.map((s) => s.at),
    [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30].map((s) => s * 1000),
  );
  t.is(observe(state, { at: 29_500, ...WAITING }, cfg), state);
});

test('percentile: nearest rank', (t) => {
  t.is(percentile([], 0.95), 0);
  t.is(percentile([5], 0.95), 5);
  t.is(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 400], 0.95), 400);
  t.is(
    percentile(
      Array.from({ length: 40 }, (_, i) => (i < 38 ? 10 : 500)),
      0.95,
    ),
    10,
  );
});

const range = test.macro({
  exec(t, b: Bounds, min: number, max: number, expected: { floor: number; ceiling: number }) {
    t.deepEqual(autoscaleRange(b, config({ min, max })), expected);
  },
  title: (provided = '') => `autoscaleRange: ${provided}`,
});

test('config inside the bounds', range, B18, 2, 6, { floor: 2, ceiling: 6 });
test('the specs minimum beats config.min', range, bounds(3, 8), 1, 6, { floor: 3, ceiling: 6 });
test('the bounds maximum beats config.max', range, bounds(1, 4), 1, 6, { floor: 1, ceiling: 4 });
test('config.max below the specs minimum collapses to it', range, bounds(5, 8), 1, 3, { floor: 5, ceiling: 5 });
test('config.min above the bounds maximum stops at it', range, bounds(1, 4), 6, 8, { floor: 4, ceiling: 4 });

const clamp = test.macro({
  exec(t, b: Bounds, cfg: AutoscaleConfig, target: number, expected: Omit<AutoscaleDecision, 'reason'>) {
    // No samples at all: the clamp needs no data and no cooldown.
    const { decision, state } = decide(initialAutoscaleState(), target, b, cfg, 1_000);
    t.like(decision, expected);
    if (expected.action === 'up') t.is(state.lastScaleUpAt, 1_000);
    if (expected.action === 'down') t.is(state.lastScaleDownAt, 1_000);
  },
  title: (provided = '') => `decide clamps: ${provided}`,
});

test('below config.min: straight up to it', clamp, B18, config({ min: 3 }), 1, { action: 'up', to: 3 });
test('above config.max: straight down to it', clamp, B18, config({ max: 4 }), 8, { action: 'down', to: 4 });
test('above the bounds maximum: down to it', clamp, bounds(1, 3), config(), 5, { action: 'down', to: 3 });
test('below the specs minimum: up to it', clamp, bounds(3, 8), config(), 2, { action: 'up', to: 3 });
test('inside the range with no data: warming up', clamp, B18, config(), 3, { action: 'none', to: 3 });

const warmUp = test.macro({
  exec(t, lastSampleAt: number, now: number, expected: Pick<AutoscaleDecision, 'action' | 'reason'>) {
    const cfg = config();
    const state = feed(initialAutoscaleState(), cfg, 0, lastSampleAt, WAITING);
    t.like(decide(state, 4, B18, cfg, now).decision, expected);
  },
  title: (provided = '') => `warm-up: ${provided}`,
});

test('one sample', warmUp, 0, 0, { action: 'none', reason: 'warming up (0 s of 10 s window)' });
test('3 s of samples', warmUp, 3_000, 3_000, { action: 'none', reason: 'warming up (3 s of 10 s window)' });
test('4.9 s of samples', warmUp, 4_000, 4_900, { action: 'none', reason: 'warming up (4 s of 10 s window)' });
test('half the window: decides', warmUp, 5_000, 5_000, { action: 'up', reason: 'queue wait p95 340 ms > 100 ms over 5 s; 4 -> 5' });
test('samples gone stale: warming up again', warmUp, 20_000, 36_000, { action: 'none', reason: 'warming up (0 s of 10 s window)' });

const pressure = test.macro({
  exec(t, load: Load, expected: Pick<AutoscaleDecision, 'action' | 'reason'>) {
    const cfg = config();
    const state = feed(initialAutoscaleState(), cfg, 0, 10_000, load);
    t.like(decide(state, load.live, B18, cfg, 10_000).decision, expected);
  },
  title: (provided = '') => `pressure: ${provided}`,
});

test('queue waits above the threshold', pressure, WAITING, { action: 'up', reason: 'queue wait p95 340 ms > 100 ms over 10 s; 4 -> 5' });
test(
  'queue waits at the threshold do not count',
  pressure,
  { live: 2, busy: 1, queued: 0, maxQueueWaitMs: 100 },
  {
    action: 'none',
    reason: 'steady: utilization 50%, queue wait p95 100 ms; keeping 2',
  },
);
test(
  'calls queued on most samples',
  pressure,
  { live: 2, busy: 1, queued: 1, maxQueueWaitMs: 20 },
  {
    action: 'up',
    reason: 'calls queued on 11 of 11 samples over 10 s; 2 -> 3',
  },
);
test(
  'utilization above the target, no queueing',
  pressure,
  { live: 3, busy: 2.7, queued: 0, maxQueueWaitMs: 0 },
  {
    action: 'up',
    reason: 'utilization 90% > 75% over 10 s; 3 -> 4',
  },
);
test(
  'utilization exactly at the target holds',
  pressure,
  { live: 4, busy: 3, queued: 0, maxQueueWaitMs: 0 },
  {
    action: 'none',
    reason: 'steady: utilization 75%, queue wait p95 0 ms; keeping 4',
  },
);
test(
  'pressure at the ceiling',
  pressure,
  { live: 6, busy: 6, queued: 2, maxQueueWaitMs: 500 },
  {
    action: 'none',
    reason: 'at max 6 (queue wait p95 500 ms > 100 ms over 10 s)',
  },
);

test('calls queued on half the samples only: no pressure', (t) => {
  const cfg = config();
  let state = initialAutoscaleState();
  for (let at = 0; at <= 10_000; at += 1000) {
    state = observe(state, { at, live: 2, busy: 1, queued: at % 2000 === 0 ? 0 : 1, maxQueueWaitMs: 20 }, cfg);
  }
  t.is(decide(state, 2, B18, cfg, 10_000).decision.action, 'none'); // 5 of 11 queued
});

test('a bigger step is cut at the ceiling', (t) => {
  const cfg = config({ scaleUpStep: 3 });
  const state = feed(initialAutoscaleState(), cfg, 0, 10_000, { ...WAITING, live: 5 });
  t.like(decide(state, 5, B18, cfg, 10_000).decision, { action: 'up', to: 6 });
});

test('pressure while workers start: wait for them instead of growing again', (t) => {
  const cfg = config();
  const state = feed(initialAutoscaleState(), cfg, 0, 10_000, WAITING);
  // The target is 5 but only 4 are live: samples of the smaller pool are not evidence.
  t.like(decide(state, 5, B18, cfg, 10_000).decision, { action: 'none', reason: 'waiting for workers to start (4 of 5 live)' });
});

test('samples from before a scale-up never justify the next one', (t) => {
  const cfg = config();
  // Calls waited on 4 live workers while the target was 3 (the 4th was still retiring).
  let state = feed(initialAutoscaleState(), cfg, 0, 10_000, WAITING);
  const up = decide(state, 3, B18, cfg, 10_000);
  t.like(up.decision, { action: 'up', to: 4 });
  // The pool of 4 copes: only samples taken since the scale-up count, so no second step.
  state = feed(up.state, cfg, 11_000, 15_000, STEADY);
  t.like(decide(state, 4, B18, cfg, 15_000).decision, { action: 'none', to: 4 });
  state = feed(state, cfg, 16_000, 16_000, WAITING);
  t.like(decide(state, 4, B18, cfg, 16_000).decision, { action: 'up', to: 5 });
});

test('manual scale: paused for manualHoldMs, then resumes from the new target', (t) => {
  const cfg = config();
  let state = feed(initialAutoscaleState(), cfg, 0, 10_000, WAITING);
  state = noteManualScale(state, 10_000, cfg);
  t.is(state.samples.length, 0);
  t.is(state.pausedUntil, 310_000);
  state = feed(state, cfg, 11_000, 60_000, { ...WAITING, live: 2 });
  const paused = decide(state, 2, B18, cfg, 60_000);
  t.deepEqual(paused.decision, { action: 'none', to: 2, reason: 'paused for 250 s after a manual scale' });
  state = feed(paused.state, cfg, 61_000, 309_000, { ...WAITING, live: 2 });
  t.is(decide(state, 2, B18, cfg, 309_000).decision.action, 'none');
  state = feed(state, cfg, 310_000, 310_000, { ...WAITING, live: 2 });
  const resumed = decide(state, 2, B18, cfg, 310_000);
  t.like(resumed.decision, { action: 'up', to: 3 });
  t.is(resumed.state.pausedUntil, null);
});

test('manual scale: the range clamp waits for the pause too', (t) => {
  const cfg = config({ max: 4 });
  const state = noteManualScale(initialAutoscaleState(), 0, cfg);
  t.like(decide(state, 8, B18, cfg, 1_000).decision, { action: 'none', to: 8 });
  t.like(decide(state, 8, B18, cfg, 300_000).decision, { action: 'down', to: 4 });
});

test('manual scale resets the under-use streak', (t) => {
  const cfg = config();
  let state = feed(initialAutoscaleState(), cfg, 0, 10_000, IDLE);
  state = decide(state, 4, B18, cfg, 10_000).state;
  t.is(state.underusedSince, 10_000);
  t.is(noteManualScale(state, 20_000, cfg).underusedSince, null);
});

test('under-use: tracked from the first under-used decision, shrinks after idleCooldownMs', (t) => {
  const cfg = config();
  let state = feed(initialAutoscaleState(), cfg, 0, 10_000, IDLE);
  const first = decide(state, 4, B18, cfg, 10_000);
  t.is(first.state.underusedSince, 10_000);
  t.is(first.decision.reason, 'utilization 5% < 37.5% for 0 s of 60 s; keeping 4');
  state = feed(first.state, cfg, 11_000, 69_000, IDLE);
  t.like(decide(state, 4, B18, cfg, 69_000).decision, { action: 'none' });
  state = feed(state, cfg, 70_000, 70_000, IDLE);
  const shrink = decide(state, 4, B18, cfg, 70_000);
  t.deepEqual(shrink.decision, { action: 'down', to: 3, reason: 'utilization 5% < 37.5% for 60 s; 4 -> 3' });
  t.is(shrink.state.underusedSince, null);
  t.is(shrink.state.lastScaleDownAt, 70_000);
});

test('under-use: one queued call in the window breaks the streak', (t) => {
  const cfg = config();
  let state = feed(initialAutoscaleState(), cfg, 0, 10_000, IDLE);
  state = decide(state, 4, B18, cfg, 10_000).state;
  state = observe(state, { at: 11_000, ...IDLE, queued: 1 }, cfg);
  t.is(decide(state, 4, B18, cfg, 11_000).state.underusedSince, null);
});

test('under-use: a shrink that would overload the smaller pool is refused', (t) => {
  const cfg = config();
  // 2 workers at 35% busy: under half the target, but 1 worker would run at 70% > 56.25%.
  let state = feed(initialAutoscaleState(), cfg, 0, 10_000, { live: 2, busy: 0.7, queued: 0, maxQueueWaitMs: 0 });
  state = decide(state, 2, B18, cfg, 10_000).state;
  state = feed(state, cfg, 11_000, 80_000, { live: 2, busy: 0.7, queued: 0, maxQueueWaitMs: 0 });
  t.like(decide(state, 2, B18, cfg, 80_000).decision, {
    action: 'none',
    reason: 'utilization 35% < 37.5% for 70 s, but 2 -> 1 would run at 70%; keeping 2',
  });
});

test('under-use at the floor reports it', (t) => {
  const cfg = config({ min: 4 });
  const state = feed(initialAutoscaleState(), cfg, 0, 10_000, IDLE);
  t.like(decide(state, 4, B18, cfg, 10_000).decision, { action: 'none', reason: 'at min 4 (utilization 5% < 37.5% for 0 s)' });
});

test('decide records its decision in the state', (t) => {
  const cfg = config();
  const state = feed(initialAutoscaleState(), cfg, 0, 10_000, WAITING);
  const { state: next, decision } = decide(state, 4, B18, cfg, 10_000);
  t.is(next.lastDecision, decision);
  t.is(next.lastScaleUpAt, 10_000);
});
