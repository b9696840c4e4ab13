// The autoscaler end to end: a bursty load grows the pool, idleness shrinks it back, no call fails;
// a manual scale pauses it.
import test from 'ava';
import { FIXTURES, startArbiter, type RunningArbiter } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';

let a: RunningArbiter | undefined;
test.after.always(async () => {
  await a?.stop();
});

interface Status {
  target: number;
  live: number;
  autoscale: { enabled: boolean; lastDecision: { action: string; reason: string } | null; pausedForMs: number };
}

test('a burst grows the pool up to autoscale.max; idleness shrinks it back to min; no call fails', async (t) => {
  a = await startArbiter({
    config: {
      apps: [`${FIXTURES}:Echo`],
      workers: 1,
      maxWorkers: 4,
      autoscale: { min: 1, max: 3, windowMs: 2000, maxQueueWaitMs: 50, scaleUpCooldownMs: 300, idleCooldownMs: 1500, manualHoldMs: 60_000 },
    },
  });
  const c = a.client(30_000);
  const status = async (): Promise<Status> => (await c.status()) as Status;
  let stop = false;
  let ok = 0;
  const failures: unknown[] = [];
  const load = Array.from({ length: 8 }, async (_, i) => {
    for (let n = 0; !stop; n++) {
      try {
        const v = await c.execute(`${FIXTURES}:Echo`, 'sleep', 60, `${i}-${n}`);
        if (v === `${i}-${n}`) ok++;
        else failures.push(`wrong result ${String(v)}`);
      } catch (err) {
        failures.push(err);
      }
    }
  });
  const grown = await waitFor(
    async () => {
      const s = await status();
      return s.target === 3 && s.live === 3 ? s : false;
    },
    'the autoscaler to grow the pool to 3',
    30_000,
  );
  t.regex(grown.autoscale.lastDecision?.reason ?? '', /queue wait|queued|utilization/);
  stop = true;
  await Promise.all(load);
  t.deepEqual(failures, []);
  t.true(ok > 0);
  await waitFor(
    async () => {
      const s = await status();
      return s.target === 1 && s.live === 1;
    },
    'the autoscaler to shrink the pool back to 1',
    30_000,
  );
  t.regex(a.log(), /autoscaler \(.*\): Increasing dirty workers to 2/);
  t.regex(a.log(), /autoscaler \(.*\): Decreasing dirty workers to 1/);

  process.kill(a.pid, 'SIGTTIN');
  await waitFor(async () => (await status()).autoscale.pausedForMs > 0, 'the manual scale to pause the autoscaler');
  const s = await status();
  t.is(s.target, 2, 'the manual scale wins');
});
