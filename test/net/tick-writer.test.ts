// TickWriter: the frames of one tick (or one turn of the event loop) leave in one write however many they are, or at once past
// 256 KiB; what it writes is exactly the frames, in order. A stand-in socket records
// the writes (no real socket: the batching is the subject here).
import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import test from 'ava';
import { TickWriter } from '../../src/net/tick-writer.js';
import { MessageType } from '../../src/protocol/constants.js';
import { encodeHeader } from '../../src/protocol/frame.js';
import { encodeMessage } from '../protocol/helpers.js';

class Recorder {
  destroyed = false;
  writableLength = 0;
  /** One entry per write reaching the socket (corked writes count as one). */
  readonly writes: Buffer[] = [];
  #corked: Buffer[] | null = null;
  write(chunk: Buffer): boolean {
    if (this.#corked === null) this.writes.push(Buffer.from(chunk));
    else this.#corked.push(Buffer.from(chunk));
    return true;
  }
  cork(): void {
    this.#corked = [];
  }
  uncork(): void {
    if (this.#corked !== null) this.writes.push(Buffer.concat(this.#corked));
    this.#corked = null;
  }
}

function setup(): { socket: Recorder; writer: TickWriter } {
  const socket = new Recorder();
  return { socket, writer: new TickWriter(socket as unknown as Socket) };
}

const tick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));
const frame = (i: number): Buffer => Buffer.concat(encodeMessage(MessageType.RESPONSE, BigInt(i), { result: i }));

test('the frames of one tick leave together at the end of the tick', async (t) => {
  const { socket, writer } = setup();
  for (let i = 0; i < 3; i++) writer.fields(MessageType.RESPONSE, BigInt(i), ['result'], [i]);
  t.is(socket.writes.length, 0);
  await tick();
  t.is(socket.writes.length, 1);
  t.true(socket.writes[0]?.equals(Buffer.concat([frame(0), frame(1), frame(2)])));
});

test('however many frames a tick encodes, they leave in one write at its end', async (t) => {
  const { socket, writer } = setup();
  const n = 200;
  for (let i = 0; i < n; i++) writer.fields(MessageType.RESPONSE, BigInt(i), ['result'], [i]);
  t.is(socket.writes.length, 0);
  await tick();
  t.is(socket.writes.length, 1);
  t.true(socket.writes[0]?.equals(Buffer.concat(Array.from({ length: n }, (_, i) => frame(i)))));
  // The next tick's frames make the next write.
  writer.fields(MessageType.RESPONSE, 999n, ['result'], [999]);
  t.is(socket.writes.length, 1);
  await tick();
  t.is(socket.writes.length, 2);
});

test('a large batch is written as soon as it passes 256 KiB', (t) => {
  const { socket, writer } = setup();
  const big = 'x'.repeat(200 * 1024);
  writer.fields(MessageType.RESPONSE, 1n, ['result'], [big]);
  t.is(socket.writes.length, 0);
  writer.fields(MessageType.RESPONSE, 2n, ['result'], [big]);
  t.is(socket.writes.length, 1);
  t.true(
    socket.writes[0]?.equals(
      Buffer.concat([...encodeMessage(MessageType.RESPONSE, 1n, { result: big }), ...encodeMessage(MessageType.RESPONSE, 2n, { result: big })]),
    ),
  );
});

test('nothing is written to a destroyed socket', async (t) => {
  const { socket, writer } = setup();
  socket.destroyed = true;
  for (let i = 0; i < 20; i++) t.is(writer.fields(MessageType.RESPONSE, BigInt(i), ['result'], [i]), 0);
  await tick();
  t.is(socket.writes.length, 0);
});

test('relay of a payload in pieces: one header and the pieces, at the end of the tick', async (t) => {
  const { socket, writer } = setup();
  const pieces = [Buffer.from('ab'), Buffer.alloc(20_000, 1), Buffer.from('c')];
  writer.relay(MessageType.CHUNK, 9n, pieces);
  writer.relay(MessageType.CHUNK, 10n, Buffer.from('whole'));
  await tick();
  t.is(socket.writes.length, 1);
  const payload = Buffer.concat(pieces);
  t.true(
    socket.writes[0]?.equals(
      Buffer.concat([encodeHeader(MessageType.CHUNK, 9n, payload.length), payload, encodeHeader(MessageType.CHUNK, 10n, 5), Buffer.from('whole')]),
    ),
  );
});

test("flushAt 'turn': frames written in later callbacks of the same turn of the event loop join the same write", async (t) => {
  const socket = new Recorder();
  const writer = new TickWriter(socket as unknown as Socket, { flushAt: 'turn' });
  writer.fields(MessageType.RESPONSE, 1n, ['result'], [1]);
  // The end of the tick (another socket's data callback of the same turn would come after it).
  await tick();
  t.is(socket.writes.length, 0);
  writer.fields(MessageType.RESPONSE, 2n, ['result'], [2]);
  await new Promise<void>((resolve) => setImmediate(resolve));
  t.is(socket.writes.length, 1);
  t.true(socket.writes[0]?.equals(Buffer.concat([frame(1), frame(2)])));
});

test('maxFrames: every that many frames leave at once, the rest at the end of the tick, all in order', async (t) => {
  const socket = new Recorder();
  const writer = new TickWriter(socket as unknown as Socket, { maxFrames: 4 });
  for (let i = 0; i < 3; i++) writer.fields(MessageType.RESPONSE, BigInt(i), ['result'], [i]);
  t.is(socket.writes.length, 0);
  writer.fields(MessageType.RESPONSE, 3n, ['result'], [3]);
  t.is(socket.writes.length, 1, 'the fourth frame makes a write of four');
  for (let i = 4; i < 10; i++) writer.fields(MessageType.RESPONSE, BigInt(i), ['result'], [i]);
  t.is(socket.writes.length, 2, 'the eighth another one');
  await tick();
  t.is(socket.writes.length, 3, 'frames 8 and 9 at the end of the tick');
  const chunks = (from: number, to: number): Buffer => Buffer.concat(Array.from({ length: to - from }, (_, i) => frame(from + i)));
  t.deepEqual(
    socket.writes.map((w) => w.length),
    [chunks(0, 4).length, chunks(4, 8).length, chunks(8, 10).length],
  );
  t.true(Buffer.concat(socket.writes).equals(chunks(0, 10)));
  // The count starts again after the tick's write: three frames wait for the next tick.
  for (let i = 10; i < 13; i++) writer.fields(MessageType.RESPONSE, BigInt(i), ['result'], [i]);
  t.is(socket.writes.length, 3);
  await tick();
  t.is(socket.writes.length, 4);
});
