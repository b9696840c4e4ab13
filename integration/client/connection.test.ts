// Connection lifecycle: drops fail sent calls (at-most-once), calls wait for a restarting arbiter,
// protocol errors close the connection, close() fails everything, and an idle client lets Node exit.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import test from 'ava';
import { DirtyConnectionError, DirtyProtocolError, createClient } from '../../src/client/index.js';
import { MessageType } from '../../src/protocol/constants.js';
import { FakeArbiter, echo, setup, type Received, type RequestBody } from './fake-arbiter.js';
import { waitFor } from './wait-for.js';

function holdAll(held: Received[]) {
  return (frame: Received): void => {
    if (frame.type === MessageType.REQUEST && (frame.value as RequestBody).action === 'hold') held.push(frame);
    else echo(frame);
  };
}

test('a dropped connection fails sent calls with DirtyConnectionError, and the next call reconnects', async (t) => {
  const held: Received[] = [];
  const { arbiter, client } = await setup(t, holdAll(held));
  const calls = [client.execute('m:A', 'hold'), client.openStream('m:A', 'hold', []).next()];
  await arbiter.waitForFrames(MessageType.REQUEST, 2);
  arbiter.dropConnections();
  for (const call of calls) {
    const error = await t.throwsAsync(call, { instanceOf: DirtyConnectionError });
    t.regex(error.message, /was lost/);
    t.is(error.code, 'DIRTY_ERR_CONNECTION');
  }
  t.like(await client.execute('m:A', 'again'), { action: 'again' });
  t.is(arbiter.accepted, 2);
});

test('a call made before the arbiter listens waits and succeeds once it does', async (t) => {
  const arbiter = await FakeArbiter.create();
  t.teardown(() => arbiter.stop());
  const client = createClient({ socketPath: arbiter.socketPath, maxReconnectDelayMs: 50 });
  t.teardown(() => client.close());
  let settled = false;
  const pending = client.execute('m:A', 'early', 1).finally(() => {
    settled = true;
  });
  t.false(settled);
  await arbiter.listen();
  t.like(await pending, { action: 'early', args: [1] });
  t.is(arbiter.accepted, 1);
});

test('calls made while the arbiter restarts succeed once it is back', async (t) => {
  const held: Received[] = [];
  const { arbiter, client } = await setup(t, holdAll(held), { maxReconnectDelayMs: 50 });
  const inflight = client.execute('m:A', 'hold');
  await arbiter.waitForFrames(MessageType.REQUEST, 1);
  await arbiter.shutdown();
  // The call in flight may have run: it fails (at-most-once). This also shows the client saw the drop.
  await t.throwsAsync(inflight, { instanceOf: DirtyConnectionError });
  const during = [client.execute('m:A', 'during', 1), client.execute('m:A', 'during', 2)];
  await arbiter.listen();
  t.like(await during[0], { action: 'during', args: [1] });
  t.like(await during[1], { action: 'during', args: [2] });
  t.is(arbiter.accepted, 2);
});

test('undecodable bytes from the server close the connection and fail pending calls with DirtyProtocolError', async (t) => {
  const held: Received[] = [];
  const { arbiter, client } = await setup(t, holdAll(held));
  const pending = [client.execute('m:A', 'hold'), client.execute('m:A', 'hold')];
  await arbiter.waitForFrames(MessageType.REQUEST, 2);
  held[0]!.peer.raw(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
  for (const call of pending) await t.throwsAsync(call, { instanceOf: DirtyProtocolError });
  t.like(await client.execute('m:A', 'fresh'), { action: 'fresh' });
  t.is(arbiter.accepted, 2);
});

test('close() rejects pending and queued calls, and later calls reject too', async (t) => {
  const held: Received[] = [];
  const { arbiter, client } = await setup(t, holdAll(held));
  const sent = client.execute('m:A', 'hold');
  await arbiter.waitForFrames(MessageType.REQUEST, 1);
  const stream = client.stream('m:A', 'hold');
  const streamNext = stream.next();
  await arbiter.waitForFrames(MessageType.REQUEST, 2);
  await client.close();
  await t.throwsAsync(sent, { instanceOf: DirtyConnectionError, message: 'client closed' });
  await t.throwsAsync(streamNext, { instanceOf: DirtyConnectionError, message: 'client closed' });
  await t.throwsAsync(client.execute('m:A', 'after'), { instanceOf: DirtyConnectionError, message: 'client closed' });
  await t.throwsAsync(client.stream('m:A', 'after').next(), { instanceOf: DirtyConnectionError, message: 'client closed' });
  await client.close();
  await waitFor(() => arbiter.peers.size === 0, { what: 'server sees the close' });
});

test('close() while the arbiter is unreachable rejects waiting calls at once', async (t) => {
  const arbiter = await FakeArbiter.create();
  t.teardown(() => arbiter.stop());
  const client = createClient({ socketPath: arbiter.socketPath });
  const waiting = client.execute('m:A', 'never');
  await client.close();
  await t.throwsAsync(waiting, { instanceOf: DirtyConnectionError, message: 'client closed' });
});

test('an idle client does not keep the process alive', async (t) => {
  const { arbiter } = await setup(t);
  const child = spawn(process.execPath, ['--import=tsx', new URL('fixtures/idle-exit.ts', import.meta.url).pathname, arbiter.socketPath], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  const deadline = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(deadline);
  t.is(signal, null, 'the child exited by itself instead of being killed at the deadline');
  t.is(code, 0);
  t.is(output.trim(), 'pong');
});
