// Hang detection blames the right process: the arbiter's event loop is frozen (SIGSTOP) for
// longer than the heartbeat timeout, while its workers keep beating. When it runs again, no worker
// is killed and calls work; the stall is on record in status. A worker that really blocks is
// still killed.
import { setTimeout as delay } from 'node:timers/promises';
import test from 'ava';
import { DirtyWorkerError } from '../../src/client/index.js';
import { FIXTURES, startArbiter, stopAfterAll, type RunningArbiter } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';

const running = stopAfterAll(test);
const ECHO = `${FIXTURES}:Echo`;
const HEARTBEAT_TIMEOUT_MS = 1_200;
/** How long the arbiter is frozen: the stimulus (three heartbeat timeouts), not a wait for a result. */
const FREEZE_MS = 3 * HEARTBEAT_TIMEOUT_MS;

interface Status {
  live: number;
  restarts: number;
  workers: { pid: number }[];
  eventLoop: { stalls: number; maxStallMs: number };
}
const status = async (a: RunningArbiter): Promise<Status> => (await a.client().status()) as Status;

test('an arbiter frozen past the heartbeat timeout kills no worker; calls still work', async (t) => {
  const config = { apps: [ECHO], workers: 2, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS, cancelGraceMs: 500, initTimeoutMs: 5_000 };
  const a = await startArbiter({ config });
  running.push(a);
  const c = a.client(20_000);
  const initial = await status(a);
  const before = initial.workers.map((w) => w.pid).sort();
  const logFrom = a.log().length;
  process.kill(a.pid, 'SIGSTOP');
  let during: Promise<unknown>;
  try {
    during = c.execute(ECHO, 'echo', 'during'); // sent while the arbiter is frozen: it waits
    await delay(FREEZE_MS);
  } finally {
    process.kill(a.pid, 'SIGCONT');
  }
  t.is(await during, 'during', 'a call made during the freeze goes through');
  // A call made right after the freeze, and a few heartbeat timeouts' worth of calls after it.
  t.is(await c.execute(ECHO, 'echo', 'right after'), 'right after');
  const s = await waitFor(async () => {
    const x = await status(a);
    return x.eventLoop.stalls > 0 ? x : false;
  }, 'the stall to be on record');
  t.true(s.eventLoop.maxStallMs >= FREEZE_MS - 200, `the stall measured ${s.eventLoop.maxStallMs} ms`);
  for (let i = 0; i < 10; i++) t.is(await c.execute(ECHO, 'sleep', 150, i), i);
  const after = await status(a);
  t.deepEqual(after.workers.map((w) => w.pid).sort(), before, 'the same two workers');
  t.is(after.restarts, initial.restarts, 'no worker died');
  t.is(after.live, 2);
  t.notRegex(a.log().slice(logFrom), /missed heartbeats|recycled|init timed out/);
});

test('a worker whose own event loop blocks is still killed by heartbeat', async (t) => {
  const a = await startArbiter({ config: { apps: [ECHO], workers: 1, heartbeatTimeoutMs: 600 } });
  running.push(a);
  const c = a.client(20_000);
  await t.throwsAsync(c.execute(ECHO, 'spin', 8000), { instanceOf: DirtyWorkerError });
  await a.waitForLog(/missed heartbeats for \d+ ms \(event loop blocked\); killing it/);
  await waitFor(async () => (await status(a)).live === 1, 'the replacement');
  t.is(await c.execute(ECHO, 'echo', 'ok'), 'ok');
});
