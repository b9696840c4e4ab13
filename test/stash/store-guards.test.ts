// Limits that keep one STASH frame cheap: key size (maxKeyBytes) and KEYS pattern size (maxPatternBytes),
// refused with StashLimitError before any work, with messages that never hold a big key in full; and
// the memory cost that maxTotalBytes counts (src/stash/cost.ts) for the worst shapes.
import test from 'ava';
import { StashLimitError } from '../../src/errors.js';
import { bytesCost, DICT_COST, ENTRY_COST, LIST_COST, LIST_ITEM_COST, TABLE_COST } from '../../src/stash/cost.js';
import { keyForMessage } from '../../src/stash/key.js';
import { executeStash } from '../../src/stash/ops.js';
import { StashStore } from '../../src/stash/store.js';
import { detach } from '../../src/stash/value.js';

const NOW = 1000;

test('a key of exactly maxKeyBytes is fine, one byte more is refused by every op that takes a key', (t) => {
  const s = new StashStore({ maxKeyBytes: 8 });
  s.put(NOW, 't', 'k'.repeat(8), 1);
  s.put(NOW, 't', Buffer.alloc(8), 2);
  const ops: ((key: string | Buffer) => unknown)[] = [
    (k) => s.put(NOW, 't', k, 1),
    (k) => s.get(NOW, 't', k),
    (k) => s.delete(NOW, 't', k),
    (k) => s.exists(NOW, 't', k),
    (k) => s.incr(NOW, 't', k),
    (k) => s.putIfAbsent(NOW, 't', k, 1),
    (k) => s.compareAndSet(NOW, 't', k, 1, 2),
  ];
  for (const op of ops) {
    for (const key of ['k'.repeat(9), Buffer.alloc(9)]) {
      const err = t.throws(() => op(key), { instanceOf: StashLimitError });
      t.like(err.details, { limit: 'maxKeyBytes', max: 8, table_name: 't' });
    }
  }
  t.is(s.stats().keys, 2);
});

test('str keys are measured in UTF-8 bytes', (t) => {
  const s = new StashStore({ maxKeyBytes: 10 });
  s.put(NOW, 't', 'é'.repeat(5), 1);
  t.throws(
    () => {
      s.put(NOW, 't', `${'é'.repeat(5)}x`, 1);
    },
    { instanceOf: StashLimitError, message: /got a key of 11 bytes/ },
  );
});

test('a huge key is refused with a short message, whatever its type', (t) => {
  const s = new StashStore();
  const huge = Buffer.alloc(16 * 1024 * 1024, 0xff);
  const err = t.throws(() => s.get(NOW, 't', huge), { instanceOf: StashLimitError });
  t.is(err.message, `Stash limit: keys are at most 1024 bytes (maxKeyBytes), got a key of 16777216 bytes: b'${'\\xff'.repeat(25)}'… (16777216 bytes)`);
  const text = t.throws(() => s.get(NOW, 't', 'x'.repeat(5_000_000)), { instanceOf: StashLimitError });
  t.true(text.message.length < 250);
  t.regex(text.message, /got a key of 5000000 characters: x{100}… \(5000000 characters\)$/);
});

test('over the wire: a GET of a missing key answers with a shortened key', (t) => {
  const s = new StashStore();
  const r = executeStash(s, { op: 2, table: 't', key: Buffer.alloc(1000, 0x41) }, NOW);
  t.false(r.ok);
  if (!r.ok) {
    t.is(r.error.error_type, 'StashKeyNotFoundError');
    t.is(r.error.message, `Key not found: b'${'A'.repeat(25)}'… (1000 bytes)`);
  }
});

test('keyForMessage leaves short keys whole', (t) => {
  t.is(keyForMessage('user:1'), 'user:1');
  t.is(keyForMessage(Buffer.from('ab')), "b'ab'");
  t.is(keyForMessage(42), '42');
  t.is(keyForMessage(null), 'None');
});

test('a KEYS pattern longer than maxPatternBytes is refused before any matching', (t) => {
  const s = new StashStore({ maxPatternBytes: 4 });
  s.put(NOW, 't', 'abcd', 1);
  t.deepEqual(s.keys(NOW, 't', 'a*d*'), ['abcd']);
  const err = t.throws(() => s.keys(NOW, 't', 'a**d*'), {
    instanceOf: StashLimitError,
    message: /KEYS patterns are at most 4 bytes \(maxPatternBytes\), got one of 5 characters/,
  });
  t.like(err.details, { limit: 'maxPatternBytes', max: 4 });
  t.throws(() => s.keys(NOW, 't', 'éé*'), { instanceOf: StashLimitError, message: /got one of 5 bytes/ });
});

test('containers cost their objects, not their encoded bytes', (t) => {
  const dicts = detach(Array.from({ length: 1000 }, () => ({})));
  t.is(dicts.bytes, 5 + 1000 * 5);
  t.is(dicts.cost, LIST_COST + 1000 * (LIST_ITEM_COST + DICT_COST));
  t.true(dicts.cost > 15 * dicts.bytes);
  // A long ASCII string costs about its length; a non-Latin-1 one two bytes per UTF-16 unit.
  t.true(detach('x'.repeat(1000)).cost < 1100);
  t.true(detach('Ω'.repeat(1000)).cost >= 2000);
});

test('filling a store with lists of empty dicts stops at maxTotalBytes of cost', (t) => {
  const max = 1024 * 1024;
  const s = new StashStore({ maxTotalBytes: max });
  const value = Array.from({ length: 1000 }, () => ({}));
  let stored = 0;
  t.throws(
    () => {
      for (;;) {
        s.put(NOW, 't', stored, value);
        stored++;
      }
    },
    { instanceOf: StashLimitError, message: /maxTotalBytes/ },
  );
  // Each list costs about 80 KB, not its 5 KB of TLV: the table (TABLE_COST + "t") and 13 fit, not 200.
  t.is(stored, Math.floor((max - TABLE_COST - 25) / (ENTRY_COST + 16 + 24 + 3 + detach(value).cost)));
  t.true(s.stats().bytes <= max);
});

test('clear gives back every byte and key at once; the cleared keys never come back or expire others', (t) => {
  const s = new StashStore();
  s.ensure('t');
  const empty = s.stats().bytes;
  for (let i = 0; i < 100; i++) s.put(NOW, 't', i, 'v', { ttlMs: 10 });
  s.clear('t');
  t.deepEqual(s.stats(), { tables: 1, keys: 0, bytes: empty });
  s.put(NOW, 't', 5, 'again');
  t.is(s.sweep(NOW + 20), 0);
  t.deepEqual(s.get(NOW + 20, 't', 5), { found: true, value: 'again' });
  t.deepEqual(s.keys(NOW + 20, 't'), [5]);
});

test('a write to a table full of expired keys removes only as many as it needs', (t) => {
  const s = new StashStore({ maxKeysPerTable: 100 });
  for (let i = 0; i < 100; i++) s.put(NOW, 't', i, i, { ttlMs: 10 });
  s.put(NOW + 10, 't', 'new', 1);
  t.is(s.stats().keys, 100, 'one expired key made room; the other 99 wait for the sweep');
  t.deepEqual(s.keys(NOW + 10, 't'), ['new']);
  t.is(s.stats().keys, 1);
});

test('INFO removes at most 1000 expired keys at once, and counts none of the rest', (t) => {
  const s = new StashStore();
  for (let i = 0; i < 1500; i++) s.put(NOW, 't', i, i, { ttlMs: 10 });
  s.put(NOW, 't', 'live', 1);
  t.deepEqual(s.info(NOW + 10, 't'), { size: 1, table: 't' });
  t.is(s.stats().keys, 501);
  t.is(s.sweep(NOW + 10), 500);
  t.is(s.stats().keys, 1);
});

test('a new table name is held to maxKeyBytes too; an existing table is never refused', (t) => {
  const s = new StashStore({ maxKeyBytes: 8 });
  s.ensure('12345678');
  for (const create of [() => s.ensure('123456789'), () => s.put(NOW, '123456789', 'k', 1), () => s.incr(NOW, '123456789', 'k')]) {
    t.throws(create, { instanceOf: StashLimitError, message: /table names are at most 8 bytes \(maxKeyBytes\), got one of 9 characters/ });
  }
  t.deepEqual(s.tables(), ['12345678']);
  t.false(s.exists(NOW, '123456789'));
});

test('keepViews keeps a large bytes value that fills most of its buffer, charging the whole buffer', (t) => {
  const frame = Buffer.alloc(3 * 1024 * 1024, 1);
  const large = frame.subarray(1024 * 1024 + 10);
  const kept = detach(large, 0, true);
  t.is(kept.value, large, 'the very same view');
  t.is(kept.cost, bytesCost(frame.byteLength));
  t.not(detach(large).value, large, 'copied without keepViews');
  t.not(detach(frame.subarray(0, 1024 * 1024), 0, true).value, frame, 'a view of a third of its buffer is copied');
  const small = Buffer.alloc(1000);
  t.not(detach(small, 0, true).value, small, 'a small value is copied');
  const s = new StashStore({}, { keepViews: true });
  s.put(NOW, 't', 'k', { v: large });
  const got = s.get(NOW, 't', 'k');
  t.true(got.found && (got.value as { v: Buffer }).v === large);
  t.deepEqual(s.get(NOW, 't', 'k'), { found: true, value: { v: large } });
});
