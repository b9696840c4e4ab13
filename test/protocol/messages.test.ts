// Message builders produce gunicorn's exact bytes (checked against the vectors) and the parsers
// accept gunicorn's payload shapes and reject wrong ones with DirtyProtocolError.
import { Buffer } from 'node:buffer';
import test from 'ava';
import { DirtyProtocolError, DirtyTimeoutError, fromWire } from '../../src/errors.js';
import { ManageOp, MessageType, StashOp } from '../../src/protocol/constants.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { decodePayload } from '../../src/protocol/frame.js';
import {
  encodeCancel,
  encodeChunk,
  encodeEnd,
  encodeError,
  encodeManage,
  encodeRequest,
  encodeResponse,
  encodeStash,
  encodeStatus,
  encodeWith,
  parseChunk,
  parseErrorPayload,
  parseRequest,
  parseResponse,
  writeResponse,
} from '../../src/protocol/messages.js';
import { validVectors } from './helpers.js';

const vector = (name: string): string => {
  const found = validVectors.find((v) => v.name === name);
  if (found === undefined) throw new Error(`no vector ${name}`);
  return found.bytes.toString('hex');
};
const wire = (chunks: readonly Buffer[]): string => Buffer.concat(chunks).toString('hex');
const payloadOf = (name: string): unknown => validVectors.find((v) => v.name === name)?.value;

/** [vector name, how it is built here]. */
const builders: readonly [string, string, () => Buffer[]][] = [
  ['request-simple', 'kwargs omitted', () => encodeRequest(1n, 'echo', 'ping', [7])],
  ['request-simple', 'kwargs {}', () => encodeRequest(1n, 'echo', 'ping', [7], {})],
  ['response-int', '', () => encodeResponse(3n, 42)],
  ['response-dict', '', () => encodeResponse(4n, { ok: true, items: [1.25, 'x', null] })],
  [
    'error-app',
    '',
    () => encodeError(6n, { error_type: 'DirtyAppError', message: 'boom', details: { app_path: 'thumb', action: 'resize', traceback: 'Traceback...' } }),
  ],
  ['error-timeout', '', () => encodeError(7n, new DirtyTimeoutError('Worker timeout', { timeout: 30 }).toWire())],
  ['chunk-str', '', () => encodeChunk(9n, 'tok')],
  ['chunk-list', '', () => encodeChunk(9n, [1, 2])],
  ['end', '', () => encodeEnd(9n)],
  ['stash-put', '', () => encodeStash(10n, StashOp.PUT, 'sessions', { key: 'u1', value: { n: 1 } })],
  ['stash-get', '', () => encodeStash(11n, StashOp.GET, 'sessions', { key: 'u1' })],
  ['stash-delete', '', () => encodeStash(12n, StashOp.DELETE, 'sessions', { key: 'u1', value: null, pattern: null })],
  ['stash-keys-pattern', '', () => encodeStash(13n, StashOp.KEYS, 'sessions', { pattern: 'user:*' })],
  ['stash-exists-table', '', () => encodeStash(14n, StashOp.EXISTS, 'sessions')],
  ['stash-tables', '', () => encodeStash(15n, StashOp.TABLES, '')],
  ['status', '', () => encodeStatus(16n)],
  ['manage-add', '', () => encodeManage(17n, ManageOp.ADD, 2)],
  ['manage-remove', '', () => encodeManage(18n, ManageOp.REMOVE, 1)],
];

for (const [name, how, build] of builders) {
  test(`builder matches gunicorn's bytes: ${name}${how === '' ? '' : ` (${how})`}`, (t) => {
    t.is(wire(build()), vector(name));
  });
}

test('encodeCancel is an empty CANCEL (0x20) frame', (t) => {
  t.is(wire(encodeCancel(0x0102n)), '47440120000000000000000000000102');
  const [frame] = new FrameDecoder().push(Buffer.concat(encodeCancel(5n)));
  t.is(frame!.type, MessageType.CANCEL);
  t.is(frame!.payload.length, 0);
});

test('parseRequest reads gunicorn requests and defaults a missing kwargs to {}', (t) => {
  t.deepEqual(parseRequest(payloadOf('request-simple')), { appPath: 'echo', action: 'ping', args: [7], kwargs: {} });
  const all = parseRequest(payloadOf('request-all-types'));
  t.is(all.appPath, 'thumb');
  t.is(all.args.length, 15);
  t.deepEqual(all.kwargs, { size: 128, fmt: 'png' });
  t.deepEqual(parseRequest({ app_path: 'a', action: 'b', args: [] }).kwargs, {});
  const [frame] = new FrameDecoder().push(Buffer.concat(encodeRequest(9n, 'm:C', 'run', [1, 'x'], { k: true })));
  t.deepEqual(parseRequest(decodePayload(frame!)), { appPath: 'm:C', action: 'run', args: [1, 'x'], kwargs: { k: true } });
});

const badRequests: readonly [unknown, RegExp][] = [
  [null, /REQUEST payload: expected a dict, got None/],
  [[1], /expected a dict, got a list/],
  [{ action: 'b', args: [] }, /`app_path` to be a string, got nothing/],
  [{ app_path: 1, action: 'b', args: [] }, /`app_path` to be a string, got 1 \(number\)/],
  [{ app_path: 'a', action: Buffer.from('b'), args: [] }, /`action` to be a string, got bytes/],
  [{ app_path: 'a', action: 'b' }, /`args` to be a list, got nothing/],
  [{ app_path: 'a', action: 'b', args: {} }, /`args` to be a list, got a dict/],
  [{ app_path: 'a', action: 'b', args: [], kwargs: [] }, /`kwargs` to be a dict, got a list/],
  [{ app_path: 'a', action: 'b', args: [], kwargs: null }, /`kwargs` to be a dict, got None/],
];

for (const [value, message] of badRequests) {
  test(`parseRequest rejects ${JSON.stringify(value, (_k, v: unknown) => (Buffer.isBuffer(v) ? 'bytes' : v))}`, (t) => {
    t.throws(() => parseRequest(value), { instanceOf: DirtyProtocolError, message });
  });
}

test('parseErrorPayload reads gunicorn errors; fromWire rebuilds the class', (t) => {
  const wireError = parseErrorPayload(payloadOf('error-timeout'));
  t.deepEqual(wireError, { error_type: 'DirtyTimeoutError', message: 'Worker timeout', details: { timeout: 30 } });
  t.true(fromWire(wireError) instanceof DirtyTimeoutError);
  t.deepEqual(parseErrorPayload({ error: { error_type: 'ValueError', message: 'm' } }).details, {});
  t.deepEqual(parseErrorPayload({ error: { error_type: 'ValueError', message: 'm', details: null } }).details, {});
  const bad: readonly [unknown, RegExp][] = [
    [{}, /`error` to be a dict, got nothing/],
    [{ error: 'boom' }, /`error` to be a dict, got a string \("boom"\)/],
    [{ error: { message: 'm' } }, /`error_type` to be a string/],
    [{ error: { error_type: 'E', message: 2 } }, /`message` to be a string, got 2 \(number\)/],
    [{ error: { error_type: 'E', message: 'm', details: [1] } }, /`details` to be a dict, got a list/],
  ];
  for (const [value, message] of bad) t.throws(() => parseErrorPayload(value), { instanceOf: DirtyProtocolError, message });
});

test('an ERROR round trip keeps details of any TLV value', (t) => {
  const details = { n: 2n ** 62n, list: [1.5, null], nested: { b: Buffer.from('x') } };
  const [frame] = new FrameDecoder().push(Buffer.concat(encodeError(1n, { error_type: 'X', message: 'y', details })));
  t.deepEqual(parseErrorPayload(decodePayload(frame!)), { error_type: 'X', message: 'y', details });
});

test('encodeError names bad details by their place in the payload', (t) => {
  t.throws(() => encodeError(1n, { error_type: 'X', message: 'y', details: { at: new Date() } }), {
    instanceOf: DirtyProtocolError,
    message: /^Cannot encode error\.details\.at: a Date/,
  });
  t.throws(() => encodeResponse(1n, { f: () => 1 }), { message: /^Cannot encode result\.f: a function/ });
  t.throws(() => encodeChunk(1n, [Symbol('s')]), { message: /^Cannot encode data\[0\]: a symbol/ });
});

test('STASH payloads leave absent fields out (they are validated by stash/ops.ts, test/stash/ops.test.ts)', (t) => {
  t.deepEqual(payloadOf('stash-put'), { op: StashOp.PUT, table: 'sessions', key: 'u1', value: { n: 1 } });
  t.deepEqual(payloadOf('stash-get'), { op: StashOp.GET, table: 'sessions', key: 'u1' });
  t.deepEqual(payloadOf('stash-keys-pattern'), { op: StashOp.KEYS, table: 'sessions', pattern: 'user:*' });
});

test('parseResponse and parseChunk unwrap result and data', (t) => {
  t.is(parseResponse(payloadOf('response-int')), 42);
  t.deepEqual(parseChunk(payloadOf('chunk-list')), [1, 2]);
  t.is(parseResponse({ result: null }), null);
  t.throws(() => parseResponse(null), { instanceOf: DirtyProtocolError, message: /RESPONSE payload: expected a dict/ });
  t.throws(() => parseChunk('x'), { instanceOf: DirtyProtocolError, message: /CHUNK payload/ });
});

// encodeWith encodes one-off frames into a shared slab: earlier frames must keep their bytes, a
// frame left by a failed write must not be sent with the next caller's, and a getter that encodes
// while a value is being encoded gets its own batch.
test('encodeWith: one-off frames from the shared slab stay intact, and a failed or nested write leaks nothing', (t) => {
  const first = Buffer.concat(encodeResponse(1n, 'first'));
  const kept = encodeResponse(2n, { a: 'x'.repeat(100) });
  const keptBytes = Buffer.concat(kept);
  for (let i = 0; i < 2000; i++) encodeResponse(BigInt(i + 3), 'y'.repeat(i % 50)); // wraps the 16 KiB slab many times
  t.true(Buffer.concat(kept).equals(keptBytes), 'bytes already handed out are never written again');
  t.true(first.equals(Buffer.concat(encodeResponse(1n, 'first'))));

  t.throws(() =>
    encodeWith((out) => {
      writeResponse(out, 7n, 'sent before the throw');
      writeResponse(out, 8n, Symbol('no TLV form'));
    }),
  );
  const after = new FrameDecoder().push(Buffer.concat(encodeResponse(9n, 'next')));
  t.deepEqual(
    after.map((f) => f.requestId),
    [9n],
  );

  const nested = {
    get inner(): string {
      return Buffer.concat(encodeResponse(11n, 'inner')).toString('latin1');
    },
  };
  const outer = new FrameDecoder().push(Buffer.concat(encodeResponse(10n, nested)));
  t.is(outer.length, 1);
  const value = decodePayload(outer[0]!) as { result: { inner: string } };
  t.true(value.result.inner.includes('inner'));
});
