// Frame encoding: the 16-byte header, messages as write-ready chunks (one chunk when small, large
// byte values referenced, not copied), relay headers and header validation.
import { Buffer } from 'node:buffer';
import test from 'ava';
import { DirtyProtocolError } from '../../src/errors.js';
import { HEADER_SIZE, MAX_PAYLOAD_BYTES, MessageType, messageTypeName } from '../../src/protocol/constants.js';
import { ZERO_COPY_BYTES } from '../../src/protocol/tlv-kinds.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { FrameBatch } from '../../src/protocol/frame-batch.js';
import { decodeHeader, decodePayload, encodeHeader, type Frame } from '../../src/protocol/frame.js';
import { encodeMessage } from './helpers.js';
import { encodeValue } from '../../src/protocol/tlv.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('encodeHeader writes magic, version, type, length and id big-endian (gunicorn END example)', (t) => {
  t.is(hex(encodeHeader(MessageType.END, 1n, 0)), '47440105000000000000000000000001');
  t.is(hex(encodeHeader(MessageType.CANCEL, 0xffff_ffff_ffff_ffffn, MAX_PAYLOAD_BYTES)), '4744012004000000ffffffffffffffff');
  t.is(hex(encodeHeader(MessageType.MANAGE, 0x1_0000_0000n, 0x0102_0304)), '4744011201020304' + '0000000100000000');
  t.is(hex(encodeHeader(MessageType.STASH, 0xffff_ffffn, 5)), '474401100000000500000000ffffffff');
});

const requestIds = [0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n];

test('request ids survive encodeHeader -> decodeHeader at the 32-, 53- and 64-bit edges', (t) => {
  for (const id of requestIds) {
    const header = decodeHeader(encodeHeader(MessageType.REQUEST, id, 7));
    t.is(header.requestId, id, String(id));
    t.is(header.payloadLength, 7);
    t.is(header.type, MessageType.REQUEST);
  }
});

test('a relay keeps request ids as RequestIds: numbers up to 2^53 - 1, bigints above; the same header bytes either way', (t) => {
  const decoder = FrameDecoder.numeric();
  const seen: (number | bigint)[] = [];
  const wire = Buffer.concat(requestIds.map((id) => encodeHeader(MessageType.END, id, 0)));
  // One byte at a time too: a header split across reads decodes to the same id.
  for (const chunks of [[wire], [...wire].map((b) => Buffer.from([b]))]) {
    seen.length = 0;
    for (const c of chunks) decoder.read(c, (_type, id) => seen.push(id));
    t.deepEqual(
      seen,
      requestIds.map((id) => (id < 2n ** 53n ? Number(id) : id)),
    );
  }
  for (const id of requestIds) {
    if (id >= 2n ** 53n) continue;
    t.is(hex(encodeHeader(MessageType.END, Number(id), 0)), hex(encodeHeader(MessageType.END, id, 0)), String(id));
    t.is(decodeHeader(encodeHeader(MessageType.END, Number(id), 0)).requestId, id);
  }
});

test('encodeHeader and encodeMessage reject bad ids, types and lengths', (t) => {
  const bad: readonly (() => unknown)[] = [
    () => encodeHeader(MessageType.END, -1n, 0),
    () => encodeHeader(MessageType.END, 2n ** 64n, 0),
    () => encodeHeader(MessageType.END, -1, 0),
    () => encodeHeader(MessageType.END, 1.5, 0),
    () => encodeHeader(MessageType.END, 2 ** 53, 0),
    () => encodeHeader(MessageType.END, '1' as unknown as bigint, 0),
    () => encodeHeader(0x7f as MessageType, 1n, 0),
    () => encodeHeader(MessageType.END, 1n, MAX_PAYLOAD_BYTES + 1),
    () => encodeHeader(MessageType.END, 1n, -1),
    () => encodeHeader(MessageType.END, 1n, 1.5),
    () => encodeMessage(MessageType.END, 2n ** 64n),
    () => encodeMessage(0 as MessageType, 1n, { a: 1 }),
  ];
  for (const [i, fn] of bad.entries()) t.throws(fn, { instanceOf: DirtyProtocolError }, `case ${i}`);
});

test('decodeHeader names the bad field and honours offset and limit', (t) => {
  const good = encodeHeader(MessageType.CHUNK, 9n, 100);
  const padded = Buffer.concat([Buffer.from('ffff', 'hex'), good]);
  t.is(decodeHeader(padded, 2).requestId, 9n);
  t.throws(() => decodeHeader(good, 0, 99), { instanceOf: DirtyProtocolError, message: /CHUNK payload of 100 bytes exceeds the limit of 99/ });
  t.throws(() => decodeHeader(good.subarray(0, 15)), { instanceOf: DirtyProtocolError, message: /15 bytes, expected 16/ });
  const patch = (at: number, byte: number): Buffer => {
    const copy = Buffer.from(good);
    copy[at] = byte;
    return copy;
  };
  t.throws(() => decodeHeader(patch(0, 0x48)), { message: /bad magic 0x4844/ });
  t.throws(() => decodeHeader(patch(2, 0)), { message: /version 0/ });
  t.throws(() => decodeHeader(patch(3, 0x13)), { message: /message type 0x13/ });
});

test('every message type is accepted, everything else is not', (t) => {
  const known = new Set<number>(Object.values(MessageType));
  for (let type = 0; type < 256; type++) {
    const header = Buffer.from(encodeHeader(MessageType.END, 1n, 0));
    header[3] = type;
    if (known.has(type)) {
      const decoded: number = decodeHeader(header).type;
      t.is(decoded, type);
    } else t.throws(() => decodeHeader(header), { instanceOf: DirtyProtocolError }, `type ${type}`);
  }
  t.is(messageTypeName(MessageType.CANCEL), 'CANCEL');
  t.is(messageTypeName(0x7f), '0x7f');
});

test('encodeMessage: undefined is an empty payload, null is a None payload', (t) => {
  t.deepEqual(encodeMessage(MessageType.STATUS, 3n).map(hex), ['47440111000000000000000000000003']);
  t.deepEqual(encodeMessage(MessageType.RESPONSE, 3n, null).map(hex), ['4744010200000001000000000000000300']);
});

test('encodeMessage: a small message is one chunk holding header and payload', (t) => {
  const value = { result: [1, 'two', Buffer.alloc(ZERO_COPY_BYTES - 1, 7)] };
  const chunks = encodeMessage(MessageType.RESPONSE, 5n, value);
  t.is(chunks.length, 1);
  const [chunk] = chunks;
  t.is(chunk!.length, HEADER_SIZE + encodeValue(value).length);
  t.true(chunk!.subarray(HEADER_SIZE).equals(encodeValue(value)));
  t.is(decodeHeader(chunk!).payloadLength, chunk!.length - HEADER_SIZE);
});

test('encodeMessage: byte values >= 64 KiB are referenced, not copied', (t) => {
  const big = Buffer.alloc(ZERO_COPY_BYTES, 0xab);
  const huge = new Uint8Array(ZERO_COPY_BYTES * 3).fill(0xcd);
  const value = { result: { first: big, mid: 'between', second: huge, tail: [1, 2] } };
  const chunks = encodeMessage(MessageType.RESPONSE, 11n, value);
  t.is(chunks.length, 5, 'header+pieces, big, piece, huge, tail');
  t.is(chunks[1], big, 'the Buffer itself');
  t.is(chunks[3]!.buffer, huge.buffer, 'a view over the Uint8Array memory');
  t.is(chunks[3]!.byteOffset, huge.byteOffset);
  t.is(chunks[3]!.length, huge.length);
  const joined = Buffer.concat(chunks);
  t.true(joined.subarray(HEADER_SIZE).equals(encodeValue(value)), 'same bytes as the copying encoder');
  t.is(decodeHeader(joined).payloadLength, joined.length - HEADER_SIZE);
  const [frame] = new FrameDecoder().push(joined);
  t.deepEqual(decodePayload(frame!), { result: { first: big, mid: 'between', second: Buffer.from(huge), tail: [1, 2] } });
});

test('encodeMessage: a large byte value at the very end leaves no empty trailing chunk', (t) => {
  const big = Buffer.alloc(ZERO_COPY_BYTES + 1, 1);
  const chunks = encodeMessage(MessageType.CHUNK, 1n, big);
  t.is(chunks.length, 2);
  t.is(chunks[0]!.length, HEADER_SIZE + 5);
  t.is(chunks[1], big);
  t.true(chunks.every((c) => c.length > 0));
});

test('FrameBatch.relay forwards a payload under another id without touching it', (t) => {
  const [original] = new FrameDecoder().push(Buffer.concat(encodeMessage(MessageType.REQUEST, 77n, { a: [1, 2, 3] })));
  const frame = original!;
  const relayOf = (f: Frame, id: bigint): Buffer => {
    const b = new FrameBatch();
    b.relay(f.type, id, f.payload);
    return Buffer.concat(b.take());
  };
  for (const id of requestIds) {
    const relayed = relayOf(frame, id);
    const [again] = new FrameDecoder().push(relayed);
    t.is(again!.requestId, id);
    t.is(again!.type, MessageType.REQUEST);
    t.true(again!.payload.equals(frame.payload));
  }
  const empty: Frame = { type: MessageType.END, requestId: 1n, payload: Buffer.alloc(0) };
  t.is(hex(relayOf(empty, 2n)), '47440105000000000000000000000002');
});

test('decodePayload: empty payload is null, anything else is the decoded TLV value', (t) => {
  t.is(decodePayload({ payload: Buffer.alloc(0) }), null);
  t.deepEqual(decodePayload({ payload: encodeValue({ data: 'x' }) }), { data: 'x' });
  t.throws(() => decodePayload({ payload: Buffer.of(0x00, 0x00) }), { instanceOf: DirtyProtocolError, message: /trailing/ });
});

test('a 1 MiB byte value goes out as the caller buffer itself and comes back as a view', (t) => {
  const blob = Buffer.alloc(1024 * 1024, 0x5a);
  const chunks = encodeMessage(MessageType.RESPONSE, 1n, { result: blob });
  t.true(chunks.includes(blob));
  const wire = Buffer.concat(chunks);
  const [frame] = new FrameDecoder().push(wire);
  const decoded = (decodePayload(frame!) as { result: Buffer }).result;
  t.is(decoded.buffer, wire.buffer);
  t.true(decoded.equals(blob));
});
