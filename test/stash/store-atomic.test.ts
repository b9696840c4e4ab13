// Atomic extensions gunicorn lacks: incr (exact int64 counters), putIfAbsent and compareAndSet with
// deep equality on TLV values. A refused operation leaves the stored value as it was.

import test from 'ava';
import { StashError } from '../../src/errors.js';
import { StashStore } from '../../src/stash/store.js';
import { INT64_MAX, INT64_MIN } from '../../src/stash/value.js';

const NOW = 0;

test('8000 sequential increments give exactly 8000', (t) => {
  const s = new StashStore();
  let last: number | bigint = 0;
  for (let i = 0; i < 8000; i++) last = s.incr(NOW, 'counters', 'hits');
  t.is(last, 8000);
  t.deepEqual(s.get(NOW, 'counters', 'hits'), { found: true, value: 8000 });
  for (let i = 0; i < 8000; i++) s.incr(NOW, 'counters', 'hits', -1);
  t.deepEqual(s.get(NOW, 'counters', 'hits'), { found: true, value: 0 });
});

test('incr of a missing key starts from 0 and creates the table', (t) => {
  const s = new StashStore();
  t.is(s.incr(NOW, 'c', 'n', 5), 5);
  t.is(s.incr(NOW, 'c', 'n', -7n), -2);
  t.deepEqual(s.tables(), ['c']);
});

test('incr crosses the safe-integer range into bigints and back, exactly', (t) => {
  const s = new StashStore();
  s.put(NOW, 'c', 'n', Number.MAX_SAFE_INTEGER);
  t.is(s.incr(NOW, 'c', 'n'), 2n ** 53n);
  t.deepEqual(s.get(NOW, 'c', 'n'), { found: true, value: 2n ** 53n });
  t.is(s.incr(NOW, 'c', 'n', -1), Number.MAX_SAFE_INTEGER);
  s.put(NOW, 'c', 'big', INT64_MAX - 1n);
  t.is(s.incr(NOW, 'c', 'big'), INT64_MAX);
});

test('incr of a number counter changes the entry in place: key spelling, order, expiry and size stay', (t) => {
  const s = new StashStore();
  s.put(NOW, 'c', 1n, 10, { ttlMs: 1000 });
  s.put(NOW, 'c', 'after', 'x');
  const size = s.stats();
  t.is(s.incr(NOW + 1, 'c', 1, 5), 15);
  t.is(s.incr(NOW + 2, 'c', 1n, -20), -5);
  t.deepEqual(s.stats(), size, 'a number costs the same whatever its value');
  t.deepEqual(s.keys(NOW + 3, 'c'), [1n, 'after'], 'the first spelling of the key, in its place');
  t.deepEqual(s.get(NOW + 999, 'c', 1), { found: true, value: -5 });
  t.deepEqual(s.get(NOW + 1000, 'c', 1), { found: false }, 'the expiry of the first write holds');
  t.is(s.sweep(NOW + 1000), 0, 'nothing left to sweep: the expired entry went on access');
});

test('incr by zero or to zero gives 0, never -0, as the int64 sum does', (t) => {
  const s = new StashStore();
  t.true(Object.is(s.incr(NOW, 'c', 'a', -0), 0));
  t.true(Object.is(s.incr(NOW, 'c', 'a', -0), 0));
  s.put(NOW, 'c', 'b', -0);
  t.true(Object.is(s.incr(NOW, 'c', 'b', 0), 0));
  t.true(Object.is(s.incr(NOW, 'c', 'b', 0n), 0));
});

const OVERFLOWS: readonly (readonly [label: string, start: bigint, by: bigint])[] = [
  ['past INT64_MAX', INT64_MAX, 1n],
  ['below INT64_MIN', INT64_MIN, -1n],
  ['by a large step', INT64_MAX - 5n, 10n],
];
for (const [label, start, by] of OVERFLOWS) {
  test(`incr refuses to overflow int64 ${label} and keeps the value`, (t) => {
    const s = new StashStore();
    s.put(NOW, 'c', 'n', start);
    const before = s.get(NOW, 'c', 'n');
    const err = t.throws(() => s.incr(NOW, 'c', 'n', by), { instanceOf: StashError });
    t.regex(err?.message ?? '', /^Cannot increment c\/n: -?\d+ overflows int64$/);
    t.deepEqual(s.get(NOW, 'c', 'n'), before);
  });
}

const NOT_INTEGERS: readonly (readonly [label: string, value: unknown])[] = [
  ['a str', '5'],
  ['a float', 1.5],
  ['a bool', true],
  ['None', null],
  ['bytes', Buffer.from('1')],
  ['a list', [1]],
];
for (const [label, value] of NOT_INTEGERS) {
  test(`incr refuses ${label} with StashError and keeps it`, (t) => {
    const s = new StashStore();
    s.put(NOW, 'c', 'n', value);
    const err = t.throws(() => s.incr(NOW, 'c', 'n'), { instanceOf: StashError });
    t.is(err?.message, 'Cannot increment c/n: the stored value is not an integer');
    t.deepEqual(err?.details, { table_name: 'c', key: 'n' });
    t.deepEqual(s.get(NOW, 'c', 'n'), { found: true, value });
  });
}

test('incr refuses a non-integer step with a TypeError and changes nothing', (t) => {
  const s = new StashStore();
  for (const by of [1.5, Number.NaN, 2n ** 63n]) t.throws(() => s.incr(NOW, 'c', 'n', by), { instanceOf: TypeError });
  t.deepEqual(s.tables(), []);
});

test('putIfAbsent stores only the first value', (t) => {
  const s = new StashStore();
  t.true(s.putIfAbsent(NOW, 'locks', 'job', 'worker-1'));
  t.false(s.putIfAbsent(NOW, 'locks', 'job', 'worker-2'));
  t.deepEqual(s.get(NOW, 'locks', 'job'), { found: true, value: 'worker-1' });
  s.delete(NOW, 'locks', 'job');
  t.true(s.putIfAbsent(NOW, 'locks', 'job', 'worker-3'));
});

test('putIfAbsent treats a stored None as present', (t) => {
  const s = new StashStore();
  s.put(NOW, 't', 'k', null);
  t.false(s.putIfAbsent(NOW, 't', 'k', 1));
});

const CAS: readonly (readonly [label: string, stored: unknown, expected: unknown, swapped: boolean])[] = [
  ['equal str', 'a', 'a', true],
  ['different str', 'a', 'b', false],
  ['int vs the same int as bigint', 1, 1n, true],
  ['int vs float', 1, 1.5, false],
  ['bool vs int', true, 1, false],
  ['None vs None', null, null, true],
  ['bytes by content', Buffer.from('ab'), new Uint8Array([0x61, 0x62]), true],
  ['bytes vs str', Buffer.from('ab'), 'ab', false],
  ['dicts regardless of key order', { a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, true],
  ['dicts with a different nested value', { a: 1, b: [1, 2] }, { a: 1, b: [1, 3] }, false],
  ['lists in order', [1, 'x'], [1, 'x'], true],
  ['lists in another order', [1, 'x'], ['x', 1], false],
];
for (const [label, stored, expected, swapped] of CAS) {
  test(`compareAndSet: ${label} → ${swapped}`, (t) => {
    const s = new StashStore();
    s.put(NOW, 't', 'k', stored);
    t.is(s.compareAndSet(NOW, 't', 'k', expected, 'new'), swapped);
    t.deepEqual(s.get(NOW, 't', 'k'), { found: true, value: swapped ? 'new' : stored });
  });
}

test('compareAndSet on a missing key or table is false and creates nothing', (t) => {
  const s = new StashStore();
  t.false(s.compareAndSet(NOW, 't', 'k', null, 1));
  t.deepEqual(s.tables(), []);
  s.ensure('t');
  t.false(s.compareAndSet(NOW, 't', 'k', null, 1));
  t.deepEqual(s.keys(NOW, 't'), []);
});

test('compareAndSet loops make a lost-update-free counter', (t) => {
  const s = new StashStore();
  s.put(NOW, 't', 'doc', { version: 0 });
  for (let i = 0; i < 100; i++) {
    const seen = s.get(NOW, 't', 'doc');
    if (!seen.found) return t.fail();
    const { version } = seen.value as { version: number };
    t.true(s.compareAndSet(NOW, 't', 'doc', seen.value, { version: version + 1 }));
    t.false(s.compareAndSet(NOW, 't', 'doc', seen.value, { version: -1 })); // a stale writer loses
  }
  t.deepEqual(s.get(NOW, 't', 'doc'), { found: true, value: { version: 100 } });
});
