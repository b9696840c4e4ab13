// Streaming calls: chunks until END, ERROR and RESPONSE endings, early break with CANCEL,
// the whole-stream deadline, abort, and per-stream windows (CREDIT).
import test from 'ava';
import { DirtyAbortError, DirtyAppError, DirtyTimeoutError } from '../../src/client/index.js';
import { Connection, type Written } from '../../src/client/connection.js';
import { StreamCall } from '../../src/client/stream-call.js';
import { unaryCall } from '../../src/client/unary-call.js';
import { MessageType } from '../../src/protocol/constants.js';
import { writeRequest } from '../../src/protocol/messages.js';
import type { FrameOut } from '../../src/protocol/frame-batch.js';
import type { RequestId } from '../../src/protocol/header.js';
import { FakeArbiter, echo, setup, type Received, type RequestBody } from './fake-arbiter.js';

/** `count` = args[0]; `ending` = args[1]: 'end' (default), 'error', 'response' or 'none'. */
function streamer(frame: Received): void {
  if (frame.type !== MessageType.REQUEST) return;
  const body = frame.value as RequestBody;
  if (body.action !== 'gen') {
    echo(frame);
    return;
  }
  const [count, ending = 'end'] = body.args as [number, string?];
  for (let index = 0; index < count; index++) frame.peer.chunk(frame.id, `chunk ${index}`);
  if (ending === 'end') frame.peer.end(frame.id);
  if (ending === 'error') frame.peer.error(frame.id, { error_type: 'DirtyAppError', message: 'generator failed', details: {} });
  if (ending === 'response') frame.peer.result(frame.id, 'discarded');
}

async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

test('stream yields every CHUNK in order and ends at END', async (t) => {
  const { client } = await setup(t, streamer);
  t.deepEqual(await collect(client.stream('m:A', 'gen', 3)), ['chunk 0', 'chunk 1', 'chunk 2']);
  t.deepEqual(await collect(client.stream('m:A', 'gen', 0)), []);
});

test('an ERROR frame rejects after the chunks that came before it', async (t) => {
  const { client } = await setup(t, streamer);
  const items: unknown[] = [];
  const error = await t.throwsAsync(async () => {
    for await (const item of client.stream('m:A', 'gen', 2, 'error')) items.push(item);
  });
  t.true(error instanceof DirtyAppError);
  t.is(error?.message, 'generator failed');
  t.deepEqual(items, ['chunk 0', 'chunk 1']);
});

test('a RESPONSE frame ends the stream (gunicorn semantics)', async (t) => {
  const { client } = await setup(t, streamer);
  t.deepEqual(await collect(client.stream('m:A', 'gen', 1, 'response')), ['chunk 0']);
});

test('nothing is sent until the stream is iterated', async (t) => {
  const { arbiter, client } = await setup(t, streamer);
  const stream = client.stream('m:A', 'gen', 1);
  t.like(await client.execute('m:A', 'first'), { action: 'first' });
  t.is(arbiter.requests().length, 1);
  t.deepEqual(await collect(stream), ['chunk 0']);
});

test('leaving the loop early sends CANCEL, drops later chunks, and the connection keeps working', async (t) => {
  const held: Received[] = [];
  const { arbiter, client } = await setup(t, (frame) => {
    if (frame.type === MessageType.REQUEST && (frame.value as RequestBody).action === 'endless') {
      held.push(frame);
      frame.peer.chunk(frame.id, 'first');
    } else echo(frame);
  });
  for await (const item of client.stream('m:A', 'endless')) {
    t.is(item, 'first');
    break;
  }
  const stream = held[0]!;
  await arbiter.waitForFrames(MessageType.CANCEL, 1);
  t.deepEqual(arbiter.cancels(), [stream.id]);
  // The worker ignores CANCEL and keeps going: none of this may reach the next call.
  stream.peer.chunk(stream.id, 'late chunk');
  stream.peer.result(stream.id, 'late result');
  stream.peer.end(stream.id);
  t.like(await client.execute('m:A', 'after', 1), { action: 'after', args: [1] });
  t.is(arbiter.accepted, 1);
});

test('the deadline fails a stream whose arbiter goes quiet, and sends CANCEL', async (t) => {
  const { arbiter, client } = await setup(t, (frame) => {
    if (frame.type !== MessageType.REQUEST) return;
    if ((frame.value as RequestBody).action === 'gen') frame.peer.chunk(frame.id, 'only one');
    else echo(frame);
  });
  await client.execute('m:A', 'connect'); // so that the deadline covers only the arbiter's silence
  const items: unknown[] = [];
  const error = await t.throwsAsync(async () => {
    for await (const item of client.openStream('m:A', 'gen', [], { timeoutMs: 500 })) items.push(item);
  });
  t.true(error instanceof DirtyTimeoutError);
  t.deepEqual(items, ['only one']);
  await arbiter.waitForFrames(MessageType.CANCEL, 1);
});

test('aborting a stream rejects the pending next() and sends CANCEL', async (t) => {
  const { arbiter, client } = await setup(t, (frame) => {
    if (frame.type === MessageType.REQUEST) frame.peer.chunk(frame.id, 'one');
  });
  const controller = new AbortController();
  const iterator = client.openStream('m:A', 'gen', [], { signal: controller.signal });
  t.deepEqual(await iterator.next(), { done: false, value: 'one' });
  const pending = iterator.next();
  controller.abort(new Error('bye'));
  await t.throwsAsync(pending, { instanceOf: DirtyAbortError });
  await arbiter.waitForFrames(MessageType.CANCEL, 1);
  t.deepEqual(await iterator.next(), { done: true, value: undefined });
});

/** A sender that honours CREDIT: 'paced' streams args[0] chunks, only as many as the client granted. */
function pacedStreamer(): (frame: Received) => void {
  const left = new Map<bigint, { next: number; total: number }>();
  return (frame) => {
    if (frame.type === MessageType.REQUEST && (frame.value as RequestBody).action === 'paced') {
      left.set(frame.id, { next: 0, total: (frame.value as RequestBody).args[0] as number });
    } else if (frame.type === MessageType.CREDIT) {
      const s = left.get(frame.id);
      if (s === undefined) return;
      for (let n = (frame.value as { credit: number }).credit; n > 0 && s.next < s.total; n--) frame.peer.chunk(frame.id, `chunk ${s.next++}`);
      if (s.next === s.total) frame.peer.end(frame.id);
    } else echo(frame);
  };
}

test('a consumer that takes nothing holds up only its own stream: the client opens a window and grants it again as chunks are taken', async (t) => {
  const arbiter = await FakeArbiter.create(pacedStreamer());
  t.teardown(() => arbiter.stop());
  await arbiter.listen();
  const connection = new Connection({ socketPath: () => arbiter.socketPath, defaultTimeoutMs: 5000, maxReconnectDelayMs: 100, streamWindow: 4 });
  t.teardown(() => connection.close());
  const encode = (action: string, args: unknown[]) => (id: RequestId, out: FrameOut<Written>) => writeRequest(out, id, 'm:A', action, args);
  const stream = new StreamCall(connection, 'm:A.paced', encode('paced', [10]), {});
  t.deepEqual(await stream.next(), { done: false, value: 'chunk 0' });
  // The REQUEST came with its opening CREDIT (the window).
  const [opening] = await arbiter.waitForFrames(MessageType.CREDIT, 1);
  t.deepEqual(opening?.value, { credit: 4 });
  // Nothing consumes the stream now: other calls on the same connection are still answered.
  t.like(await unaryCall(connection, 'm:A.after', encode('after', []), {}), { action: 'after' });
  t.is(arbiter.ofType(MessageType.CREDIT).length, 1, 'one chunk taken: no grant yet');
  const rest: unknown[] = [];
  for await (const item of stream) rest.push(item);
  t.deepEqual(
    rest,
    Array.from({ length: 9 }, (_, index) => `chunk ${index + 1}`),
  );
  // Grants of half a window (2) as the consumer takes chunks, until the stream has them all.
  const grants = arbiter
    .ofType(MessageType.CREDIT)
    .slice(1)
    .map((f) => f.value);
  t.true(grants.length >= 3);
  t.deepEqual(
    grants,
    grants.map(() => ({ credit: 2 })),
  );
});
