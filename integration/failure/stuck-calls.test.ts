// Calls that ignore their cancellation cost their worker, not the pool: after cancelGraceMs the
// worker is recycled (replacement first, then killed), its other running calls fail with a
// DirtyWorkerError that says why, and a recycle is not a crash (no restart, no breaker). Status
// shows abandoned calls while they hold a worker.
import test from 'ava';
import { DirtyTimeoutError, DirtyWorkerError } from '../../src/client/index.js';
import { FIXTURES, startArbiter, stopAfterAll, type RunningArbiter } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';

const running = stopAfterAll(test);
const ECHO = `${FIXTURES}:Echo`;
const GRACE_MS = 2_000;

interface Status {
  live: number;
  target: number;
  restarts: number;
  recycles: number;
  crashLooping: string[];
  breakers: unknown[];
  calls: { inflight: number };
  workers: { pid: number; state: string; abandoned: number }[];
}
const status = async (a: RunningArbiter): Promise<Status> => (await a.client().status()) as Status;

test('two calls that ignore cancellation on a 2-worker pool: both workers recycled, the pool serves again within cancelGraceMs + margin', async (t) => {
  // maxCrashes 2: were a recycle counted as a crash, these two would open the breaker.
  const a = await startArbiter({ config: { apps: [ECHO], workers: 2, cancelGraceMs: GRACE_MS, maxCrashes: 2 } });
  running.push(a);
  const c = a.client(800);
  const before = (await status(a)).workers.map((w) => w.pid);
  const stuck = await Promise.allSettled([c.execute(ECHO, 'forever'), c.execute(ECHO, 'forever')]);
  const timedOutAt = Date.now();
  t.true(
    stuck.every((r) => r.status === 'rejected' && r.reason instanceof DirtyTimeoutError),
    'both calls time out at the client',
  );
  // Status tells the truth while the workers still hold the abandoned calls.
  const held = await status(a);
  t.is(held.calls.inflight, 2, 'calls.inflight counts the calls the workers really run');
  t.deepEqual(
    held.workers.map((w) => w.abandoned),
    [1, 1],
    'each worker shows its abandoned call',
  );
  // The pool serves again: an ordinary call with a deadline of grace + 4 s of margin succeeds.
  t.is(await a.client(GRACE_MS + 4_000).execute(ECHO, 'echo', 'served'), 'served');
  const servedAfterMs = Date.now() - timedOutAt;
  t.true(servedAfterMs < GRACE_MS + 4_000, `served again ${servedAfterMs} ms after the timeouts`);
  await a.waitForLog(/recycled: stuck call [^\n]*Echo\.forever ignored cancellation for \d+ ms; a replacement starts/);
  const s = await waitFor(async () => {
    const x = await status(a);
    return x.recycles === 2 && x.live === 2 && x.workers.length === 2 ? x : false;
  }, 'both workers recycled and replaced');
  t.true(
    s.workers.every((w) => !before.includes(w.pid)),
    'both stuck workers were replaced',
  );
  t.is(s.restarts, 0, 'a recycle is not a crash');
  t.deepEqual(s.crashLooping, [], 'the breaker never opened');
  t.deepEqual(s.breakers, []);
  t.is(s.calls.inflight, 0);
  t.deepEqual(
    s.workers.map((w) => w.abandoned),
    [0, 0],
  );
  for (const pid of before) t.false(a.workerPids().includes(pid), `stuck worker ${pid} is gone`);
});

test('the other calls of a recycled worker fail with DirtyWorkerError naming the stuck call; queued calls go elsewhere', async (t) => {
  const a = await startArbiter({ config: { apps: [ECHO], workers: 1, concurrency: 2, cancelGraceMs: GRACE_MS } });
  running.push(a);
  const c = a.client(20_000);
  const stuckPid = (await status(a)).workers[0]?.pid;
  const bystander = c.execute(ECHO, 'sleep', 15_000, 'never');
  await t.throwsAsync(c.call(ECHO, 'forever', [], { timeoutMs: 300 }), { instanceOf: DirtyTimeoutError });
  const waiting = c.execute(ECHO, 'pid'); // waits behind the two running calls
  const err = await t.throwsAsync(bystander, { instanceOf: DirtyWorkerError });
  t.regex(err.message, /stuck call [^\n]*Echo\.forever ignored cancellation for \d+ ms/);
  t.regex(String(err.details['reason']), /^stuck call [^\n]*Echo\.forever ignored cancellation for \d+ ms$/);
  t.not(await waiting, stuckPid, 'the waiting call ran on the replacement');
  t.is(await c.execute(ECHO, 'echo', 'after'), 'after', 'the replacement serves');
  const s = await status(a);
  t.is(s.recycles, 1);
  t.is(s.restarts, 0);
});
