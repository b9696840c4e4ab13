// Escalation on a fake clock: a worker is recycled once an abandoned call on it has ignored its
// cancellation for more than the grace (arbiter stalls excluded); one decision per worker.

import test from 'ava';
import { findStuck, stuckReason, type AbandonedView, type RecycleDecision } from '../../src/core/escalation.js';
import type { Stall } from '../../src/core/hang.js';

const NOW = 100_000;
const CALLS: AbandonedView[] = [
  { wid: 10, workerId: 1, abandonedAt: NOW - 6_000 },
  { wid: 11, workerId: 1, abandonedAt: NOW - 7_000 },
  { wid: 12, workerId: 2, abandonedAt: NOW - 4_000 },
  { wid: 13, workerId: 3, abandonedAt: NOW - 5_001 },
  { wid: 14, workerId: 4, abandonedAt: NOW - 5_000 },
];

const stuck = test.macro<[number, readonly Stall[], RecycleDecision[]]>({
  exec(t, graceMs, stalls, expected) {
    t.deepEqual(findStuck(CALLS, NOW, graceMs, stalls), expected);
  },
  title: (provided = '', graceMs) => `findStuck: ${provided} (grace ${graceMs})`,
});

test(
  'past the grace, strictly; the longest-ignored call names the worker',
  stuck,
  5_000,
  [],
  [
    { workerId: 1, wid: 11, ignoredMs: 7_000 },
    { workerId: 3, wid: 13, ignoredMs: 5_001 },
  ],
);
test(
  'a short grace catches every worker',
  stuck,
  1_000,
  [],
  [
    { workerId: 1, wid: 11, ignoredMs: 7_000 },
    { workerId: 2, wid: 12, ignoredMs: 4_000 },
    { workerId: 3, wid: 13, ignoredMs: 5_001 },
    { workerId: 4, wid: 14, ignoredMs: 5_000 },
  ],
);
test('a long grace catches nobody', stuck, 60_000, [], []);
test('0 disables recycling', stuck, 0, [], []);
test('NaN disables recycling', stuck, Number.NaN, [], []);
test('an arbiter stall during the grace is not held against the worker', stuck, 5_000, [{ from: NOW - 3_000, to: NOW - 1_000 }], []);
test(
  'the same stall with a shorter grace: only what ran counts',
  stuck,
  4_000,
  [{ from: NOW - 3_000, to: NOW - 1_000 }],
  [{ workerId: 1, wid: 11, ignoredMs: 5_000 }],
);
test(
  'a stall before the abandonment does not count',
  stuck,
  5_000,
  [{ from: NOW - 20_000, to: NOW - 10_000 }],
  [
    { workerId: 1, wid: 11, ignoredMs: 7_000 },
    { workerId: 3, wid: 13, ignoredMs: 5_001 },
  ],
);

test('findStuck: nothing abandoned, nothing recycled', (t) => {
  t.deepEqual(findStuck([], NOW, 5_000), []);
});

test('stuckReason names the call and the time', (t) => {
  t.is(stuckReason('app', 'forever', 5_012.4), 'stuck call app.forever ignored cancellation for 5012 ms');
});
