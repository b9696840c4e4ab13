// decodeRequest / decodeResponse / decodeChunk read the fields of a payload dict without building it. They must
// agree with the slow path they replace (decodeValue + parseRequest / parseResponse / parseChunk) on every input:
// the same fields, or the same error message.
import { Buffer } from 'node:buffer';
import test, { type ExecutionContext } from 'ava';
import { Tag } from '../../src/protocol/tlv-kinds.js';
import { decodeChunk, decodeRequest, decodeResponse, encodeRequest, parseChunk, parseRequest, parseResponse } from '../../src/protocol/messages.js';
import { encodeValue } from '../../src/protocol/tlv.js';
import { decodeValue } from '../../src/protocol/tlv-decode.js';
import { invalidVectors, mulberry32, randInt, randomBytes, randomValue, validVectors } from './helpers.js';

function outcome(fn: () => unknown): { ok: unknown } | { error: string } {
  try {
    return { ok: fn() };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

/** The payload inside a larger buffer (as a frame inside a read chunk), with bytes on both sides. */
const embedded = (payload: Buffer): Buffer => Buffer.concat([Buffer.from([0x21, 0, 0, 0, 9, 0x11, 0]), payload, Buffer.from([0x11, 0, 0, 0, 0, 0xff])]);

function agrees(t: ExecutionContext, payload: Buffer, label: string): void {
  const request = outcome(() => parseRequest(decodeValue(payload)));
  const response = outcome(() => parseResponse(decodeValue(payload)));
  const chunkData = outcome(() => parseChunk(decodeValue(payload)));
  t.deepEqual(
    outcome(() => decodeChunk(payload)),
    chunkData,
    `chunk: ${label}`,
  );
  t.deepEqual(
    outcome(() => decodeRequest(payload)),
    request,
    `request: ${label}`,
  );
  t.deepEqual(
    outcome(() => decodeResponse(payload)),
    response,
    `response: ${label}`,
  );
  // The same answers, error offsets included, for the payload read as a range of a larger buffer.
  const chunk = embedded(payload);
  t.deepEqual(
    outcome(() => decodeRequest(chunk, 7, 7 + payload.length)),
    request,
    `request in a chunk: ${label}`,
  );
  t.deepEqual(
    outcome(() => decodeResponse(chunk, 7, 7 + payload.length)),
    response,
    `response in a chunk: ${label}`,
  );
  t.deepEqual(
    outcome(() => decodeChunk(chunk, 7, 7 + payload.length)),
    chunkData,
    `CHUNK payload in a chunk: ${label}`,
  );
}

const str = (s: string): Buffer => encodeValue(s);
const dict = (...entries: [Buffer, Buffer][]): Buffer => Buffer.concat([Buffer.from([Tag.DICT, 0, 0, 0, entries.length]), ...entries.flat()]);

test('requests as the client encodes them', (t) => {
  const cases: [string, string, unknown[], Record<string, unknown>?][] = [
    ['echo', 'echo', ['x'.repeat(64)]],
    ['mod:Class', 'run', [1, 2.5, null, true, Buffer.alloc(100), [1, [2, { a: 'b' }]]], { k: 'v', n: { deep: [1] } }],
    ['appé日本語', 'ação', []],
    ['', '', ['']],
  ];
  for (const [app, action, args, kwargs] of cases) {
    const payload = Buffer.concat(encodeRequest(7n, app, action, args, kwargs)).subarray(16);
    agrees(t, payload, app);
    t.deepEqual(decodeRequest(payload), { appPath: app, action, args, kwargs: kwargs ?? {} });
  }
});

test('shapes: extra, repeated, missing and mistyped fields; non-dict payloads', (t) => {
  const req = (...entries: [Buffer, Buffer][]): Buffer => dict(...entries);
  const cases: Record<string, Buffer> = {
    'extra keys are ignored': req([str('app_path'), str('a')], [str('zzz'), encodeValue([1])], [str('action'), str('b')], [str('args'), encodeValue([])]),
    'a repeated key: the last one wins': req(
      [str('app_path'), str('a')],
      [str('action'), str('b')],
      [str('args'), encodeValue([])],
      [str('app_path'), str('c')],
    ),
    'no kwargs': req([str('app_path'), str('a')], [str('action'), str('b')], [str('args'), encodeValue([])]),
    'kwargs None': req([str('app_path'), str('a')], [str('action'), str('b')], [str('args'), encodeValue([])], [str('kwargs'), encodeValue(null)]),
    'args not a list': req([str('app_path'), str('a')], [str('action'), str('b')], [str('args'), encodeValue('x')]),
    'no app_path': req([str('action'), str('b')], [str('args'), encodeValue([])]),
    'app_path not a string': req([str('app_path'), encodeValue(3)], [str('action'), str('b')], [str('args'), encodeValue([])]),
    'a result': dict([str('result'), encodeValue({ x: [1, 'y'] })]),
    'no result': dict([str('other'), encodeValue(1)]),
    'CHUNK data': dict([str('data'), encodeValue('x'.repeat(16))]),
    'CHUNK data beside other keys, repeated': dict([str('data'), encodeValue(1)], [str('n'), encodeValue(2)], [str('data'), encodeValue([3, { d: 4 }])]),
    'CHUNK data None': dict([str('data'), encodeValue(null)]),
    'a __proto__ key': dict([str('__proto__'), encodeValue({ polluted: true })], [str('result'), encodeValue(1)]),
    'a list': encodeValue([1, 2]),
    'a string': encodeValue('just text'),
    None: encodeValue(null),
    'empty dict': encodeValue({}),
  };
  for (const [label, payload] of Object.entries(cases)) agrees(t, payload, label);
});

test('malformed payloads: the same DirtyProtocolError', (t) => {
  const good = Buffer.concat(encodeRequest(1n, 'app', 'act', ['x', [1, 2]], { k: 'v' })).subarray(16);
  for (let n = 0; n <= good.length; n++) agrees(t, good.subarray(0, n), `truncated to ${n}`);
  agrees(t, Buffer.concat([good, Buffer.from([0])]), 'a trailing byte');
  agrees(t, dict([encodeValue(1), str('a')]), 'a non-string key');
  agrees(t, Buffer.from([Tag.DICT, 0xff, 0xff, 0xff, 0xff]), 'an impossible count');
  agrees(t, dict([str('app_path'), Buffer.from([Tag.STR, 0, 0, 0, 2, 0xc3, 0x28])]), 'invalid UTF-8');
  for (const v of invalidVectors.filter((x) => x.name.startsWith('t'))) agrees(t, v.bytes.subarray(16), v.name);
  for (const v of validVectors) agrees(t, v.bytes.subarray(16), v.name);
});

test('fuzz: random dicts and mutated bytes agree with the slow path', (t) => {
  const rng = mulberry32(42);
  for (let i = 0; i < 400; i++) {
    const payload = Buffer.concat(encodeRequest(1n, `app${i}`, 'act', [randomValue(rng)], { k: randomValue(rng) })).subarray(16);
    agrees(t, payload, `request ${i}`);
    const mutated = Buffer.from(payload);
    for (let k = 0; k < 3; k++) mutated[randInt(rng, mutated.length)] = randomBytes(rng, 1)[0] ?? 0;
    agrees(t, mutated, `mutated ${i}`);
    agrees(t, encodeValue({ result: randomValue(rng) }), `response ${i}`);
  }
});
