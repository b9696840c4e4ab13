// gunicorn dirty protocol v1 test vectors: every valid frame decodes to the listed value and
// re-encodes to the same bytes, whatever the chunking; every invalid frame is rejected.
import { Buffer } from 'node:buffer';
import test from 'ava';
import { DirtyProtocolError } from '../../src/errors.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { decodePayload, type Frame } from '../../src/protocol/frame.js';
import { encodeMessage, invalidVectors, mulberry32, randInt, type ValidVector, validVectors } from './helpers.js';

/** Feeds the pieces, then signals end of stream; returns every frame. */
function decodeAll(pieces: readonly Buffer[]): Frame[] {
  const decoder = new FrameDecoder();
  const frames = pieces.flatMap((piece) => decoder.push(piece));
  decoder.end();
  return frames;
}

function sameFrame(t: import('ava').ExecutionContext, frame: Frame | undefined, v: ValidVector, label: string): void {
  if (frame === undefined) {
    t.fail(`${label}: no frame`);
    return;
  }
  t.is(frame.type, v.type, label);
  t.is(frame.requestId, v.requestId, label);
  t.deepEqual(frame.payload, v.bytes.subarray(16), label);
}

test('the vector file holds the frames this suite relies on', (t) => {
  t.is(validVectors.length, 20);
  t.is(invalidVectors.length, 6);
  t.true(
    validVectors.some((v) => v.bytes.length === 16),
    'an empty-payload frame',
  );
  const hasBigint = (x: unknown): boolean =>
    typeof x === 'bigint' || (typeof x === 'object' && x !== null && !Buffer.isBuffer(x) && Object.values(x).some(hasBigint));
  t.true(
    validVectors.some((v) => hasBigint(v.value)),
    'an int64 outside the safe range',
  );
});

for (const v of validVectors) {
  test(`valid ${v.name}: decodes to the listed value`, (t) => {
    const frames = decodeAll([v.bytes]);
    t.is(frames.length, 1);
    sameFrame(t, frames[0], v, 'whole');
    t.deepEqual(decodePayload(frames[0]!), v.value);
  });

  test(`valid ${v.name}: re-encodes to the same bytes`, (t) => {
    const [frame] = decodeAll([v.bytes]);
    // An empty payload is "no value" on the wire (END, STATUS); decodePayload gives null for it.
    const value = frame!.payload.length === 0 ? undefined : decodePayload(frame!);
    const chunks = encodeMessage(v.type, v.requestId, value);
    t.is(chunks.length, 1, 'small messages are one chunk');
    t.is(Buffer.concat(chunks).toString('hex'), v.bytes.toString('hex'));
  });

  test(`valid ${v.name}: split at every byte boundary gives the same frame`, (t) => {
    for (let cut = 0; cut <= v.bytes.length; cut++) {
      const frames = decodeAll([v.bytes.subarray(0, cut), v.bytes.subarray(cut)]);
      t.is(frames.length, 1, `cut at ${cut}`);
      sameFrame(t, frames[0], v, `cut at ${cut}`);
    }
  });

  test(`valid ${v.name}: three random pieces and byte-by-byte give the same frame`, (t) => {
    const rng = mulberry32(v.bytes.length * 7919 + 1);
    for (let round = 0; round < 50; round++) {
      const a = randInt(rng, v.bytes.length + 1);
      const b = randInt(rng, v.bytes.length + 1);
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      const frames = decodeAll([v.bytes.subarray(0, lo), v.bytes.subarray(lo, hi), v.bytes.subarray(hi)]);
      t.is(frames.length, 1, `pieces at ${lo}/${hi}`);
      sameFrame(t, frames[0], v, `pieces at ${lo}/${hi}`);
    }
    const bytewise = decodeAll(Array.from(v.bytes, (byte) => Buffer.of(byte)));
    t.is(bytewise.length, 1);
    sameFrame(t, bytewise[0], v, 'byte by byte');
    t.deepEqual(decodePayload(bytewise[0]!), v.value);
  });
}

test('all valid vectors concatenated in one chunk give all frames in order', (t) => {
  const frames = decodeAll([Buffer.concat(validVectors.map((v) => v.bytes))]);
  t.is(frames.length, validVectors.length);
  validVectors.forEach((v, i) => {
    sameFrame(t, frames[i], v, v.name);
    t.deepEqual(decodePayload(frames[i]!), v.value, v.name);
  });
});

test('all valid vectors concatenated, then cut into random pieces, give all frames in order', (t) => {
  const all = Buffer.concat(validVectors.map((v) => v.bytes));
  const rng = mulberry32(42);
  for (let round = 0; round < 20; round++) {
    const pieces: Buffer[] = [];
    for (let at = 0; at < all.length;) {
      const n = 1 + randInt(rng, 200);
      pieces.push(all.subarray(at, at + n));
      at += n;
    }
    const frames = decodeAll(pieces);
    t.deepEqual(
      frames.map((f) => [f.type, f.requestId, f.payload.toString('hex')]),
      validVectors.map((v) => [v.type, v.requestId, v.bytes.subarray(16).toString('hex')]),
    );
  }
});

/** Everything a receiver does with bytes: frame them, decode each payload, check the stream ends cleanly. */
function receive(bytes: Buffer): void {
  const decoder = new FrameDecoder();
  for (const frame of decoder.push(bytes)) decodePayload(frame);
  decoder.end();
}

for (const v of invalidVectors) {
  test(`invalid ${v.name}: rejected with DirtyProtocolError`, (t) => {
    t.throws(
      () => {
        receive(v.bytes);
      },
      { instanceOf: DirtyProtocolError },
    );
  });
}

test('invalid vectors fail at the stage each one targets', (t) => {
  const byName = new Map(invalidVectors.map((v) => [v.name, v.bytes]));
  const headerError = (name: string): string => {
    const error = t.throws(() => new FrameDecoder().push(byName.get(name)!), { instanceOf: DirtyProtocolError });
    return error?.message ?? '';
  };
  t.regex(headerError('bad-magic'), /magic/);
  t.regex(headerError('bad-version'), /version 2/);
  t.regex(headerError('unknown-type'), /message type 0x7f/);
  t.regex(headerError('oversize-length'), /67108865 bytes exceeds/);
  // The truncated frame is only incomplete until the stream ends.
  const truncated = new FrameDecoder();
  t.deepEqual(truncated.push(byName.get('truncated-tlv-int')!), []);
  t.throws(
    () => {
      truncated.end();
    },
    { instanceOf: DirtyProtocolError, message: /inside a frame/ },
  );
  const [frame] = new FrameDecoder().push(byName.get('tlv-unknown-tag')!);
  t.throws(() => decodePayload(frame!), { instanceOf: DirtyProtocolError, message: /unknown tag 0x7e/ });
});

test('the truncated vector, completed with its missing bytes, decodes as gunicorn meant it', (t) => {
  const truncated = invalidVectors.find((v) => v.name === 'truncated-tlv-int')!.bytes;
  const frames = decodeAll([truncated, Buffer.from('002a', 'hex')]);
  t.deepEqual(decodePayload(frames[0]!), { result: 42 });
});
