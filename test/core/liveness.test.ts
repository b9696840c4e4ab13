// Liveness: ready and retiring workers whose heartbeat is older than the timeout; a timeout
// of 0 disables the check instead of killing everything (gunicorn's dirty_timeout=0).

import test from 'ava';
import { findHung } from '../../src/core/liveness.js';
import type { HeartbeatView } from '../../src/core/liveness.js';

const NOW = 50_000;
const WORKERS: HeartbeatView[] = [
  { id: 1, lastBeatAt: NOW - 1_000, state: 'ready' },
  { id: 2, lastBeatAt: NOW - 30_000, state: 'ready' },
  { id: 3, lastBeatAt: NOW - 30_001, state: 'ready' },
  { id: 4, lastBeatAt: NOW - 40_000, state: 'starting' },
  { id: 5, lastBeatAt: NOW - 45_000, state: 'retiring' },
  { id: 6, lastBeatAt: NOW + 10, state: 'ready' },
];

const hung = test.macro<[number, number[]]>({
  exec(t, timeoutMs: number, expected: number[]) {
    t.deepEqual(findHung(WORKERS, NOW, timeoutMs), expected);
  },
  title: (provided = '', timeoutMs) => `findHung: ${provided} (timeout ${timeoutMs})`,
});

test('strictly older than the timeout; starting workers are exempt', hung, 30_000, [3, 5]);
test('a short timeout catches every beating worker but the starting one', hung, 500, [1, 2, 3, 5]);
test('a long timeout catches nobody', hung, 60_000, []);
test('0 disables the check', hung, 0, []);
test('a negative timeout disables the check', hung, -1, []);
test('NaN disables the check', hung, Number.NaN, []);
test('Infinity never times out', hung, Number.POSITIVE_INFINITY, []);

test('findHung: no workers, no hung ones', (t) => {
  t.deepEqual(findHung([], NOW, 1_000), []);
});
