// Giving up on calls against the real arbiter: AbortSignal before and during a call, client and
// arbiter timeouts, closed connections and early-left streams. The worker is told (CANCEL), late
// answers are dropped, and the next calls on the same client and worker get their own results
// (gunicorn's client can read a late answer as the next call's: that must be impossible here).
import test from 'ava';
import { DirtyAbortError, DirtyTimeoutError, type DirtyError } from '../../src/client/index.js';
import { waitFor } from '../helpers/wait-for.js';
import { ECHO, harness, key, quiet, statusUntil, type JournalEntry } from './helpers.js';

const h = harness();
test.after.always(() => h.cleanup());

const has = (k: string, ev: string): boolean => h.journal(k).some((e) => e.ev === ev);
const entry = (k: string, ev: string): JournalEntry | undefined => h.journal(k).find((e) => e.ev === ev);
const oneWorker = { apps: [ECHO], workers: 1, concurrency: 1 };

test('a signal aborted before the call: DirtyAbortError, nothing is sent, the client goes on', async (t) => {
  const a = await h.start(oneWorker);
  const c = a.client();
  const k = key('pre-abort');
  const ac = new AbortController();
  ac.abort(new Error('changed my mind'));
  const err = await t.throwsAsync(c.call(ECHO, 'sleepNoted', [10, k], { signal: ac.signal }));
  t.true(err instanceof DirtyAbortError);
  t.is((err.cause as Error).message, 'changed my mind');
  // Same connection, one worker, concurrency 1: had the request been sent, it would have run first.
  t.is(await c.execute(ECHO, 'sleepNoted', 1, key('after')), 1);
  t.deepEqual(h.journal(k), [], 'the aborted call never reached a worker');
});

test('aborting a running call: DirtyAbortError at once, the worker aborts it, the next call gets its own result', async (t) => {
  const a = await h.start(oneWorker);
  const c = a.client();
  const k = key('abort');
  const ac = new AbortController();
  const call = quiet(c.call(ECHO, 'sleepNoted', [60_000, k], { signal: ac.signal }));
  await waitFor(() => has(k, 'start'), 'the call to start on the worker');
  ac.abort();
  const err = await t.throwsAsync(call);
  t.true(err instanceof DirtyAbortError);
  await waitFor(() => has(k, 'aborted'), 'the worker to see the cancel (its signal fired)', 5000);
  t.is(await c.execute(ECHO, 'echo', 'mine'), 'mine');
  t.is(await a.client().execute(ECHO, 'echo', 'other client'), 'other client');
});

test('a per-call timeout gives DirtyTimeoutError and cancels the call on the worker', async (t) => {
  const a = await h.start(oneWorker);
  const c = a.client();
  const k = key('timeout');
  const err = await t.throwsAsync(c.call(ECHO, 'sleepNoted', [60_000, k], { timeoutMs: 300 }));
  t.true(err instanceof DirtyTimeoutError);
  t.is((err as DirtyError).code, 'DIRTY_ERR_TIMEOUT');
  await waitFor(() => has(k, 'aborted'), 'the worker to abort the timed-out call', 5000);
  t.is(await c.execute(ECHO, 'echo', 'next'), 'next');
});

test('a late answer after a client timeout is dropped: later calls on the same client and worker get their own results', async (t) => {
  const a = await h.start(oneWorker);
  const c = a.client();
  const k = key('late');
  const err = await t.throwsAsync(c.call(ECHO, 'stubborn', [400, 'LATE', k], { timeoutMs: 100 }));
  t.true(err instanceof DirtyTimeoutError);
  const other = a.client();
  const results = await Promise.all([c.execute(ECHO, 'echo', 'mine-1'), other.execute(ECHO, 'echo', 'theirs-1'), c.execute(ECHO, 'echo', 'mine-2')]);
  t.deepEqual(results, ['mine-1', 'theirs-1', 'mine-2']);
  await waitFor(() => has(k, 'end'), 'the stubborn call to answer (late)');
  for (let i = 0; i < 5; i++) t.is(await c.execute(ECHO, 'echo', i), i, `call ${i} after the late answer`);
  t.is(await other.execute(ECHO, 'echo', 'theirs-2'), 'theirs-2');
});

test('the arbiter timeout (timeoutMs) answers DirtyTimeoutError and the late answer never reaches another call', async (t) => {
  const a = await h.start({ ...oneWorker, timeoutMs: 300 });
  const c = a.client();
  const k = key('arbiter-timeout');
  // The arbiter's deadline fires 0.3 s after dispatch, well before the 3 s answer.
  const err = await t.throwsAsync(c.execute(ECHO, 'stubborn', 3000, 'LATE', k));
  t.true(err instanceof DirtyTimeoutError);
  t.regex(err.message, /Echo\.stubborn ran past timeoutMs \(300 ms/);
  t.is((err as DirtyError).details['timeout_ms'], 300);
  t.false(has(k, 'end'), 'the arbiter answered before the worker did');
  const after = await Promise.all([1, 2, 3].map((i) => c.execute(ECHO, 'echo', `own-${i}`)));
  t.deepEqual(after, ['own-1', 'own-2', 'own-3']);
  await waitFor(() => has(k, 'end'), 'the late answer to be produced');
  t.deepEqual(await Promise.all([4, 5].map((i) => c.execute(ECHO, 'echo', `own-${i}`))), ['own-4', 'own-5']);
});

test('a worker slot held by an abandoned call that ignores its signal is not handed a new call', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 2, concurrency: 1 });
  const c = a.client();
  const kz = key('zombie');
  await t.throwsAsync(c.call(ECHO, 'stubborn', [2500, 'z', kz], { timeoutMs: 100 }), { instanceOf: DirtyTimeoutError });
  t.true(has(kz, 'start'));
  const keys = [0, 1, 2, 3].map((i) => key(`after-zombie-${i}`));
  for (const k of keys) await c.execute(ECHO, 'sleepPid', 20, k);
  const zombie = entry(kz, 'start')!;
  const zombieEnd = await waitFor(() => entry(kz, 'end'), 'the abandoned call to finish');
  for (const k of keys) {
    const s = entry(k, 'start')!;
    t.not(s.pid, zombie.pid, 'the call ran on the free worker');
    t.true(s.at < zombieEnd.at, 'the call did not wait for the abandoned one');
  }
});

test('a queued call that times out or is aborted leaves the queue and never runs', async (t) => {
  const a = await h.start(oneWorker);
  const c = a.client();
  const kBusy = key('busy');
  const busy = new AbortController();
  const running = c.call(ECHO, 'sleepNoted', [60_000, kBusy], { signal: busy.signal }).catch((e: unknown) => e);
  await waitFor(() => has(kBusy, 'start'), 'the worker to be busy');
  const kT = key('queued-timeout');
  const kA = key('queued-abort');
  const ac = new AbortController();
  const timedOut = quiet(c.call(ECHO, 'sleepNoted', [1, kT], { timeoutMs: 200 }));
  const aborted = quiet(c.call(ECHO, 'sleepNoted', [1, kA], { signal: ac.signal }));
  await statusUntil(a, (s) => s.calls.queued === 2, 'two queued calls');
  ac.abort();
  await t.throwsAsync(aborted, { instanceOf: DirtyAbortError });
  await t.throwsAsync(timedOut, { instanceOf: DirtyTimeoutError });
  await statusUntil(a, (s) => s.calls.queued === 0, 'the queue to empty');
  busy.abort();
  t.true((await running) instanceof DirtyAbortError);
  t.is(await c.execute(ECHO, 'sleepNoted', 1, key('last')), 1);
  t.deepEqual(h.journal(kT), [], 'the timed-out queued call never ran');
  t.deepEqual(h.journal(kA), [], 'the aborted queued call never ran');
});

test('closing a client cancels its running and queued calls', async (t) => {
  const a = await h.start(oneWorker);
  const c = a.client();
  const kRun = key('close-running');
  const kQueued = key('close-queued');
  const running = c.execute(ECHO, 'sleepNoted', 60_000, kRun).catch((e: unknown) => e);
  const queued = c.execute(ECHO, 'sleepNoted', 1, kQueued).catch((e: unknown) => e);
  await waitFor(() => has(kRun, 'start'), 'the first call to start');
  await statusUntil(a, (s) => s.calls.queued === 1, 'the second call to be queued');
  await c.close();
  t.is(((await running) as Error).name, 'DirtyConnectionError');
  t.is(((await queued) as Error).name, 'DirtyConnectionError');
  await waitFor(() => has(kRun, 'aborted'), 'the worker to abort the running call');
  const next = a.client();
  t.is(await next.execute(ECHO, 'sleepNoted', 1, key('next')), 1);
  t.deepEqual(h.journal(kQueued), [], 'the queued call left the queue');
  const s = await statusUntil(a, (x) => x.calls.inflight === 0 && x.calls.queued === 0, 'nothing in flight');
  t.is(s.workers[0]!.inflight, 0);
});

test('aborting a stream mid-way throws DirtyAbortError from the loop and stops the generator', async (t) => {
  const a = await h.start(oneWorker);
  const c = a.client();
  const k = key('stream-abort');
  const ac = new AbortController();
  const got: unknown[] = [];
  const err = await t.throwsAsync(async () => {
    for await (const x of c.openStream(ECHO, 'track', [k, 100_000, 5], { signal: ac.signal })) {
      got.push(x);
      if (got.length === 2) ac.abort();
    }
  });
  t.true(err instanceof DirtyAbortError);
  t.deepEqual(got.slice(0, 2), [0, 1]);
  await waitFor(() => has(k, 'closed'), 'the generator to be closed', 5000);
  t.is(await c.execute(ECHO, 'echo', 'after stream'), 'after stream');
});
