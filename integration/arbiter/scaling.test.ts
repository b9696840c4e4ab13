// The real arbiter process scaled by SIGTTIN/SIGTTOU: real worker processes are counted,
// limited apps keep their holders, the target is clamped at both ends.
import test from 'ava';
import { FIXTURES, startArbiter, type RunningArbiter, stopAfterAll } from '../helpers/arbiter.js';
import { listProcs, isAlive } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait-for.js';

interface Status {
  target: number;
  live: number;
  minimum: number;
  maximum: number;
  workers: { pid: number; apps: string[]; state: string }[];
  apps: { name: string; limit: number | null; holders: number }[];
}

const running = stopAfterAll(test);

async function start(config: Record<string, unknown>): Promise<RunningArbiter> {
  const a = await startArbiter({ config });
  running.push(a);
  return a;
}

const count = (text: string, re: RegExp): number => text.match(new RegExp(re, 'g'))?.length ?? 0;
const status = async (a: RunningArbiter): Promise<Status> => (await a.client().status()) as Status;

async function converged(a: RunningArbiter, n: number): Promise<Status> {
  return waitFor(async () => {
    const s = await status(a);
    return s.live === n && s.workers.length === n && a.workerPids().length === n ? s : false;
  }, `${n} live workers`);
}

test('starts the configured workers as titled child processes', async (t) => {
  const a = await start({ apps: [`${FIXTURES}:Echo`], workers: 3, maxWorkers: 6 });
  const s = await converged(a, 3);
  t.is(s.target, 3);
  const titles = listProcs()
    .filter((p) => p.ppid === a.pid)
    .map((p) => p.title);
  t.deepEqual(titles, Array(3).fill(`pm2-dirty: dirty-worker [${FIXTURES}:Echo]`));
  t.true(listProcs().some((p) => p.pid === a.pid && p.title === 'pm2-dirty: dirty-arbiter'));
});

test('SIGTTIN adds a worker, SIGTTOU removes one, never below the app-spec minimum', async (t) => {
  const a = await start({ apps: [`${FIXTURES}:Echo`, `${FIXTURES}:Limited`], workers: 3, maxWorkers: 6 });
  await converged(a, 3);
  process.kill(a.pid, 'SIGTTIN');
  await a.waitForLog(/SIGTTIN: Increasing dirty workers to 4/);
  await converged(a, 4);
  for (let i = 1; i <= 3; i++) {
    process.kill(a.pid, 'SIGTTOU');
    await waitFor(() => count(a.log(), /SIGTTOU: /) === i, `SIGTTOU #${i} handled`);
  }
  t.regex(
    a.log(),
    /SIGTTOU: Decreasing dirty workers to 3\n[^]*SIGTTOU: Decreasing dirty workers to 2\n[^]*SIGTTOU: Cannot decrease below 2 workers \(required by app specs\)/,
  );
  const s = await converged(a, 2);
  t.is(s.target, 2);
  t.is(s.minimum, 2);
  const limited = s.apps.find((x) => x.name.endsWith(':Limited'));
  t.is(limited?.holders, 2, 'the limited app keeps both of its workers');
  const c = a.client();
  const pids = new Set<unknown>();
  for (let i = 0; i < 20; i++) pids.add(await c.execute(`${FIXTURES}:Limited`, 'pid'));
  t.is(pids.size, 2, 'calls to the limited app are served by its two workers');
});

test('SIGTTIN at the maximum is clamped with a logged reason (no phantom target)', async (t) => {
  const a = await start({ apps: [`${FIXTURES}:Echo`], workers: 1, maxWorkers: 3 });
  await converged(a, 1);
  for (let i = 1; i <= 4; i++) {
    process.kill(a.pid, 'SIGTTIN');
    await waitFor(() => count(a.log(), /SIGTTIN: /) === i, `SIGTTIN #${i} handled`);
  }
  t.is(count(a.log(), /SIGTTIN: Cannot increase above 3 workers \(maxWorkers is 3\)/), 2);
  process.kill(a.pid, 'SIGTTOU');
  await a.waitForLog(/SIGTTOU: Decreasing dirty workers to 2/);
  const s = await converged(a, 2);
  t.is(s.target, 2, 'one TTOU after the clamped TTINs removes a real worker');
});

test('a burst of 20 signals converges: live workers equal the target, within bounds', async (t) => {
  const a = await start({ apps: [`${FIXTURES}:Echo`, `${FIXTURES}:Limited`], workers: 2, maxWorkers: 5 });
  await converged(a, 2);
  for (let i = 0; i < 20; i++) process.kill(a.pid, i % 3 === 2 ? 'SIGTTOU' : 'SIGTTIN');
  const settled = await waitFor(async () => {
    const s = await status(a);
    return s.live === s.target && s.workers.length === s.target && a.workerPids().length === s.target ? s : false;
  }, 'the pool to converge on its target');
  t.true(settled.target >= 2 && settled.target <= 5);
  t.is(settled.apps.find((x) => x.name.endsWith(':Limited'))?.holders, 2);
});

test('when every app is limited the maximum is the largest limit (no phantom target)', async (t) => {
  const a = await start({ apps: [`${FIXTURES}:Limited`], maxWorkers: 8 });
  const s0 = await converged(a, 2);
  t.is(s0.maximum, 2);
  process.kill(a.pid, 'SIGTTIN');
  await a.waitForLog(/SIGTTIN: Cannot increase above 2 workers/);
  process.kill(a.pid, 'SIGTTOU');
  await a.waitForLog(/SIGTTOU: Cannot decrease below 2 workers/);
  const s = await status(a);
  t.is(s.target, 2);
});

test('SIGTERM drains and stops every worker, and the socket is removed', async (t) => {
  const a = await start({ apps: [`${FIXTURES}:Echo`], workers: 2 });
  await converged(a, 2);
  const workers = a.workerPids();
  const c = a.client();
  const slow = c.execute(`${FIXTURES}:Echo`, 'sleep', 300, 'done');
  await waitFor(async () => ((await status(a)) as unknown as { calls: { inflight: number } }).calls.inflight === 1, 'the call to run');
  process.kill(a.pid, 'SIGTERM');
  t.is(await slow, 'done', 'the in-flight call finishes during the drain');
  const { code } = await a.exited;
  t.is(code, 0);
  await waitFor(() => workers.every((w) => !isAlive(w)), 'workers gone');
  t.regex(a.log(), /Dirty arbiter exiting/);
});
