// relayChunks: the arbiter's relay of a payload under a new id. The bytes are exactly relayHeader's
// header followed by the payload; a small payload is copied into one buffer, a large one referenced.
import { Buffer } from 'node:buffer';
import test from 'ava';
import { DirtyProtocolError } from '../../src/errors.js';
import { HEADER_SIZE, MessageType } from '../../src/protocol/constants.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { RELAY_COPY_BYTES, encodeMessage, relayChunks, relayHeader, type Frame } from '../../src/protocol/frame.js';

const ids = [0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, 2n ** 53n + 1n, 2n ** 64n - 1n];

test('the same bytes as relayHeader + payload, for every size class and id', (t) => {
  for (const size of [0, 1, 100, RELAY_COPY_BYTES - 1, RELAY_COPY_BYTES, RELAY_COPY_BYTES + 1, 70_000]) {
    const payload = Buffer.alloc(size, 0x61);
    const frame: Frame = { type: MessageType.RESPONSE, requestId: 9n, payload };
    for (const id of ids) {
      const chunks = relayChunks(frame.type, id, payload);
      t.true(Buffer.concat(chunks).equals(Buffer.concat([relayHeader(frame, id), payload])), `size ${size}, id ${id}`);
    }
  }
});

test('a small payload is one copied buffer; a large one is referenced, not copied', (t) => {
  const small = Buffer.alloc(RELAY_COPY_BYTES, 1);
  const one = relayChunks(MessageType.REQUEST, 5n, small);
  t.is(one.length, 1);
  t.is(one[0]!.length, HEADER_SIZE + RELAY_COPY_BYTES);
  small[0] = 2;
  t.is(one[0]![HEADER_SIZE], 1, 'a copy: later changes of the source do not show');
  const large = Buffer.alloc(RELAY_COPY_BYTES + 1, 1);
  const two = relayChunks(MessageType.REQUEST, 5n, large);
  t.is(two.length, 2);
  t.is(two[0]!.length, HEADER_SIZE);
  t.is(two[1], large, 'the payload itself');
});

test('a relayed frame decodes to the original payload under the new id', (t) => {
  const [original] = new FrameDecoder().push(Buffer.concat(encodeMessage(MessageType.CHUNK, 77n, { data: [1, 'two'] })));
  for (const id of ids) {
    const [again] = new FrameDecoder().push(Buffer.concat(relayChunks(original!.type, id, original!.payload)));
    t.is(again!.requestId, id);
    t.is(again!.type, MessageType.CHUNK);
    t.true(again!.payload.equals(original!.payload));
  }
});

test('bad header fields are refused as by encodeHeader', (t) => {
  t.throws(() => relayChunks(MessageType.REQUEST, -1n, Buffer.alloc(1)), { instanceOf: DirtyProtocolError });
  t.throws(() => relayChunks(MessageType.REQUEST, 2n ** 64n, Buffer.alloc(1)), { instanceOf: DirtyProtocolError });
  t.throws(() => relayChunks(0x7f as MessageType, 1n, Buffer.alloc(1)), { instanceOf: DirtyProtocolError });
});
