// peekAppPathPieces: the arbiter's app_path read for a REQUEST payload that arrived in several chunks.
// Whatever the chunk boundaries, it must give what peekAppPath gives for the joined payload (the same
// app_path, or the same DirtyProtocolError), and accept every valid payload by its own walk (no join).
import { Buffer } from 'node:buffer';
import test from 'ava';
import { DirtyProtocolError } from '../../src/errors.js';
import { Tag } from '../../src/protocol/tlv-kinds.js';
import { peekAppPath, type NameTooLong } from '../../src/protocol/app-path.js';
import { peekAppPathPieces, scanAppPathPieces } from '../../src/protocol/app-path-pieces.js';
import { MAX_NAME_BYTES } from '../../src/protocol/constants.js';
import { encodeValue } from '../../src/protocol/tlv.js';
import { encodeRequest } from '../../src/protocol/messages.js';
import { invalidVectors, mulberry32, randInt, randomValue, validVectors, type Rng } from './helpers.js';

type Outcome = { ok: true; app: string | undefined | NameTooLong } | { ok: false; message: string };

function outcome(fn: () => string | undefined | NameTooLong): Outcome {
  try {
    return { ok: true, app: fn() };
  } catch (error) {
    if (!(error instanceof DirtyProtocolError)) throw error;
    return { ok: false, message: error.message };
  }
}

/** `payload` cut at `cuts` (ascending positions), as views: the chunks a socket could deliver. */
function split(payload: Buffer, cuts: readonly number[]): Buffer[] {
  const pieces: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, payload.length]) {
    pieces.push(payload.subarray(at, cut));
    at = cut;
  }
  return pieces;
}

/** The same outcome as peekAppPath of the whole payload; a valid payload is accepted by the walk itself. */
function agrees(t: import('ava').ExecutionContext, payload: Buffer, pieces: Buffer[], label: string): void {
  const want = outcome(() => peekAppPath(payload));
  t.deepEqual(
    outcome(() => peekAppPathPieces(pieces)),
    want,
    label,
  );
  if (want.ok) t.deepEqual(scanAppPathPieces(pieces), want.app, `${label}: walked, not joined`);
}

/** Two chunks cut at every position, one byte per chunk, and random cuts. */
function everySplit(t: import('ava').ExecutionContext, payload: Buffer, label: string, rng: Rng): void {
  for (let cut = 0; cut <= payload.length; cut++) agrees(t, payload, split(payload, [cut]), `${label}, cut at ${cut}`);
  agrees(
    t,
    payload,
    split(
      payload,
      Array.from({ length: Math.max(0, payload.length - 1) }, (_v, i) => i + 1),
    ),
    `${label}, 1-byte chunks`,
  );
  for (let i = 0; i < 8; i++) {
    const cuts = Array.from({ length: 1 + randInt(rng, 5) }, () => randInt(rng, payload.length + 1)).sort((a, b) => a - b);
    agrees(t, payload, split(payload, cuts), `${label}, cuts ${cuts.join(',')}`);
  }
}

const payloadOf = (frame: Buffer[]): Buffer => Buffer.concat(frame).subarray(16);
const key = (k: string): Buffer => encodeValue(k);
const dict = (...entries: [Buffer, Buffer][]): Buffer => Buffer.concat([Buffer.from([Tag.DICT, 0, 0, 0, entries.length]), ...entries.flat()]);
const str = (bytes: number[]): Buffer => Buffer.from([Tag.STR, 0, 0, 0, bytes.length, ...bytes]);
const deep = (lists: number): Buffer =>
  dict(
    [key('app_path'), key('app')],
    [key('args'), Buffer.concat([...Array.from({ length: lists }, () => Buffer.from([Tag.LIST, 0, 0, 0, 1])), encodeValue('é')])],
  );

test('every valid and invalid vector, split at every byte: what peekAppPath says of the whole', (t) => {
  const rng = mulberry32(7);
  for (const v of validVectors) everySplit(t, v.bytes.subarray(16), v.name, rng);
  for (const v of invalidVectors.filter((x) => x.name.startsWith('t') && x.bytes.length > 16)) everySplit(t, v.bytes.subarray(16), v.name, rng);
});

test('requests as the client encodes them, malformed ones and names over the limit, split at every byte', (t) => {
  const rng = mulberry32(11);
  const cases: [string, Buffer][] = [
    ['args of every kind', payloadOf(encodeRequest(7n, 'mod.path:Class', 'act', [1, 2.5, null, true, Buffer.alloc(40), [1, [2, { a: 'b' }]]], { k: 'é日' }))],
    ['non-ASCII app_path', payloadOf(encodeRequest(7n, 'appé日本語', 'act', [], {}))],
    ['app_path over MAX_NAME_BYTES', payloadOf(encodeRequest(1n, 'a'.repeat(MAX_NAME_BYTES + 1), 'act', [], {}))],
    ['action over MAX_NAME_BYTES', payloadOf(encodeRequest(1n, 'app', 'é'.repeat(MAX_NAME_BYTES), [], {}))],
    ['a repeated app_path', dict([key('app_path'), key('first')], [key('app_path'), key('second')])],
    ['a non-string app_path', dict([key('app_path'), encodeValue(1)], [key('action'), key('x')])],
    ['not a dict', encodeValue(['app_path', 'x'])],
    ['invalid UTF-8 in an argument', dict([key('app_path'), key('app')], [key('args'), str([0x61, 0xc3, 0x28, 0x61])])],
    ['invalid UTF-8 in a key', dict([str([0xe2, 0x82]), key('v')])],
    ['an unknown tag', dict([key('app_path'), key('app')], [key('x'), Buffer.from([0x7e])])],
    ['a list count beyond the bytes', dict([key('app_path'), key('app')], [key('x'), Buffer.from([Tag.LIST, 0, 0, 0, 9, 0])])],
    ['a bytes length beyond the payload', dict([key('x'), Buffer.from([Tag.BYTES, 0, 0, 0, 9, 1])])],
    ['trailing bytes', Buffer.concat([payloadOf(encodeRequest(1n, 'app', 'act', ['x'])), Buffer.from([0])])],
    ['nesting at MAX_DEPTH', deep(127)],
    ['nesting over MAX_DEPTH', deep(128)],
  ];
  for (const [label, payload] of cases) everySplit(t, payload, label, rng);
  for (let cut = 0; cut <= 60; cut++) {
    const truncated = payloadOf(encodeRequest(3n, 'mod:App', 'run', [1, 'two', Buffer.from([3]), [null, true, 2.5]])).subarray(0, cut);
    agrees(t, truncated, split(truncated, [cut >> 1]), `truncated at ${cut}`);
  }
});

test('fuzz: random requests and mutated bytes in random chunks agree with peekAppPath', (t) => {
  const rng = mulberry32(0x5eed);
  for (let i = 0; i < 300; i++) {
    const payload = encodeValue({ app_path: i % 5 === 0 ? randomValue(rng) : `app${i}`, action: 'a', args: [randomValue(rng)], kwargs: {} });
    const cuts = (p: Buffer): number[] => Array.from({ length: 1 + randInt(rng, 6) }, () => randInt(rng, p.length + 1)).sort((a, b) => a - b);
    agrees(t, payload, split(payload, cuts(payload)), `value ${i}`);
    const mutated = Buffer.from(payload);
    mutated[randInt(rng, mutated.length)] = randInt(rng, 256);
    agrees(t, mutated, split(mutated, cuts(mutated)), `mutated ${i}`);
  }
});

test('a 1 MiB argument in 64 KiB chunks: read by the walk; its bytes are never looked at', (t) => {
  const payload = payloadOf(encodeRequest(1n, 'echo', 'echo', [Buffer.alloc(1 << 20, 0xab)], { big: 'é'.repeat(50_000) }));
  const pieces = split(
    payload,
    Array.from({ length: Math.floor(payload.length / 65_536) }, (_v, i) => (i + 1) * 65_536),
  );
  t.true(pieces.length > 16);
  t.is(scanAppPathPieces(pieces), 'echo');
  t.is(peekAppPathPieces(pieces), 'echo');
});

test('values nested deep across many chunk boundaries: the same answer, in bounded work', (t) => {
  const payload = deep(127);
  const oneByte = split(
    payload,
    Array.from({ length: payload.length - 1 }, (_v, i) => i + 1),
  );
  t.is(peekAppPathPieces(oneByte), 'app');
  t.throws(() => peekAppPathPieces(split(deep(128), [200, 300])), { instanceOf: DirtyProtocolError });
  // 127 lists around 70 KiB of bytes, cut inside the bytes: each level's one-chunk scan goes over
  // them in vain, so the walk gives up (null) and the joined payload answers.
  const lists = (n: number): Buffer => Buffer.concat(Array.from({ length: n }, () => Buffer.from([Tag.LIST, 0, 0, 0, 1])));
  const big = dict([key('app_path'), key('app')], [key('args'), Buffer.concat([lists(127), encodeValue(Buffer.alloc(70_000))])]);
  const cut = split(big, [big.length - 100]);
  t.is(scanAppPathPieces(cut), null);
  t.is(peekAppPathPieces(cut), 'app');
});
