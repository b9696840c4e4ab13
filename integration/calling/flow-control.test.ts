// Flow control end to end, against the real arbiter and workers: a slow or absent stream reader
// holds up only its own stream (per-stream credit, CREDIT), a stream nobody reads is cancelled
// after streamStallTimeoutMs, and timeoutMs is a deadline from dispatch to the last frame.
import { createConnection, type Socket } from 'node:net';
import test from 'ava';
import { DirtyTimeoutError, type DirtyError } from '../../src/client/index.js';
import { encodeRequest } from '../../src/protocol/messages.js';
import { waitFor } from '../helpers/wait-for.js';
import { ECHO, harness, key, type JournalEntry } from './helpers.js';

const h = harness();
test.after.always(() => h.cleanup());

const closed = (k: string): JournalEntry | undefined => h.journal(k).find((e) => e.ev.startsWith('closed after '));
const made = (e: JournalEntry): number => Number(e.ev.slice('closed after '.length));
const started = (k: string): JournalEntry | undefined => h.journal(k).find((e) => e.ev === 'start');

/**
 * Chunks a worker may make for a stock client that reads nothing: a window (256) beyond what the
 * arbiter's socket took before it counted as congested (4 MiB, 64 chunks here, plus the kernel's buffer).
 */
const LEGACY_BOUND = 256 + 100;

/** A raw connection that sends one stream REQUEST and then never reads (a stalled legacy client). */
async function unreadStream(socketPath: string, k: string, t: { teardown: (fn: () => void) => void }): Promise<Socket> {
  const socket = createConnection(socketPath);
  t.teardown(() => socket.destroy());
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.pause();
  for (const b of encodeRequest(1n, ECHO, 'blobs', [k, 100_000, 64 * 1024])) socket.write(b);
  return socket;
}

test('row 1: a stream whose consumer stopped leaves the other calls, streams and the stash of the same client on time', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 2 });
  const c = a.client(5000);
  const k = key('unread-client');
  const stream = c.stream(ECHO, 'blobs', k, 100_000, 1024);
  t.is(((await stream.next()).value as Buffer).length, 1024);
  // The loop is "stuck" here: nothing takes the next chunk. Ten calls and a stash put must still complete.
  const t0 = Date.now();
  const results = await Promise.all([...Array.from({ length: 10 }, (_, i) => c.execute(ECHO, 'echo', i)), c.stash.put('flow', 'k', 'v')]);
  t.deepEqual(results.slice(0, 10), [...Array(10).keys()]);
  t.true(Date.now() - t0 < 4000, 'the calls completed well within their 5 s timeout');
  // Another stream on the same client runs to its end (on the other worker) meanwhile.
  const other: unknown[] = [];
  for await (const x of c.stream(ECHO, 'count', 20_000)) other.push(x);
  t.is(other.length, 20_000);
  t.is(other[19_999], 19_999);
  // Leaving early cancels, and the generator stopped after about one window: it was paused, not buffered.
  await stream.return?.();
  const end = await waitFor(() => closed(k), 'the generator to be closed');
  // 1 KiB chunks: the client's window aims at 4 MiB of them (4096 chunks, fewer with their TLV overhead).
  t.true(made(end) <= 4096 + 1, `the worker made ${made(end)} chunks for a consumer that took 1`);
});

test('row 2: unread streams from raw connections release their workers at timeoutMs; the pool serves others', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 2, timeoutMs: 2000 });
  const c = a.client(15_000);
  const keys = [key('raw-a'), key('raw-b')];
  const sentAt = Date.now();
  for (const k of keys) await unreadStream(a.socketPath, k, t);
  await waitFor(() => keys.every((k) => started(k)), 'both workers to run an unread stream');
  const echoes = await Promise.all(Array.from({ length: 20 }, (_, i) => c.execute(ECHO, 'echo', i)));
  t.deepEqual(echoes, [...Array(20).keys()]);
  for (const k of keys) {
    const end = await waitFor(() => closed(k), 'the generator to be cancelled');
    t.true(end.at - sentAt >= 1900, 'not before the deadline');
    t.true(end.at - sentAt < 2000 + 1500, `cancelled ${end.at - sentAt} ms after the request (timeoutMs 2000)`);
    t.true(made(end) <= LEGACY_BOUND, `the worker stopped at its window (${made(end)} chunks)`);
  }
});

test('a stream nobody reads is cancelled after streamStallTimeoutMs, the worker serves others (raw client)', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1, timeoutMs: 0, streamStallTimeoutMs: 1000 });
  const k = key('raw-stall');
  await unreadStream(a.socketPath, k, t);
  const c = a.client(15_000);
  t.is(await c.execute(ECHO, 'echo', 'served'), 'served');
  const end = await waitFor(() => closed(k), 'the stalled generator to be cancelled');
  t.true(made(end) <= LEGACY_BOUND, `the worker stopped at its window (${made(end)} chunks)`);
});

test('a windowed stream left unread is cancelled after streamStallTimeoutMs with DirtyTimeoutError naming the stall', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1, streamStallTimeoutMs: 1000 });
  const c = a.client(30_000);
  const k = key('client-stall');
  const stream = c.stream(ECHO, 'blobs', k, 100_000, 16);
  await stream.next();
  const end = await waitFor(() => closed(k), 'the stalled generator to be cancelled');
  const s = started(k)!;
  t.true(end.at - s.at >= 1000 && end.at - s.at < 1000 + 1500, `cancelled ${end.at - s.at} ms after start`);
  t.is(await c.execute(ECHO, 'echo', 'after'), 'after', 'the only worker serves others');
  const rest: unknown[] = [];
  const err = await t.throwsAsync(async () => {
    for await (const x of stream) rest.push(x);
  });
  const n = 1 + rest.length;
  t.true(err instanceof DirtyTimeoutError);
  t.regex(err.message, /Echo\.blobs stalled.*1000 ms \(streamStallTimeoutMs\)/);
  t.is((err as DirtyError).details['limit'], 'streamStallTimeoutMs');
  t.true(n <= 8192 + 1, `the consumer got the buffered window (${n} chunks), no more`); // tiny chunks: the chunk limit
});

test('row 3: timeoutMs is a deadline from dispatch to the last frame, even while chunks keep coming', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1, timeoutMs: 1000 });
  const c = a.client(30_000);
  const k = key('ticking');
  const got: unknown[] = [];
  const t0 = Date.now();
  const err = await t.throwsAsync(async () => {
    for await (const x of c.stream(ECHO, 'track', k, 100, 150)) got.push(x);
  });
  const took = Date.now() - t0;
  t.true(err instanceof DirtyTimeoutError);
  t.regex(err.message, /Echo\.track ran past timeoutMs \(1000 ms/);
  t.is((err as DirtyError).details['limit'], 'timeoutMs');
  t.true(got.length >= 3, 'chunks were flowing');
  t.true(took >= 1000 && took < 1000 + 400, `the deadline fired ${took} ms after the call (timeoutMs 1000)`);
  t.log(`the arbiter's deadline: the caller had its error ${took} ms after the call (timeoutMs 1000)`);
  await waitFor(() => h.journal(k).some((e) => e.ev === 'closed'), 'the worker to stop the generator');
});

test("the client's timeoutMs bounds a whole stream too", async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1 });
  const c = a.client(30_000);
  await c.execute(ECHO, 'echo', 'connected');
  const k = key('client-deadline');
  const got: unknown[] = [];
  const t0 = Date.now();
  const err = await t.throwsAsync(async () => {
    for await (const x of c.openStream(ECHO, 'track', [k, 100, 150], { timeoutMs: 1000 })) got.push(x);
  });
  const took = Date.now() - t0;
  t.true(err instanceof DirtyTimeoutError);
  t.regex(err.message, /Echo\.track timed out after 1000 ms \(the client's timeoutMs\)/);
  t.true(got.length >= 3);
  t.true(took >= 1000 && took < 1000 + 400, `fired after ${took} ms`);
  t.log(`the client's deadline fired ${took} ms after the call (timeoutMs 1000)`);
  await waitFor(() => h.journal(k).some((e) => e.ev === 'closed'), 'the worker to stop the generator');
});
