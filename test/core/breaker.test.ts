// The crash-loop breaker as a state machine on a fake clock: open after the restart policy gives
// up, half-open at the probe time with one probe, closed when the probe is ready, open again for
// twice the cooldown (capped) when it fails.

import test from 'ava';
import { CLOSED, MAX_COOLDOWN_MS, blocksSpawns, probeDue, probeEnded, probeReady, startProbe, trip, type Breaker } from '../../src/core/breaker.js';

const P = { cooldownMs: 30_000 };

test('trip: closed -> open, first probe one cooldown later', (t) => {
  t.deepEqual(trip(CLOSED, 1_000, P), { state: 'open', probeAt: 31_000, cooldownMs: 30_000 });
});

test('trip: cooldown 0 opens for good (no probe; a reload closes it)', (t) => {
  const b = trip(CLOSED, 1_000, { cooldownMs: 0 });
  t.deepEqual(b, { state: 'open', probeAt: null, cooldownMs: 0 });
  t.false(probeDue(b, Number.MAX_SAFE_INTEGER));
});

test('trip: an open or half-open breaker is left as it is', (t) => {
  const open: Breaker = { state: 'open', probeAt: 5_000, cooldownMs: 60_000 };
  t.is(trip(open, 9_000, P), open);
  const half: Breaker = { state: 'half-open', probeId: 4, cooldownMs: 60_000 };
  t.is(trip(half, 9_000, P), half);
});

const due = test.macro<[Breaker, number, boolean]>({
  exec(t, b, now, expected) {
    t.is(probeDue(b, now), expected);
  },
  title: (provided = '') => `probeDue: ${provided}`,
});
test('before the probe time', due, { state: 'open', probeAt: 31_000, cooldownMs: 30_000 }, 30_999, false);
test('at the probe time', due, { state: 'open', probeAt: 31_000, cooldownMs: 30_000 }, 31_000, true);
test('closed never probes', due, CLOSED, 99_000, false);
test('half-open: the probe is already running', due, { state: 'half-open', probeId: 3, cooldownMs: 30_000 }, 99_000, false);

test('a whole cycle: open -> half-open -> failed (x2) -> half-open -> ready -> closed', (t) => {
  let b = trip(CLOSED, 0, P);
  t.true(blocksSpawns(b));
  b = startProbe(b, 7);
  t.deepEqual(b, { state: 'half-open', probeId: 7, cooldownMs: 30_000 });
  t.true(blocksSpawns(b), 'only the probe runs while half-open');
  t.is(probeEnded(b, 8, 31_000, true), b, 'another worker leaving changes nothing');
  b = probeEnded(b, 7, 31_000, true);
  t.deepEqual(b, { state: 'open', probeAt: 91_000, cooldownMs: 60_000 });
  b = startProbe(b, 9);
  t.is(probeReady(b, 8), b, 'another worker being ready changes nothing');
  b = probeReady(b, 9);
  t.deepEqual(b, CLOSED);
  t.false(blocksSpawns(b));
});

test('a probe retired on purpose (not failed) reopens with the same cooldown', (t) => {
  const b = probeEnded({ state: 'half-open', probeId: 2, cooldownMs: 60_000 }, 2, 10_000, false);
  t.deepEqual(b, { state: 'open', probeAt: 70_000, cooldownMs: 60_000 });
});

const doubling = test.macro<[number, number]>({
  exec(t, cooldownMs, expected) {
    const b = probeEnded({ state: 'half-open', probeId: 1, cooldownMs }, 1, 0, true);
    t.deepEqual(b, { state: 'open', probeAt: expected, cooldownMs: expected });
  },
  title: (provided = '', cooldownMs) => `failed probe after ${cooldownMs} ms: ${provided}`,
});
test('doubles', doubling, 30_000, 60_000);
test('doubles up to the cap', doubling, 400_000, MAX_COOLDOWN_MS);
test('stays at the cap', doubling, MAX_COOLDOWN_MS, MAX_COOLDOWN_MS);
test('a cooldown above the cap is its own cap', doubling, 900_000, 900_000);
