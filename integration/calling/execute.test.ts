// Calling dirty apps through the real arbiter, real workers and the real client: value round
// trips, kwargs, the four kinds of action, streams, many calls in flight on one connection,
// and STATUS/MANAGE over the socket.
import test from 'ava';
import { DirtyAbortError, DirtyError, DirtyProtocolError } from '../../src/client/index.js';
import { setImmediate as turn } from 'node:timers/promises';
import type { RunningArbiter } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';
import { ECHO, harness, key, liveWorkers, type Status } from './helpers.js';

const h = harness();
test.after.always(() => h.cleanup());

// One shared arbiter for the tests that do not depend on routing.
let shared: Promise<RunningArbiter> | undefined;
const arbiter = (): Promise<RunningArbiter> => (shared ??= h.start({ apps: [ECHO], workers: 2, concurrency: 4 }));

test('execute round-trips every TLV type: ints, floats, bigint, bools, null, str, bytes, lists, nested dicts', async (t) => {
  const c = (await arbiter()).client();
  const bytes = Buffer.from([0, 1, 2, 0x7f, 0x80, 0xfe, 0xff]);
  const cases: [unknown, unknown][] = [
    [0, 0],
    [-1, -1],
    [2 ** 53 - 1, 2 ** 53 - 1],
    [2n ** 62n, 2n ** 62n],
    [-(2n ** 63n), -(2n ** 63n)],
    [1.5, 1.5],
    [-0.25, -0.25],
    [true, true],
    [false, false],
    [null, null],
    ['', ''],
    ['héllo ✓ 🙂', 'héllo ✓ 🙂'],
    [bytes, bytes],
    [Buffer.alloc(0), Buffer.alloc(0)],
    [
      [1, 'two', [3, [4, null]], { five: 5 }],
      [1, 'two', [3, [4, null]], { five: 5 }],
    ],
    [
      { a: { b: { c: [1, 2, { d: Buffer.from('xyz') }] } }, '': 'empty key' },
      { a: { b: { c: [1, 2, { d: Buffer.from('xyz') }] } }, '': 'empty key' },
    ],
  ];
  for (const [input, expected] of cases) {
    t.deepEqual(await c.execute(ECHO, 'echo', input), expected, `echo of ${String(input)}`);
  }
  const big = Buffer.alloc(3 << 20, 7);
  const back = await c.execute(ECHO, 'echo', big);
  t.true(back instanceof Uint8Array);
  t.true(Buffer.from(back as Uint8Array).equals(big), 'a 3 MiB byte string comes back intact');
});

test('large payloads that span many socket reads, both ways and several at once, between small calls: byte for byte', async (t) => {
  // The arbiter relays such frames as the pieces they arrived in (no copy); order and content must hold.
  const c = (await arbiter()).client();
  const patterned = (n: number, seed: number): Buffer => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 17 + (i >>> 9)) & 0xff;
    return b;
  };
  const bigs = [patterned(1 << 20, 1), patterned((1 << 20) + 12_345, 2), patterned(200_000, 3)];
  const text = 'é✓🙂 '.repeat(60_000);
  const calls: Promise<unknown>[] = [];
  for (let i = 0; i < 30; i++) calls.push(c.execute(ECHO, 'echo', i % 3 === 0 ? bigs[i % bigs.length] : `small ${i}`));
  calls.push(c.execute(ECHO, 'echo', text));
  calls.push(c.execute(ECHO, 'echo', { nested: [bigs[2], 'tail'] }));
  const results = await Promise.all(calls);
  for (let i = 0; i < 30; i++) {
    const r = results[i];
    if (i % 3 === 0) t.true(Buffer.from(r as Uint8Array).equals(bigs[i % bigs.length] as Buffer), `call ${i}: its own large payload`);
    else t.is(r, `small ${i}`);
  }
  t.is(results[30], text);
  const nested = results[31] as { nested: [Uint8Array, string] };
  t.true(Buffer.from(nested.nested[0]).equals(bigs[2] as Buffer));
  t.is(nested.nested[1], 'tail');
  const streamed: Buffer[] = [];
  for await (const x of c.stream(ECHO, 'repeat', bigs[1], 3)) streamed.push(Buffer.from(x as Uint8Array));
  t.is(streamed.length, 3);
  for (const x of streamed) t.true(x.equals(bigs[1] as Buffer), 'a large CHUNK comes through whole');
});

test('a burst of 3,000 calls behind 200 that are aborted a turn later: each live call gets its own result, each aborted one DirtyAbortError', async (t) => {
  // Once the aborted calls leave, the arbiter hands each worker its queued requests in bulk, 32 frames a
  // write (maxFrames), and the CANCELs of the running ones among them: none may be lost, doubled or reordered.
  const own = await h.start({ apps: [ECHO], workers: 2, concurrency: 64, maxQueue: 4000 });
  const c = own.client();
  const controllers = Array.from({ length: 200 }, () => new AbortController());
  const aborted = controllers.map((ac, i) => c.call(ECHO, 'sleep', [30_000, `never ${i}`], { signal: ac.signal }));
  const live = Array.from({ length: 3000 }, (_v, i) => c.execute(ECHO, 'echo', `call ${i}`));
  await turn();
  for (const ac of controllers) ac.abort();
  for (const call of aborted) await t.throwsAsync(call, { instanceOf: DirtyAbortError });
  const got = await Promise.all(live);
  t.true(
    got.every((v, i) => v === `call ${i}`),
    'every live call got its own result',
  );
  t.is(await c.execute(ECHO, 'echo', 'after'), 'after');
});

test('kwargs reach the action as a trailing argument; no kwargs, no trailing argument', async (t) => {
  const c = (await arbiter()).client();
  t.deepEqual(await c.call(ECHO, 'withKwargs', [1], { kwargs: { x: 2, nested: { y: [Buffer.from('b')] } } }), {
    a: 1,
    kwargs: { x: 2, nested: { y: [Buffer.from('b')] } },
  });
  t.deepEqual(await c.call(ECHO, 'withKwargs', ['only'], { kwargs: {} }), { a: 'only', kwargs: null });
  t.deepEqual(await c.call(ECHO, 'withKwargs', ['only']), { a: 'only', kwargs: null });
});

test('sync, async, generator and async-generator actions', async (t) => {
  const c = (await arbiter()).client();
  t.is(await c.execute(ECHO, 'echo', 'sync'), 'sync');
  t.is(await c.execute(ECHO, 'asyncEcho', 'async'), 'async');
  t.is(await c.execute(ECHO, 'sleep', 5, 'slept'), 'slept');
  const counted: unknown[] = [];
  for await (const x of c.stream(ECHO, 'count', 5)) counted.push(x);
  t.deepEqual(counted, [0, 1, 2, 3, 4], 'a sync generator streams CHUNKs then END');
  const ticked: unknown[] = [];
  for await (const x of c.stream(ECHO, 'ticks', 4, 2)) ticked.push(x);
  t.deepEqual(ticked, [0, 1, 2, 3], 'an async generator streams too');
  const none: unknown[] = [];
  for await (const x of c.stream(ECHO, 'count', 0)) none.push(x);
  t.deepEqual(none, [], 'an empty generator is just END');
  const many: unknown[] = [];
  for await (const x of c.stream(ECHO, 'count', 5000)) many.push(x);
  t.is(many.length, 5000);
  t.true(
    many.every((x, i) => x === i),
    'a long stream arrives complete and in order',
  );
});

test('a generator action called with execute() fails clearly, and the client goes on', async (t) => {
  const c = (await arbiter()).client();
  const err = await t.throwsAsync(c.execute(ECHO, 'count', 3));
  t.true(err instanceof DirtyError);
  t.regex(err.message, /streamed its result/);
  t.is(await c.execute(ECHO, 'echo', 'after'), 'after');
});

test('an error in the middle of a stream arrives after the chunks before it', async (t) => {
  const c = (await arbiter()).client();
  const got: unknown[] = [];
  const err = await t.throwsAsync(async () => {
    for await (const x of c.stream(ECHO, 'failAfter', 3)) got.push(x);
  });
  t.deepEqual(got, [0, 1, 2]);
  t.is(err.name, 'DirtyAppError');
  t.is((err as DirtyError).details['error_type'], 'TypeError');
  t.regex(err.message, /failed after 3/);
});

test('an unencodable chunk ends the stream with an error and the generator is closed', async (t) => {
  const a = await arbiter();
  const c = a.client();
  const k = key('badchunk');
  const got: unknown[] = [];
  const err = await t.throwsAsync(async () => {
    for await (const x of c.openStream(ECHO, 'badChunk', [k])) got.push(x);
  });
  t.deepEqual(got, [1]);
  t.is(err.name, 'DirtyAppError');
  t.regex(err.message, /Set|not supported|Unsupported/i);
  await waitFor(() => h.journal(k).some((e) => e.ev === 'closed'), 'the generator to be closed (finally ran)');
  const e2 = await t.throwsAsync(c.execute(ECHO, 'unencodable'));
  t.is(e2.name, 'DirtyAppError', 'an unencodable result is an app error, not a dead worker');
  t.is(await c.execute(ECHO, 'echo', 'alive'), 'alive');
});

test('an unencodable argument is refused by the client before anything is sent', async (t) => {
  const c = (await arbiter()).client();
  const err = await t.throwsAsync(c.execute(ECHO, 'echo', new Set([1])));
  t.true(err instanceof DirtyProtocolError);
  t.is(await c.execute(ECHO, 'echo', 1), 1);
});

test('breaking out of a for-await cancels the stream: the generator stops and is closed, the client goes on', async (t) => {
  const a = await arbiter();
  const c = a.client();
  const k = key('track');
  const got: unknown[] = [];
  for await (const x of c.openStream(ECHO, 'track', [k, 100_000, 5])) {
    got.push(x);
    if (got.length === 3) break;
  }
  t.deepEqual(got, [0, 1, 2]);
  t.is(await c.execute(ECHO, 'echo', 'next'), 'next', 'the next execute on the same client gets its own result');
  // The generator would tick for 500 s if the worker were not told: 'closed' comes only from return().
  await waitFor(() => h.journal(k).some((e) => e.ev === 'closed'), 'the worker to close the generator', 5000);
  const events = h.journal(k).map((e) => e.ev);
  t.is(events.at(-1), 'closed', 'nothing ran after the close');
  t.true(events.length < 100_000, `the generator stopped after ${events.length - 1} of 100000 ticks`);
});

test('many requests in flight on one connection are matched by id, even when they finish out of order', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1, concurrency: 2 });
  const c = a.client();
  const order: string[] = [];
  const slow = c.execute(ECHO, 'sleep', 50, 'slow').then((v) => (order.push(String(v)), v));
  const fast = c.execute(ECHO, 'sleep', 1, 'fast').then((v) => (order.push(String(v)), v));
  t.deepEqual(await Promise.all([slow, fast]), ['slow', 'fast']);
  t.deepEqual(order, ['fast', 'slow'], 'the second call completed first and still got its own result');
  const values = Array.from({ length: 300 }, (_, i) => ({ i, tag: `v${i}`, bytes: Buffer.from([i & 0xff, i >> 8]) }));
  const results = await Promise.all(values.map((v, i) => c.execute(ECHO, i % 3 === 0 ? 'sleep' : 'echo', ...(i % 3 === 0 ? [i % 7, v] : [v]))));
  t.deepEqual(results, values);
});

test('STATUS and MANAGE over the socket', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1, maxWorkers: 3 });
  const c = a.client();
  const s0 = (await c.status()) as Status;
  t.is(s0.pid, a.pid);
  t.is(s0.target, 1);
  t.is(s0.maximum, 3);
  t.deepEqual(
    s0.workers.map((w) => [w.state, w.apps]),
    [['ready', [ECHO]]],
  );
  t.deepEqual(
    s0.workers.map((w) => w.pid),
    a.workerPids(),
  );
  t.deepEqual(s0.apps, [{ name: ECHO, limit: null, holders: 1 }]);
  await c.execute(ECHO, 'echo', 1);
  const s1 = (await c.status()) as Status;
  t.true(s1.calls.total > s0.calls.total, 'calls are counted');

  const added = (await c.manage('add', 2)) as { ok: boolean; target: number; previous: number };
  t.like(added, { ok: true, target: 3, previous: 1 });
  const s2 = await liveWorkers(a, 3);
  t.is(a.workerPids().length, 3);
  t.is(s2.target, 3);
  const clamped = (await c.manage('add', 1)) as { ok: boolean; target: number; clampedBy?: string; message: string };
  t.false(clamped.ok, 'a refused scale-up is not ok');
  t.is(clamped.target, 3);
  t.is(clamped.clampedBy, 'maximum');
  const removed = (await c.manage('remove', 5)) as { ok: boolean; target: number; clampedBy?: string };
  t.like(removed, { ok: false, target: 1, clampedBy: 'minimum' });
  await liveWorkers(a, 1);
  await waitFor(() => a.workerPids().length === 1, 'retired worker processes to exit');
  t.is(await c.execute(ECHO, 'echo', 'still'), 'still');
});
