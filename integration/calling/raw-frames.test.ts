// The arbiter's socket server at the frame level (no client library): a bad REQUEST payload fails
// that request only, a duplicate request id gets exactly one answer, full uint64 ids are echoed,
// and a forbidden frame type closes only the offending connection.
import { createConnection, type Socket } from 'node:net';
import test from 'ava';
import { MessageType } from '../../src/protocol/constants.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { decodePayload, type Frame } from '../../src/protocol/frame.js';
import { encodeMessage } from '../../test/protocol/helpers.js';
import { encodeCancel, encodeRequest, encodeStatus } from '../../src/protocol/messages.js';
import { waitFor } from '../helpers/wait-for.js';
import { ECHO, harness } from './helpers.js';

const h = harness();
test.after.always(() => h.cleanup());

interface Raw {
  readonly socket: Socket;
  readonly frames: Frame[];
  closed: boolean;
  send(chunks: readonly Buffer[]): void;
  /** Waits for the first frame with this id (and type, if given). */
  next(id: bigint, type?: number): Promise<Frame>;
}

async function raw(path: string): Promise<Raw> {
  const socket = createConnection(path);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const decoder = new FrameDecoder();
  const r: Raw = {
    socket,
    frames: [],
    closed: false,
    send: (chunks) => {
      for (const c of chunks) socket.write(c);
    },
    next: (id, type) => waitFor(() => r.frames.find((f) => f.requestId === id && (type === undefined || f.type === type)), `a frame for id ${id}`),
  };
  socket.on('data', (chunk: Buffer) => r.frames.push(...decoder.push(chunk)));
  socket.on('close', () => (r.closed = true));
  socket.on('error', () => undefined);
  return r;
}

const value = (f: Frame): Record<string, unknown> => decodePayload(f) as Record<string, unknown>;
const errorOf = (f: Frame): Record<string, unknown> => value(f)['error'] as Record<string, unknown>;

test('a REQUEST with a bad payload gets its own ERROR; the connection and its other calls go on', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1, concurrency: 2 });
  const r = await raw(a.socketPath);
  r.send(encodeRequest(1n, ECHO, 'sleep', [200, 'slow one']));
  r.send(encodeMessage(MessageType.REQUEST, 2n, { action: 'echo', args: [] }));
  r.send(encodeMessage(MessageType.REQUEST, 3n, { app_path: 42, action: 'echo', args: [] }));
  r.send(encodeRequest(4n, ECHO, 'echo', ['after']));
  for (const id of [2n, 3n]) {
    const f = await r.next(id);
    t.is(f.type, MessageType.ERROR);
    t.is(errorOf(f)['error_type'], 'DirtyProtocolError');
    t.regex(String(errorOf(f)['message']), /app_path/);
  }
  t.deepEqual(value(await r.next(4n, MessageType.RESPONSE)), { result: 'after' });
  t.deepEqual(value(await r.next(1n, MessageType.RESPONSE)), { result: 'slow one' });
  t.false(r.closed);
  r.socket.destroy();
});

test('a duplicate request id while the first call runs: exactly one answer for that id, and the worker is freed', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1, concurrency: 1 });
  const r = await raw(a.socketPath);
  r.send(encodeRequest(7n, ECHO, 'stubborn', [300, 'first']));
  r.send(encodeRequest(7n, ECHO, 'echo', ['second']));
  const f = await r.next(7n);
  t.is(f.type, MessageType.ERROR);
  t.regex(String(errorOf(f)['message']), /Duplicate request id 7/);
  // One worker, concurrency 1: id 8 runs only after the abandoned call's last frame reached the arbiter.
  r.send(encodeRequest(8n, ECHO, 'echo', ['later']));
  t.deepEqual(value(await r.next(8n, MessageType.RESPONSE)), { result: 'later' });
  t.is(r.frames.filter((x) => x.requestId === 7n).length, 1, 'id 7 was answered once');
  r.socket.destroy();
});

test('full uint64 request ids (as gunicorn hashes them) are echoed unchanged, answers matched on one connection', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 2, concurrency: 2 });
  const r = await raw(a.socketPath);
  const ids = [2n ** 64n - 1n, 2n ** 63n, 2n ** 53n + 1n, 0n, 1n];
  ids.forEach((id, i) => r.send(encodeRequest(id, ECHO, 'sleep', [(ids.length - i) * 20, `v${i}`])));
  for (const [i, id] of ids.entries()) t.deepEqual(value(await r.next(id)), { result: `v${i}` }, `id ${id}`);
  r.send(encodeStatus(2n ** 64n - 2n));
  const s = await r.next(2n ** 64n - 2n);
  t.is(s.type, MessageType.RESPONSE);
  t.is((value(s)['result'] as { live: number }).live, 2);
  r.socket.destroy();
});

test('ids on both sides of 2^53 (number and bigint inside the arbiter) are distinct calls; CANCEL and a disconnect free their slots', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1, concurrency: 3 });
  const r = await raw(a.socketPath);
  const lastNumber = 2n ** 53n - 1n;
  const firstBig = 2n ** 53n;
  r.send(encodeRequest(lastNumber, ECHO, 'sleep', [300, 'number']));
  r.send(encodeRequest(firstBig, ECHO, 'sleepNoted', [30_000, 'big-cancelled']));
  r.send(encodeRequest(2n ** 64n - 1n, ECHO, 'sleepNoted', [30_000, 'big-dropped']));
  const inflight = async (): Promise<number> => {
    const probe = await raw(a.socketPath);
    probe.send(encodeStatus(5n));
    const s = value(await probe.next(5n))['result'] as { calls: { inflight: number } };
    probe.socket.destroy();
    return s.calls.inflight;
  };
  await waitFor(async () => (await inflight()) === 3, 'three calls in flight (no id taken for a duplicate)');
  r.send(encodeCancel(firstBig));
  t.deepEqual(value(await r.next(lastNumber, MessageType.RESPONSE)), { result: 'number' });
  t.false(
    r.frames.some((f) => f.requestId === firstBig && f.type === MessageType.RESPONSE),
    'the cancelled call is not answered as a success',
  );
  r.socket.destroy(); // the 2^64 - 1 call is still running
  await waitFor(async () => (await inflight()) === 0, 'every slot freed after the CANCEL and the disconnect', 10_000);
  const after = await raw(a.socketPath);
  after.send(encodeRequest(firstBig, ECHO, 'echo', ['reused id']));
  t.deepEqual(value(await after.next(firstBig, MessageType.RESPONSE)), { result: 'reused id' });
  after.socket.destroy();
});

test('a forbidden frame type closes only the offending connection, after one ERROR', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1 });
  const bad = await raw(a.socketPath);
  const good = await raw(a.socketPath);
  good.send(encodeRequest(1n, ECHO, 'sleep', [200, 'unaffected']));
  bad.send(encodeMessage(MessageType.RESPONSE, 5n, { result: 1 }));
  const f = await bad.next(5n);
  t.is(f.type, MessageType.ERROR);
  t.is(errorOf(f)['error_type'], 'DirtyProtocolError');
  await waitFor(() => bad.closed, 'the offending connection to close');
  t.deepEqual(value(await good.next(1n)), { result: 'unaffected' });
  t.false(good.closed);
  good.socket.destroy();
});
