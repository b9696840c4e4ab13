// Encoder errors: every unencodable value is a DirtyProtocolError whose message says where it sits
// (`args[1].when`, `kwargs["a b"]`) and what it is, so callers can fix the call.
import { Buffer } from 'node:buffer';
import test from 'ava';
import { DirtyProtocolError } from '../../src/errors.js';
import { MAX_DEPTH } from '../../src/protocol/tlv-kinds.js';
import { encodeRequest } from '../../src/protocol/messages.js';
import { encodedSize, encodeValue } from '../../src/protocol/tlv.js';
import { encodeMessage, nestedLists } from './helpers.js';

class Point {
  x = 1;
}

const cyclic = (): unknown => {
  const node: { name: string; children: unknown[] } = { name: 'root', children: [] };
  node.children.push({ parent: node });
  return node;
};

/** [title, value, path given to encodeValue, expected message]. */
const cases: readonly [string, unknown, string, RegExp][] = [
  ['a Date deep inside', [1, { when: new Date(0) }], 'args', /^Cannot encode args\[1\]\.when: a Date is not supported/],
  ['a class instance', { p: new Point() }, 'kwargs', /^Cannot encode kwargs\.p: an instance of Point is not supported/],
  [
    'an anonymous class instance',
    [
      new (class {
        readonly y = 2;
      })(),
    ],
    'args',
    /args\[0\]: an instance of anonymous class/,
  ],
  ['a symbol', { s: Symbol('x') }, 'value', /^Cannot encode value\.s: a symbol is not supported/],
  ['a function', [[() => 1]], 'args', /^Cannot encode args\[0\]\[0\]: a function is not supported/],
  ['a Set', { tags: new Set([1]) }, 'kwargs', /kwargs\.tags: a Set is not supported \(send an array\)/],
  ['a Promise', [Promise.resolve(1)], 'args', /args\[0\]: a Promise is not supported \(await it first\)/],
  ['a Uint16Array', { v: new Uint16Array(2) }, 'value', /value\.v: an instance of Uint16Array is not supported \(only Buffer\/Uint8Array/],
  ['an ArrayBuffer', [new ArrayBuffer(2)], 'args', /args\[0\]: an instance of ArrayBuffer is not supported/],
  ['a boxed string', [Object('s')], 'args', /args\[0\]: an instance of String/],
  ['bigint 2^63', { n: 2n ** 63n }, 'kwargs', /^Cannot encode kwargs\.n: bigint 9223372036854775808 is outside the int64 range/],
  ['bigint -2^63-1', [-(2n ** 63n) - 1n], 'args', /args\[0\]: bigint -9223372036854775809 is outside the int64 range/],
  ['a non-string Map key', { m: new Map<unknown, unknown>([[1, 'x']]) }, 'kwargs', /^Cannot encode kwargs\.m: Map key 1 \(number\) is not a string/],
  ['an object Map key', [new Map([[{}, 'x']])], 'args', /args\[0\]: Map key an object is not a string/],
  ['a non-identifier key', { 'a b': { c: Symbol('x') } }, 'kwargs', /^Cannot encode kwargs\["a b"\]\.c: a symbol/],
  ['a key with quotes', { 'say "hi"': () => 0 }, 'kwargs', /kwargs\["say \\"hi\\""\]: a function/],
  ['a digit key', { '0': () => 0 }, 'kwargs', /kwargs\["0"\]: a function/],
  ['a bad value inside a Map', new Map([['k k', [undefined, Symbol('s')]]]), 'value', /^Cannot encode value\["k k"\]\[1\]: a symbol/],
  ['a cycle', cyclic(), 'result', /^Cannot encode result\.children\[0\]\.parent: circular reference back to result$/],
  [
    'a self-referencing array',
    (() => {
      const a: unknown[] = [1];
      a.push([a]);
      return a;
    })(),
    'args',
    /args\[1\]\[0\]: circular reference back to args$/,
  ],
  ['nesting beyond MAX_DEPTH', { deep: nestedLists(MAX_DEPTH) }, 'kwargs', /kwargs\.deep(\[0\])+: nesting deeper than 128 levels/],
  ['a bad value at the root', Symbol('root'), 'value', /^Cannot encode value: a symbol is not supported$/],
];

for (const [title, value, path, message] of cases) {
  test(`encodeValue rejects ${title}`, (t) => {
    const error = t.throws(() => encodeValue(value, path), { instanceOf: DirtyProtocolError, message });
    t.is(error?.code, 'DIRTY_ERR_PROTOCOL');
    t.throws(() => encodedSize(value, path), { instanceOf: DirtyProtocolError, message });
    t.throws(() => encodeMessage(1, 1n, value, path), { instanceOf: DirtyProtocolError, message });
  });
}

test('the path defaults to "value" for encodeValue and "payload" for encodeMessage', (t) => {
  t.throws(() => encodeValue([Symbol('x')]), { message: /^Cannot encode value\[0\]:/ });
  t.throws(() => encodeMessage(2, 1n, [Symbol('x')]), { message: /^Cannot encode payload\[0\]:/ });
});

test('encodeRequest names args and kwargs exactly like the caller wrote them', (t) => {
  const err = t.throws(() => encodeRequest(1n, 'app', 'act', [1, { when: new Date() }]), {
    instanceOf: DirtyProtocolError,
    message: /^Cannot encode args\[1\]\.when: a Date/,
  });
  t.is(err.details['path'], 'args[1].when', 'details.path is the place the message names');
  t.throws(() => encodeRequest(1n, 'app', 'act', [], { 'a b': new Point() }), { message: /^Cannot encode kwargs\["a b"\]: an instance of Point/ });
  t.throws(() => encodeRequest(1n, 'app', 'act', [], { opts: { retry: 2n ** 64n } }), { message: /^Cannot encode kwargs\.opts\.retry: bigint/ });
});

test('shared (non-cyclic) references are fine and encoded twice', (t) => {
  const shared = { x: 1 };
  t.is(encodeValue([shared, shared]).toString('hex'), encodeValue([{ x: 1 }, { x: 1 }]).toString('hex'));
});

test('a payload over 64 MiB is rejected with its size', (t) => {
  const big = Buffer.alloc(40 * 1024 * 1024);
  t.throws(() => encodeMessage(2, 1n, [big, big]), {
    instanceOf: DirtyProtocolError,
    message: /83886095 bytes exceed the 67108864-byte \(64 MiB\) payload limit/,
  });
  t.throws(() => encodeValue({ result: [big, big] }), { instanceOf: DirtyProtocolError, message: /payload limit/ });
});

/** An object whose `v` getter returns `first` on the size pass and `then` on the write pass; `extra` keys follow it. */
function flaky(first: unknown, then: unknown, extra: Record<string, unknown> = {}): object {
  let calls = 0;
  return {
    get v(): unknown {
      calls++;
      return calls === 1 ? first : then;
    },
    ...extra,
  };
}

const flakyCases: readonly [string, () => object][] = [
  ['a long string that grows (last value)', () => flaky('short', 'a much longer string than before')],
  ['a short string that grows (last value)', () => flaky('a', 'abcdefgh')],
  ['a string that shrinks', () => flaky('long string here', 's')],
  ['a string that grows, then more values', () => flaky('ab', 'abcdef', { later: [1, 2, 3] })],
  ['a list that grows', () => flaky([1], [1, 2, 3])],
  ['bytes that grow', () => flaky(Buffer.alloc(2), Buffer.alloc(200))],
  ['large bytes that grow (referenced, not copied)', () => flaky(Buffer.alloc(70_000), Buffer.alloc(90_000))],
  ['small bytes that become large', () => flaky(Buffer.alloc(10), Buffer.alloc(70_000))],
  ['large bytes that become small', () => flaky(Buffer.alloc(70_000), Buffer.alloc(10), { tail: 'x'.repeat(69_990) })],
  ['an int that becomes a string', () => flaky(1, 'x'.repeat(100))],
];

for (const [title, make] of flakyCases) {
  test(`a getter changing the value between the passes cannot produce a bad frame: ${title}`, (t) => {
    t.throws(() => encodeValue(make()), { instanceOf: DirtyProtocolError, message: /changed while it was being encoded/ });
    t.throws(() => encodeMessage(2, 1n, make()), { instanceOf: DirtyProtocolError, message: /changed while/ });
  });
}
