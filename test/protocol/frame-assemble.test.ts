// FrameDecoder's `assemble` option: a payload of those types that spans chunks is copied into one
// buffer as the chunks arrive and handed to onFrame; other types keep their pieces; the state around it
// (bufferedBytes, end of stream, a handler that throws) is as for any frame.
import { Buffer } from 'node:buffer';
import test from 'ava';
import { DirtyProtocolError } from '../../src/errors.js';
import { HEADER_SIZE, MessageType } from '../../src/protocol/constants.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { encodeMessage } from './helpers.js';
import { mulberry32, randInt, randomBytes } from './helpers.js';

const STASH_ONLY = new Set<MessageType>([MessageType.STASH]);

interface Seen {
  readonly kind: 'frame' | 'pieces';
  readonly type: number;
  readonly id: bigint;
  readonly payload: Buffer;
}

function collector(): { seen: Seen[]; onFrame: Parameters<FrameDecoder['read']>[1]; onPieces: Parameters<FrameDecoder['read']>[2] } {
  const seen: Seen[] = [];
  return {
    seen,
    onFrame: (type, id, buf, start, end) => seen.push({ kind: 'frame', type, id, payload: Buffer.from(buf.subarray(start, end)) }),
    onPieces: (type, id, pieces) => seen.push({ kind: 'pieces', type, id, payload: Buffer.concat(pieces) }),
  };
}

test('an assembled type arrives whole through onFrame, whatever the chunking; other types keep their pieces', (t) => {
  const rng = mulberry32(7);
  const big = randomBytes(rng, 300_000);
  const frames = [
    Buffer.concat(encodeMessage(MessageType.STASH, 1n, { op: 1, table: 't', key: 'k', value: big })),
    Buffer.concat(encodeMessage(MessageType.REQUEST, 2n, { app_path: 'a', action: 'x', args: [big] })),
    Buffer.concat(encodeMessage(MessageType.STASH, 3n, { op: 2, table: 't', key: 'k' })),
  ];
  const stream = Buffer.concat(frames);
  for (let round = 0; round < 20; round++) {
    const decoder = new FrameDecoder({ assemble: STASH_ONLY });
    const c = collector();
    for (let at = 0; at < stream.length;) {
      const next = Math.min(stream.length, at + 1 + randInt(rng, 70_000));
      decoder.read(stream.subarray(at, next), c.onFrame, c.onPieces);
      at = next;
    }
    t.deepEqual(
      c.seen.map((s) => s.id),
      [1n, 2n, 3n],
    );
    t.is(c.seen[0]?.kind, 'frame');
    t.is(c.seen[1]?.kind, 'pieces', 'a 300 KB REQUEST always spans chunks of at most 70 KB');
    t.is(c.seen[2]?.kind, 'frame');
    c.seen.forEach((s, i) => t.true(s.payload.equals(frames[i]?.subarray(HEADER_SIZE) ?? Buffer.alloc(0))));
    t.is(decoder.bufferedBytes, 0);
  }
});

test('while a payload is assembled, bufferedBytes counts it; a stream that ends inside it is an error', (t) => {
  const frame = Buffer.concat(encodeMessage(MessageType.STASH, 9n, { value: Buffer.alloc(10_000, 1) }));
  const decoder = new FrameDecoder({ assemble: STASH_ONLY });
  const c = collector();
  decoder.read(frame.subarray(0, 4000), c.onFrame, c.onPieces);
  t.is(decoder.bufferedBytes, 4000);
  decoder.read(frame.subarray(4000, 7000), c.onFrame, c.onPieces);
  t.is(decoder.bufferedBytes, 7000);
  t.deepEqual(c.seen, []);
  t.throws(() => decoder.end(), {
    instanceOf: DirtyProtocolError,
    message: new RegExp(`${7000 - HEADER_SIZE} of ${frame.length - HEADER_SIZE} payload bytes`),
  });
});

test('a handler that throws on an assembled frame loses nothing that follows it', (t) => {
  const first = Buffer.concat(encodeMessage(MessageType.STASH, 1n, { value: Buffer.alloc(5000, 1) }));
  const second = Buffer.concat(encodeMessage(MessageType.STASH, 2n, { op: 9 }));
  const decoder = new FrameDecoder({ assemble: STASH_ONLY });
  const ids: bigint[] = [];
  decoder.read(first.subarray(0, 100), () => undefined);
  t.throws(
    () => {
      decoder.read(Buffer.concat([first.subarray(100), second]), (_type, id) => {
        ids.push(id);
        if (id === 1n) throw new Error('handler failed');
      });
    },
    { message: 'handler failed' },
  );
  decoder.read(Buffer.alloc(0), (_type, id) => ids.push(id));
  t.deepEqual(ids, [1n, 2n]);
  t.is(decoder.bufferedBytes, 0);
});

test('a payload trickling in as many small chunks is copied into one buffer as it comes (each kept chunk would cost far more than its bytes)', (t) => {
  const big = Buffer.alloc(100_000, 3);
  const frame = Buffer.concat(encodeMessage(MessageType.REQUEST, 5n, { app_path: 'a', action: 'x', args: [big] }));
  for (const step of [1, 7, 1000]) {
    const decoder = new FrameDecoder();
    const c = collector();
    for (let at = 0; at < frame.length; at += step) decoder.read(Buffer.from(frame.subarray(at, at + step)), c.onFrame, c.onPieces);
    t.is(c.seen.length, 1);
    t.is(c.seen[0]?.kind, 'frame', `step ${step}: arrives whole`);
    t.true(c.seen[0]?.payload.equals(frame.subarray(HEADER_SIZE)));
    t.is(decoder.bufferedBytes, 0);
  }
  // Socket-sized chunks keep their pieces: nothing is copied.
  const decoder = new FrameDecoder();
  const c = collector();
  for (let at = 0; at < frame.length; at += 16_384) decoder.read(Buffer.from(frame.subarray(at, at + 16_384)), c.onFrame, c.onPieces);
  t.is(c.seen[0]?.kind, 'pieces');
});

test('into() / wrote(): bytes read straight into the payload being assembled complete it like read() would, mixed with chunks in any order', (t) => {
  const rng = mulberry32(11);
  const big = randomBytes(rng, 200_000);
  const frames = [
    Buffer.concat(encodeMessage(MessageType.STASH, 1n, { op: 1, table: 't', key: 'k', value: big })),
    Buffer.concat(encodeMessage(MessageType.STASH, 2n, { op: 2, table: 't', key: 'small' })),
    Buffer.concat(encodeMessage(MessageType.STASH, 3n, { op: 1, table: 't', key: 'k2', value: big.subarray(0, 90_000) })),
  ];
  const stream = Buffer.concat(frames);
  for (let round = 0; round < 20; round++) {
    const decoder = new FrameDecoder({ assemble: STASH_ONLY });
    const { seen, onFrame } = collector();
    let at = 0;
    let direct = 0;
    while (at < stream.length) {
      const into = decoder.into();
      const n = Math.min(stream.length - at, 1 + randInt(rng, 70_000));
      if (into !== null && randInt(rng, 2) === 1) {
        // What a socket reading straight into the payload does: at most into()'s length.
        const k = Math.min(n, into.length);
        stream.copy(into, 0, at, at + k);
        decoder.wrote(k, onFrame);
        at += k;
        direct++;
      } else {
        decoder.read(stream.subarray(at, at + n), onFrame);
        at += n;
      }
    }
    t.is(decoder.bufferedBytes, 0);
    t.deepEqual(
      seen.map((s) => s.id),
      [1n, 2n, 3n],
    );
    t.true(seen.every((s, i) => s.payload.equals((frames[i] as Buffer).subarray(HEADER_SIZE))));
    if (round === 19) t.true(direct > 0, 'some bytes went straight into a payload');
  }
});

test('into() is null between frames and for a payload not assembled; wrote() outside into() is a RangeError', (t) => {
  const decoder = new FrameDecoder({ assemble: STASH_ONLY });
  const { onFrame } = collector();
  t.is(decoder.into(), null);
  t.throws(() => decoder.wrote(1, onFrame), { instanceOf: RangeError });
  const req = Buffer.concat(encodeMessage(MessageType.REQUEST, 5n, { app_path: 'a', action: 'x', args: ['y'.repeat(1000)] }));
  decoder.read(req.subarray(0, 100), onFrame);
  t.is(decoder.into(), null, 'a REQUEST is not an assembled type here');
  const stash = Buffer.concat(encodeMessage(MessageType.STASH, 6n, { op: 1, table: 't', key: 'k', value: 'v'.repeat(1000) }));
  const d2 = new FrameDecoder({ assemble: STASH_ONLY });
  d2.read(stash.subarray(0, 100), onFrame);
  const into = d2.into();
  t.is(into?.length, stash.length - 100);
  t.throws(() => d2.wrote(stash.length, onFrame), { instanceOf: RangeError });
});
