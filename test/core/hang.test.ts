// Hang attribution on a fake clock: the arbiter's own stalls are taken out of every wait before a
// worker is blamed (heartbeats, init deadline); a timeout of 0 disables a check.

import test from 'ava';
import { DEFAULT_STALL_POLICY, findHung, findOverdueInits, noteObservation, responsiveMs, type HeartbeatView, type Stall } from '../../src/core/hang.js';

const NOW = 50_000;
const WORKERS: HeartbeatView[] = [
  { id: 1, lastBeatAt: NOW - 1_000, state: 'ready' },
  { id: 2, lastBeatAt: NOW - 30_000, state: 'ready' },
  { id: 3, lastBeatAt: NOW - 30_001, state: 'ready' },
  { id: 4, lastBeatAt: NOW - 40_000, state: 'starting' },
  { id: 5, lastBeatAt: NOW - 45_000, state: 'retiring' },
  { id: 6, lastBeatAt: NOW + 10, state: 'ready' },
];

const hung = test.macro<[number, readonly Stall[], number[]]>({
  exec(t, timeoutMs, stalls, expected) {
    t.deepEqual(findHung(WORKERS, NOW, timeoutMs, stalls), expected);
  },
  title: (provided = '', timeoutMs) => `findHung: ${provided} (timeout ${timeoutMs})`,
});

test('strictly older than the timeout; starting workers are exempt', hung, 30_000, [], [3, 5]);
test('a short timeout catches every beating worker but the starting one', hung, 500, [], [1, 2, 3, 5]);
test('a long timeout catches nobody', hung, 60_000, [], []);
test('0 disables the check', hung, 0, [], []);
test('a negative timeout disables the check', hung, -1, [], []);
test('NaN disables the check', hung, Number.NaN, [], []);
test('an arbiter stall covering the silence blames nobody', hung, 500, [{ from: NOW - 46_000, to: NOW }], []);
test('a stall that ended just now: silence before it still counts', hung, 500, [{ from: NOW - 900, to: NOW }], [2, 3, 5]);
test('a 2 ms stall makes worker 3 no longer hung at exactly 30 s', hung, 30_000, [{ from: NOW - 10_000, to: NOW - 9_998 }], [5]);

test('findHung: no workers, no hung ones', (t) => {
  t.deepEqual(findHung([], NOW, 1_000), []);
});

const responsive = test.macro<[number, number, readonly Stall[], number]>({
  exec(t, since, now, stalls, expected) {
    t.is(responsiveMs(since, now, stalls), expected);
  },
  title: (provided = '') => `responsiveMs: ${provided}`,
});

test('no stall: the whole wait', responsive, 1_000, 3_000, [], 2_000);
test('a stall inside the wait is taken out', responsive, 1_000, 3_000, [{ from: 1_500, to: 2_000 }], 1_500);
test('a stall before the wait does not count', responsive, 1_000, 3_000, [{ from: 0, to: 900 }], 2_000);
test('a stall straddling the start counts only inside', responsive, 1_000, 3_000, [{ from: 500, to: 1_200 }], 1_800);
test('a stall still open at now (observed now) covers the end', responsive, 1_000, 3_000, [{ from: 2_500, to: 3_000 }], 1_500);
test(
  'two stalls',
  responsive,
  0,
  10_000,
  [
    { from: 1_000, to: 2_000 },
    { from: 5_000, to: 8_000 },
  ],
  6_000,
);
test('a wait entirely stalled is 0, never negative', responsive, 1_000, 2_000, [{ from: 0, to: 5_000 }], 0);

test('noteObservation: a gap within interval + minStall is jitter (same array back)', (t) => {
  const stalls: Stall[] = [];
  t.is(noteObservation(stalls, 1_000, 1_000 + DEFAULT_STALL_POLICY.intervalMs + DEFAULT_STALL_POLICY.minStallMs), stalls);
});

test('noteObservation: a longer gap is recorded whole', (t) => {
  t.deepEqual(noteObservation([], 1_000, 3_000), [{ from: 1_000, to: 3_000 }]);
});

test('noteObservation: stalls older than keepMs are dropped, and at most maxStalls kept', (t) => {
  const p = { intervalMs: 100, minStallMs: 100, keepMs: 10_000, maxStalls: 2 };
  const old = [{ from: 0, to: 500 }];
  t.deepEqual(noteObservation(old, 20_000, 20_050, p), []);
  const three = [
    { from: 11_000, to: 11_500 },
    { from: 12_000, to: 12_500 },
  ];
  t.deepEqual(noteObservation(three, 13_000, 14_000, p), [
    { from: 12_000, to: 12_500 },
    { from: 13_000, to: 14_000 },
  ]);
});

const overdue = test.macro<[number, readonly Stall[], { id: number; waitedMs: number }[]]>({
  exec(t, timeoutMs, stalls, expected) {
    const workers = [
      { id: 1, state: 'starting' as const, spawnedAt: NOW - 61_000 },
      { id: 2, state: 'starting' as const, spawnedAt: NOW - 1_000 },
      { id: 3, state: 'ready' as const, spawnedAt: NOW - 90_000 },
    ];
    t.deepEqual(findOverdueInits(workers, NOW, timeoutMs, stalls), expected);
  },
  title: (provided = '', timeoutMs) => `findOverdueInits: ${provided} (timeout ${timeoutMs})`,
});

test('a starting worker past the deadline; ready ones never', overdue, 60_000, [], [{ id: 1, waitedMs: 61_000 }]);
test(
  'a short deadline catches both starting workers',
  overdue,
  500,
  [],
  [
    { id: 1, waitedMs: 61_000 },
    { id: 2, waitedMs: 1_000 },
  ],
);
test('an arbiter stall is not counted against init', overdue, 60_000, [{ from: NOW - 5_000, to: NOW - 2_000 }], []);
test('0 disables the deadline', overdue, 0, [], []);
