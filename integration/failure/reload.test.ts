// Rolling reload (SIGHUP): every worker is replaced by a fresh process, one at a time, each old
// worker retired only after its replacement is ready; zero failed calls under load; limited apps
// never below their limit; a config change is reported; a bad config is refused.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { FIXTURES, startArbiter, writeConfig, stopAfterAll } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';

const running = stopAfterAll(test);

interface Status {
  live: number;
  target: number;
  reloading: unknown;
  workers: { pid: number; state: string }[];
  apps: { name: string; holders: number }[];
}

test('SIGHUP replaces every worker under load with no failed call and the limited app never below its limit', async (t) => {
  const config = { apps: [`${FIXTURES}:Echo`, `${FIXTURES}:Limited`], workers: 3 };
  const a = await startArbiter({ config });
  running.push(a);
  const c = a.client(20_000);
  const status = async (): Promise<Status> => (await c.status()) as Status;
  const before = (await status()).workers.map((w) => w.pid);
  let stop = false;
  const failures: unknown[] = [];
  let minLimitedHolders = Infinity;
  let calls = 0;
  const load = Array.from({ length: 4 }, async (_, i) => {
    for (let n = 0; !stop; n++) {
      try {
        const app = n % 2 === 0 ? `${FIXTURES}:Echo` : `${FIXTURES}:Limited`;
        const v = app.endsWith(':Echo') ? await c.execute(app, 'sleep', 15, `${i}-${n}`) : await c.execute(app, 'pid');
        if (app.endsWith(':Echo') && v !== `${i}-${n}`) failures.push(`wrong result ${String(v)}`);
        calls++;
      } catch (err) {
        failures.push(err);
      }
    }
  });
  const watch = (async () => {
    while (!stop) {
      const s = await status();
      const held = s.apps.find((x) => x.name.endsWith(':Limited'))?.holders ?? 0;
      minLimitedHolders = Math.min(minLimitedHolders, held);
    }
  })();
  // A config change picked up by the reload: one more allowed worker.
  writeConfig(a.dir, { ...config, maxWorkers: 7 });
  process.kill(a.pid, 'SIGHUP');
  await a.waitForLog(/Reload complete: 3 worker\(s\) replaced/, 30_000);
  stop = true;
  await Promise.all([...load, watch]);
  t.deepEqual(failures, [], 'no call failed during the reload');
  t.true(calls > 20);
  t.true(minLimitedHolders >= 2, `the limited app had ${minLimitedHolders} holders at one point`);
  const after = await waitFor(async () => {
    const s = await status();
    return s.workers.every((w) => !before.includes(w.pid)) ? s : false;
  }, 'the old workers to finish draining');
  t.is(after.live, 3);
  t.is(after.workers.length, 3, 'every worker is a new process');
  t.regex(a.log(), /Reload: config change: maxWorkers [^\n]*-> 7/);
  t.regex(a.log(), /Reload: worker \d+ replaces worker \d+/);
});

test('a reload with a bad config is refused and the pool keeps serving', async (t) => {
  const a = await startArbiter({ config: { apps: [`${FIXTURES}:Echo`], workers: 1 } });
  running.push(a);
  writeFileSync(join(a.dir, 'dirty.config.mjs'), 'export default { apps: [], workers: 0 };\n');
  process.kill(a.pid, 'SIGHUP');
  await a.waitForLog(/reload refused, bad config/);
  t.is(await a.client().execute(`${FIXTURES}:Echo`, 'echo', 'alive'), 'alive');
});
