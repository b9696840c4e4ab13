// Chaos, bounded in time: steady load from several clients while workers are killed at random
// and TTIN/TTOU/HUP arrive. Every call ends with its own result or a typed error, none hangs past
// its timeout, the pool converges to its target, and no process is left behind.
import test from 'ava';
import { isDirtyError } from '../../src/client/index.js';
import { FIXTURES, startArbiter, type RunningArbiter } from '../helpers/arbiter.js';
import { isAlive } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait-for.js';

let a: RunningArbiter | undefined;
test.after.always(async () => {
  await a?.stop();
});

interface Status {
  live: number;
  target: number;
  workers: { pid: number; state: string }[];
  apps: { name: string; limit: number | null; holders: number }[];
}

test('chaos: kills, TTIN, TTOU and HUP under load', async (t) => {
  a = await startArbiter({
    config: { apps: [`${FIXTURES}:Echo`, `${FIXTURES}:Limited`], workers: 3, maxWorkers: 5, gracefulTimeoutMs: 3000, restartBaseDelayMs: 20, maxCrashes: 1000 },
  });
  const arbiter = a;
  const TIMEOUT = 8000;
  const control = arbiter.client();
  const status = async (): Promise<Status> => (await control.status()) as Status;
  let seed = 12345;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let stop = false;
  const outcomes = { ok: 0, typed: 0 };
  const bad: string[] = [];
  const seenPids = new Set<number>();
  const clients = Array.from({ length: 4 }, () => arbiter.client(TIMEOUT));
  const loops = clients.map(async (c, i) => {
    for (let n = 0; !stop; n++) {
      const started = Date.now();
      try {
        const v = n % 3 === 2 ? await c.execute(`${FIXTURES}:Limited`, 'pid') : await c.execute(`${FIXTURES}:Echo`, 'sleep', 5 + (n % 20), `c${i}-${n}`);
        if (n % 3 !== 2 && v !== `c${i}-${n}`) bad.push(`c${i}-${n} got ${String(v)}`);
        else outcomes.ok++;
      } catch (err) {
        if (isDirtyError(err)) outcomes.typed++;
        else bad.push(`untyped error ${String(err)}`);
      }
      if (Date.now() - started > TIMEOUT + 2000) bad.push(`c${i}-${n} took ${Date.now() - started} ms`);
    }
  });
  const deadline = Date.now() + 8000;
  while (Date.now() < deadline) {
    const r = rand();
    const s = await status();
    for (const w of s.workers) seenPids.add(w.pid);
    if (r < 0.35) {
      const victim = s.workers[Math.floor(rand() * s.workers.length)];
      if (victim && isAlive(victim.pid)) process.kill(victim.pid, 'SIGKILL');
    } else if (r < 0.6) process.kill(arbiter.pid, 'SIGTTIN');
    else if (r < 0.85) process.kill(arbiter.pid, 'SIGTTOU');
    else process.kill(arbiter.pid, 'SIGHUP');
    await waitFor(() => Date.now() > deadline || rand() < 0.2, 'a random pause', 2000, 50);
  }
  stop = true;
  await Promise.all(loops);
  t.deepEqual(bad, [], 'every call got its own result or a typed error, within its timeout');
  t.true(outcomes.ok > 50, `calls succeeded: ${outcomes.ok}, typed errors: ${outcomes.typed}`);
  let last: Status | undefined;
  const settled = await waitFor(
    async () => {
      const s = (last = await status());
      return s.live === s.target && s.workers.every((w) => w.state === 'ready') && arbiter.workerPids().length === s.target ? s : false;
    },
    'the pool to converge on its target',
    30_000,
  ).catch((err: unknown) => {
    t.log(JSON.stringify(last), arbiter.log().split('\n').slice(-40).join('\n'));
    throw err;
  });
  t.is(settled.apps.find((x) => x.name.endsWith(':Limited'))?.holders, 2);
  for (const w of settled.workers) seenPids.add(w.pid);
  await Promise.all(clients.map((c) => c.close()));
  await arbiter.stop();
  a = undefined;
  t.deepEqual([...seenPids].filter(isAlive), [], 'no worker process is left behind');
});
