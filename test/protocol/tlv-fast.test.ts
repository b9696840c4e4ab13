// The one-pass encoder (tlv-fast.ts): whatever it accepts, the two-pass encoder accepts too and
// encodes to the same bytes; everything the two-pass encoder must do itself (references, Maps,
// errors, too little room) comes back as NO_FIT.
import { Buffer } from 'node:buffer';
import test from 'ava';
import { MessageType } from '../../src/protocol/constants.js';
import { MAX_DEPTH, ZERO_COPY_BYTES } from '../../src/protocol/tlv-kinds.js';
import { encodeValue } from '../../src/protocol/tlv.js';
import { fastFields, fastValue, NO_FIT } from '../../src/protocol/tlv-fast.js';
import { encodeMessage, mulberry32, nestedLists, randInt, randomString, randomValue } from './helpers.js';

/** fastValue into a buffer of exactly `room` bytes after a 3-byte offset; the bytes it wrote, or NO_FIT. */
function fast(value: unknown, room = 1 << 17, depth = 0): Buffer | typeof NO_FIT {
  const buf = Buffer.alloc(3 + room, 0xee);
  const end = fastValue(buf, 3, value, depth);
  return end === NO_FIT ? NO_FIT : buf.subarray(3, end);
}

const samples: unknown[] = [
  null,
  undefined,
  true,
  false,
  0,
  -0,
  1,
  -1,
  2 ** 53 - 1,
  -(2 ** 53),
  2 ** 53,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  0n,
  -(2n ** 63n),
  2n ** 63n - 1n,
  '',
  'a',
  'x'.repeat(23),
  'x'.repeat(24),
  'x'.repeat(64),
  'é日本🎉',
  'e\u0301',
  '\ud800 lone surrogate',
  'y'.repeat(1000) + 'é',
  Buffer.alloc(0),
  Buffer.from('bytes'),
  new Uint8Array([1, 2, 3]),
  Buffer.alloc(ZERO_COPY_BYTES - 1, 3),
  [],
  [1, 'two', [3, [4]], { five: 5 }],
  {},
  { a: 1, b: [null, { c: 'd' }] },
  Object.assign(Object.create(null) as object, { bare: true }),
  nestedLists(MAX_DEPTH),
];

test('every sample: the bytes of encodeValue', (t) => {
  for (const value of samples) {
    const got = fast(value);
    t.not(got, NO_FIT, `accepted: sample ${samples.indexOf(value)}`);
    if (got !== NO_FIT) t.true(got.equals(encodeValue(value)), `same bytes: sample ${samples.indexOf(value)}`);
  }
});

test('random values: the bytes of encodeValue, or NO_FIT only when they exceed the room', (t) => {
  const rng = mulberry32(2024);
  for (let i = 0; i < 3000; i++) {
    const value = randomValue(rng);
    const want = encodeValue(value);
    const got = fast(value);
    t.not(got, NO_FIT);
    if (got !== NO_FIT && !got.equals(want)) {
      t.fail(`value ${i} encodes differently`);
      return;
    }
  }
  for (let i = 0; i < 300; i++) {
    const s = randomString(rng);
    const got = fast(s);
    t.true(got !== NO_FIT && got.equals(encodeValue(s)));
  }
});

test('too little room: NO_FIT at every size short of the exact one, and nothing written past the room', (t) => {
  const rng = mulberry32(5);
  const values = [...samples.filter((v) => encodeValue(v).length < 2000), ...Array.from({ length: 40 }, () => randomValue(rng))];
  for (const value of values) {
    const want = encodeValue(value);
    // A string needs room for 3 bytes per UTF-16 unit before it is written natively: it may give up
    // below that even when it would fit; it must never claim to fit where it does not.
    for (let room = 0; room < want.length; room++) t.is(fast(value, room), NO_FIT);
    const exact = Buffer.alloc(3 + want.length + 4, 0xee);
    const end = fastValue(exact.subarray(0, 3 + want.length), 3, value, 0);
    if (end !== NO_FIT) {
      t.true(exact.subarray(3, end).equals(want));
      t.true(exact.subarray(3 + want.length).equals(Buffer.alloc(4, 0xee)));
    }
  }
});

test('what needs the two-pass encoder comes back as NO_FIT', (t) => {
  class Point {
    x = 1;
  }
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  const cyclicList: unknown[] = [];
  cyclicList.push(cyclicList);
  const cases: [string, unknown][] = [
    ['a byte value large enough to be referenced', Buffer.alloc(ZERO_COPY_BYTES)],
    ['a Map', new Map([['a', 1]])],
    ['a class instance', new Point()],
    ['a Date', new Date(0)],
    ['another typed array', new Float32Array(2)],
    ['a bigint above int64', 2n ** 63n],
    ['a bigint below int64', -(2n ** 63n) - 1n],
    ['a symbol', Symbol('s')],
    ['a function', () => 1],
    ['nesting of MAX_DEPTH + 1 levels', nestedLists(MAX_DEPTH + 1)],
    ['a cyclic dict', cyclic],
    ['a cyclic list', cyclicList],
    ['a bad value deep inside', { args: [1, { when: Symbol('t') }] }],
  ];
  for (const [what, value] of cases) t.is(fast(value, 1 << 20), NO_FIT, what);
});

test('depth counts the containers around the value, as the two-pass encoder counts them', (t) => {
  // The two-pass encoder takes MAX_DEPTH nested containers and refuses one more.
  t.notThrows(() => encodeValue(nestedLists(MAX_DEPTH)));
  t.throws(() => encodeValue(nestedLists(MAX_DEPTH + 1)), { message: /nesting deeper/ });
  t.not(fast(nestedLists(MAX_DEPTH)), NO_FIT);
  t.is(fast(nestedLists(MAX_DEPTH + 1)), NO_FIT);
  t.is(fast(nestedLists(1), 1 << 16, MAX_DEPTH), NO_FIT);
  t.not(fast(nestedLists(1), 1 << 16, MAX_DEPTH - 1), NO_FIT);
  t.not(fast('leaf', 1 << 16, MAX_DEPTH + 5), NO_FIT);
});

test('fastFields: the payload of the dict it stands for, REQUEST-shaped and random', (t) => {
  const keys = ['app_path', 'action', 'args', 'kwargs'];
  const rng = mulberry32(11);
  for (let i = 0; i < 500; i++) {
    const values = ['app', randomString(rng), Array.from({ length: randInt(rng, 4) }, () => randomValue(rng)), i % 2 === 0 ? {} : { k: randomValue(rng) }];
    const buf = Buffer.alloc(1 << 16);
    const end = fastFields(buf, 0, keys, values);
    const dict = Object.fromEntries(keys.map((k, j) => [k, values[j]]));
    const want = (encodeMessage(MessageType.REQUEST, 1n, dict, '')[0] ?? Buffer.alloc(0)).subarray(16);
    t.not(end, NO_FIT);
    if (!buf.subarray(0, end).equals(want)) {
      t.fail(`request ${i} encodes differently`);
      return;
    }
  }
  // The dict counts as a level: MAX_DEPTH nested lists inside a field are one too many, as for encodeMessage.
  t.throws(() => encodeMessage(MessageType.RESPONSE, 1n, { result: nestedLists(MAX_DEPTH) }, ''), { message: /nesting deeper/ });
  t.is(fastFields(Buffer.alloc(4096), 0, ['result'], [nestedLists(MAX_DEPTH)]), NO_FIT);
  t.not(fastFields(Buffer.alloc(4096), 0, ['result'], [nestedLists(MAX_DEPTH - 1)]), NO_FIT);
  t.is(fastFields(Buffer.alloc(4), 0, ['result'], [1]), NO_FIT);
});
