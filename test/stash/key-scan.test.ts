// KEYS in slices: a budget of steps per slice, the same answer as one full run, and a table that
// changes between slices (expiry, clear, deletes) never yields a key that is gone.
import test from 'ava';
import { DEAD_ENTRY_STEPS, ENTRY_STEPS, MATCH_STEPS } from '../../src/stash/key-scan.js';
import { StashStore } from '../../src/stash/store.js';

const NOW = 1000;

function filled(n: number, ttlMs?: number): StashStore {
  const s = new StashStore();
  for (let i = 0; i < n; i++) s.put(NOW, 't', `key:${i}`, i, ttlMs === undefined ? undefined : { ttlMs });
  return s;
}

test('a scan run in small slices gives what keys() gives, in insertion order', (t) => {
  const s = filled(500);
  const scan = s.scanKeys(NOW, 't', 'key:*7');
  let slices = 0;
  while (!scan.run(NOW, 200)) slices++;
  t.true(slices > 5);
  t.deepEqual(scan.keys, s.keys(NOW, 't', 'key:*7'));
  t.is(scan.keys.length, 50);
});

test('a slice stops once its budget is spent, overshooting by at most one key', (t) => {
  const s = new StashStore();
  for (let i = 0; i < 50; i++) s.put(NOW, 't', `${'A'.repeat(1000)}${i}`, i);
  const pattern = `*${'A?'.repeat(100)}B*`;
  const scan = s.scanKeys(NOW, 't', pattern);
  const perKeyBound = (1003 + 1) * (pattern.length + 1) + ENTRY_STEPS + MATCH_STEPS;
  for (;;) {
    const before = scan.steps;
    const done = scan.run(NOW, 10_000);
    t.true(scan.steps - before <= 10_000 + perKeyBound);
    if (done) break;
  }
  t.deepEqual(scan.keys, []);
});

test('keys that expire, are deleted or cleared between slices are not listed', (t) => {
  const s = filled(100, 50);
  s.put(NOW, 't', 'forever', 1);
  const scan = s.scanKeys(NOW, 't');
  scan.run(NOW, 10 * ENTRY_STEPS);
  const seen = scan.keys.length;
  t.true(seen > 0 && seen < 100);
  s.delete(NOW, 't', 'key:99');
  scan.run(NOW + 100, Infinity); // the rest has expired meanwhile
  t.deepEqual(scan.keys.length, seen + 1);
  t.is(scan.keys.at(-1), 'forever');
  const s2 = filled(100);
  const scan2 = s2.scanKeys(NOW, 't');
  scan2.run(NOW, 10 * ENTRY_STEPS);
  s2.clear('t');
  scan2.run(NOW, Infinity);
  t.is(scan2.keys.length, 10);
});

test('a missing table is an empty scan', (t) => {
  const scan = new StashStore().scanKeys(NOW, 'nope', '*');
  t.true(scan.run(NOW, 1));
  t.deepEqual(scan.keys, []);
});

test('expired keys removed on the way count against the slice: a slice removes only a few', (t) => {
  const s = filled(100, 10);
  const scan = s.scanKeys(NOW + 10, 't');
  scan.run(NOW + 10, 10 * (ENTRY_STEPS + DEAD_ENTRY_STEPS));
  t.is(s.stats().keys, 90);
  t.false(scan.done);
  scan.run(NOW + 10, Infinity);
  t.deepEqual(scan.keys, []);
  t.is(s.stats().keys, 0);
});
