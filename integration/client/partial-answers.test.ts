// The client reads a payload that spans reads straight into its buffer (net/direct-reads.ts) and
// CHUNK payloads as ranges: a hostile or dying arbiter must not leave a call hanging, hand it bytes of
// another answer, or poison the next connection. Answers are cut mid-payload, trickled a few bytes a
// write, corrupted inside a 1 MiB payload, and a stream gets a CHUNK that is not a dict.
import { Buffer } from 'node:buffer';
import { setImmediate as turn } from 'node:timers/promises';
import test from 'ava';
import { DirtyConnectionError, DirtyProtocolError } from '../../src/client/index.js';
import { MessageType } from '../../src/protocol/constants.js';
import { encodeMessage } from '../../test/protocol/helpers.js';
import { echo, setup, type Received } from './fake-arbiter.js';

const MIB = 1 << 20;
const patterned = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_v, i) => (i * 31 + seed) & 0xff));
const responseFrame = (id: bigint, result: unknown): Buffer => Buffer.concat(encodeMessage(MessageType.RESPONSE, id, { result }));

/** Holds every REQUEST whose action is 'hold'; echoes the rest. */
function holding(held: Received[]) {
  return (frame: Received): void => {
    if (frame.type === MessageType.REQUEST && (frame.value as { action: string }).action === 'hold') held.push(frame);
    else echo(frame);
  };
}

test('an arbiter that dies halfway through a 1 MiB answer: the call fails with DirtyConnectionError, the next 1 MiB answer arrives whole', async (t) => {
  const held: Received[] = [];
  const { arbiter, client } = await setup(t, holding(held), { maxReconnectDelayMs: 50 });
  const call = client.execute('m:A', 'hold');
  await arbiter.waitForFrames(MessageType.REQUEST, 1);
  const frame = responseFrame(held[0]!.id, patterned(MIB, 1));
  held[0]!.peer.raw(frame.subarray(0, frame.length >> 1));
  await turn();
  held[0]!.peer.destroy();
  await t.throwsAsync(call, { instanceOf: DirtyConnectionError });

  const again = client.execute('m:A', 'hold');
  await arbiter.waitForFrames(MessageType.REQUEST, 2);
  const fresh = patterned(MIB, 2);
  held[1]!.peer.raw(responseFrame(held[1]!.id, fresh));
  t.true(Buffer.from((await again) as Uint8Array).equals(fresh), 'no byte of the cut answer leaks into the next one');
  t.is(arbiter.accepted, 2);
});

test('a 1 MiB answer trickled in writes of 1 to 5,000 bytes, then a small one: both exact', async (t) => {
  const held: Received[] = [];
  const { arbiter, client } = await setup(t, holding(held));
  const big = client.execute('m:A', 'hold');
  const small = client.execute('m:A', 'hold');
  await arbiter.waitForFrames(MessageType.REQUEST, 2);
  const payload = patterned(MIB + 7, 3);
  const stream = Buffer.concat([responseFrame(held[0]!.id, payload), responseFrame(held[1]!.id, 'small')]);
  const peer = held[0]!.peer;
  for (let at = 0, writes = 0; at < stream.length; writes++) {
    const size = at < 4096 ? 1 + (at % 7) : 1 + ((at * 7919) % 5000);
    peer.raw(stream.subarray(at, at + size));
    at += size;
    if (writes % 16 === 0) await turn(); // let the client read a piece at a time
  }
  t.true(Buffer.from((await big) as Uint8Array).equals(payload));
  t.is(await small, 'small');
});

test('a 1 MiB answer corrupt inside: the calls fail with DirtyProtocolError, the connection is replaced and serves again', async (t) => {
  const held: Received[] = [];
  const { arbiter, client } = await setup(t, holding(held));
  const calls = [client.execute('m:A', 'hold'), client.execute('m:A', 'hold')];
  await arbiter.waitForFrames(MessageType.REQUEST, 2);
  const frame = responseFrame(held[0]!.id, patterned(MIB, 4));
  frame[16] = 0xee; // the payload's first byte: no such TLV tag
  held[0]!.peer.raw(frame);
  for (const call of calls) await t.throwsAsync(call, { instanceOf: DirtyProtocolError });
  t.like(await client.execute('m:A', 'fresh'), { action: 'fresh' });
  t.is(arbiter.accepted, 2);
});

test('a CHUNK whose payload is not a dict ends the stream with DirtyProtocolError; the client goes on', async (t) => {
  const held: Received[] = [];
  const { arbiter, client } = await setup(t, holding(held));
  const it = client.stream('m:A', 'hold');
  const first = it.next();
  await arbiter.waitForFrames(MessageType.REQUEST, 1);
  held[0]!.peer.chunk(held[0]!.id, 'one');
  t.deepEqual(await first, { done: false, value: 'one' });
  held[0]!.peer.send(MessageType.CHUNK, held[0]!.id, ['not', 'a', 'dict']);
  await t.throwsAsync(it.next(), { instanceOf: DirtyProtocolError });
  t.like(await client.execute('m:A', 'fresh'), { action: 'fresh' });
});
