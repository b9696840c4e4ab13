// FrameBatch: frames encoded back to back into slabs. Its chunks must hold exactly the bytes of the
// same frames encoded one by one (encodeMessage / relayChunks), large byte values referenced and not
// copied, and a frame that cannot be encoded must leave nothing behind.
import { Buffer } from 'node:buffer';
import test from 'ava';
import { DirtyProtocolError } from '../../src/errors.js';
import { HEADER_SIZE, MessageType } from '../../src/protocol/constants.js';
import { ZERO_COPY_BYTES } from '../../src/protocol/tlv-kinds.js';
import { FrameBatch, RELAY_COPY_MAX } from '../../src/protocol/frame-batch.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { encodeHeader } from '../../src/protocol/frame.js';
import { encodeMessage, mulberry32, randInt, randomValue } from './helpers.js';

const ids = [0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, 2n ** 64n - 1n];
const big = Buffer.alloc(ZERO_COPY_BYTES, 7);
const values: unknown[] = [null, 1, -2.5, 'x'.repeat(64), 'é日本', [1, [2, { a: 'b' }]], { k: Buffer.alloc(10, 1) }, { big }, [big, 'tail', big]];

test('message(): the bytes of encodeMessage, for every value, id and slab size', (t) => {
  for (const slab of [0, 64, 64 * 1024]) {
    for (const id of ids) {
      for (const value of [...values, undefined]) {
        const b = new FrameBatch(slab);
        b.message(MessageType.RESPONSE, id, value);
        t.true(Buffer.concat(b.take()).equals(Buffer.concat(encodeMessage(MessageType.RESPONSE, id, value))), `slab ${slab}, id ${id}`);
      }
    }
  }
});

test('fields(): the bytes of the dict it stands for', (t) => {
  const keys = ['app_path', 'action', 'args', 'kwargs'];
  const vals = ['app', 'act', [1, 'two', big], { x: null }];
  const b = new FrameBatch(4096);
  b.fields(MessageType.REQUEST, 9n, keys, vals);
  const want = encodeMessage(MessageType.REQUEST, 9n, { app_path: 'app', action: 'act', args: [1, 'two', big], kwargs: { x: null } }, '');
  t.true(Buffer.concat(b.take()).equals(Buffer.concat(want)));
});

test('many frames back to back: one chunk list with every frame in order; large bytes referenced, not copied', (t) => {
  const rand = mulberry32(7);
  for (const slab of [0, 256, 64 * 1024]) {
    const b = new FrameBatch(slab);
    const want: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const pick = randInt(rand, 4);
      const id = BigInt(i);
      if (pick === 0) {
        b.message(MessageType.CHUNK, id, { data: big });
        want.push(...encodeMessage(MessageType.CHUNK, id, { data: big }));
      } else if (pick === 1) {
        const payload = Buffer.alloc(randInt(rand, RELAY_COPY_MAX + 100), i & 0xff);
        b.relay(MessageType.RESPONSE, id, payload);
        want.push(encodeHeader(MessageType.RESPONSE, id, payload.length), payload);
      } else if (pick === 2) {
        b.message(MessageType.END, id);
        want.push(...encodeMessage(MessageType.END, id));
      } else {
        const v = randomValue(rand);
        b.message(MessageType.RESPONSE, id, v);
        want.push(...encodeMessage(MessageType.RESPONSE, id, v));
      }
    }
    t.is(b.bytes, Buffer.concat(want).length);
    const out = b.take();
    t.true(Buffer.concat(out).equals(Buffer.concat(want)), `slab ${slab}`);
    t.true(
      out.some((c) => c === big),
      'the large value itself is a chunk',
    );
    t.is(b.bytes, 0);
    t.deepEqual(b.take(), [], 'take() empties the batch');
  }
});

test('relay(): the bytes of a header and the payload, for every size class, id and range', (t) => {
  for (const size of [0, 1, 100, RELAY_COPY_MAX, RELAY_COPY_MAX + 1, 70_000]) {
    const payload = Buffer.alloc(size, 0x61);
    const chunk = Buffer.concat([Buffer.from('before'), payload, Buffer.from('after')]);
    for (const id of ids) {
      const want = Buffer.concat([encodeHeader(MessageType.RESPONSE, id, size), payload]);
      const whole = new FrameBatch(1024);
      whole.relay(MessageType.RESPONSE, id, payload);
      t.true(Buffer.concat(whole.take()).equals(want), `size ${size}, id ${id}`);
      const ranged = new FrameBatch(1024);
      ranged.relay(MessageType.RESPONSE, id, chunk, 6, 6 + size);
      t.true(Buffer.concat(ranged.take()).equals(want), `size ${size}, id ${id}, range`);
    }
  }
});

test('relay(): a relayed frame decodes to the original payload under the new id', (t) => {
  const [original] = new FrameDecoder().push(Buffer.concat(encodeMessage(MessageType.CHUNK, 77n, { data: [1, 'two'] })));
  for (const id of ids) {
    const b = new FrameBatch();
    b.relay(original!.type, id, original!.payload);
    const [again] = new FrameDecoder().push(Buffer.concat(b.take()));
    t.is(again!.requestId, id);
    t.is(again!.type, MessageType.CHUNK);
    t.true(again!.payload.equals(original!.payload));
  }
});

test('relay(): bad header fields are refused as by encodeHeader, and nothing is written', (t) => {
  const b = new FrameBatch();
  t.throws(() => b.relay(MessageType.REQUEST, -1n, Buffer.alloc(1)), { instanceOf: DirtyProtocolError });
  t.throws(() => b.relay(MessageType.REQUEST, 2n ** 64n, Buffer.alloc(1)), { instanceOf: DirtyProtocolError });
  t.throws(() => b.relay(0x7f as MessageType, 1n, Buffer.alloc(1)), { instanceOf: DirtyProtocolError });
  t.is(b.bytes, 0);
});

test('relay(): a small payload is copied (later changes do not show), a large one referenced', (t) => {
  const b = new FrameBatch(1024);
  const small = Buffer.alloc(100, 1);
  const large = Buffer.alloc(RELAY_COPY_MAX + 1, 2);
  b.relay(MessageType.REQUEST, 5n, small);
  b.relay(MessageType.REQUEST, 6n, large);
  small[0] = 9;
  const out = b.take();
  t.is(out[0]![HEADER_SIZE], 1);
  t.true(out.includes(large));
});

test('relayPieces(): a header and the pieces joined, between other frames; small pieces copied, large ones referenced', (t) => {
  const rand = mulberry32(3);
  for (const sizes of [[], [1], [10, 20, 30], [RELAY_COPY_MAX + 1, 5], [65_536, 65_536, 1000], [300, RELAY_COPY_MAX, RELAY_COPY_MAX + 1]]) {
    const pieces = sizes.map((n) => Buffer.from(Array.from({ length: n }, () => randInt(rand, 256))));
    const payload = Buffer.concat(pieces);
    for (const slab of [0, 256, 64 * 1024]) {
      const b = new FrameBatch(slab);
      b.message(MessageType.RESPONSE, 1n, 'before');
      b.relayPieces(MessageType.RESPONSE, 2n ** 40n, pieces);
      b.message(MessageType.RESPONSE, 3n, 'after');
      const out = b.take();
      const want = Buffer.concat([
        ...encodeMessage(MessageType.RESPONSE, 1n, 'before'),
        encodeHeader(MessageType.RESPONSE, 2n ** 40n, payload.length),
        payload,
        ...encodeMessage(MessageType.RESPONSE, 3n, 'after'),
      ]);
      t.true(Buffer.concat(out).equals(want), `sizes ${sizes.join(',')}, slab ${slab}`);
      for (const piece of pieces) t.is(out.includes(piece), piece.length > RELAY_COPY_MAX, `piece of ${piece.length} referenced only when large`);
    }
  }
  const b = new FrameBatch();
  t.throws(() => b.relayPieces(0x7f as MessageType, 1n, [Buffer.alloc(1)]), { instanceOf: DirtyProtocolError });
  t.is(b.bytes, 0);
});

test('chunks(): pre-encoded frames, small ones copied, large ones referenced', (t) => {
  const b = new FrameBatch(512);
  const frame = encodeMessage(MessageType.RESPONSE, 3n, { result: 'ok' });
  const bigFrame = encodeMessage(MessageType.RESPONSE, 4n, { result: big });
  b.chunks(frame);
  b.chunks(bigFrame);
  const out = b.take();
  t.true(Buffer.concat(out).equals(Buffer.concat([...frame, ...bigFrame])));
  t.true(out.includes(big));
});

test('an unencodable value throws and leaves the batch as it was', (t) => {
  for (const slab of [0, 64, 4096]) {
    const b = new FrameBatch(slab);
    b.message(MessageType.RESPONSE, 1n, { result: 'before' });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    t.throws(() => b.message(MessageType.RESPONSE, 2n, { result: cyclic }), { instanceOf: DirtyProtocolError, message: /circular/ });
    t.throws(() => b.fields(MessageType.RESPONSE, 2n, ['result'], [() => 1]), { instanceOf: DirtyProtocolError, message: /result/ });
    t.throws(() => b.fields(MessageType.RESPONSE, 2n, ['result'], [[big, Symbol('s')]]), { instanceOf: DirtyProtocolError });
    t.throws(() => b.message(0x7f as MessageType, 2n, null), { instanceOf: DirtyProtocolError });
    b.message(MessageType.RESPONSE, 3n, { result: 'after' });
    const want = [...encodeMessage(MessageType.RESPONSE, 1n, { result: 'before' }), ...encodeMessage(MessageType.RESPONSE, 3n, { result: 'after' })];
    t.true(Buffer.concat(b.take()).equals(Buffer.concat(want)), `slab ${slab}`);
  }
});

/** A dict whose `grows` getter returns a longer string from its second read on. */
function growingGetter(): { shifty: { readonly grows: string }; reads: () => number } {
  let count = 0;
  const shifty = {
    get grows(): string {
      count++;
      return count === 1 ? 'short' : 'a much longer string than measured';
    },
  };
  return { shifty, reads: () => count };
}

test('a value that changes while it is written (a getter) throws and leaves nothing of its frame', (t) => {
  // Slab 0: every frame needs a new slab, so the two-pass encoder runs (size pass, then write pass).
  const b = new FrameBatch(0);
  b.message(MessageType.RESPONSE, 1n, 'first');
  const { shifty } = growingGetter();
  t.throws(() => b.message(MessageType.RESPONSE, 2n, shifty), { instanceOf: DirtyProtocolError, message: /changed while it was being encoded/ });
  t.true(Buffer.concat(b.take()).equals(Buffer.concat(encodeMessage(MessageType.RESPONSE, 1n, 'first'))));
});

test('with room in the slab, the one-pass encoder reads a getter once and writes what it read', (t) => {
  const b = new FrameBatch(4096);
  b.message(MessageType.RESPONSE, 1n, 'first');
  const { shifty, reads } = growingGetter();
  b.message(MessageType.RESPONSE, 2n, shifty);
  t.is(reads(), 1);
  const want = [...encodeMessage(MessageType.RESPONSE, 1n, 'first'), ...encodeMessage(MessageType.RESPONSE, 2n, { grows: 'short' })];
  t.true(Buffer.concat(b.take()).equals(Buffer.concat(want)));
});

test('a getter that encodes into the same batch while a frame is being written is refused; the batch stays intact', (t) => {
  const b = new FrameBatch(4096);
  let inner: unknown = 'not reached';
  const sneaky = {
    get value(): string {
      try {
        b.message(MessageType.RESPONSE, 99n, 'nested');
        inner = 'encoded';
      } catch (error) {
        inner = error;
      }
      return 'outer';
    },
  };
  b.message(MessageType.RESPONSE, 1n, sneaky);
  t.true(inner instanceof DirtyProtocolError);
  t.regex((inner as Error).message, /while another one is being encoded/);
  t.true(Buffer.concat(b.take()).equals(Buffer.concat(encodeMessage(MessageType.RESPONSE, 1n, { value: 'outer' }))));
});
