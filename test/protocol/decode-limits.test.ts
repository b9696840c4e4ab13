// The decoder's bound on list items and dict entries (maxEntries): counted over the whole value as
// each count is read, so a value over the bound fails at that count, before its entries are read.
import test from 'ava';
import { DirtyProtocolError } from '../../src/errors.js';
import { decodeValue, encodeValue } from '../../src/protocol/tlv.js';

const dictOf = (n: number): Record<string, number> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

test('without maxEntries, big containers decode as before', (t) => {
  t.is(Object.keys(decodeValue(encodeValue(dictOf(50_000))) as object).length, 50_000);
});

test('items and entries are counted across every container of the value', (t) => {
  const value = { a: [1, 2, 3], b: { c: [[], [null]] } }; // 2 + 3 + 1 + 2 + 0 + 1 = 9
  const encoded = encodeValue(value);
  t.deepEqual(decodeValue(encoded, { maxEntries: 9 }), value);
  const err = t.throws(() => decodeValue(encoded, { maxEntries: 8 }), { instanceOf: DirtyProtocolError });
  t.regex(err.message, /more than 8 list items and dict entries in one value/);
  t.like(err.details, { limit: 'maxEntries', max: 8 });
});

test('a dict of 1 M keys fails at its count, before any entry is read', (t) => {
  const encoded = encodeValue(dictOf(1_000_000));
  const err = t.throws(() => decodeValue(encoded, { maxEntries: 16_384 }), { instanceOf: DirtyProtocolError });
  // Byte 0 is the tag, bytes 1-4 the count: the error points at the count.
  t.is(err.details['offset'], 1);
});

test('a list of many empty dicts counts one per list item', (t) => {
  const encoded = encodeValue(Array.from({ length: 100 }, () => ({})));
  t.is((decodeValue(encoded, { maxEntries: 100 }) as unknown[]).length, 100);
  t.throws(() => decodeValue(encoded, { maxEntries: 99 }), { instanceOf: DirtyProtocolError });
});

test('the count starts again with every value decoded', (t) => {
  const encoded = encodeValue([1, 2, 3]);
  for (let i = 0; i < 3; i++) t.deepEqual(decodeValue(encoded, { maxEntries: 3 }), [1, 2, 3]);
});

test('maxEntries must be a non-negative number', (t) => {
  for (const bad of [-1, Number.NaN]) t.throws(() => decodeValue(encodeValue(null), { maxEntries: bad }), { instanceOf: RangeError });
  t.is(decodeValue(encodeValue(7), { maxEntries: 0 }), 7);
});

test('maxStrBytes counts the UTF-8 bytes of every str and dict key, before decoding the one that crosses it', (t) => {
  const value = { ab: ['cd', 'éé'] }; // 2 + 2 + 4 = 8
  const encoded = encodeValue(value);
  t.deepEqual(decodeValue(encoded, { maxStrBytes: 8 }), value);
  const err = t.throws(() => decodeValue(encoded, { maxStrBytes: 7 }), { instanceOf: DirtyProtocolError });
  t.regex(err.message, /more than 7 bytes of str in one value/);
  t.like(err.details, { limit: 'maxStrBytes', max: 7 });
  t.deepEqual(decodeValue(encodeValue(Buffer.alloc(100)), { maxStrBytes: 0 }), Buffer.alloc(100));
  t.throws(() => decodeValue(encoded, { maxStrBytes: -1 }), { instanceOf: RangeError });
});
