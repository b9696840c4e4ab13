// peekAppPath: the arbiter's app_path read without decoding the payload. It must agree with the full
// decoder on every input: the same app_path (or none) for a payload that decodes, the same
// DirtyProtocolError for one that does not. scanAppPath shows the fast scan itself accepted it.
import { Buffer } from 'node:buffer';
import test from 'ava';
import { DirtyProtocolError } from '../../src/errors.js';
import { Tag } from '../../src/protocol/tlv-kinds.js';
import { nameTooLongError, peekAppPath, scanAppPath, type NameTooLong } from '../../src/protocol/app-path.js';
import { MAX_NAME_BYTES } from '../../src/protocol/constants.js';
import { encodeValue } from '../../src/protocol/tlv.js';
import { decodeValue } from '../../src/protocol/tlv-decode.js';
import { encodeRequest } from '../../src/protocol/messages.js';
import { invalidVectors, mulberry32, randInt, randomBytes, randomValue, validVectors } from './helpers.js';

type Outcome = { ok: true; app: string | undefined | NameTooLong } | { ok: false; message: string };

/** What the arbiter did before: decode everything, then read `app_path` if it is a string. */
function reference(payload: Buffer): Outcome {
  if (payload.length === 0) return { ok: true, app: undefined };
  try {
    const value = decodeValue(payload);
    const app = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['app_path'] : undefined;
    return { ok: true, app: typeof app === 'string' ? app : undefined };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

function peeked(payload: Buffer): Outcome {
  try {
    return { ok: true, app: peekAppPath(payload) };
  } catch (error) {
    if (!(error instanceof DirtyProtocolError)) throw error;
    return { ok: false, message: error.message };
  }
}

/** Same outcome as the decoder; a payload the decoder accepts is also accepted by the scan itself. */
function agrees(t: import('ava').ExecutionContext, payload: Buffer, label: string): void {
  const want = reference(payload);
  t.deepEqual(peeked(payload), want, label);
  if (want.ok) t.is(scanAppPath(payload), want.app, `${label}: scanned, not decoded`);
  else t.is(scanAppPath(payload), null, `${label}: not accepted by the scan`);
}

const payloadOf = (frame: Buffer[]): Buffer => Buffer.concat(frame).subarray(16);
const request = (value: unknown): Buffer => encodeValue(value);
const str = (bytes: number[]): Buffer => Buffer.from([Tag.STR, 0, 0, 0, bytes.length, ...bytes]);
const dict = (...entries: [Buffer, Buffer][]): Buffer => Buffer.concat([Buffer.from([Tag.DICT, 0, 0, 0, entries.length]), ...entries.flat()]);
const key = (k: string): Buffer => encodeValue(k);
/** {app_path: 'app', args: [[...[1]...]]} with `lists` nested lists, built by hand (the encoder refuses too deep values). */
const deepRequest = (lists: number): Buffer =>
  dict(
    [key('app_path'), key('app')],
    [key('args'), Buffer.concat([...Array.from({ length: lists }, () => Buffer.from([Tag.LIST, 0, 0, 0, 1])), encodeValue(1)])],
  );

test("every valid vector: the decoder's answer, from the scan", (t) => {
  for (const v of validVectors) agrees(t, v.bytes.subarray(16), v.name);
  const simple = validVectors.find((v) => v.name === 'request-simple');
  t.truthy(simple);
  t.is(peekAppPath(simple!.bytes.subarray(16)), (simple!.value as { app_path: string }).app_path);
});

test("invalid TLV vectors: the decoder's own DirtyProtocolError", (t) => {
  for (const v of invalidVectors.filter((x) => x.name.startsWith('t'))) {
    const payload = v.bytes.subarray(16);
    if (payload.length === 0) continue;
    agrees(t, payload, v.name);
    t.throws(() => peekAppPath(payload), { instanceOf: DirtyProtocolError });
  }
});

test('requests as the client encodes them', (t) => {
  const cases: [string, unknown[], Record<string, unknown>?][] = [
    ['echo', ['x'.repeat(64)]],
    ['mod.path:Class', [1, 2.5, null, true, Buffer.alloc(100), [1, [2, { a: 'b' }]]], { k: 'v', n: { deep: [1] } }],
    ['appé日本語', []],
    ['a'.repeat(24), []],
    ['b'.repeat(25), [Buffer.alloc(70_000, 1)]],
    ['', ['']],
  ];
  for (const [app, args, kwargs] of cases) {
    const payload = payloadOf(encodeRequest(7n, app, 'act', args, kwargs));
    agrees(t, payload, app.slice(0, 20));
    t.is(peekAppPath(payload), app);
  }
});

test('a non-ASCII app_path is read afresh, never mistaken for the previous one', (t) => {
  const reads = ['Ã©', 'é', 'Ã©', 'echo', 'ecHo', 'echo', '日本', 'xy', ''];
  for (const app of reads) t.is(peekAppPath(request({ app_path: app })), app);
});

test('no string app_path: undefined, as before (a per-request error)', (t) => {
  for (const value of [
    { app_path: 42 },
    { app_path: null },
    { app_path: Buffer.from('x') },
    { app_path: ['x'] },
    { action: 'x' },
    {},
    ['app_path', 'x'],
    'app_path',
    5,
    null,
    Buffer.from('app_path'),
  ]) {
    const payload = request(value);
    agrees(t, payload, JSON.stringify(value));
    t.is(peekAppPath(payload), undefined);
  }
  t.is(peekAppPath(Buffer.alloc(0)), undefined, 'an empty payload decodes to null');
  t.deepEqual(scanAppPath(Buffer.alloc(0)), undefined);
});

test('a repeated app_path key: the last one wins, as in the decoded dict', (t) => {
  const a = dict([key('app_path'), key('first')], [key('app_path'), key('second')]);
  agrees(t, a, 'two strings');
  t.is(peekAppPath(a), 'second');
  const b = dict([key('app_path'), key('first')], [key('app_path'), encodeValue(1)]);
  agrees(t, b, 'a string, then an int');
  t.is(peekAppPath(b), undefined);
  const c = dict([key('app_path'), encodeValue(1)], [key('app_path'), key('third')]);
  t.is(peekAppPath(c), 'third');
  const nested = request({ args: [{ app_path: 'inner' }], kwargs: { app_path: 'kw' } });
  t.is(peekAppPath(nested), undefined, 'only the top-level key counts');
  t.is(peekAppPath(dict([key('app_patH'), key('x')], [key('app_pat'), key('y')])), undefined, 'near misses');
});

test("malformed payloads: the decoder's error, also deep inside values the arbiter skips", (t) => {
  const good = payloadOf(encodeRequest(1n, 'app', 'act', ['text', { k: [1, 'é'] }]));
  const crafted: [string, Buffer][] = [
    [
      'invalid UTF-8 in an argument string',
      dict([key('app_path'), key('app')], [key('args'), Buffer.concat([Buffer.from([Tag.LIST, 0, 0, 0, 1]), str([0xc3, 0x28])])]),
    ],
    ['a lone continuation byte in a long string', dict([key('app_path'), key('app')], [key('x'), str([...Buffer.from('a'.repeat(30)), 0x80])])],
    ['invalid UTF-8 in app_path', dict([key('app_path'), str([0xff])])],
    ['invalid UTF-8 in a key', dict([str([0xe2, 0x82]), key('v')])],
    ['a non-str key', dict([encodeValue(1), key('v')])],
    ['an unknown tag in a skipped value', dict([key('app_path'), key('app')], [key('x'), Buffer.from([0x7e])])],
    ['trailing bytes', Buffer.concat([good, Buffer.from([0])])],
    ['a list count beyond the bytes', dict([key('app_path'), key('app')], [key('x'), Buffer.from([Tag.LIST, 0, 0, 0, 9, 0])])],
    ['a list count over MAX_ITEMS', dict([key('app_path'), key('app')], [key('x'), Buffer.from([Tag.LIST, 0, 0x20, 0, 0])])],
    ['a dict count over the top-level bytes', Buffer.concat([Buffer.from([Tag.DICT, 0, 0, 0, 3]), key('app_path'), key('app')])],
    ['a str length over the limit', dict([key('app_path'), Buffer.from([Tag.STR, 0x04, 0, 0, 1])])],
    ['a bytes length beyond the payload', dict([key('x'), Buffer.from([Tag.BYTES, 0, 0, 0, 9, 1])])],
    ['a truncated int', dict([key('x'), Buffer.from([Tag.INT, 0, 0])])],
    ['a truncated bool', Buffer.from([Tag.BOOL])],
    ['a truncated count', Buffer.from([Tag.DICT, 0, 0])],
    ['nesting over MAX_DEPTH', deepRequest(128)],
  ];
  for (const [name, payload] of crafted) {
    agrees(t, payload, name);
    t.throws(() => peekAppPath(payload), { instanceOf: DirtyProtocolError }, name);
  }
  const deepest = deepRequest(127);
  t.is(reference(deepest).ok, true);
  agrees(t, deepest, 'nesting at MAX_DEPTH');
  t.is(peekAppPath(deepest), 'app');
});

test('every truncation of a request agrees with the decoder', (t) => {
  const payload = payloadOf(encodeRequest(3n, 'mod:App', 'run', [1, 'two', Buffer.from([3]), [null, true, 2.5]], { k: { n: -1n } }));
  for (let cut = 0; cut <= payload.length; cut++) agrees(t, payload.subarray(0, cut), `cut at ${cut}`);
});

test('fuzz: random requests, random values and mutated bytes agree with the decoder', (t) => {
  const rng = mulberry32(0x5eed);
  for (let i = 0; i < 400; i++) {
    const value = i % 4 === 0 ? randomValue(rng) : { app_path: i % 3 === 0 ? randomValue(rng) : `app${i}`, action: 'a', args: [randomValue(rng)], kwargs: {} };
    const payload = request(value);
    agrees(t, payload, `value ${i}`);
    const mutated = Buffer.from(payload);
    for (let j = 0; j < 1 + randInt(rng, 3); j++) mutated[randInt(rng, mutated.length)] = randInt(rng, 256);
    agrees(t, mutated, `mutated ${i}`);
  }
  for (let i = 0; i < 300; i++) {
    const bytes = randomBytes(rng, 1 + randInt(rng, 48));
    if (i % 2 === 0) bytes[0] = Tag.DICT;
    agrees(t, bytes, `random bytes ${i}`);
  }
});

test('an app_path or action over MAX_NAME_BYTES is refused from its length; up to it is read as before', (t) => {
  const at = (app: string, action = 'act'): Buffer => payloadOf(encodeRequest(1n, app, action, [], {}));
  t.is(scanAppPath(at('a'.repeat(MAX_NAME_BYTES))), 'a'.repeat(MAX_NAME_BYTES));
  t.is(peekAppPath(at('app', 'b'.repeat(MAX_NAME_BYTES))), 'app');
  t.deepEqual(scanAppPath(at('a'.repeat(MAX_NAME_BYTES + 1))), { tooLong: 'app_path', bytes: MAX_NAME_BYTES + 1 });
  // Bytes, not characters: 2100 'é' are 4200 bytes.
  t.deepEqual(peekAppPath(at('é'.repeat(2100))), { tooLong: 'app_path', bytes: 4200 });
  t.deepEqual(peekAppPath(at('app', '日'.repeat(2000))), { tooLong: 'action', bytes: 6000 });
  // Only the top-level keys: a long app_path inside kwargs or args is data.
  const nested = payloadOf(encodeRequest(1n, 'app', 'act', [{ app_path: 'x'.repeat(10_000) }], { action: 'y'.repeat(10_000) }));
  t.is(peekAppPath(nested), 'app');
  // A non-string app_path of any size is still "none".
  t.is(peekAppPath(request({ app_path: Buffer.alloc(10_000), action: 'act' })), undefined);
});

test('a too long name is answered before the rest is checked: the frame was read whole, so its connection stays in step', (t) => {
  const long = encodeValue('a'.repeat(MAX_NAME_BYTES + 1));
  // The long app_path first, then an entry with an unknown tag: the decoder would throw at the second entry.
  const payload = dict([key('app_path'), long], [key('args'), Buffer.from([0x99])]);
  t.throws(() => decodeValue(payload), { instanceOf: DirtyProtocolError });
  t.deepEqual(peekAppPath(payload), { tooLong: 'app_path', bytes: MAX_NAME_BYTES + 1 });
  // A str header announcing more bytes than the payload holds is bad TLV, not a long name.
  const cut = Buffer.concat([Buffer.from([Tag.DICT, 0, 0, 0, 1]), key('app_path'), Buffer.from([Tag.STR, 0, 1, 0, 0]), Buffer.alloc(100)]);
  t.is(scanAppPath(cut), null);
  t.throws(() => peekAppPath(cut), { instanceOf: DirtyProtocolError });
});

test('nameTooLongError: a DirtyProtocolError naming the field, its size and the limit', (t) => {
  const err = nameTooLongError({ tooLong: 'action', bytes: 50_331_648 });
  t.true(err instanceof DirtyProtocolError);
  t.is(err.message, 'REQUEST action is 50331648 bytes, over the limit of 4096 bytes (MAX_NAME_BYTES)');
  t.deepEqual(err.details, { field: 'action', bytes: 50_331_648, limit: MAX_NAME_BYTES });
});
