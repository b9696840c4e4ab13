// Calls already sent to a worker that dies before starting them are not lost: they go to another
// holder (here the replacement); only the call the worker was running fails.
import test from 'ava';
import { DirtyWorkerError } from '../../src/client/index.js';
import { FIXTURES, startArbiter, type RunningArbiter } from '../helpers/arbiter.js';

let a: RunningArbiter | undefined;
test.after.always(async () => {
  await a?.stop();
});

test('calls pipelined behind a crashing call are re-queued, not failed', async (t) => {
  a = await startArbiter({ config: { apps: [`${FIXTURES}:Echo`], workers: 1, restartBaseDelayMs: 10 } });
  const c = a.client(20_000);
  // Many fast calls teach the router that this worker's calls are short, so it pipelines.
  for (let i = 0; i < 300; i++) await c.execute(`${FIXTURES}:Echo`, 'echo', i);
  const crash = c.execute(`${FIXTURES}:Echo`, 'exit', 9);
  const behind = Array.from({ length: 30 }, (_, i) => c.execute(`${FIXTURES}:Echo`, 'echo', `behind-${i}`));
  await t.throwsAsync(crash, { instanceOf: DirtyWorkerError });
  const results = await Promise.allSettled(behind);
  const failed = results.filter((r) => r.status === 'rejected');
  t.is(failed.length, 0, `calls behind the crash were lost: ${failed.map((f) => String(f.reason)).join('; ')}`);
  t.deepEqual(
    results.map((r) => (r as PromiseFulfilledResult<unknown>).value),
    Array.from({ length: 30 }, (_, i) => `behind-${i}`),
  );
});
