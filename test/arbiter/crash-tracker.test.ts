// CrashTracker runs each app set's breaker (core/breaker) from crash reports: it opens after the
// restart policy gives up, offers one probe at the probe time, closes when that probe is ready
// (forgetting the set's crashes), opens again for twice the cooldown when it fails.
import test from 'ava';
import { CrashTracker } from '../../src/arbiter/crash-tracker.js';

const POLICY = { baseDelayMs: 100, maxDelayMs: 1_000, maxCrashes: 2, windowMs: 60_000 };
const BREAKER = { cooldownMs: 500 };
const APPS = ['A', 'B'];
const KEY_OF = (c: CrashTracker): string[] => [...c.broken];

test('crashes back off, then open the breaker; the probe time comes after the cooldown', (t) => {
  const c = new CrashTracker();
  t.false(c.record(APPS, 1_000, POLICY, BREAKER).broken);
  t.is(KEY_OF(c).length, 0);
  t.true(c.record(APPS, 1_100, POLICY, BREAKER).broken);
  t.is(KEY_OF(c).length, 1, 'the planner may not spawn the set');
  t.like(c.reports()[0], { apps: APPS, state: 'open', probeAt: 1_600, cooldownMs: 500 });
  t.deepEqual(c.dueProbes(1_599), []);
  t.deepEqual(c.dueProbes(1_600), [APPS]);
  t.is(c.nextProbeAt(), 1_600);
  t.is(c.nextProbeAt(1_600), null, 'a due probe is not a future wake-up');
});

test('a ready probe closes the breaker and forgets the crashes', (t) => {
  const c = new CrashTracker();
  c.record(APPS, 0, POLICY, BREAKER);
  c.record(APPS, 10, POLICY, BREAKER);
  c.probing(APPS, 7);
  t.true(c.isProbe(7));
  t.like(c.reports()[0], { state: 'half-open', probeAt: null });
  t.deepEqual(c.dueProbes(10_000), [], 'one probe at a time');
  t.false(c.ready(8), 'another worker being ready changes nothing');
  t.true(c.ready(7));
  t.deepEqual(c.reports(), []);
  t.deepEqual(KEY_OF(c), []);
  t.false(c.record(APPS, 20, POLICY, BREAKER).broken, 'the old crashes no longer count');
});

test('a failed probe opens the breaker again for twice the cooldown; a retired one for the same', (t) => {
  const c = new CrashTracker();
  c.record(APPS, 0, POLICY, BREAKER);
  c.record(APPS, 10, POLICY, BREAKER);
  c.probing(APPS, 7);
  t.like(c.probeGone(7, 600, true), { state: 'open', probeAt: 1_600, cooldownMs: 1_000 });
  c.probing(APPS, 8);
  t.like(c.probeGone(8, 2_000, false), { state: 'open', probeAt: 3_000, cooldownMs: 1_000 });
  t.is(c.probeGone(99, 2_000, true), null, 'not a probe');
  t.is(KEY_OF(c).length, 1);
});

test('reset (a reload) closes every breaker', (t) => {
  const c = new CrashTracker();
  c.record(APPS, 0, POLICY, BREAKER);
  c.record(APPS, 10, POLICY, BREAKER);
  c.reset();
  t.deepEqual(c.reports(), []);
  t.deepEqual(KEY_OF(c), []);
  t.is(c.nextProbeAt(), null);
});

test('cooldown 0: open with no probe time', (t) => {
  const c = new CrashTracker();
  c.record(APPS, 0, POLICY, { cooldownMs: 0 });
  c.record(APPS, 10, POLICY, { cooldownMs: 0 });
  t.like(c.reports()[0], { state: 'open', probeAt: null });
  t.deepEqual(c.dueProbes(Number.MAX_SAFE_INTEGER), []);
});
