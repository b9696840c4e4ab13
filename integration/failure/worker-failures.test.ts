// Workers that crash, hang or never boot: typed errors for the calls they held, replacements with
// backoff, a crash-loop breaker that stops respawning one app set while the others keep serving.
import test from 'ava';
import { DirtyNoWorkersAvailableError, DirtyWorkerError } from '../../src/client/index.js';
import { FIXTURES, startArbiter, type RunningArbiter, stopAfterAll } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';

const running = stopAfterAll(test);
async function start(config: Record<string, unknown>): Promise<RunningArbiter> {
  const a = await startArbiter({ config });
  running.push(a);
  return a;
}
interface Status {
  live: number;
  restarts: number;
  crashLooping: string[];
  workers: { pid: number }[];
}
const status = async (a: RunningArbiter): Promise<Status> => (await a.client().status()) as Status;

test('a worker that dies mid-call: the call fails with DirtyWorkerError naming the worker and code; a replacement appears', async (t) => {
  const a = await start({ apps: [`${FIXTURES}:Echo`], workers: 1 });
  const c = a.client();
  const before = await c.execute(`${FIXTURES}:Echo`, 'pid');
  const err = await t.throwsAsync(c.execute(`${FIXTURES}:Echo`, 'exit', 7), { instanceOf: DirtyWorkerError });
  t.like(err.details, { exit_code: 7, pid: before });
  await waitFor(async () => (await status(a)).live === 1 && (await status(a)).restarts === 1, 'the replacement');
  t.not(await c.execute(`${FIXTURES}:Echo`, 'pid'), before);
});

test('SIGKILL of a worker mid-call: the call fails with DirtyWorkerError naming the signal', async (t) => {
  const a = await start({ apps: [`${FIXTURES}:Echo`], workers: 1 });
  const c = a.client();
  const pid = await c.execute<number>(`${FIXTURES}:Echo`, 'pid');
  const call = c.execute(`${FIXTURES}:Echo`, 'sleep', 5000);
  await waitFor(async () => ((await c.status()) as { calls: { inflight: number } }).calls.inflight === 1, 'the call to run');
  process.kill(pid, 'SIGKILL');
  const err = await t.throwsAsync(call, { instanceOf: DirtyWorkerError });
  t.like(err.details, { signal: 'SIGKILL', pid });
});

test('a blocked event loop is detected by heartbeat: killed, its call fails, a replacement serves; a long async call is not a hang', async (t) => {
  const a = await start({ apps: [`${FIXTURES}:Echo`], workers: 1, heartbeatTimeoutMs: 600 });
  const c = a.client(20_000);
  t.is(await c.execute(`${FIXTURES}:Echo`, 'sleep', 1500, 'healthy'), 'healthy', 'an async call longer than the heartbeat timeout is fine');
  await t.throwsAsync(c.execute(`${FIXTURES}:Echo`, 'spin', 8000), { instanceOf: DirtyWorkerError });
  await a.waitForLog(/missed heartbeats for \d+ ms \(event loop blocked\); killing it/);
  await waitFor(async () => (await status(a)).live === 1, 'the replacement');
  t.is(await c.execute(`${FIXTURES}:Echo`, 'echo', 'ok'), 'ok');
});

test('an app whose init() always throws: respawned with growing backoff, then the breaker opens; other apps keep serving', async (t) => {
  const a = await start({ apps: [`${FIXTURES}:Echo`, `${FIXTURES}:InitFails:1`], workers: 2, maxCrashes: 4, restartBaseDelayMs: 50 });
  t.pass('started: the arbiter does not wait for an app set that cannot boot');
  await a.waitForLog(/crashed 4 times in \d+ ms: not respawning it \(crash-loop breaker open, first probe in 30000 ms\)/, 20_000);
  const delays = [...a.log().matchAll(/respawning \[[^\]]*InitFails[^\]]*\] in (\d+) ms/g)].map((m) => Number(m[1]));
  t.deepEqual(
    delays,
    [...delays].sort((x, y) => x - y),
    'the backoff never shrinks',
  );
  t.true((delays.at(-1) ?? 0) > (delays[0] ?? 0), `the backoff grows: ${delays.join(', ')}`);
  const s = await status(a);
  t.is(s.crashLooping.length, 1);
  const c = a.client();
  await t.throwsAsync(c.execute(`${FIXTURES}:InitFails`, 'ping'), { instanceOf: DirtyNoWorkersAvailableError });
  t.is(await c.execute(`${FIXTURES}:Echo`, 'echo', 'fine'), 'fine');
});
