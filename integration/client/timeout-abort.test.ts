// Giving up on calls: timeouts and aborts send CANCEL, and late answers are dropped so that the
// next call on the same connection always gets its own answer (gunicorn before 26.1.0 handed a late
// answer to the next request on that worker).
import test from 'ava';
import { DirtyAbortError, DirtyTimeoutError } from '../../src/client/index.js';
import { MessageType } from '../../src/protocol/constants.js';
import { echo, setup, type Received, type RequestBody } from './fake-arbiter.js';

/** Holds REQUESTs whose action is 'hold'; echoes everything else at once. */
function holding(held: Received[]) {
  return (frame: Received): void => {
    if (frame.type === MessageType.REQUEST && (frame.value as RequestBody).action === 'hold') held.push(frame);
    else echo(frame);
  };
}

test('a timeout rejects with DirtyTimeoutError, sends CANCEL, and the late answer is dropped', async (t) => {
  const held: Received[] = [];
  const { arbiter, client } = await setup(t, holding(held));
  await client.execute('m:A', 'connect'); // so that the short deadline covers only the wait for an answer
  const failing = t.throwsAsync(client.call('m:A', 'hold', [], { timeoutMs: 50 }), { instanceOf: DirtyTimeoutError });
  await arbiter.waitForFrames(MessageType.REQUEST, 2);
  const error = await failing;
  t.is(error.code, 'DIRTY_ERR_TIMEOUT');
  t.deepEqual(error.details, { timeout_ms: 50, limit: 'timeoutMs' });
  t.regex(error.message, /m:A\.hold timed out after 50 ms/);
  const late = held[0]!;
  await arbiter.waitForFrames(MessageType.CANCEL, 1);
  t.deepEqual(arbiter.cancels(), [late.id]);

  // The next call is held too; the late answer for the timed-out id arrives first and must be dropped.
  const next = client.call('m:A', 'hold', ['second'], { timeoutMs: 5000 });
  await arbiter.waitForFrames(MessageType.REQUEST, 3);
  late.peer.result(late.id, 'LATE ANSWER');
  late.peer.error(late.id, { error_type: 'DirtyAppError', message: 'late error', details: {} });
  const second = held[1]!;
  t.not(second.id, late.id);
  second.peer.result(second.id, 'second answer');
  t.is(await next, 'second answer');
  t.like(await client.execute('m:A', 'third'), { action: 'third' });
  t.is(arbiter.accepted, 1, 'the connection survived the timeout');
});

test('an already-aborted signal rejects at once and sends nothing', async (t) => {
  const { arbiter, client } = await setup(t);
  const controller = new AbortController();
  const reason = new Error('user left');
  controller.abort(reason);
  const error = await t.throwsAsync(client.call('m:A', 'go', [], { signal: controller.signal }), { instanceOf: DirtyAbortError });
  t.is(error.cause, reason);
  t.is(error.code, 'DIRTY_ERR_ABORTED');
  t.like(await client.execute('m:A', 'after'), { action: 'after' });
  t.is(arbiter.requests().length, 1);
  t.deepEqual(arbiter.cancels(), []);
});

test('aborting a sent call rejects with DirtyAbortError, sends CANCEL, and drops the late answer', async (t) => {
  const held: Received[] = [];
  const { arbiter, client } = await setup(t, holding(held));
  const controller = new AbortController();
  const pending = client.call('m:A', 'hold', [], { signal: controller.signal });
  await arbiter.waitForFrames(MessageType.REQUEST, 1);
  controller.abort('stop');
  const error = await t.throwsAsync(pending, { instanceOf: DirtyAbortError });
  t.is(error.cause, 'stop');
  await arbiter.waitForFrames(MessageType.CANCEL, 1);
  t.deepEqual(arbiter.cancels(), [held[0]!.id]);
  held[0]!.peer.result(held[0]!.id, 'late');
  t.like(await client.execute('m:A', 'after'), { action: 'after' });
});

test('a timeout while the arbiter is unreachable says the call never reached it', async (t) => {
  const { arbiter, client } = await setup(t);
  await arbiter.stop();
  const error = await t.throwsAsync(client.call('m:A', 'go', [], { timeoutMs: 100 }), { instanceOf: DirtyTimeoutError });
  t.regex(error.message, /never reached the dirty arbiter at .*a\.sock \((ENOENT|ECONNREFUSED)\)/);
  t.is(error.details['timeout_ms'], 100);
  t.is(error.details['socket_path'], arbiter.socketPath);
});

test('a client-wide timeoutMs applies to every call', async (t) => {
  const held: Received[] = [];
  const { client } = await setup(t, holding(held), { timeoutMs: 40 });
  const error = await t.throwsAsync(client.execute('m:A', 'hold'), { instanceOf: DirtyTimeoutError });
  t.is(error.details['timeout_ms'], 40);
});
