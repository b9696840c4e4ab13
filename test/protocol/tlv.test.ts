// TLV values: the JS mapping (ints, floats, bigints, -0, bytes views, "__proto__"), round trips over
// generated values, and the decoder's limits (depth, counts, lengths, UTF-8, trailing bytes).
import { Buffer } from 'node:buffer';
import test from 'ava';
import { DirtyProtocolError } from '../../src/errors.js';
import { MAX_DEPTH, MAX_ITEMS, Tag } from '../../src/protocol/tlv-kinds.js';
import { decodeValue, encodedSize, encodeValue } from '../../src/protocol/tlv.js';
import { mulberry32, nestedLists, randomValue } from './helpers.js';

const hex = (value: unknown): string => encodeValue(value).toString('hex');
const bytes = (h: string): Buffer => Buffer.from(h.replaceAll(' ', ''), 'hex');
const rejects = (h: string, message: RegExp) => (t: import('ava').ExecutionContext) => {
  t.throws(() => decodeValue(bytes(h)), { instanceOf: DirtyProtocolError, message });
};

const encodings: readonly [string, unknown, string][] = [
  ['null', null, '00'],
  ['undefined', undefined, '00'],
  ['true', true, '0101'],
  ['false', false, '0100'],
  ['0', 0, '05 0000000000000000'],
  ['-1', -1, '05 ffffffffffffffff'],
  ['2^32', 2 ** 32, '05 0000000100000000'],
  ['-(2^32)-1', -(2 ** 32) - 1, '05 fffffffeffffffff'],
  ['MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER, '05 001fffffffffffff'],
  ['MIN_SAFE_INTEGER', Number.MIN_SAFE_INTEGER, '05 ffe0000000000001'],
  ['2^53 (unsafe number) is a float', 2 ** 53, '06 4340000000000000'],
  ['1.5', 1.5, '06 3ff8000000000000'],
  ['-0 is a float', -0, '06 8000000000000000'],
  ['NaN', Number.NaN, '06 7ff8000000000000'],
  ['Infinity', Infinity, '06 7ff0000000000000'],
  ['-Infinity', -Infinity, '06 fff0000000000000'],
  ['int64 max bigint', 2n ** 63n - 1n, '05 7fffffffffffffff'],
  ['int64 min bigint', -(2n ** 63n), '05 8000000000000000'],
  ['small bigint', 5n, '05 0000000000000005'],
  ['empty str', '', '11 00000000'],
  ['utf-8 str', 'é✓🎉', '11 00000009 c3a9 e29c93 f09f8e89'],
  ['lone surrogate becomes U+FFFD', '\ud800', '11 00000003 efbfbd'],
  ['bytes', Buffer.from([0, 255]), '10 00000002 00ff'],
  ['Uint8Array', new Uint8Array([1, 2, 3]), '10 00000003 010203'],
  ['list', [1, 'a'], '20 00000002 05 0000000000000001 11 00000001 61'],
  ['sparse list hole is None', [, 1], '20 00000002 00 05 0000000000000001'], // eslint-disable-line no-sparse-arrays
  ['dict', { a: null }, '21 00000001 11 00000001 61 00'],
  ['null-prototype dict', Object.assign(Object.create(null) as object, { b: true }), '21 00000001 11 00000001 62 0101'],
  ['Map with string keys', new Map([['k', false]]), '21 00000001 11 00000001 6b 0100'],
];

for (const [name, value, expected] of encodings) {
  test(`encode ${name}`, (t) => {
    t.is(hex(value), expected.replaceAll(' ', ''));
    t.is(encodedSize(value), expected.replaceAll(' ', '').length / 2);
  });
}

const decodings: readonly [string, string, unknown][] = [
  ['int 2^53-1 -> number', '05 001fffffffffffff', Number.MAX_SAFE_INTEGER],
  ['int 2^53 -> bigint', '05 0020000000000000', 2n ** 53n],
  ['int -(2^53-1) -> number', '05 ffe0000000000001', Number.MIN_SAFE_INTEGER],
  ['int -(2^53) -> bigint', '05 ffe0000000000000', -(2n ** 53n)],
  ['int -(2^53)-1 -> bigint', '05 ffdfffffffffffff', -(2n ** 53n) - 1n],
  ['int64 max -> bigint', '05 7fffffffffffffff', 2n ** 63n - 1n],
  ['int64 min -> bigint', '05 8000000000000000', -(2n ** 63n)],
  ['int 2^32-1', '05 00000000ffffffff', 2 ** 32 - 1],
  ['int -2^31', '05 ffffffff80000000', -(2 ** 31)],
  ['bool 0x02 is true', '01 02', true],
  ['bool 0xff is true', '01 ff', true],
  ['float 2.0 stays a number', '06 4000000000000000', 2],
  ['str over 24 bytes (native path)', `11 0000001a ${'61'.repeat(26)}`, 'a'.repeat(26)],
  ['dict with repeated key keeps the last value', '21 00000002 11 00000001 61 0101 11 00000001 61 0100', { a: false }],
];

for (const [name, input, expected] of decodings) {
  test(`decode ${name}`, (t) => {
    t.deepEqual(decodeValue(bytes(input)), expected);
  });
}

test('-0 survives a round trip, 0 stays an int', (t) => {
  t.true(Object.is(decodeValue(encodeValue(-0)), -0));
  t.true(Object.is(decodeValue(encodeValue(0)), 0));
  t.is(encodeValue(0)[0], Tag.INT);
});

test('round trip: decode(encode(v)) deep-equals v and re-encodes to the same bytes (2000 seeded values)', (t) => {
  const rng = mulberry32(20260227);
  for (let i = 0; i < 2000; i++) {
    const value = randomValue(rng);
    const encoded = encodeValue(value);
    t.is(encoded.length, encodedSize(value));
    const decoded = decodeValue(encoded);
    t.deepEqual(decoded, value, `value #${i}`);
    t.true(encodeValue(decoded).equals(encoded), `value #${i} re-encodes`);
  }
});

test('decoded bytes are views into the input, not copies', (t) => {
  const encoded = encodeValue({ a: Buffer.from('hello'), b: [Buffer.from([1, 2, 3])] });
  const decoded = decodeValue(encoded) as { a: Buffer; b: Buffer[] };
  t.is(decoded.a.buffer, encoded.buffer);
  t.is(decoded.a.byteOffset, encoded.byteOffset + encoded.indexOf('hello'));
  t.is(decoded.b[0]!.buffer, encoded.buffer);
  encoded[encoded.indexOf('hello')] = 0x48; // writing through the input shows in the view
  t.is(decoded.a.toString(), 'Hello');
});

test('a bare Uint8Array input is decoded without copying either', (t) => {
  const encoded = encodeValue(Buffer.from('xyz'));
  const plain = new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.length);
  const decoded = decodeValue(plain) as Buffer;
  t.true(Buffer.isBuffer(decoded));
  t.is(decoded.buffer, plain.buffer);
  t.is(decoded.toString(), 'xyz');
});

test('"__proto__" keys become own properties and never change the prototype', (t) => {
  const input = bytes('21 00000002 11 00000009 5f5f70726f746f5f5f 21 00000001 11 00000001 78 0101 11 00000001 79 00');
  const decoded = decodeValue(input) as Record<string, unknown>;
  t.is(Object.getPrototypeOf(decoded), Object.prototype);
  t.true(Object.hasOwn(decoded, '__proto__'));
  t.deepEqual(Object.keys(decoded), ['__proto__', 'y']);
  t.is((decoded as { x?: unknown }).x, undefined);
  t.deepEqual(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value, { x: true });
  t.true(encodeValue(decoded).equals(input), 're-encodes with the key in place');
});

test('keys named like Object.prototype members stay plain data', (t) => {
  const value = { constructor: 1, toString: 'x', hasOwnProperty: null };
  const decoded = decodeValue(encodeValue(value)) as Record<string, unknown>;
  t.deepEqual(decoded, value);
  t.is(decoded['toString'], 'x');
});

test('dict keys are decoded correctly when the key cache is cycled with colliding and non-ASCII keys', (t) => {
  const keys = Array.from({ length: 600 }, (_, i) => `k${i}`).concat(['é', 'éx', 'ab', 'ba', 'app_path']);
  const value = Object.fromEntries(keys.map((k, i) => [k, i]));
  t.deepEqual(decodeValue(encodeValue(value)), value);
  t.deepEqual(decodeValue(encodeValue(value)), value, 'second pass hits the cache');
  // Latin-1 bytes of a non-ASCII key are invalid UTF-8: whatever the cache holds, they must be rejected.
  // 2000 keys make a collision between a cached key's slot and its Latin-1 twin's slot near certain.
  for (let i = 0; i < 2000; i++) {
    const key = `${i}${String.fromCharCode(0xa0 + (i % 96))}${'x'.repeat(i % 3)}`;
    const utf8 = Buffer.from(key, 'utf8');
    const latin1 = Buffer.from(key, 'latin1');
    const dictWith = (k: Buffer): Buffer => Buffer.concat([bytes('21 00000001 11'), Buffer.of(0, 0, 0, k.length), k, Buffer.of(0)]);
    t.deepEqual(decodeValue(dictWith(utf8)), { [key]: null });
    t.throws(() => decodeValue(dictWith(latin1)), { instanceOf: DirtyProtocolError, message: /UTF-8/ }, key);
  }
});

test('nesting: MAX_DEPTH levels decode, one more is rejected (encode and decode)', (t) => {
  t.deepEqual(decodeValue(encodeValue(nestedLists(MAX_DEPTH))), nestedLists(MAX_DEPTH));
  const tooDeep = Buffer.concat([Buffer.from('2000000001'.repeat(MAX_DEPTH + 1), 'hex'), Buffer.of(0)]);
  t.throws(() => decodeValue(tooDeep), { instanceOf: DirtyProtocolError, message: /nesting deeper than 128/ });
  t.throws(() => encodeValue(nestedLists(MAX_DEPTH + 1)), { instanceOf: DirtyProtocolError, message: /nesting deeper than 128/ });
  t.deepEqual(decodeValue(bytes('20000000012000000001 00'), { maxDepth: 2 }), [[null]]);
  t.throws(() => decodeValue(bytes('200000000120000000012000000001 00'), { maxDepth: 2 }), { instanceOf: DirtyProtocolError });
  for (const bad of [-1, 1.5, Number.NaN, 1025]) t.throws(() => decodeValue(bytes('00'), { maxDepth: bad }), { instanceOf: RangeError });
  t.deepEqual(decodeValue(encodeValue(nestedLists(MAX_DEPTH)), { maxDepth: 1024 }), nestedLists(MAX_DEPTH));
  const dicts = Buffer.concat([Buffer.from('210000000111000000016b'.repeat(MAX_DEPTH + 1), 'hex'), Buffer.of(0)]);
  t.throws(() => decodeValue(dicts), { instanceOf: DirtyProtocolError, message: /nesting/ });
});

test('a million-deep nesting attack fails fast with DirtyProtocolError, not a stack overflow', (t) => {
  const attack = Buffer.from('2000000001'.repeat(1_000_000), 'hex');
  t.throws(() => decodeValue(attack), { instanceOf: DirtyProtocolError });
});

test('invalid UTF-8 is rejected as Python rejects it', (t) => {
  const bad = ['c3', 'c328', 'c0af', 'e08080', 'eda080', 'f4908080', 'ff', 'e29c', `${'61'.repeat(30)}80`];
  for (const b of bad) {
    const input = Buffer.concat([Buffer.of(Tag.STR, 0, 0, 0, b.length / 2), Buffer.from(b, 'hex')]);
    t.throws(() => decodeValue(input), { instanceOf: DirtyProtocolError, message: /UTF-8/ }, b);
  }
  t.is(decodeValue(bytes('11 00000004 f09f8e89')), '🎉');
});

test('decoder rejects unknown tags, trailing bytes and non-str dict keys', (t) => {
  rejects('7e', /byte 0: unknown tag 0x7e/)(t);
  rejects('02', /unknown tag 0x02/)(t);
  rejects('00 00', /1 trailing bytes/)(t);
  rejects('', /no tag byte/)(t);
  rejects('21 00000001 05 0000000000000001 00', /keys must be str/)(t);
  rejects('21 00000001 10 00000001 61 00', /keys must be str/)(t);
});

test('every truncation of a valid value is rejected', (t) => {
  const encoded = encodeValue({ app_path: 'x', args: [1, 2.5, true, null, 'str', Buffer.from('b'), [], {}], n: 2n ** 60n });
  for (let n = 0; n < encoded.length; n++) {
    t.throws(() => decodeValue(encoded.subarray(0, n)), { instanceOf: DirtyProtocolError }, `prefix of ${n}`);
  }
});

test('lengths and counts beyond limits or beyond the input are rejected before allocating', (t) => {
  rejects('10 04000001', /64 MiB/)(t);
  rejects('11 04000001', /64 MiB/)(t);
  rejects('10 00000005 0102', /truncated bytes/)(t);
  rejects(`20 ${(MAX_ITEMS + 1).toString(16).padStart(8, '0')}`, /exceeds the limit of 1048576/)(t);
  rejects(`21 ${(MAX_ITEMS + 1).toString(16).padStart(8, '0')}`, /exceeds the limit/)(t);
  // A count within MAX_ITEMS but larger than the bytes left could hold (1 byte per item, 6 per dict entry).
  rejects('20 00100000 00', /cannot fit/)(t);
  rejects('21 00000002 11 00000001 61 00', /cannot fit/)(t);
  t.deepEqual(decodeValue(bytes('20 00000003 000000')), [null, null, null]);
});

test('a list of MAX_ITEMS Nones decodes', (t) => {
  const input = Buffer.alloc(5 + MAX_ITEMS);
  input.writeUInt8(Tag.LIST, 0);
  input.writeUInt32BE(MAX_ITEMS, 1);
  t.is((decodeValue(input) as unknown[]).length, MAX_ITEMS);
});
