// Restart policy: exponential backoff over the crashes inside the window, and the breaker
// that stops a crash loop (gunicorn respawns without any delay).

import test from 'ava';
import { DEFAULT_RESTART_POLICY, decideRestart, pruneCrashes } from '../../src/core/restart-policy.js';
import type { RestartDecision, RestartPolicy } from '../../src/core/restart-policy.js';

const NOW = 100_000;
const ago = (...ms: number[]): number[] => ms.map((d) => NOW - d);

const decision = test.macro({
  exec(t, crashTimes: number[], policy: RestartPolicy, expected: RestartDecision) {
    t.deepEqual(decideRestart(crashTimes, NOW, policy), expected);
  },
  title: (provided = '') => `decideRestart: ${provided}`,
});

test('no crash: no delay', decision, [], DEFAULT_RESTART_POLICY, { delayMs: 0, broken: false, recent: 0 });
test('first crash: the base delay', decision, ago(0), DEFAULT_RESTART_POLICY, { delayMs: 100, broken: false, recent: 1 });
test('second crash: doubled', decision, ago(500, 0), DEFAULT_RESTART_POLICY, { delayMs: 200, broken: false, recent: 2 });
test('fourth crash: 800 ms', decision, ago(3_000, 2_000, 1_000, 0), DEFAULT_RESTART_POLICY, {
  delayMs: 800,
  broken: false,
  recent: 4,
});
test('fifth crash inside 60 s opens the breaker', decision, ago(50_000, 3_000, 2_000, 1_000, 0), DEFAULT_RESTART_POLICY, {
  delayMs: 1_600,
  broken: true,
  recent: 5,
});
test('crashes older than the window do not count', decision, ago(90_000, 70_000, 60_000, 1_000, 0), DEFAULT_RESTART_POLICY, {
  delayMs: 200,
  broken: false,
  recent: 2,
});
test(
  'the delay is capped',
  decision,
  ago(9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
  { baseDelayMs: 100, maxDelayMs: 5_000, maxCrashes: 100, windowMs: 60_000 },
  {
    delayMs: 5_000,
    broken: false,
    recent: 10,
  },
);
test(
  'a zero base delay never gives NaN',
  decision,
  Array.from({ length: 2_000 }, () => NOW),
  { baseDelayMs: 0, maxDelayMs: 1_000, maxCrashes: 5_000, windowMs: 10 },
  {
    delayMs: 0,
    broken: false,
    recent: 2_000,
  },
);
test(
  'a breaker of 1 opens at the first crash',
  decision,
  ago(0),
  { ...DEFAULT_RESTART_POLICY, maxCrashes: 1 },
  {
    delayMs: 100,
    broken: true,
    recent: 1,
  },
);

test('the delay grows with every crash of a loop until the breaker opens', (t) => {
  const times: number[] = [];
  const delays: number[] = [];
  let now = 0;
  for (;;) {
    times.push(now);
    const { delayMs, broken } = decideRestart(times, now, DEFAULT_RESTART_POLICY);
    if (broken) break;
    delays.push(delayMs);
    now += delayMs + 50; // the respawned worker crashes 50 ms after its start
  }
  t.deepEqual(delays, [100, 200, 400, 800]);
  t.is(times.length, DEFAULT_RESTART_POLICY.maxCrashes);
});

test('pruneCrashes keeps the times less than windowMs old', (t) => {
  t.deepEqual(pruneCrashes([0, 40_000, 40_001, 99_999], 100_000, 60_000), [40_001, 99_999]);
  t.deepEqual(pruneCrashes([], 100_000, 60_000), []);
  t.deepEqual(pruneCrashes([1, 2], 100_000, 0), []);
});
