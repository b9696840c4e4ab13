// Single-answer calls against the fake arbiter: round trips, multiplexing by id, error mapping,
// encoding failures and argument validation.
import test from 'ava';
import {
  DirtyAppError,
  DirtyAppNotFoundError,
  DirtyError,
  DirtyNoWorkersAvailableError,
  DirtyProtocolError,
  DirtyQueueFullError,
  DirtyWorkerError,
  createClient,
  isDirtyError,
} from '../../src/client/index.js';
import { Connection } from '../../src/client/connection.js';
import { MessageType } from '../../src/protocol/constants.js';
import { echo, setup, type Received, type RequestBody } from './fake-arbiter.js';

test('execute sends one REQUEST and resolves with the RESPONSE result', async (t) => {
  const { arbiter, client } = await setup(t);
  const result = await client.execute('m:Echo', 'ping', 7, 'x', [true, null], { k: 1.5 });
  t.deepEqual(result, { app: 'm:Echo', action: 'ping', args: [7, 'x', [true, null], { k: 1.5 }], kwargs: {} });
  const requests = arbiter.requests();
  t.is(requests.length, 1);
  t.is(typeof requests[0]!.id, 'bigint');
});

test('call passes kwargs and bytes through', async (t) => {
  const { client } = await setup(t);
  const bytes = Buffer.from([0, 1, 2, 255]);
  const result = await client.call<{ args: unknown[]; kwargs: unknown }>('m:Echo', 'resize', [bytes], { kwargs: { width: 256 } });
  t.deepEqual(Buffer.from(result.args[0] as Uint8Array), bytes);
  t.deepEqual(result.kwargs, { width: 256 });
});

test('concurrent calls answered out of order each get their own result', async (t) => {
  const held: Received[] = [];
  const { arbiter, client } = await setup(t, (frame) => {
    if (frame.type === MessageType.REQUEST) held.push(frame);
  });
  const count = 50;
  const calls = Array.from({ length: count }, (_, index) => client.execute('m:Echo', 'n', index));
  await arbiter.waitForFrames(MessageType.REQUEST, count);
  // Answer in reverse order, with the argument echoed: a mix-up would show as a wrong number.
  for (const frame of held.slice().reverse()) {
    frame.peer.result(frame.id, (frame.value as RequestBody).args[0]);
  }
  t.deepEqual(
    await Promise.all(calls),
    Array.from({ length: count }, (_, index) => index),
  );
  t.is(new Set(held.map((frame) => frame.id)).size, count, 'request ids are unique');
  t.is(arbiter.accepted, 1, 'all calls share one connection');
});

const errorCases = [
  { error_type: 'DirtyAppError', Class: DirtyAppError, code: 'DIRTY_ERR_APP' },
  { error_type: 'DirtyAppNotFoundError', Class: DirtyAppNotFoundError, code: 'DIRTY_ERR_APP_NOT_FOUND' },
  { error_type: 'DirtyNoWorkersAvailableError', Class: DirtyNoWorkersAvailableError, code: 'DIRTY_ERR_NO_WORKERS' },
  { error_type: 'DirtyQueueFullError', Class: DirtyQueueFullError, code: 'DIRTY_ERR_QUEUE_FULL' },
  { error_type: 'DirtyWorkerError', Class: DirtyWorkerError, code: 'DIRTY_ERR_WORKER' },
  { error_type: 'SomethingElse', Class: DirtyError, code: 'DIRTY_ERR' },
] as const;

for (const { error_type, Class, code } of errorCases) {
  test(`an ERROR frame with ${error_type} rejects with ${Class.name} (${code})`, async (t) => {
    const { client } = await setup(t, (frame) => {
      if (frame.type !== MessageType.REQUEST) return;
      frame.peer.error(frame.id, { error_type, message: 'it broke', details: { app_path: 'm:A', traceback: 'Trace: line 1' } });
    });
    const error = await t.throwsAsync(client.execute('m:A', 'go'), { instanceOf: Class });
    t.true(isDirtyError(error));
    t.is(error.code, code);
    t.is(error.message, 'it broke');
    t.is(error.details['app_path'], 'm:A');
  });
}

test('an unencodable argument rejects with its path and sends nothing', async (t) => {
  const { arbiter, client } = await setup(t);
  const error = await t.throwsAsync(client.execute('m:A', 'go', 1, { when: new Date(0) }), { instanceOf: DirtyProtocolError });
  t.regex(error.message, /args\[1\]\.when/);
  // The connection is lazy: a rejected first call must not even connect. Prove it with a later call.
  t.deepEqual((await client.execute<{ args: unknown }>('m:A', 'go', 1)).args, [1]);
  t.is(arbiter.requests().length, 1);
});

test('a REQUEST answered with CHUNK rejects, sends CANCEL and leaves the connection usable', async (t) => {
  const { arbiter, client } = await setup(t, (frame) => {
    if (frame.type !== MessageType.REQUEST) return;
    if ((frame.value as RequestBody).action === 'gen') {
      frame.peer.chunk(frame.id, 1);
      frame.peer.chunk(frame.id, 2);
      frame.peer.end(frame.id);
    } else echo(frame);
  });
  await t.throwsAsync(client.execute('m:A', 'gen'), { instanceOf: DirtyError, message: /use client\.stream\(\)/ });
  const first = arbiter.requests()[0]!;
  await arbiter.waitForFrames(MessageType.CANCEL, 1);
  t.deepEqual(arbiter.cancels(), [first.id]);
  t.like(await client.execute('m:A', 'next'), { action: 'next' });
});

test('status and manage send STATUS and MANAGE frames', async (t) => {
  const { arbiter, client } = await setup(t);
  t.deepEqual(await client.status(), { type: MessageType.STATUS, payload: null });
  const added = (await client.manage('add', 2)) as { payload: Record<string, unknown> };
  const removed = (await client.manage('remove', 1)) as { payload: Record<string, unknown> };
  t.is(Number(added.payload['op']), 1);
  t.is(Number(added.payload['count']), 2);
  t.is(Number(removed.payload['op']), 2);
  t.is(arbiter.ofType(MessageType.MANAGE).length, 2);
});

test('connection.request (the seam for stash) sends one frame of the given type and resolves with the result', async (t) => {
  const { arbiter } = await setup(t);
  const connection = new Connection({ socketPath: () => arbiter.socketPath, defaultTimeoutMs: 5000, maxReconnectDelayMs: 100 });
  t.teardown(() => connection.close());
  const answer = await connection.request(MessageType.STASH, { op: 2, table: 'sessions', key: 'k1' });
  t.deepEqual(answer, { type: MessageType.STASH, payload: { op: 2, table: 'sessions', key: 'k1' } });
  await t.throwsAsync(connection.request(MessageType.STASH, { op: 1, table: 't', value: new Set() }), { instanceOf: DirtyProtocolError, message: /value/ });
  t.is(arbiter.ofType(MessageType.STASH).length, 1);
});

test('bad arguments throw clear TypeErrors', async (t) => {
  const client = createClient({ socketPath: '/nonexistent/dc.sock' });
  t.teardown(() => client.close());
  await t.throwsAsync(client.execute('', 'go'), { instanceOf: TypeError, message: 'Expected `app` to be a non-empty string, got `` (string)' });
  await t.throwsAsync(client.execute('m:A', 3 as unknown as string), {
    instanceOf: TypeError,
    message: 'Expected `action` to be a non-empty string, got `3` (number)',
  });
  await t.throwsAsync(client.call('m:A', 'go', [], { timeoutMs: 0 }), {
    instanceOf: TypeError,
    message: 'Expected `timeoutMs` to be a positive number, got `0` (number)',
  });
  await t.throwsAsync(client.call('m:A', 'go', [], { timeoutMs: Number.NaN }), { instanceOf: TypeError });
  await t.throwsAsync(client.call('m:A', 'go', 'x' as unknown as unknown[]), { message: 'Expected `args` to be an array, got `x` (string)' });
  await t.throwsAsync(client.manage('grow' as 'add', 1), { instanceOf: TypeError, message: /Expected `op` to be one of 'add', 'remove'/ });
  await t.throwsAsync(client.manage('add', 1.5), { message: 'Expected `count` to be a positive integer, got `1.5` (number)' });
  t.throws(() => client.stream('m:A', ''), { instanceOf: TypeError });
  t.throws(() => createClient({ timeoutMs: -1 }), { message: 'Expected `timeoutMs` to be a positive number, got `-1` (number)' });
  t.throws(() => createClient({ timeoutMs: 2 ** 31 }), { instanceOf: RangeError });
  t.throws(() => createClient({ maxReconnectDelayMs: Infinity }), { instanceOf: TypeError });
});

test('a call answered with a frame type only clients send fails with a protocol error naming it', async (t) => {
  const { client } = await setup(t, (frame) => {
    if (frame.type === MessageType.REQUEST) frame.peer.send(MessageType.STASH, frame.id, { op: 1 });
  });
  const err = await t.throwsAsync(client.execute('m:Echo', 'ping'), { instanceOf: DirtyProtocolError });
  t.regex(err.message, /STASH/);
});
