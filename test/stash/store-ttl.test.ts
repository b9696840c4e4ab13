// Per-key TTL with a fake `now`: lazy expiry on every kind of access, and sweep(now, budget), which
// removes due keys earliest first and is never fooled by stale expiry records.

import test from 'ava';
import { StashStore } from '../../src/stash/store.js';

const T0 = 10_000;

/** A store with t/k expiring at T0 + 100 and t/keep without TTL. */
function withExpiring(): StashStore {
  const s = new StashStore();
  s.put(T0, 't', 'k', 'v', { ttlMs: 100 });
  s.put(T0, 't', 'keep', 'v');
  return s;
}

/** [label, access, result while live, result once expired, keys counted after the expired access] */
const ACCESSES: readonly (readonly [label: string, read: (s: StashStore, now: number) => unknown, live: unknown, expired: unknown, keysAfter: number])[] = [
  ['get', (s, now) => s.get(now, 't', 'k').found, true, false, 1],
  ['exists', (s, now) => s.exists(now, 't', 'k'), true, false, 1],
  ['keys', (s, now) => s.keys(now, 't'), ['k', 'keep'], ['keep'], 1],
  ['keys with a pattern', (s, now) => s.keys(now, 't', 'k*'), ['k', 'keep'], ['keep'], 1],
  ['info', (s, now) => s.info(now, 't').size, 2, 1, 1],
  ['delete', (s, now) => s.delete(now, 't', 'k'), true, false, 1],
  ['putIfAbsent', (s, now) => s.putIfAbsent(now, 't', 'k', 'new'), false, true, 2],
  ['compareAndSet', (s, now) => s.compareAndSet(now, 't', 'k', 'v', 'new'), true, false, 1],
  [
    'incr (a non-integer live value fails; an expired one restarts at 0)',
    (s, now) => {
      try {
        return s.incr(now, 't', 'k');
      } catch {
        return 'error';
      }
    },
    'error',
    1,
    2,
  ],
];

for (const [label, read, live, expired, keysAfter] of ACCESSES) {
  test(`${label}: live just before the deadline, expired (and removed) from the deadline on`, (t) => {
    t.deepEqual(read(withExpiring(), T0 + 99), live);
    const s = withExpiring();
    t.deepEqual(read(s, T0 + 100), expired);
    t.is(s.stats().keys, keysAfter);
  });
}

test('an access at the deadline removes the key from the counts without a sweep', (t) => {
  const s = withExpiring();
  t.is(s.stats().keys, 2);
  s.get(T0 + 100, 't', 'k');
  t.is(s.stats().keys, 1);
  t.is(s.sweep(T0 + 1_000), 0);
});

test('exists(table) stays true when every key has expired', (t) => {
  const s = new StashStore();
  s.put(T0, 't', 'k', 1, { ttlMs: 1 });
  t.true(s.exists(T0 + 5, 't'));
  t.deepEqual(s.info(T0 + 5, 't'), { size: 0, table: 't' });
});

test('a put without ttlMs clears an earlier TTL; a put with ttlMs sets a new deadline', (t) => {
  const s = new StashStore();
  s.put(T0, 't', 'a', 1, { ttlMs: 10 });
  s.put(T0 + 5, 't', 'a', 2);
  t.deepEqual(s.get(T0 + 1_000_000, 't', 'a'), { found: true, value: 2 });
  s.put(T0, 't', 'b', 1, { ttlMs: 10 });
  s.put(T0 + 5, 't', 'b', 2, { ttlMs: 100 });
  t.true(s.exists(T0 + 104, 't', 'b'));
  t.false(s.exists(T0 + 105, 't', 'b'));
});

test('sweep removes only due keys and returns how many', (t) => {
  const s = new StashStore();
  s.put(T0, 't', 'a', 1, { ttlMs: 10 });
  s.put(T0, 't', 'b', 1, { ttlMs: 20 });
  s.put(T0, 'u', 'c', 1, { ttlMs: 10 });
  s.put(T0, 'u', 'd', 1);
  t.is(s.sweep(T0 + 9), 0);
  t.is(s.sweep(T0 + 10), 2);
  t.deepEqual(s.stats().keys, 2);
  t.is(s.sweep(T0 + 20), 1);
  t.is(s.sweep(T0 + 1_000_000), 0);
  t.deepEqual(s.keys(T0, 'u'), ['d']);
});

test('sweep honours its budget and removes the earliest deadlines first', (t) => {
  const s = new StashStore();
  for (let i = 10; i >= 1; i--) s.put(T0, 't', `k${i}`, i, { ttlMs: i });
  const now = T0 + 100;
  t.deepEqual([s.sweep(now, 3), s.sweep(now, 3), s.sweep(now, 3), s.sweep(now, 3), s.sweep(now, 3)], [3, 3, 3, 1, 0]);
  const t2 = new StashStore();
  for (let i = 10; i >= 1; i--) t2.put(T0, 't', `k${i}`, i, { ttlMs: i });
  t.is(t2.sweep(now, 4), 4);
  // Peek at stats, not keys(): keys() would expire the rest lazily.
  t.is(t2.stats().keys, 6);
  t.deepEqual(t2.keys(T0 + 4, 't'), ['k10', 'k9', 'k8', 'k7', 'k6', 'k5']);
  t.is(s.sweep(now, 0), 0);
});

test('sweep ignores stale records of overwritten, deleted, cleared and re-created keys', (t) => {
  const s = new StashStore();
  s.put(T0, 't', 'overwritten', 1, { ttlMs: 10 });
  s.put(T0, 't', 'overwritten', 2, { ttlMs: 1_000 });
  s.put(T0, 't', 'persisted', 1, { ttlMs: 10 });
  s.put(T0, 't', 'persisted', 2);
  s.put(T0, 't', 'readded', 1, { ttlMs: 10 });
  s.delete(T0, 't', 'readded');
  s.put(T0, 't', 'readded', 2);
  s.put(T0, 'gone', 'x', 1, { ttlMs: 10 });
  s.deleteTable('gone');
  s.put(T0, 'gone', 'x', 2);
  t.is(s.sweep(T0 + 500), 0);
  t.deepEqual(s.keys(T0 + 500, 't'), ['overwritten', 'persisted', 'readded']);
  t.deepEqual(s.get(T0 + 500, 'gone', 'x'), { found: true, value: 2 });
  t.is(s.sweep(T0 + 1_000), 1);
  t.deepEqual(s.stats().keys, 3);
});

test('thousands of TTL overwrites of one key keep exactly one live deadline', (t) => {
  const s = new StashStore();
  for (let i = 0; i < 5_000; i++) s.put(T0 + i, 't', 'session', i, { ttlMs: 1_000 });
  t.is(s.sweep(T0 + 5_998), 0);
  t.deepEqual(s.get(T0 + 5_998, 't', 'session'), { found: true, value: 4_999 });
  t.is(s.sweep(T0 + 5_999), 1);
  t.deepEqual(s.stats(), { tables: 1, keys: 0, bytes: s.stats().bytes });
});

test('incr keeps the deadline of an existing key; ttlMs applies only when it creates the key', (t) => {
  const s = new StashStore();
  t.is(s.incr(T0, 'rate', 'ip', 1, { ttlMs: 1_000 }), 1);
  t.is(s.incr(T0 + 500, 'rate', 'ip', 1, { ttlMs: 1_000 }), 2);
  t.is(s.incr(T0 + 999, 'rate', 'ip'), 3);
  t.false(s.exists(T0 + 1_000, 'rate', 'ip'));
  t.is(s.incr(T0 + 1_000, 'rate', 'ip', 1, { ttlMs: 1_000 }), 1);
  t.is(s.sweep(T0 + 2_000), 1);
});

test('putIfAbsent over an expired key stores the new value with its own TTL', (t) => {
  const s = new StashStore();
  s.put(T0, 'locks', 'job', 'worker-1', { ttlMs: 30 });
  t.false(s.putIfAbsent(T0 + 29, 'locks', 'job', 'worker-2', { ttlMs: 30 }));
  t.true(s.putIfAbsent(T0 + 30, 'locks', 'job', 'worker-2', { ttlMs: 30 }));
  t.deepEqual(s.get(T0 + 59, 'locks', 'job'), { found: true, value: 'worker-2' });
  t.false(s.exists(T0 + 60, 'locks', 'job'));
});
