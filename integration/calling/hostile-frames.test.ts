// Frames a hostile or broken client may send around streams (CREDIT, CANCEL), at the frame level:
// whatever they hold, they affect at most their own call or connection, never a worker, and they
// are answered in a few words (never an echo of a huge value) and counted once.
import test from 'ava';
import { MAX_NAME_BYTES, MessageType } from '../../src/protocol/constants.js';
import { encodeCancel, encodeCredit, encodeRequest, MAX_CREDIT } from '../../src/protocol/messages.js';
import { encodeMessage } from '../../test/protocol/helpers.js';
import { rssBytes, startBystander } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';
import { payloadOf, rawConnect } from '../helpers/raw-conn.js';
import { ECHO, harness, key } from './helpers.js';

const h = harness();
test.after.always(() => h.cleanup());

test('CREDITs that add up past what one CREDIT may carry: the stream runs to its end and its worker lives', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1, concurrency: 2 });
  const [pid] = a.workerPids();
  const r = await rawConnect(a.socketPath);
  // Three maximal grants before the first chunk: the client granted 3 * MAX_CREDIT in all.
  r.send([...encodeRequest(1n, ECHO, 'count', [1000]), ...encodeCredit(1n, MAX_CREDIT), ...encodeCredit(1n, MAX_CREDIT), ...encodeCredit(1n, MAX_CREDIT)]);
  const last = await r.next(1n, MessageType.END).catch(() => r.frames.find((f) => f.requestId === 1n && f.type === MessageType.ERROR));
  t.is(last?.type, MessageType.END, a.log());
  t.is(r.frames.filter((f) => f.type === MessageType.CHUNK).length, 1000);
  t.deepEqual(a.workerPids(), [pid ?? -1], 'the worker was not restarted');
  t.notRegex(a.log(), /channel error|exited with code/);
  // The same worker serves the next call.
  t.deepEqual(await a.client(5000).call(ECHO, 'pid', []), pid);
  r.socket.destroy();
  await waitFor(() => a.workerPids().length === 1, 'one worker');
});

test('a REQUEST whose payload is not valid TLV is answered, and counted once as a protocol error', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1 });
  const c = a.client(5000);
  const before = ((await c.status()) as { calls: { total: number; outcomes: Record<string, number> } }).calls;
  const r = await rawConnect(a.socketPath);
  // Header: REQUEST, 3 payload bytes, id 9; payload: an unknown TLV tag.
  r.send([Buffer.from([0x47, 0x44, 0x01, 0x01, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 9, 0x99, 0x99, 0x99])]);
  const f = await r.next(9n, MessageType.ERROR);
  t.is((payloadOf(f)['error'] as Record<string, unknown>)['error_type'], 'DirtyProtocolError');
  const after = await waitFor(
    async () => {
      const s = ((await c.status()) as { calls: { total: number; outcomes: Record<string, number> } }).calls;
      return s.total > before.total ? s : false;
    },
    'the call to be counted',
    5000,
  ).catch(() => before);
  t.is(after.total, before.total + 1);
  t.is(after.outcomes['protocol_error'], (before.outcomes['protocol_error'] ?? 0) + 1);
});

test.serial('a bad MANAGE carrying 32 MiB of bytes is refused with a short message; the loop is not held rendering it', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1 });
  const rssBefore = rssBytes(a.pid);
  const bystander = await startBystander(a, ECHO);
  const r = await rawConnect(a.socketPath);
  r.send(encodeMessage(MessageType.MANAGE, 1n, { op: 9, count: Buffer.alloc(32 * 1024 * 1024, 0x41) }));
  const f = await r.next(1n, MessageType.ERROR, 60_000);
  const report = await bystander.stop();
  const message = String((payloadOf(f)['error'] as Record<string, unknown>)['message']);
  t.log(`the answer: ${f.payload.length} bytes: ${message.slice(0, 300)}`);
  t.regex(message, /^MANAGE expects .*, got \{op: 9, count: bytes \(33554432 bytes\)\}$/);
  t.true(f.payload.length < 1024, `the answer is ${f.payload.length} bytes`);
  t.log(`bystander: ${report.calls} calls, longest ${Math.round(report.maxMs)} ms`);
  t.deepEqual(report.failures, []);
  t.true(report.maxMs < 1000, `the bystander waited ${Math.round(report.maxMs)} ms`);
  const grown = rssBytes(a.pid) - rssBefore;
  t.true(grown < 256 * 1024 * 1024, `the arbiter grew by ${Math.round(grown / 1024 / 1024)} MiB`);
  t.false(r.closed());
});

test('a REQUEST for an unknown app with a 4096-byte app_path (the longest allowed) gets a short answer, not the path twice', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1 });
  const r = await rawConnect(a.socketPath);
  const path = 'a'.repeat(MAX_NAME_BYTES);
  r.send(encodeMessage(MessageType.REQUEST, 1n, { app_path: path, action: 'x', args: [] }));
  const f = await r.next(1n, MessageType.ERROR, 60_000);
  const error = payloadOf(f)['error'] as { error_type: string; message: string; details: Record<string, unknown> };
  t.is(error.error_type, 'DirtyAppNotFoundError');
  t.regex(error.message, /^App not found: a{64}… \(4096 characters\)$/);
  t.true(f.payload.length < 1024, `the answer is ${f.payload.length} bytes`);
  // The connection still serves.
  r.send(encodeRequest(2n, ECHO, 'echo', ['after']));
  t.deepEqual(payloadOf(await r.next(2n, MessageType.RESPONSE)), { result: 'after' });
});

test.serial('a REQUEST with a 48 MiB non-ASCII app_path or action is refused from its length, naming the limit; the connection stays in step', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1 });
  const bystander = await startBystander(a, ECHO);
  const r = await rawConnect(a.socketPath);
  const huge = 'é'.repeat(24 * 1024 * 1024); // 48 MiB of UTF-8: decoding it held the arbiter ~200 ms
  r.send(encodeMessage(MessageType.REQUEST, 1n, { app_path: huge, action: 'echo', args: [] }));
  r.send(encodeMessage(MessageType.REQUEST, 2n, { app_path: ECHO, action: huge, args: [] }));
  r.send(encodeRequest(3n, ECHO, 'echo', ['after']));
  const errorOf = async (id: bigint): Promise<{ error_type: string; message: string; details: Record<string, unknown> }> =>
    payloadOf(await r.next(id, MessageType.ERROR, 60_000))['error'] as { error_type: string; message: string; details: Record<string, unknown> };
  for (const [id, field] of [
    [1n, 'app_path'],
    [2n, 'action'],
  ] as const) {
    const error = await errorOf(id);
    t.is(error.error_type, 'DirtyProtocolError');
    t.is(error.message, `REQUEST ${field} is 50331648 bytes, over the limit of 4096 bytes (MAX_NAME_BYTES)`);
    t.deepEqual(error.details, { field, bytes: 50331648, limit: 4096 });
  }
  t.deepEqual(payloadOf(await r.next(3n, MessageType.RESPONSE)), { result: 'after' });
  t.false(r.closed());
  const report = await bystander.stop();
  t.log(`bystander: ${report.calls} calls, longest ${Math.round(report.maxMs)} ms`);
  t.deepEqual(report.failures, []);
  t.true(report.maxMs < 1000, `the bystander waited ${Math.round(report.maxMs)} ms`);
});

test('CANCEL payloads: any small one cancels; one past the MANAGE limits is a protocol error that closes only its connection', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1, concurrency: 4 });
  const r = await rawConnect(a.socketPath);
  r.send(encodeRequest(1n, ECHO, 'sleep', [10_000, 'one']));
  r.send(encodeRequest(2n, ECHO, 'sleep', [10_000, 'two']));
  r.send(encodeMessage(MessageType.CANCEL, 1n, [1, 2, 3])); // not a dict: a plain cancel
  r.send(encodeMessage(MessageType.CANCEL, 2n, { reason: 42 })); // another reason: a plain cancel
  r.send(encodeMessage(MessageType.CANCEL, 77n, { reason: 'timeout' })); // an unknown id: ignored
  r.send(encodeRequest(3n, ECHO, 'echo', ['still open']));
  t.deepEqual(payloadOf(await r.next(3n, MessageType.RESPONSE)), { result: 'still open' });
  const c = a.client(5000);
  await waitFor(async () => ((await c.status()) as { calls: { outcomes: Record<string, number> } }).calls.outcomes['cancelled'] === 2, 'two cancelled calls');
  t.false(r.closed());
  const bad = await rawConnect(a.socketPath);
  bad.send(encodeRequest(1n, ECHO, 'sleep', [10_000, 'x']));
  bad.send(encodeMessage(MessageType.CANCEL, 1n, { reason: 'x'.repeat(5000) }));
  const f = await bad.next(1n, MessageType.ERROR);
  t.is((payloadOf(f)['error'] as Record<string, unknown>)['error_type'], 'DirtyProtocolError');
  await waitFor(() => bad.closed(), 'the offending connection to close');
  t.false(r.closed());
  t.is(await c.call(ECHO, 'echo', ['ok']), 'ok');
});

test('CREDIT for an unknown id, a unary call or before its REQUEST is ignored; a malformed one closes only its connection', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1, concurrency: 2 });
  const [pid] = a.workerPids();
  const r = await rawConnect(a.socketPath);
  r.send(encodeCredit(5n, 10)); // before its REQUEST
  r.send(encodeCredit(99n, MAX_CREDIT)); // no such call
  r.send([...encodeRequest(4n, ECHO, 'sleep', [100, 'unary']), ...encodeCredit(4n, 3)]);
  r.send(encodeRequest(5n, ECHO, 'count', [600]));
  await r.next(5n, MessageType.END);
  t.is(r.frames.filter((f) => f.requestId === 5n && f.type === MessageType.CHUNK).length, 600);
  t.deepEqual(payloadOf(await r.next(4n, MessageType.RESPONSE)), { result: 'unary' });
  t.false(r.closed());
  for (const credit of [0, -1, 1.5, MAX_CREDIT + 1, 'many', null]) {
    const bad = await rawConnect(a.socketPath);
    bad.send(encodeRequest(1n, ECHO, 'count', [1000]));
    bad.send(encodeMessage(MessageType.CREDIT, 1n, { credit }));
    const f = await bad.next(1n, MessageType.ERROR);
    t.regex(String((payloadOf(f)['error'] as Record<string, unknown>)['message']), /CREDIT/, String(credit));
    await waitFor(() => bad.closed(), `the connection that sent credit ${String(credit)} to close`);
  }
  t.deepEqual(a.workerPids(), [pid ?? -1], 'the worker was never restarted');
  t.is(await a.client(5000).call(ECHO, 'echo', ['ok']), 'ok');
});

test('a stream paused for credit, then cancelled or its client gone: the generator is closed and the only slot serves again', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1, concurrency: 1, streamStallTimeoutMs: 0 });
  const c = a.client(10_000);
  for (const how of ['cancel', 'disconnect'] as const) {
    const k = key(`paused-${how}`);
    const r = await rawConnect(a.socketPath);
    r.send([...encodeRequest(1n, ECHO, 'blobs', [k, 1_000_000, 16]), ...encodeCredit(1n, 1)]);
    // The worker sends its opening window of 256 chunks, then waits for credit that never comes.
    await waitFor(() => r.frames.filter((f) => f.type === MessageType.CHUNK).length === 256, '256 chunks');
    if (how === 'cancel') r.send(encodeCancel(1n));
    else r.socket.destroy();
    await waitFor(() => h.journal(k).some((e) => e.ev === 'closed after 256'), `the generator closed after ${how}`);
    t.is(await c.call(ECHO, 'echo', [how]), how);
    r.socket.destroy();
  }
});
