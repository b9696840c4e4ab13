// StashStore operations with gunicorn's semantics: auto-created tables, missing tables, insertion
// order, key normalisation, detached copies and exact byte accounting on every way data leaves.

import test from 'ava';
import { StashTableNotFoundError } from '../../src/errors.js';
import { detach, type StashKey } from '../../src/stash/value.js';
import { entryCost, tableCost } from '../../src/stash/cost.js';
import { normalizeKey } from '../../src/stash/key.js';
import { StashStore } from '../../src/stash/store.js';

const NOW = 1_000;

test('put creates the table and get returns the value; a missing key or table is not found', (t) => {
  const s = new StashStore();
  t.deepEqual(s.tables(), []);
  s.put(NOW, 'sessions', 'u1', { n: 1 });
  t.deepEqual(s.tables(), ['sessions']);
  t.deepEqual(s.get(NOW, 'sessions', 'u1'), { found: true, value: { n: 1 } });
  t.deepEqual(s.get(NOW, 'sessions', 'u2'), { found: false });
  t.deepEqual(s.get(NOW, 'nope', 'u1'), { found: false });
  t.false(s.exists(NOW, 'nope'));
});

test('a stored None is found, unlike a missing key', (t) => {
  const s = new StashStore();
  s.put(NOW, 't', 'k', null);
  t.deepEqual(s.get(NOW, 't', 'k'), { found: true, value: null });
  t.true(s.exists(NOW, 't', 'k'));
});

test('delete says whether it removed something', (t) => {
  const s = new StashStore();
  s.put(NOW, 't', 'k', 1);
  t.true(s.delete(NOW, 't', 'k'));
  t.false(s.delete(NOW, 't', 'k'));
  t.false(s.delete(NOW, 'missing', 'k'));
  t.deepEqual(s.tables(), ['t']); // deleting the last key keeps the table, as in gunicorn
});

test('keys keeps insertion order, an overwrite keeps its place, and a missing table gives []', (t) => {
  const s = new StashStore();
  for (const k of ['b', 'a', 'c']) s.put(NOW, 't', k, 0);
  s.put(NOW, 't', 'b', 1);
  t.deepEqual(s.keys(NOW, 't'), ['b', 'a', 'c']);
  s.delete(NOW, 't', 'b');
  s.put(NOW, 't', 'b', 2);
  t.deepEqual(s.keys(NOW, 't'), ['a', 'c', 'b']);
  t.deepEqual(s.keys(NOW, 'missing'), []);
});

test('keys filters with an fnmatch glob on str(key); an empty pattern does not filter (gunicorn: `if pattern`)', (t) => {
  const s = new StashStore();
  for (const k of ['user:1', 'user:22', 'admin:1', 7, 75, Buffer.from('user:x')]) s.put(NOW, 't', k, true);
  t.deepEqual(s.keys(NOW, 't', 'user:*'), ['user:1', 'user:22']);
  t.deepEqual(s.keys(NOW, 't', 'user:?'), ['user:1']);
  t.deepEqual(s.keys(NOW, 't', '7*'), [7, 75]);
  t.deepEqual(s.keys(NOW, 't', "b'user:*'"), [Buffer.from('user:x')]);
  t.is(s.keys(NOW, 't', '').length, 6);
});

test('clear empties a table and leaves a missing table missing', (t) => {
  const s = new StashStore();
  s.put(NOW, 't', 'a', 1);
  s.clear('t');
  s.clear('missing');
  t.deepEqual(s.tables(), ['t']);
  t.deepEqual(s.info(NOW, 't'), { size: 0, table: 't' });
});

test('info gives {size, table} and throws StashTableNotFoundError for a missing table', (t) => {
  const s = new StashStore();
  s.put(NOW, 't', 'a', 1);
  s.put(NOW, 't', 'b', 2);
  t.deepEqual(s.info(NOW, 't'), { size: 2, table: 't' });
  const err = t.throws(() => s.info(NOW, 'missing'), { instanceOf: StashTableNotFoundError });
  t.is(err?.message, 'Table not found: missing');
  t.deepEqual(err?.details, { table_name: 'missing' });
});

test('ensure creates an empty table once and keeps existing data', (t) => {
  const s = new StashStore();
  s.ensure('t');
  s.put(NOW, 't', 'a', 1);
  s.ensure('t');
  t.deepEqual(s.tables(), ['t']);
  t.deepEqual(s.info(NOW, 't'), { size: 1, table: 't' });
});

test('exists without a key checks the table, with a key checks the key', (t) => {
  const s = new StashStore();
  s.ensure('t');
  t.true(s.exists(NOW, 't'));
  t.false(s.exists(NOW, 't', 'a'));
  s.put(NOW, 't', 'a', 1);
  t.true(s.exists(NOW, 't', 'a'));
  t.false(s.exists(NOW, 'u', 'a'));
});

test('deleteTable says whether the table existed and tables lists the rest in creation order', (t) => {
  const s = new StashStore();
  for (const name of ['x', 'y', 'z']) s.ensure(name);
  t.true(s.deleteTable('y'));
  t.false(s.deleteTable('y'));
  t.deepEqual(s.tables(), ['x', 'z']);
});

test('keys 1 and "1" are different, 1 and 1n the same, True apart from 1, bytes equal by content', (t) => {
  const s = new StashStore();
  s.put(NOW, 't', 1, 'int');
  s.put(NOW, 't', '1', 'str');
  s.put(NOW, 't', true, 'bool');
  s.put(NOW, 't', Buffer.from('ab'), 'bytes');
  t.deepEqual(s.get(NOW, 't', 1n), { found: true, value: 'int' });
  t.deepEqual(s.get(NOW, 't', '1'), { found: true, value: 'str' });
  t.deepEqual(s.get(NOW, 't', true), { found: true, value: 'bool' });
  t.deepEqual(s.get(NOW, 't', new Uint8Array([0x61, 0x62])), { found: true, value: 'bytes' });
  t.deepEqual(s.get(NOW, 't', 'ab'), { found: false });
  s.put(NOW, 't', 1n, 'int again');
  t.deepEqual(s.keys(NOW, 't'), [1, '1', true, Buffer.from('ab')]); // the first spelling of a key is kept
  t.deepEqual(s.get(NOW, 't', 1), { found: true, value: 'int again' });
});

test('an unhashable key (list or dict) is refused and nothing is stored', (t) => {
  const s = new StashStore();
  t.throws(
    () => {
      s.put(NOW, 't', [1] as never, 1);
    },
    { message: /Unhashable stash key type: list/ },
  );
  t.deepEqual(s.tables(), []);
});

test('mutating the input bytes after put changes neither the stored value nor the stored key', (t) => {
  const s = new StashStore();
  const frame = Buffer.from('KEY:value-bytes');
  const key = frame.subarray(0, 3);
  const value = { blob: frame.subarray(4), list: [frame.subarray(0, 3)] };
  s.put(NOW, 't', key, value);
  frame.fill(0x2a);
  t.deepEqual(s.get(NOW, 't', Buffer.from('KEY')), {
    found: true,
    value: { blob: Buffer.from('value-bytes'), list: [Buffer.from('KEY')] },
  });
  t.deepEqual(s.keys(NOW, 't'), [Buffer.from('KEY')]);
});

test('mutating a stored-from object after put does not change the stored value', (t) => {
  const s = new StashStore();
  const value = { list: [1, 2], nested: { a: 'x' } };
  s.put(NOW, 't', 'k', value);
  value.list.push(3);
  value.nested.a = 'changed';
  t.deepEqual(s.get(NOW, 't', 'k'), { found: true, value: { list: [1, 2], nested: { a: 'x' } } });
});

const entryBytes = (key: StashKey, value: unknown): number => entryCost(normalizeKey(key), detach(key).cost, detach(value).cost);
const tableBytes = (name: string): number => tableCost(detach(name).cost);

test('stats counts tables, keys and TLV bytes of names, keys and values', (t) => {
  const s = new StashStore();
  t.deepEqual(s.stats(), { tables: 0, keys: 0, bytes: 0 });
  s.put(NOW, 'sessions', 'u1', { n: 1 });
  s.put(NOW, 'sessions', 2, Buffer.alloc(100));
  s.ensure('empty');
  t.deepEqual(s.stats(), {
    tables: 2,
    keys: 2,
    bytes: tableBytes('sessions') + entryBytes('u1', { n: 1 }) + entryBytes(2, Buffer.alloc(100)) + tableBytes('empty'),
  });
});

const SHRINKS: readonly (readonly [label: string, act: (s: StashStore) => void, keys: number, bytes: number])[] = [
  ['delete', (s) => s.delete(NOW, 't', 'a'), 1, tableBytes('t') + entryBytes('b', 'x'.repeat(50))],
  [
    'clear',
    (s) => {
      s.clear('t');
    },
    0,
    tableBytes('t'),
  ],
  ['deleteTable', (s) => s.deleteTable('t'), 0, 0],
  [
    'overwrite with a smaller value',
    (s) => {
      s.put(NOW, 't', 'a', 1);
    },
    2,
    tableBytes('t') + entryBytes('a', 1) + entryBytes('b', 'x'.repeat(50)),
  ],
];
for (const [label, act, keys, bytes] of SHRINKS) {
  test(`byte accounting goes down on ${label}`, (t) => {
    const s = new StashStore();
    s.put(NOW, 't', 'a', 'x'.repeat(1000));
    s.put(NOW, 't', 'b', 'x'.repeat(50));
    const before = s.stats().bytes;
    act(s);
    t.true(s.stats().bytes < before);
    t.deepEqual(s.stats(), { tables: label === 'deleteTable' ? 0 : 1, keys, bytes });
  });
}

test('byte accounting returns to zero after a long mixed history', (t) => {
  const s = new StashStore();
  for (let i = 0; i < 200; i++) s.put(NOW, `t${i % 7}`, i % 13, { i, pad: 'p'.repeat(i) });
  for (let i = 0; i < 50; i++) s.delete(NOW, `t${i % 7}`, i % 13);
  for (const name of s.tables()) s.deleteTable(name);
  t.deepEqual(s.stats(), { tables: 0, keys: 0, bytes: 0 });
});

test('bad arguments are TypeErrors and change nothing', (t) => {
  const s = new StashStore();
  t.throws(
    () => {
      s.put(NOW, 5 as never, 'k', 1);
    },
    { instanceOf: TypeError, message: /`table` to be a string/ },
  );
  t.throws(
    () => {
      s.put(NOW, 't', 'k', () => 1);
    },
    { instanceOf: TypeError },
  );
  t.throws(
    () => {
      s.put(NOW, 't', 'k', 1, { ttlMs: 0 });
    },
    { instanceOf: TypeError, message: /`ttlMs`/ },
  );
  t.throws(() => new StashStore({ maxTables: 0 }), { instanceOf: TypeError, message: 'Expected `maxTables` to be a positive integer, got `0` (number)' });
  t.deepEqual(s.stats(), { tables: 0, keys: 0, bytes: 0 });
});
