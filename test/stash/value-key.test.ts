// Stash value and key model: TLV sizes (checked against gunicorn's own frames), detached deep copies,
// deep equality, key normalisation and Python's str(key), which the keys() glob matches against.

import { inspect } from 'node:util';
import test from 'ava';
import { StashError } from '../../src/errors.js';
import { keyToString, normalizeKey } from '../../src/stash/key.js';
import { detach, fromInt64, MAX_VALUE_DEPTH, toInt64, valueEquals, type StashKey } from '../../src/stash/value.js';

// Payload lengths (header bytes 4-7) of the stash frames in /work/shared/vectors/gunicorn-dirty-v1.json,
// encoded by gunicorn's own TLV encoder.
const VECTOR_PAYLOADS: readonly (readonly [name: string, payload: unknown, length: number])[] = [
  ['stash-put', { op: 1, table: 'sessions', key: 'u1', value: { n: 1 } }, 0x59],
  ['stash-get', { op: 2, table: 'sessions', key: 'u1' }, 0x3b],
  ['stash-delete', { op: 3, table: 'sessions', key: 'u1' }, 0x3b],
  ['stash-keys-pattern', { op: 4, table: 'sessions', pattern: 'user:*' }, 0x43],
  ['stash-exists-table', { op: 10, table: 'sessions' }, 0x2c],
  ['stash-tables', { op: 9, table: '' }, 0x24],
];

for (const [name, payload, length] of VECTOR_PAYLOADS) {
  test(`detach measures the TLV size of gunicorn's ${name} payload (${length} bytes)`, (t) => {
    t.is(detach(payload).bytes, length);
  });
}

const SIZES: readonly (readonly [label: string, value: unknown, bytes: number])[] = [
  ['None', null, 1],
  ['bool', false, 2],
  ['int', 42, 9],
  ['bigint', 2n ** 62n, 9],
  ['float', 1.5, 9],
  ['empty str', '', 5],
  ['utf-8 str counts bytes, not chars', 'é😀', 5 + 2 + 4],
  ['bytes', new Uint8Array(10), 15],
  ['list', [1, 'a'], 5 + 9 + 6],
  ['dict keys are str TLVs', { ab: null }, 5 + 7 + 1],
];
for (const [label, value, bytes] of SIZES) {
  test(`TLV size: ${label}`, (t) => {
    t.is(detach(value).bytes, bytes);
  });
}

test('detach copies bytes deeply, also inside lists and dicts, and keeps Buffer a Buffer', (t) => {
  const frame = Buffer.from('xxhelloxx');
  const view = frame.subarray(2, 7);
  const { value } = detach({ list: [view], raw: new Uint8Array(frame.buffer, frame.byteOffset + 2, 5) });
  frame.fill(0);
  const out = value as { list: [Buffer]; raw: Uint8Array };
  t.true(Buffer.isBuffer(out.list[0]));
  t.is(out.list[0].toString(), 'hello');
  t.deepEqual([...out.raw], [...Buffer.from('hello')]);
  t.not(out.raw.buffer, frame.buffer);
});

test('detach keeps a "__proto__" key as data, turns undefined into None and a Map into a dict', (t) => {
  const input = JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>;
  const { value } = detach(input);
  t.true(Object.hasOwn(value as object, '__proto__'));
  t.is(Object.getPrototypeOf(value), Object.prototype);
  t.is(detach(undefined).value, null);
  t.deepEqual(detach(new Map([['a', 1]])).value, { a: 1 });
});

const REFUSED: readonly (readonly [label: string, value: unknown])[] = [
  ['a function', () => 1],
  ['a symbol', Symbol('s')],
  ['a Date', new Date(0)],
  ['a Set', new Set([1])],
  ['a Map with a non-str key', new Map([[1, 1]])],
  ['a bigint outside int64', 2n ** 63n],
];
for (const [label, value] of REFUSED) {
  test(`detach refuses ${label} with a TypeError`, (t) => {
    t.throws(() => detach(value), { instanceOf: TypeError });
  });
}

test(`detach refuses nesting deeper than ${MAX_VALUE_DEPTH} and cycles`, (t) => {
  let deep: unknown = 1;
  for (let i = 0; i < MAX_VALUE_DEPTH; i++) deep = [deep];
  t.notThrows(() => detach(deep));
  t.throws(() => detach([deep]), { instanceOf: TypeError, message: /nested at most/ });
  const cyclic: unknown[] = [];
  cyclic.push(cyclic);
  t.throws(() => detach(cyclic), { instanceOf: TypeError });
});

const EQUAL: readonly (readonly [a: unknown, b: unknown, equal: boolean])[] = [
  [1, 1n, true],
  [1, 1.5, false],
  [Number.NaN, Number.NaN, true],
  [0, -0, true],
  [true, 1, false],
  [null, 0, false],
  ['a', 'a', true],
  [Buffer.from('ab'), new Uint8Array([0x61, 0x62]), true],
  [Buffer.from('ab'), Buffer.from('ac'), false],
  [Buffer.from('ab'), 'ab', false],
  [[1, [2, Buffer.from('x')]], [1n, [2, Buffer.from('x')]], true],
  [[1, 2], [2, 1], false],
  [{ a: 1, b: 2 }, { b: 2, a: 1 }, true],
  [{ a: 1 }, { a: 1, b: 2 }, false],
  [{ a: 1, b: undefined }, { a: 1, c: undefined }, false],
  [[], {}, false],
];
for (const [a, b, equal] of EQUAL) {
  test(`valueEquals(${inspect(a)}, ${inspect(b)}) is ${equal}`, (t) => {
    t.is(valueEquals(a, b), equal);
    t.is(valueEquals(b, a), equal);
  });
}

test('int64 helpers: numbers when safe, bigints beyond, nothing for fractions, bools or overflow', (t) => {
  t.is(toInt64(5), 5n);
  t.is(toInt64(2n ** 63n - 1n), 2n ** 63n - 1n);
  t.is(toInt64(2n ** 63n), undefined);
  t.is(toInt64(1.5), undefined);
  t.is(toInt64(true), undefined);
  t.is(toInt64(2 ** 60), undefined); // an unsafe number is a float, not an exact int
  t.is(fromInt64(7n), 7);
  t.is(fromInt64(2n ** 60n), 2n ** 60n);
});

test('normalizeKey: 1 and "1" differ, 1, 1n and 1.0 agree, True is not 1, bytes compare by content', (t) => {
  t.not(normalizeKey(1), normalizeKey('1'));
  t.is(normalizeKey(1), normalizeKey(1n));
  t.is(normalizeKey(-0), normalizeKey(0));
  t.not(normalizeKey(true), normalizeKey(1));
  t.not(normalizeKey(null), normalizeKey('None'));
  t.not(normalizeKey(1.5), normalizeKey('1.5'));
  t.is(normalizeKey(Buffer.from('ab')), normalizeKey(new Uint8Array([0x61, 0x62])));
  t.not(normalizeKey(Buffer.from('ab')), normalizeKey('ab'));
  t.is(normalizeKey(Buffer.from('xaby').subarray(1, 3)), normalizeKey(Buffer.from('ab')));
});

test('normalizeKey refuses unhashable keys with StashError, as Python does', (t) => {
  for (const key of [[1], { a: 1 }, undefined]) {
    t.throws(() => normalizeKey(key), { instanceOf: StashError, message: /Unhashable stash key type/ });
  }
});

// Expected strings printed by CPython 3.11's str().
const STR: readonly (readonly [key: StashKey, text: string])[] = [
  [null, 'None'],
  [true, 'True'],
  [false, 'False'],
  [-7, '-7'],
  [2n ** 63n - 1n, '9223372036854775807'],
  [1.5, '1.5'],
  [-0.25, '-0.25'],
  [1e-5, '1e-05'],
  [1.5e-7, '1.5e-07'],
  [3.0, '3'], // a safe integral number prints as an int: the decoder cannot tell 3.0 from 3 (documented)
  [1.0000000000000008e16, '1.0000000000000008e+16'],
  [2 ** 53, '9007199254740992.0'],
  [1.7976931348623157e308, '1.7976931348623157e+308'],
  [Infinity, 'inf'],
  [-Infinity, '-inf'],
  [Number.NaN, 'nan'],
  ['user:1', 'user:1'],
  [Buffer.from('ab'), "b'ab'"],
  [Buffer.from("it's"), `b"it's"`],
  [Buffer.from([0, 0xff, 0x5c, 0x0a]), "b'\\x00\\xff\\\\\\n'"],
];
for (const [key, text] of STR) {
  test(`keyToString matches Python str(): ${text}`, (t) => {
    t.is(keyToString(key), text);
  });
}
