// CallStats on a fake clock: one outcome per call, a window that empties when idle, percentiles
// from the histograms within their stated precision, queue waits apart from latencies.
import test from 'ava';
import { CallStats, OUTCOMES, WINDOW_SLOTS } from '../../src/arbiter/call-stats.js';

test('every outcome is counted, in the totals and in the window; errors are everything but ok', (t) => {
  const s = new CallStats(0);
  OUTCOMES.forEach((o, i) => {
    for (let k = 0; k <= i; k++) s.end(o, o === 'queue_full' ? null : 10, 100);
  });
  const totals = s.outcomeTotals();
  OUTCOMES.forEach((o, i) => t.is(totals[o], i + 1, o));
  t.is(s.total, 36);
  t.is(s.errors, 35);
  const w = s.window(500);
  t.deepEqual(w.outcomes, totals);
  t.is(w.calls, 36);
  t.is(w.latencyMs.count, 36 - 6, 'calls refused on arrival give no latency sample');
});

test('rates and percentiles cover the last window only and fall to zero once idle', (t) => {
  const s = new CallStats(0);
  for (let i = 0; i < 100; i++) s.end(i < 90 ? 'ok' : 'timeout', i < 90 ? 5 : 9000, 1000 + i);
  const busy = s.window(1500);
  t.is(busy.calls, 100);
  t.true(busy.latencyMs.p95 > 8500 && busy.latencyMs.p95 < 9500, `p95 ${busy.latencyMs.p95} counts the timed-out calls`);
  t.true(busy.latencyMs.p50 > 4.8 && busy.latencyMs.p50 < 5.2, `p50 ${busy.latencyMs.p50}`);
  t.is(busy.perSecond, 66.7, '100 calls over the 1.5 s since start');
  t.is(busy.errorsPerSecond, 6.7);
  const later = s.window(1000 + WINDOW_SLOTS * 1000 + 1);
  t.is(later.calls, 0);
  t.is(later.perSecond, 0);
  t.is(later.latencyMs.p95, 0, 'p95 does not stick once the pool is idle');
  t.is(s.total, 100, 'totals stay');
});

test('the window slides: old slots leave, newer ones stay; a full window divides by its length', (t) => {
  const s = new CallStats(0);
  for (let sec = 0; sec < 30; sec++) for (let i = 0; i < 10; i++) s.end('ok', sec, sec * 1000 + i);
  const w = s.window(29_999);
  t.is(w.calls, 10 * WINDOW_SLOTS);
  t.is(w.perSecond, 10);
  t.true(w.latencyMs.p50 >= 23 && w.latencyMs.p50 <= 26, `p50 ${w.latencyMs.p50} of seconds 20..29`);
});

test('queue wait is its own histogram; a call that never waited reads 0', (t) => {
  const s = new CallStats(0);
  for (let i = 0; i < 50; i++) s.waited(0, 10);
  for (let i = 0; i < 50; i++) s.waited(200, 10);
  const w = s.window(20);
  t.is(w.queueWaitMs.count, 100);
  t.is(w.queueWaitMs.p50, 0);
  t.true(Math.abs(w.queueWaitMs.p95 - 200) / 200 < 0.03, `p95 ${w.queueWaitMs.p95}`);
  t.is(w.latencyMs.count, 0);
});

test('listeners hear every end and wait', (t) => {
  const s = new CallStats(0);
  const heard: string[] = [];
  s.listen({ ended: (o, ms) => heard.push(`${o}:${ms}`), waited: (ms) => heard.push(`wait:${ms}`) });
  s.waited(3, 1);
  s.end('cancelled', 7, 2);
  s.end('no_workers', null, 3);
  t.deepEqual(heard, ['wait:3', 'cancelled:7', 'no_workers:null']);
});
