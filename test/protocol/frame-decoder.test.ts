// FrameDecoder: headers checked before any payload is buffered, payloads as views, the failed
// state, end-of-stream checks, and seeded fuzzing (random bytes, mutated frames) for stray exceptions.
import { Buffer } from 'node:buffer';
import test from 'ava';
import { DirtyProtocolError } from '../../src/errors.js';
import { HEADER_SIZE, MAX_PAYLOAD_BYTES, MessageType } from '../../src/protocol/constants.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { decodePayload, encodeHeader } from '../../src/protocol/frame.js';
import { encodeMessage, mulberry32, randInt, randomBytes, randomValue, type Rng, validVectors } from './helpers.js';

const frameBytes = (id: bigint, value: unknown): Buffer => Buffer.concat(encodeMessage(MessageType.RESPONSE, id, value));

/** A header announcing `length` bytes, whatever encodeHeader would allow. */
function rawHeader(length: number, type: number = MessageType.RESPONSE): Buffer {
  const header = Buffer.from(encodeHeader(MessageType.RESPONSE, 1n, 0));
  header[3] = type;
  header.writeUInt32BE(length, 4);
  return header;
}

test('a header announcing 64 MiB + 1 throws as soon as its 16 bytes are in', (t) => {
  const decoder = new FrameDecoder();
  const header = rawHeader(MAX_PAYLOAD_BYTES + 1);
  t.deepEqual(decoder.push(header.subarray(0, 15)), []);
  t.throws(() => decoder.push(header.subarray(15)), { instanceOf: DirtyProtocolError, message: /67108865 bytes exceeds the limit of 67108864/ });
});

test('a valid header announcing 1 MiB is parsed at once and nothing is buffered beyond it', (t) => {
  const decoder = new FrameDecoder();
  t.deepEqual(decoder.push(rawHeader(1024 * 1024)), []);
  t.is(decoder.bufferedBytes, HEADER_SIZE, 'only the header itself is pending');
  t.deepEqual(decoder.push(Buffer.alloc(1000)), []);
  t.is(decoder.bufferedBytes, HEADER_SIZE + 1000);
  t.throws(
    () => {
      decoder.end();
    },
    { instanceOf: DirtyProtocolError, message: /1000 of 1048576 payload bytes/ },
  );
});

test('the 1 MiB payload arriving in pieces is concatenated once into a single frame', (t) => {
  const decoder = new FrameDecoder();
  decoder.push(rawHeader(1024 * 1024));
  const piece = Buffer.alloc(64 * 1024, 3);
  const frames = [];
  for (let i = 0; i < 16; i++) frames.push(...decoder.push(piece));
  t.is(frames.length, 1);
  t.is(frames[0]!.payload.length, 1024 * 1024);
  t.is(decoder.bufferedBytes, 0);
  t.notThrows(() => {
    decoder.end();
  });
});

test('maxPayloadBytes lowers the limit; bad option values are a RangeError', (t) => {
  const decoder = new FrameDecoder({ maxPayloadBytes: 10 });
  t.is(decoder.push(frameBytes(1n, 'abc')).length, 1);
  t.throws(() => decoder.push(frameBytes(2n, 'abcdefghijk')), { instanceOf: DirtyProtocolError, message: /exceeds the limit of 10/ });
  for (const bad of [-1, 1.5, MAX_PAYLOAD_BYTES + 1, Number.NaN]) {
    t.throws(() => new FrameDecoder({ maxPayloadBytes: bad }), { instanceOf: RangeError });
  }
});

test('bad magic, version and type fail on the header even with no payload following', (t) => {
  const cases: readonly [number, number, RegExp][] = [
    [0, 0x00, /bad magic 0x0044/],
    [1, 0x00, /bad magic 0x4700/],
    [2, 0x02, /version 2/],
    [3, 0x00, /message type 0x00/],
    [3, 0x06, /message type 0x06/],
  ];
  for (const [at, byte, message] of cases) {
    const header = rawHeader(5);
    header[at] = byte;
    t.throws(() => new FrameDecoder().push(header), { instanceOf: DirtyProtocolError, message }, `byte ${at} = ${byte}`);
  }
});

test('after one error the decoder stays failed, even for valid input', (t) => {
  const decoder = new FrameDecoder();
  const first = t.throws(() => decoder.push(Buffer.from('58580105000000000000000000000001', 'hex')), { instanceOf: DirtyProtocolError });
  const again = t.throws(() => decoder.push(frameBytes(1n, 1)), { instanceOf: DirtyProtocolError, message: /already failed: Invalid frame header/ });
  t.is((again as Error & { cause?: unknown }).cause, first);
  t.throws(() => decoder.push(Buffer.alloc(0)), { instanceOf: DirtyProtocolError });
  t.throws(
    () => {
      decoder.end();
    },
    { instanceOf: DirtyProtocolError },
  );
  t.is(decoder.bufferedBytes, 0);
});

test('end(): quiet between frames, an error inside a header or payload', (t) => {
  const clean = new FrameDecoder();
  t.notThrows(() => {
    clean.end();
  });
  clean.push(frameBytes(1n, 'x'));
  t.notThrows(() => {
    clean.end();
  });
  const inHeader = new FrameDecoder();
  inHeader.push(Buffer.from('4744', 'hex'));
  t.is(inHeader.bufferedBytes, 2);
  t.throws(
    () => {
      inHeader.end();
    },
    { instanceOf: DirtyProtocolError, message: /2 of 16 header bytes/ },
  );
});

test('bufferedBytes counts what is not yet returned and drops to 0 after each frame', (t) => {
  const decoder = new FrameDecoder();
  const bytes = frameBytes(1n, { data: 'abc' });
  t.is(decoder.bufferedBytes, 0);
  decoder.push(bytes.subarray(0, 10));
  t.is(decoder.bufferedBytes, 10);
  decoder.push(bytes.subarray(10, 20));
  t.is(decoder.bufferedBytes, 20);
  t.is(decoder.push(bytes.subarray(20)).length, 1);
  t.is(decoder.bufferedBytes, 0);
});

test('payloads are views into the pushed chunk when the frame lies in one chunk', (t) => {
  const chunk = Buffer.concat([frameBytes(1n, Buffer.from('first')), frameBytes(2n, Buffer.from('second'))]);
  const frames = new FrameDecoder().push(chunk);
  t.is(frames.length, 2);
  for (const frame of frames) {
    t.is(frame.payload.buffer, chunk.buffer);
    t.is((decodePayload(frame) as Buffer).buffer, chunk.buffer, 'bytes inside are views too');
  }
  t.is(frames[1]!.payload.byteOffset, chunk.byteOffset + frames[0]!.payload.length + 2 * HEADER_SIZE);
});

test('empty frames (END, STATUS, CANCEL) come back with an empty payload', (t) => {
  const chunk = Buffer.concat([MessageType.END, MessageType.STATUS, MessageType.CANCEL].map((type) => encodeHeader(type, 4n, 0)));
  const frames = new FrameDecoder().push(chunk);
  t.deepEqual(
    frames.map((f) => [f.type, f.requestId, f.payload.length]),
    [
      [MessageType.END, 4n, 0],
      [MessageType.STATUS, 4n, 0],
      [MessageType.CANCEL, 4n, 0],
    ],
  );
  t.is(decodePayload(frames[0]!), null);
});

/** Frames and decodes everything; returns 'ok' or 'rejected', lets any other exception escape. */
function receive(pieces: readonly Buffer[]): 'ok' | 'rejected' {
  const decoder = new FrameDecoder();
  try {
    for (const piece of pieces) for (const frame of decoder.push(piece)) decodePayload(frame);
    decoder.end();
    return 'ok';
  } catch (error) {
    if (error instanceof DirtyProtocolError) return 'rejected';
    throw error;
  }
}

function splitRandomly(rng: Rng, bytes: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = 1 + randInt(rng, 40);
    pieces.push(bytes.subarray(at, at + n));
    at += n;
  }
  return pieces;
}

test('fuzz: random byte strings are decoded or rejected with DirtyProtocolError, nothing else', (t) => {
  const rng = mulberry32(1);
  const outcomes = { ok: 0, rejected: 0 };
  for (let i = 0; i < 3000; i++) {
    const noise = randomBytes(rng, randInt(rng, 64));
    // Half the cases get a valid header prefix so the payload decoder is exercised too.
    const bytes = i % 2 === 0 ? noise : Buffer.concat([encodeHeader(MessageType.RESPONSE, BigInt(i), noise.length), noise]);
    outcomes[receive(splitRandomly(rng, bytes))]++;
  }
  t.true(outcomes.rejected > 1000);
  t.true(outcomes.ok + outcomes.rejected === 3000);
});

test('fuzz: mutated valid frames are decoded or rejected with DirtyProtocolError, nothing else', (t) => {
  const rng = mulberry32(2);
  const seeds = [...validVectors.map((v) => v.bytes), ...Array.from({ length: 20 }, (_, i) => frameBytes(BigInt(i), randomValue(rng)))];
  const outcomes = { ok: 0, rejected: 0 };
  for (let i = 0; i < 4000; i++) {
    const bytes = Buffer.from(seeds[i % seeds.length]!);
    const mutations = 1 + randInt(rng, 3);
    let mutated = bytes;
    for (let m = 0; m < mutations; m++) {
      const at = randInt(rng, mutated.length);
      switch (randInt(rng, 4)) {
        case 0: // flip one byte, avoiding the header so most cases reach the TLV decoder
          mutated[Math.max(at, Math.min(HEADER_SIZE, mutated.length - 1))] = randInt(rng, 256);
          break;
        case 1: // flip anywhere
          mutated[at] = randInt(rng, 256);
          break;
        case 2: // truncate
          mutated = mutated.subarray(0, at);
          break;
        default: // insert a byte
          mutated = Buffer.concat([mutated.subarray(0, at), Buffer.of(randInt(rng, 256)), mutated.subarray(at)]);
      }
    }
    outcomes[receive(splitRandomly(rng, mutated))]++;
  }
  t.true(outcomes.ok > 100, `some mutations still decode (${outcomes.ok})`);
  t.true(outcomes.rejected > 1000, `most are rejected (${outcomes.rejected})`);
});

test('fuzz: many random frames in random chunks come back in order with their values', (t) => {
  const rng = mulberry32(3);
  const values = Array.from({ length: 300 }, () => randomValue(rng));
  const wire = Buffer.concat(values.map((v, i) => frameBytes(BigInt(i) * 0x1_0000_0001n, v)));
  const decoder = new FrameDecoder();
  const frames = splitRandomly(rng, wire).flatMap((piece) => decoder.push(piece));
  decoder.end();
  t.is(frames.length, values.length);
  frames.forEach((frame, i) => {
    t.is(frame.requestId, BigInt(i) * 0x1_0000_0001n);
    t.deepEqual(decodePayload(frame), values[i]);
  });
});

test('with onPieces, a payload spanning chunks comes as views of those chunks, in order; others still go to onFrame', (t) => {
  const rng = mulberry32(21);
  const big = randomBytes(rng, 200_000);
  const stream = Buffer.concat([frameBytes(1n, 'small'), encodeHeader(MessageType.RESPONSE, 2n, big.length), big, frameBytes(3n, [1, 2, 3])]);
  for (const step of [7, 1000, 65_536, 150_000, stream.length]) {
    const decoder = new FrameDecoder();
    const whole: bigint[] = [];
    const spanning: { id: bigint; pieces: Buffer[]; n: number }[] = [];
    const pushed: Buffer[] = [];
    for (let at = 0; at < stream.length; at += step) {
      const part = stream.subarray(at, at + step);
      const chunk = Buffer.alloc(part.length); // its own memory (never the shared pool), as a socket read gives
      part.copy(chunk);
      pushed.push(chunk);
      decoder.read(
        chunk,
        (_type, id) => whole.push(id),
        (_type, id, pieces, n) => spanning.push({ id, pieces, n }),
      );
    }
    t.is(decoder.bufferedBytes, 0);
    const all = [...whole, ...spanning.map((f) => f.id)].sort();
    t.deepEqual(all, [1n, 2n, 3n], `step ${step}`);
    for (const f of spanning) {
      t.true(f.pieces.length > 1, 'only a payload that spans chunks comes in pieces');
      t.is(
        f.n,
        f.pieces.reduce((sum, p) => sum + p.length, 0),
      );
      t.true(f.id === 2n ? Buffer.concat(f.pieces).equals(big) : true);
      for (const piece of f.pieces)
        t.true(
          pushed.some((c) => c.buffer === piece.buffer),
          'a piece is a view of a pushed chunk, not a copy',
        );
    }
    if (step >= stream.length) t.is(spanning.length, 0);
    // Socket-sized chunks keep their pieces; a payload trickling in small ones is assembled (frame-assemble.test.ts).
    else if (step <= 1000)
      t.false(
        spanning.some((f) => f.id === 2n),
        `step ${step}`,
      );
    else
      t.true(
        spanning.some((f) => f.id === 2n),
        `step ${step}`,
      );
  }
});
