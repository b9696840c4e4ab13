// Each error class reaches the caller with the right class, code and details, through the real
// arbiter and workers: app errors with the remote stack, refused action names, unknown apps, apps
// nobody can hold (crash-loop breaker), a full queue, and a worker dying mid-call.
import test from 'ava';
import {
  DirtyAppError,
  DirtyAppNotFoundError,
  DirtyError,
  DirtyNoWorkersAvailableError,
  DirtyQueueFullError,
  DirtyTimeoutError,
  DirtyWorkerError,
} from '../../src/client/index.js';
import { dirname, join } from 'node:path';
import { FIXTURES, type RunningArbiter } from '../helpers/arbiter.js';
import { isAlive } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait-for.js';
import { ECHO, INIT_FAILS, harness, liveWorkers, outcome, status, statusUntil } from './helpers.js';

const h = harness();
test.after.always(() => h.cleanup());

let shared: Promise<RunningArbiter> | undefined;
const arbiter = (): Promise<RunningArbiter> => (shared ??= h.start({ apps: [ECHO], workers: 1, concurrency: 2 }));

test('an action that throws: DirtyAppError with the remote class, message, app, action and stack', async (t) => {
  const c = (await arbiter()).client();
  const err = await t.throwsAsync(c.execute(ECHO, 'fail', 'out of range!'));
  t.true(err instanceof DirtyAppError);
  t.false(err instanceof DirtyAppNotFoundError);
  t.is(err.name, 'DirtyAppError');
  t.is((err as DirtyError).code, 'DIRTY_ERR_APP');
  t.is(err.message, 'out of range!');
  const d = (err as DirtyError).details;
  t.is(d['error_type'], 'RangeError');
  t.is(d['app_path'], ECHO);
  t.is(d['action'], 'fail');
  t.regex(String(d['traceback']), /RangeError: out of range!\n\s+at Echo\.fail \(.*apps\.mjs/);
  t.regex(err.stack ?? '', /--- remote ---[^]*at Echo\.fail/, 'the remote stack is part of the local one');
  t.is(await c.execute(ECHO, 'echo', 'ok'), 'ok', 'the worker survives');
});

for (const action of ['nope', '_private', 'init', 'close', 'constructor', 'toString', 'hasOwnProperty', '__proto__', 'calls']) {
  test(`action ${JSON.stringify(action)} is refused as an unknown action`, async (t) => {
    const c = (await arbiter()).client();
    const err = await t.throwsAsync(c.execute(ECHO, action));
    t.true(err instanceof DirtyAppError);
    t.is((err as DirtyError).code, 'DIRTY_ERR_APP');
    t.is(err.message, `Unknown action: ${action}`);
    t.like((err as DirtyError).details, { app_path: ECHO, action });
  });
}

test('an app that is not configured: DirtyAppNotFoundError (a DirtyAppError)', async (t) => {
  const c = (await arbiter()).client();
  const err = await t.throwsAsync(c.execute(`${ECHO}Nope`, 'echo', 1));
  t.true(err instanceof DirtyAppNotFoundError);
  t.true(err instanceof DirtyAppError);
  t.is((err as DirtyError).code, 'DIRTY_ERR_APP_NOT_FOUND');
  t.is((err as DirtyError).details['app_path'], `${ECHO}Nope`);
});

test('an app whose init always fails: calls wait while it is retried, then fail fast with DirtyNoWorkersAvailableError', async (t) => {
  const a = await h.start(
    { apps: [ECHO, `${INIT_FAILS}:1`], workers: 2, restartBaseDelayMs: 50, restartMaxDelayMs: 200, maxCrashes: 4, crashWindowMs: 60_000 },
    { noWait: true },
  );
  await a.waitForLog(/listening on/);
  const c = a.client(20_000);
  const early = outcome(c.execute(INIT_FAILS, 'ping'));
  await statusUntil(a, (s) => s.calls.queued === 1 && s.crashLooping.length === 0, 'the call to wait while the app is retried');
  const broken = await statusUntil(a, (s) => s.crashLooping.length > 0, 'the crash-loop breaker to open');
  t.deepEqual(broken.apps.find((x) => x.name === INIT_FAILS)?.holders ?? 0, 0);
  const first = await early;
  t.false(first.ok);
  t.true(first.error instanceof DirtyNoWorkersAvailableError, `queued call: ${String(first.error)}`);
  const t0 = performance.now();
  const err = await t.throwsAsync(c.execute(INIT_FAILS, 'ping'));
  const failFast = performance.now() - t0;
  t.true(err instanceof DirtyNoWorkersAvailableError);
  t.is((err as DirtyError).code, 'DIRTY_ERR_NO_WORKERS');
  t.is((err as DirtyError).details['app_path'], INIT_FAILS);
  t.false(err instanceof DirtyTimeoutError);
  t.true(failFast < 2000, `failed fast (${Math.round(failFast)} ms), not after the 20 s timeout`);
  t.is(await c.execute(ECHO, 'echo', 'other apps still work'), 'other apps still work');
  t.regex(a.log(), /init failed on purpose/);
});

test('a full queue: DirtyQueueFullError for the call beyond maxQueue, the others complete', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1, concurrency: 1, maxQueue: 2 });
  const c = a.client();
  // One connection keeps the order: 1 runs, 2 and 3 wait, 4 finds the queue full.
  const calls = [1, 2, 3, 4].map((i) => outcome(c.execute(ECHO, 'sleep', 200, `v${i}`)));
  const [r1, r2, r3, r4] = await Promise.all(calls);
  t.true(r4!.error instanceof DirtyQueueFullError, `4th call: ${String(r4!.error ?? r4!.value)}`);
  t.is((r4!.error as DirtyError).code, 'DIRTY_ERR_QUEUE_FULL');
  t.is((r4!.error as DirtyError).details['max_queue'], 2);
  t.true(r4!.at < r1!.at, 'the refused call failed at once, before the running one finished');
  t.deepEqual([r1!.value, r2!.value, r3!.value], ['v1', 'v2', 'v3']);
  t.is(await c.execute(ECHO, 'echo', 'room again'), 'room again');
});

test('a worker that exits mid-call: DirtyWorkerError for its call only, other workers unaffected, a replacement appears', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 2, concurrency: 1 });
  const s0 = await liveWorkers(a, 2);
  const c = a.client();
  const long = outcome(c.execute(ECHO, 'sleepPid', 800));
  await statusUntil(a, (s) => s.calls.inflight === 1, 'the long call to run');
  const err = await t.throwsAsync(c.execute(ECHO, 'exit', 3));
  t.true(err instanceof DirtyWorkerError);
  t.is((err as DirtyError).code, 'DIRTY_ERR_WORKER');
  const d = (err as DirtyError).details;
  t.is(d['exit_code'], 3);
  const dead = d['pid'] as number;
  t.true(s0.workers.some((w) => w.pid === dead));
  await waitFor(() => !isAlive(dead), 'the dead worker to be gone');
  const survivor = await long;
  t.true(survivor.ok, 'the call on the other worker completed');
  t.not((survivor.value as { pid: number }).pid, dead);
  const s1 = await statusUntil(a, (s) => s.live === 2 && !s.workers.some((w) => w.pid === dead), 'a replacement worker');
  t.is(s1.restarts, 1);
  t.is(a.workerPids().length, 2);
  const pids = new Set<number>();
  const results = await Promise.all([1, 2, 3, 4].map(() => c.execute(ECHO, 'sleepPid', 50)));
  for (const r of results) pids.add((r as { pid: number }).pid);
  t.is(pids.size, 2, 'both workers, the replacement included, serve calls');
  t.deepEqual(new Set(s1.workers.map((w) => w.pid)), pids);
});

test('a worker killed by a signal mid-stream: the stream fails with DirtyWorkerError naming the signal', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1, concurrency: 1 });
  const c = a.client();
  const [pid] = a.workerPids();
  const got: unknown[] = [];
  const err = await t.throwsAsync(async () => {
    for await (const x of c.stream(ECHO, 'ticks', 100_000, 5)) {
      got.push(x);
      if (got.length === 2) process.kill(pid!, 'SIGKILL');
    }
  });
  t.true(err instanceof DirtyWorkerError);
  t.is((err as DirtyError).details['signal'], 'SIGKILL');
  t.true(got.length >= 2);
  await liveWorkers(a, 1);
  t.is(await c.execute(ECHO, 'echo', 'replaced'), 'replaced');
  t.is((await status(a)).restarts, 1);
});

test("an app error keeps the app's own code and class name (details.app_code, details.error_type)", async (t) => {
  const app = `${join(dirname(FIXTURES), 'coded-errors.mjs')}:Coded`;
  const c = (await h.start({ apps: [app], workers: 1 })).client();
  const sync = await t.throwsAsync(c.execute(app, 'fail', 'E_DEMO'));
  t.true(sync instanceof DirtyAppError);
  t.is((sync as DirtyError).code, 'DIRTY_ERR_APP', "pm2-dirty's own class and code stay");
  t.like((sync as DirtyError).details, { error_type: 'DemoError', app_code: 'E_DEMO' });
  const numeric = await t.throwsAsync(c.execute(app, 'failLater', 42));
  t.like((numeric as DirtyError).details, { error_type: 'DemoError', app_code: 42 });
  const node = await t.throwsAsync(c.execute(app, 'readMissing'));
  t.like((node as DirtyError).details, { error_type: 'Error', app_code: 'ENOENT' });
});
