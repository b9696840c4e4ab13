// Stash limits: each one rejects with StashLimitError naming the limit, the rejected write changes
// nothing at all, and expired keys of the table make room before a rejection.

import test from 'ava';
import { StashLimitError } from '../../src/errors.js';
import { detach, type StashKey } from '../../src/stash/value.js';
import { entryCost, tableCost } from '../../src/stash/cost.js';
import { normalizeKey } from '../../src/stash/key.js';
import { DEFAULT_STASH_LIMITS, StashStore } from '../../src/stash/store.js';

const NOW = 5_000;
const entryBytes = (key: StashKey, value: unknown): number => entryCost(normalizeKey(key), detach(key).cost, detach(value).cost);
const tableBytes = (name: string): number => tableCost(detach(name).cost);

/** What a rejected write must leave untouched. */
function snapshot(s: StashStore): unknown {
  return {
    stats: s.stats(),
    tables: s.tables().map((name) => [name, s.keys(NOW, name).map((k) => [k, s.get(NOW, name, k)])]),
  };
}

test('defaults are 1024 tables, 100 000 keys per table, 64 MiB, 1 KiB keys and 256-byte patterns', (t) => {
  t.deepEqual(DEFAULT_STASH_LIMITS, { maxTables: 1024, maxKeysPerTable: 100_000, maxTotalBytes: 64 * 1024 * 1024, maxKeyBytes: 1024, maxPatternBytes: 256 });
  t.deepEqual(new StashStore().limits, DEFAULT_STASH_LIMITS);
  t.deepEqual(new StashStore({ maxTables: 3 }).limits, { ...DEFAULT_STASH_LIMITS, maxTables: 3 });
});

interface LimitCase {
  readonly label: string;
  readonly limits: ConstructorParameters<typeof StashStore>[0];
  readonly setup: (s: StashStore) => void;
  readonly act: (s: StashStore) => unknown;
  readonly limit: 'maxTables' | 'maxKeysPerTable' | 'maxTotalBytes';
  readonly message: string;
}

const BIG = 'x'.repeat(100);
const FULL = tableBytes('t') + entryBytes('a', BIG); // a store holding exactly t/a = BIG

const CASES: readonly LimitCase[] = [
  {
    label: 'put to a new table',
    limits: { maxTables: 2 },
    setup: (s) => {
      s.ensure('a');
      s.ensure('b');
    },
    act: (s) => {
      s.put(NOW, 'c', 'k', 1);
    },
    limit: 'maxTables',
    message: 'Stash limit reached: maxTables is 2, cannot create table "c"',
  },
  {
    label: 'ensure of a new table',
    limits: { maxTables: 1 },
    setup: (s) => {
      s.ensure('a');
    },
    act: (s) => {
      s.ensure('b');
    },
    limit: 'maxTables',
    message: 'Stash limit reached: maxTables is 1, cannot create table "b"',
  },
  {
    label: 'incr creating a table',
    limits: { maxTables: 1 },
    setup: (s) => {
      s.ensure('a');
    },
    act: (s) => s.incr(NOW, 'b', 'n'),
    limit: 'maxTables',
    message: 'Stash limit reached: maxTables is 1, cannot create table "b"',
  },
  {
    label: 'put of a new key',
    limits: { maxKeysPerTable: 2 },
    setup: (s) => {
      s.put(NOW, 't', 'a', 1);
      s.put(NOW, 't', 'b', 2);
    },
    act: (s) => {
      s.put(NOW, 't', 'c', 3);
    },
    limit: 'maxKeysPerTable',
    message: 'Stash limit reached: maxKeysPerTable is 2, table "t" is full',
  },
  {
    label: 'putIfAbsent of a new key',
    limits: { maxKeysPerTable: 1 },
    setup: (s) => {
      s.put(NOW, 't', 'a', 1);
    },
    act: (s) => s.putIfAbsent(NOW, 't', 'b', 2),
    limit: 'maxKeysPerTable',
    message: 'Stash limit reached: maxKeysPerTable is 1, table "t" is full',
  },
  {
    label: 'incr of a new key',
    limits: { maxKeysPerTable: 1 },
    setup: (s) => {
      s.put(NOW, 't', 'a', 1);
    },
    act: (s) => s.incr(NOW, 't', 'b'),
    limit: 'maxKeysPerTable',
    message: 'Stash limit reached: maxKeysPerTable is 1, table "t" is full',
  },
  {
    label: 'put one byte too many',
    limits: { maxTotalBytes: FULL },
    setup: (s) => {
      s.put(NOW, 't', 'a', BIG.slice(1));
    },
    act: (s) => {
      s.put(NOW, 't', 'b', null);
    },
    limit: 'maxTotalBytes',
    message: `Stash limit reached: maxTotalBytes is ${FULL}, this write would bring the stash to ${FULL - 1 + entryBytes('b', null)} bytes`,
  },
  {
    label: 'overwrite with a bigger value',
    limits: { maxTotalBytes: FULL },
    setup: (s) => {
      s.put(NOW, 't', 'a', BIG);
    },
    act: (s) => {
      s.put(NOW, 't', 'a', `${BIG}y`);
    },
    limit: 'maxTotalBytes',
    message: `Stash limit reached: maxTotalBytes is ${FULL}, this write would bring the stash to ${FULL + 1} bytes`,
  },
  {
    label: 'compareAndSet with a bigger value',
    limits: { maxTotalBytes: FULL },
    setup: (s) => {
      s.put(NOW, 't', 'a', BIG);
    },
    act: (s) => s.compareAndSet(NOW, 't', 'a', BIG, `${BIG}y`),
    limit: 'maxTotalBytes',
    message: `Stash limit reached: maxTotalBytes is ${FULL}, this write would bring the stash to ${FULL + 1} bytes`,
  },
  {
    label: 'a new table whose name does not fit',
    limits: { maxTotalBytes: FULL },
    setup: (s) => {
      s.put(NOW, 't', 'a', BIG);
    },
    act: (s) => {
      s.ensure('u');
    },
    limit: 'maxTotalBytes',
    message: `Stash limit reached: maxTotalBytes is ${FULL}, this write would bring the stash to ${FULL + tableBytes('u')} bytes`,
  },
  {
    label: 'a first put bigger than the whole stash',
    limits: { maxTotalBytes: 64 },
    setup: () => undefined,
    act: (s) => {
      s.put(NOW, 't', 'k', Buffer.alloc(64));
    },
    limit: 'maxTotalBytes',
    message: `Stash limit reached: maxTotalBytes is 64, this write would bring the stash to ${tableBytes('t') + entryBytes('k', Buffer.alloc(64))} bytes`,
  },
];

for (const c of CASES) {
  test(`${c.limit}: ${c.label} is rejected with StashLimitError and changes nothing`, (t) => {
    const s = new StashStore(c.limits);
    c.setup(s);
    const before = snapshot(s);
    const err = t.throws(() => c.act(s), { instanceOf: StashLimitError });
    t.is(err?.message, c.message);
    t.is(err?.details['limit'], c.limit);
    t.is(err?.details['max'], (s.limits as unknown as Record<string, number>)[c.limit]);
    t.deepEqual(snapshot(s), before);
  });
}

test('maxTotalBytes: a write that lands exactly on the limit is accepted', (t) => {
  const s = new StashStore({ maxTotalBytes: FULL });
  s.put(NOW, 't', 'a', BIG);
  t.is(s.stats().bytes, FULL);
  s.put(NOW, 't', 'a', BIG.replace('x', 'y')); // same size overwrite
  s.put(NOW, 't', 'a', 'small'); // smaller overwrite frees room
  t.is(s.stats().bytes, tableBytes('t') + entryBytes('a', 'small'));
});

test('maxKeysPerTable: overwrites and other tables still work at the limit', (t) => {
  const s = new StashStore({ maxKeysPerTable: 1 });
  s.put(NOW, 't', 'a', 1);
  s.put(NOW, 't', 'a', 2);
  t.is(s.incr(NOW, 't', 'a'), 3);
  s.put(NOW, 'u', 'b', 1);
  t.deepEqual(s.stats().keys, 2);
});

test('maxTables: deleting a table frees its slot', (t) => {
  const s = new StashStore({ maxTables: 1 });
  s.ensure('a');
  t.throws(
    () => {
      s.ensure('b');
    },
    { instanceOf: StashLimitError },
  );
  s.deleteTable('a');
  s.ensure('b');
  t.deepEqual(s.tables(), ['b']);
});

test('maxKeysPerTable: expired keys of the table make room instead of a rejection', (t) => {
  const s = new StashStore({ maxKeysPerTable: 2 });
  s.put(NOW, 't', 'a', 1, { ttlMs: 10 });
  s.put(NOW, 't', 'b', 2);
  t.throws(
    () => {
      s.put(NOW + 9, 't', 'c', 3);
    },
    { instanceOf: StashLimitError },
  );
  s.put(NOW + 10, 't', 'c', 3);
  t.deepEqual(s.keys(NOW + 10, 't'), ['b', 'c']);
});

test('maxTotalBytes: expired keys of the table make room instead of a rejection', (t) => {
  const s = new StashStore({ maxTotalBytes: FULL });
  s.put(NOW, 't', 'a', BIG, { ttlMs: 10 });
  t.throws(
    () => {
      s.put(NOW, 't', 'b', 1);
    },
    { instanceOf: StashLimitError },
  );
  s.put(NOW + 10, 't', 'b', 1);
  t.deepEqual(s.stats(), { tables: 1, keys: 1, bytes: tableBytes('t') + entryBytes('b', 1) });
});
