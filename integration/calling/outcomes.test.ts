// Each call ends in exactly one counted outcome, whoever ends it: the app, the arbiter's timeout,
// the caller (abort), a dying worker, a full queue.
import test from 'ava';
import { FIXTURES, startArbiter, stopAfterAll } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';
import type { ArbiterStatus } from '../../src/arbiter/status.js';

const running = stopAfterAll(test);
const ECHO = `${FIXTURES}:Echo`;

test('ok, app error, arbiter timeout, cancelled, worker error and queue full are each counted once', async (t) => {
  const a = await startArbiter({ config: { apps: [ECHO], workers: 1, maxWorkers: 1, maxQueue: 1, timeoutMs: 800, restartBaseDelayMs: 10 } });
  running.push(a);
  const c = a.client(10_000);
  const status = async (): Promise<ArbiterStatus> => (await c.status()) as ArbiterStatus;
  await c.execute(ECHO, 'echo', 1);
  await t.throwsAsync(c.execute(ECHO, 'fail', 'x'));
  await t.throwsAsync(c.execute('nope', 'x'));
  await t.throwsAsync(c.execute(ECHO, 'sleep', 5000), { message: /ran past timeoutMs/ });
  const abort = new AbortController();
  const aborted = c.call(ECHO, 'sleep', [5000], { signal: abort.signal });
  await waitFor(async () => (await status()).calls.inflight === 1, 'the call to run');
  abort.abort();
  await t.throwsAsync(aborted);
  // A burst against one worker and a queue of one: the worker (which may be sent a call ahead) and the
  // queue take a few, the rest are refused with queue_full.
  await waitFor(async () => (await status()).calls.inflight === 0, 'the worker to let the cancelled call go');
  const burst = await Promise.allSettled([c.execute(ECHO, 'sleep', 300), ...Array.from({ length: 7 }, () => c.execute(ECHO, 'echo', 3))]);
  const full = burst.filter((r) => r.status === 'rejected' && /Queue full/.test(String(r.reason))).length;
  t.true(full >= 1, `${full} of 8 refused`);
  t.is(burst.filter((r) => r.status === 'fulfilled').length, 8 - full);
  await t.throwsAsync(c.execute(ECHO, 'exit', 3), { message: /exited with code 3/ });
  const s = await waitFor(async () => {
    const st = await status();
    return st.calls.total === 14 ? st : false;
  }, '14 calls counted');
  t.deepEqual(s.calls.outcomes, {
    ok: 1 + 8 - full,
    app_error: 2,
    timeout: 1,
    cancelled: 1,
    worker_error: 1,
    queue_full: full,
    no_workers: 0,
    protocol_error: 0,
  });
  t.is(s.calls.errors, 5 + full);
});
