// Routing policy: least outstanding calls with round-robin ties, the capacity that sizes the
// prefetch from the service time, and the service-time EWMA.

import test from 'ava';
import { pickWorker, updateEwma, workerCapacity } from '../../src/core/routing.js';
import type { RouteCandidate, RouteChoice } from '../../src/core/routing.js';

const c = (id: number, outstanding: number, capacity = 4): RouteCandidate => ({ id, outstanding, capacity });

const pick = test.macro({
  exec(t, candidates: RouteCandidate[], cursor: number, expected: RouteChoice) {
    t.deepEqual(pickWorker(candidates, cursor), expected);
  },
  title: (provided = '') => `pickWorker: ${provided}`,
});

test('the fewest outstanding calls wins', pick, [c(1, 2), c(2, 1), c(3, 3)], 0, { id: 2, cursor: 2 });
test('a tie goes to the first from the cursor', pick, [c(1, 0), c(2, 0), c(3, 0)], 1, { id: 2, cursor: 2 });
test('the cursor wraps around', pick, [c(1, 0), c(2, 0), c(3, 0)], 2, { id: 3, cursor: 0 });
test('a cursor past the end is taken modulo the length', pick, [c(1, 0), c(2, 0), c(3, 0)], 7, { id: 2, cursor: 2 });
test('a negative cursor counts from the end', pick, [c(1, 0), c(2, 0), c(3, 0)], -1, { id: 3, cursor: 0 });
test('a non-integer cursor starts at 0', pick, [c(1, 0), c(2, 0)], Number.NaN, { id: 1, cursor: 1 });
test('the cursor never beats a less loaded worker', pick, [c(1, 0), c(2, 1), c(3, 0)], 1, { id: 3, cursor: 0 });
test('full workers are skipped', pick, [c(1, 4), c(2, 3), c(3, 5, 2)], 0, { id: 2, cursor: 2 });
test('all full: null, cursor unchanged', pick, [c(1, 4), c(2, 2, 2)], 1, { id: null, cursor: 1 });
test('no candidates: null', pick, [], 3, { id: null, cursor: 3 });

test('pickWorker: equal idle workers take turns', (t) => {
  const candidates = [c(7, 0), c(8, 0), c(9, 0)];
  let cursor = 0;
  const chosen: (number | null)[] = [];
  for (let call = 0; call < 6; call += 1) {
    const choice = pickWorker(candidates, cursor);
    chosen.push(choice.id);
    cursor = choice.cursor;
  }
  t.deepEqual(chosen, [7, 8, 9, 7, 8, 9]);
});

test('pickWorker: spreads unanswered calls, then reports full', (t) => {
  const outstanding = new Map([
    [1, 0],
    [2, 0],
    [3, 0],
  ]);
  let cursor = 0;
  const chosen: (number | null)[] = [];
  for (let call = 0; call < 7; call += 1) {
    const candidates = [...outstanding].map(([id, n]) => c(id, n, 2));
    const choice = pickWorker(candidates, cursor);
    chosen.push(choice.id);
    cursor = choice.cursor;
    if (choice.id !== null) outstanding.set(choice.id, (outstanding.get(choice.id) ?? 0) + 1);
  }
  t.deepEqual(chosen, [1, 2, 3, 1, 2, 3, null]);
});

const capacity = test.macro<[number, number | null, number | null, number]>({
  exec(t, concurrency: number, ewma: number | null, oldest: number | null, expected: number) {
    t.is(workerCapacity(concurrency, ewma, oldest), expected);
  },
  title: (provided = '', concurrency, ewma, oldest, expected) => `workerCapacity(${concurrency}, ${ewma}, ${oldest}) = ${expected} ${provided}`.trim(),
});

// The prefetch covers 8 ms of work: floor(8 / ewma) calls, at most 64.
test('unknown service time: no prefetch', capacity, 1, null, null, 1);
test('unknown service time, 4 slots', capacity, 4, null, null, 4);
test('NaN counts as unknown', capacity, 1, Number.NaN, null, 1);
test('tiny calls: deep prefetch', capacity, 1, 0.1, null, 65);
test('0.125 ms: still the deepest', capacity, 1, 0.125, null, 65);
test('0.25 ms: 32', capacity, 1, 0.25, null, 33);
test('0.5 ms: 16', capacity, 1, 0.5, null, 17);
test('1 ms: 8', capacity, 1, 1, null, 9);
test('4 ms: 2', capacity, 1, 4, null, 3);
test('just under 8 ms: 1', capacity, 1, 7.9, null, 2);
test('8 ms: no prefetch', capacity, 1, 8, null, 1);
test('long calls: no prefetch', capacity, 1, 2_000, null, 1);
test('long calls, 4 slots', capacity, 4, 2_000, null, 4);
test('zero service time: deepest', capacity, 2, 0, null, 66);
test('a running call within the budget keeps the prefetch', capacity, 1, 1, 8, 9);
test('a running call past the budget stops the prefetch', capacity, 1, 1, 8.5, 1);
test('a call past the budget stops even the deepest prefetch', capacity, 2, 0.1, 20, 2);
test('a bad concurrency counts as 1', capacity, 0, 2_000, null, 1);
test('a fractional concurrency counts as 1', capacity, 2.5, 1, null, 9);

test('workerCapacity never grows as calls get longer', (t) => {
  let previous = Infinity;
  for (let ewma = 0; ewma <= 50; ewma += 0.05) {
    const current = workerCapacity(1, ewma);
    t.true(current <= previous, `at ${ewma} ms`);
    previous = current;
  }
});

test('workerCapacity never grows as the oldest call gets older', (t) => {
  let previous = Infinity;
  for (let oldest = 0; oldest <= 50; oldest += 0.25) {
    const current = workerCapacity(1, 0.5, oldest);
    t.true(current <= previous, `at ${oldest} ms`);
    previous = current;
  }
});

const ewma = test.macro({
  exec(t, prev: number | null, sample: number, alpha: number | undefined, expected: number) {
    t.is(updateEwma(prev, sample, alpha), expected);
  },
  title: (provided = '') => `updateEwma: ${provided}`,
});

test('the first sample is taken as is', ewma, null, 12, undefined, 12);
test('alpha 0.5 moves half way', ewma, 10, 20, 0.5, 15);
test('the default alpha is 0.2', ewma, 10, 20, undefined, 12);
test('a negative sample counts as 0', ewma, 10, -5, 0.5, 5);
test('a NaN sample leaves the average', ewma, 10, Number.NaN, 0.5, 10);
test('a NaN first sample stays unknown (NaN)', ewma, null, Number.NaN, undefined, Number.NaN);
test('a NaN average is replaced by the next sample', ewma, Number.NaN, 7, undefined, 7);
test('an alpha above 1 falls back to the default', ewma, 10, 20, 3, 12);
test('an alpha of 0 falls back to the default', ewma, 10, 20, 0, 12);
test('alpha 1 takes the sample', ewma, 10, 20, 1, 20);

test('updateEwma converges to a steady service time', (t) => {
  let value: number | null = 100;
  for (let i = 0; i < 60; i += 1) value = updateEwma(value, 5);
  t.true(Math.abs(value - 5) < 0.01);
});
