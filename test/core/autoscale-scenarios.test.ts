// Autoscaler over simulated minutes: a fake shell samples a modelled pool every second,
// decides, and applies each decision through applyScaleCommand, on a clock of plain numbers.

import test from 'ava';
import { DEFAULT_AUTOSCALE_CONFIG, decide, initialAutoscaleState, noteManualScale, observe } from '../../src/core/autoscale.js';
import type { AutoscaleConfig, AutoscaleDecision, AutoscaleSample } from '../../src/core/autoscale.js';
import { applyScaleCommand } from '../../src/core/scaling.js';
import type { Bounds } from '../../src/core/types.js';

const bounds = (minimum: number, maximum: number): Bounds => ({ minimum, maximum, maximumReason: `maxWorkers is ${maximum}` });
const SECOND = 1_000;
const MINUTE = 60_000;

interface Scenario {
  readonly start: number;
  readonly durationMs: number;
  /** Offered load in busy-worker equivalents at a time: 2.5 keeps 2.5 workers busy on average. */
  readonly demand: (at: number) => number;
  readonly bounds?: Bounds;
  readonly config?: Partial<AutoscaleConfig>;
  /** How long a spawned worker takes to become live (loading a model, say). */
  readonly spawnDelayMs?: number;
  /** An operator's scale-to during the run. */
  readonly manual?: { readonly at: number; readonly to: number };
}

interface Change {
  readonly at: number;
  readonly action: 'up' | 'down' | 'manual';
  readonly from: number;
  readonly to: number;
  readonly reason: string;
}

interface Run {
  readonly changes: Change[];
  readonly target: number;
  readonly last: AutoscaleDecision | null;
  readonly samples: AutoscaleSample[];
}

/** The pool model: work beyond the live workers queues, and waits grow with the backlog. */
function sampleOf(at: number, live: number, demand: number): AutoscaleSample {
  const backlog = Math.max(0, demand - live);
  return {
    at,
    live,
    busy: Math.min(live, demand),
    queued: Math.ceil(backlog),
    maxQueueWaitMs: backlog > 0 ? Math.round((1000 * backlog) / Math.max(1, live)) : 0,
  };
}

function simulate(s: Scenario): Run {
  const b = s.bounds ?? bounds(1, 8);
  const config: AutoscaleConfig = { min: 1, max: 6, ...DEFAULT_AUTOSCALE_CONFIG, ...s.config };
  const delay = s.spawnDelayMs ?? 0;
  let state = initialAutoscaleState();
  let target = s.start;
  const history: { at: number; target: number }[] = [{ at: -Infinity, target }];
  const changes: Change[] = [];
  const samples: AutoscaleSample[] = [];
  const setTarget = (at: number, action: Change['action'], to: number, reason: string): void => {
    const result = applyScaleCommand(target, { kind: 'set', n: to }, b);
    changes.push({ at, action, from: target, to: result.target, reason });
    target = result.target;
    history.push({ at, target });
  };
  for (let at = SECOND; at <= s.durationMs; at += SECOND) {
    // Retired workers leave at once; spawned ones become live after the delay.
    const spawnedBy = history.filter((h) => h.at <= at - delay).at(-1)?.target ?? target;
    const sample = sampleOf(at, Math.min(target, spawnedBy), s.demand(at));
    samples.push(sample);
    state = observe(state, sample, config);
    const step = decide(state, target, b, config, at);
    state = step.state;
    if (step.decision.action !== 'none') setTarget(at, step.decision.action, step.decision.to, step.decision.reason);
    if (s.manual?.at === at) {
      setTarget(at, 'manual', s.manual.to, 'scale-to');
      state = noteManualScale(state, at, config);
    }
  }
  return { changes, target, last: state.lastDecision, samples };
}

const gaps = (changes: readonly Change[]): number[] => changes.slice(1).map((c, i) => c.at - (changes[i]?.at ?? 0));
const reversals = (changes: readonly Change[]): number => changes.slice(1).filter((c, i) => c.action !== changes[i]?.action).length;

test('a burst (calls wait) grows one step per scale-up cooldown, up to the max', (t) => {
  const run = simulate({ start: 2, durationMs: 2 * MINUTE, demand: () => 10 });
  t.deepEqual(
    run.changes.map((c) => [c.action, c.from, c.to]),
    [
      ['up', 2, 3],
      ['up', 3, 4],
      ['up', 4, 5],
      ['up', 5, 6],
    ],
  );
  t.is(run.changes[0]?.at, 6 * SECOND); // the first decision after the warm-up (half the window)
  t.deepEqual(gaps(run.changes), [5_000, 5_000, 5_000]);
  t.regex(run.changes[0]?.reason ?? '', /^queue wait p95 \d+ ms > 100 ms over 5 s; 2 -> 3$/);
  t.is(run.target, 6);
  t.regex(run.last?.reason ?? '', /^at max 6 \(queue wait p95/);
});

test('a bigger scale-up cooldown spaces the steps accordingly', (t) => {
  const run = simulate({ start: 1, durationMs: 2 * MINUTE, demand: () => 10, config: { scaleUpCooldownMs: 20_000 } });
  t.deepEqual(gaps(run.changes), [20_000, 20_000, 20_000, 20_000]);
  t.is(run.target, 6);
});

test('workers that take long to start are waited for, not piled on', (t) => {
  // 3 workers' worth of load: 4 workers run at 75%. Without waiting for the starting worker,
  // each cooldown would add another and the pool would end at the max.
  const run = simulate({ start: 2, durationMs: 3 * MINUTE, demand: () => 3, spawnDelayMs: 8_000 });
  t.deepEqual(
    run.changes.map((c) => [c.action, c.to]),
    [
      ['up', 3],
      ['up', 4],
    ],
  );
  t.is(run.target, 4);
});

test('utilization above the target grows the pool without any queueing', (t) => {
  const run = simulate({ start: 3, durationMs: 3 * MINUTE, demand: () => 2.7 });
  t.true(run.samples.every((s) => s.queued === 0 && s.maxQueueWaitMs === 0));
  t.deepEqual(
    run.changes.map((c) => [c.action, c.from, c.to]),
    [['up', 3, 4]],
  );
  t.is(run.changes[0]?.reason, 'utilization 90% > 75% over 5 s; 3 -> 4');
});

const shrink = test.macro({
  exec(t, b: Bounds, min: number, floor: number) {
    const run = simulate({ start: 6, durationMs: 8 * MINUTE, demand: () => 0.2, bounds: b, config: { min } });
    t.true(run.changes.every((c) => c.action === 'down' && c.to === c.from - 1));
    t.is(run.changes.length, 6 - floor);
    t.is(run.target, floor);
    // First: 60 s after the warm-up. Then one idle cooldown (plus the first fresh sample) per step.
    t.is(run.changes[0]?.at, 66 * SECOND);
    t.true(
      gaps(run.changes).every((gap) => gap >= 60_000 && gap <= 62_000),
      gaps(run.changes).join(', '),
    );
    t.regex(run.last?.reason ?? '', new RegExp(`^at min ${floor} \\(utilization`));
  },
  title: (provided = '') => `sustained idle shrinks one step per idle cooldown down to the floor: ${provided}`,
});

test('floor from the app specs', shrink, bounds(2, 8), 1, 2);
test('floor from config.min', shrink, bounds(1, 8), 3, 3);

const blip = test.macro<[number, number]>({
  exec(t, idleMs: number, expectedDowns: number) {
    const idleFrom = 2 * MINUTE;
    const demand = (at: number): number => (at > idleFrom && at <= idleFrom + idleMs ? 0 : 3);
    const run = simulate({ start: 4, durationMs: 6 * MINUTE, demand });
    t.is(run.changes.filter((c) => c.action === 'down').length, expectedDowns);
  },
  title: (provided = '', idleMs) => `an idle spell of ${idleMs / 1000} s: ${provided}`,
});

test('a short blip does not shrink', blip, 30_000, 0);
test('a blip just under the idle cooldown does not shrink', blip, 50_000, 0);
test('a long spell shrinks once', blip, 90_000, 1);

/** Deterministic noise in [-1, 1] (a small LCG), so the runs are reproducible. */
function noise(seed: number): (at: number) => number {
  const values: number[] = [];
  let x = seed;
  for (let i = 0; i < 1000; i += 1) {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    values.push((x / 2 ** 31) * 2 - 1);
  }
  return (at) => values[Math.floor(at / SECOND) % values.length] ?? 0;
}

const steady = test.macro({
  exec(t, start: number, demand: (at: number) => number, maxChanges: number, final: number) {
    const run = simulate({ start, durationMs: 10 * MINUTE, demand });
    const log = run.changes.map((c) => `${c.at / 1000}s ${c.action} ${c.from}->${c.to}`).join('; ');
    t.is(reversals(run.changes), 0, log);
    t.true(run.changes.length <= maxChanges, log);
    t.is(run.target, final, log);
  },
  title: (provided = '') => `no flapping over 10 minutes: ${provided}`,
});

const swell = (base: number, amplitude: number, periodMs: number) => (at: number) => base + amplitude * Math.sin((2 * Math.PI * at) / periodMs);

const noise7 = noise(7);
const noise11 = noise(11);

test('a load exactly at the target', steady, 4, () => 3, 0, 4);
test('a noisy load at the target', steady, 4, (at: number) => 3 + 0.4 * noise7(at), 1, 5);
test('growing into a load at the target', steady, 2, () => 3, 2, 4);
test('a slow swell around the target on one worker', steady, 1, swell(0.75, 0.1, 4 * MINUTE), 1, 2);
test('a slow swell around the target on two workers', steady, 2, swell(1.5, 0.2, 4 * MINUTE), 1, 3);
test('a noisy swell around the target', steady, 3, (at: number) => swell(2.25, 0.3, 3 * MINUTE)(at) + 0.3 * noise11(at), 1, 4);

test('a manual scale wins, pauses the autoscaler, which then resumes from the new target', (t) => {
  const run = simulate({ start: 2, durationMs: 6 * MINUTE, demand: () => 10, manual: { at: 30 * SECOND, to: 2 } });
  const manual = run.changes.findIndex((c) => c.action === 'manual');
  t.is(run.changes[manual - 1]?.to, 6); // it had grown to the max
  const after = run.changes.slice(manual + 1);
  t.deepEqual(
    after.map((c) => [c.at, c.from, c.to]),
    [
      [330_000, 2, 3],
      [335_000, 3, 4],
      [340_000, 4, 5],
      [345_000, 5, 6],
    ],
  );
});
