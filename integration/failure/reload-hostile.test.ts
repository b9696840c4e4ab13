// A rolling reload under hostile conditions: two reloads asked for at once and a SIGTTOU while the reload
// runs (the target shown never counts the replacement, the limited app never drops below its
// limit, no call fails); a replacement whose init throws (the reload stops, the pool stays at its
// target); a reload while a worker runs a call that ignores its cancellation (nothing replaced twice);
// a config reload that adds an unlimited app (every replacement loads it).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { DirtyTimeoutError, type DirtyClient } from '../../src/client/index.js';
import { FIXTURES, startArbiter, stopAfterAll, writeConfig, type RunningArbiter } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';

const running = stopAfterAll(test);
const FLAKY = `${FIXTURES}:Flaky`;
const LIMITED = `${FIXTURES}:Limited`;
const ECHO = `${FIXTURES}:Echo`;

interface Status {
  live: number;
  target: number;
  restarts: number;
  recycles: number;
  reloading: unknown;
  workers: { pid: number; state: string }[];
  apps: { name: string; holders: number }[];
}
const status = async (c: DirtyClient): Promise<Status> => (await c.status()) as Status;
const count = (a: RunningArbiter, re: RegExp): number => [...a.log().matchAll(re)].length;

/** Starts an arbiter whose Flaky app boots as the flag file says (`flag` now). */
async function start(flag: string, config: Record<string, unknown>): Promise<{ a: RunningArbiter; setFlag: (f: string) => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'da-'));
  const file = join(dir, 'flag');
  writeFileSync(file, flag);
  const a = await startArbiter({ dir, config, env: { FIXTURE_FLAG: file } });
  running.push(a);
  return { a, setFlag: (f) => writeFileSync(file, f) };
}

test('SIGHUP and a reload request at once, and a SIGTTOU mid-reload: both reloads run, the target shown is never the surge, the limited app keeps its holders, no call fails', async (t) => {
  const { a, setFlag } = await start('', { apps: [FLAKY, LIMITED], workers: 3 });
  const c = a.client(20_000);
  setFlag('slow:400'); // replacements take a while to boot: the TTOU lands mid-reload
  let stop = false;
  const failures: unknown[] = [];
  const targets = new Set<number>();
  let minLimited = Infinity;
  let calls = 0;
  const load = Array.from({ length: 3 }, async () => {
    for (let n = 0; !stop; n++) {
      try {
        await c.execute(n % 2 === 0 ? FLAKY : LIMITED, 'pid');
        calls++;
      } catch (err) {
        failures.push(err);
        if (failures.length > 20) stop = true; // report, do not spin
      }
    }
  });
  const watch = (async () => {
    while (!stop) {
      const s = await status(c);
      targets.add(s.target);
      minLimited = Math.min(minLimited, s.apps.find((x) => x.name === LIMITED)?.holders ?? 0);
    }
  })();
  // Two reloads asked for in the same instant (two SIGHUPs sent back to back may reach the process as
  // one: the kernel does not queue a pending signal twice; a reload request on the socket does count).
  process.kill(a.pid, 'SIGHUP');
  const second = c.reload();
  await a.waitForLog(/Reload: worker \d+ replaces worker \d+/, 20_000);
  process.kill(a.pid, 'SIGTTOU');
  await waitFor(() => count(a, /Reload complete: \d+ worker\(s\) replaced/g) === 2, 'both reloads to complete', 40_000).catch((err: unknown) => {
    t.log(a.log());
    throw err;
  });
  const s = await waitFor(async () => {
    const x = await status(c);
    return x.workers.length === 2 && x.live === 2 ? x : false;
  }, 'the pool to settle at the new target');
  stop = true;
  await Promise.all([...load, watch]);
  t.deepEqual(failures, [], 'no call failed');
  t.true(calls > 10);
  t.regex(a.log(), /Reload requested while a reload is in progress \([^)]*\): queued/);
  t.like(await second, { ok: true }, 'the request is accepted: it started the reload or was queued (whichever came first)');
  t.is(count(a, /Reload: starting the queued reload/g), 1, 'the second request gave exactly one more reload');
  t.deepEqual([...targets].sort(), [2, 3], 'status showed the target (3, then 2 after TTOU), never a reload surge');
  t.true(minLimited >= 2, `the limited app had ${minLimited} holders at one point`);
  t.is(s.target, 2);
  t.is(s.reloading, null);
  t.is(s.restarts, 0);
});

test('a replacement whose init throws stops the reload; the old workers keep serving and the pool stays at its target', async (t) => {
  const { a, setFlag } = await start('', { apps: [FLAKY], workers: 2, restartBaseDelayMs: 50 });
  const c = a.client();
  const before = (await status(c)).workers.map((w) => w.pid).sort();
  setFlag('fail');
  process.kill(a.pid, 'SIGHUP');
  await a.waitForLog(/Reload aborted: the replacement worker \d+ exited with code \d+ before it was ready; the old workers keep serving/, 20_000);
  const s = await waitFor(async () => {
    const x = await status(c);
    return x.reloading === null && x.workers.length === 2 && x.workers.every((w) => w.state === 'ready') ? x : false;
  }, 'the failed replacement to be gone');
  t.deepEqual(s.workers.map((w) => w.pid).sort(), before, 'the old workers are still the pool');
  t.is(count(a, /Spawning dirty worker/g), 3, 'the failed replacement is not respawned: the pool is at its target');
  t.true(before.includes(await c.execute<number>(FLAKY, 'pid')), 'an old worker serves');
  setFlag('');
  process.kill(a.pid, 'SIGHUP');
  await a.waitForLog(/Reload complete: 2 worker\(s\) replaced/, 20_000);
});

test('a reload while a worker runs a call that ignores its cancellation: the stuck worker is recycled, nothing is replaced twice', async (t) => {
  const { a } = await start('', { apps: [ECHO], workers: 2, cancelGraceMs: 1_500 });
  const c = a.client();
  const before = (await status(c)).workers.map((w) => w.pid);
  await t.throwsAsync(a.client(300).execute(ECHO, 'forever'), { instanceOf: DirtyTimeoutError });
  const spawnsBefore = count(a, /Spawning dirty worker/g);
  process.kill(a.pid, 'SIGHUP');
  await a.waitForLog(/Reload complete: \d+ worker\(s\) replaced/, 30_000);
  await a.waitForLog(/recycled: stuck call [^\n]*Echo\.forever ignored cancellation/, 20_000);
  const s = await waitFor(
    async () => {
      const x = await status(c);
      return x.live === 2 && x.workers.length === 2 && x.workers.every((w) => !before.includes(w.pid)) ? x : false;
    },
    'two fresh workers and the old ones gone',
    20_000,
  );
  t.is(count(a, /Spawning dirty worker/g) - spawnsBefore, 2, 'one new worker per old one: the stuck worker is not replaced twice');
  t.is(s.recycles, 1);
  t.is(s.restarts, 0, 'a recycle is not a crash');
  t.is(s.reloading, null);
  t.is(await c.execute(ECHO, 'echo', 'served'), 'served');
});

test('a config reload that adds an unlimited app: every replacement loads it, and it serves once the reload completes', async (t) => {
  const { a } = await start('', { apps: [ECHO], workers: 2 });
  const c = a.client();
  writeConfig(a.dir, { apps: [ECHO, FLAKY], workers: 2 });
  process.kill(a.pid, 'SIGHUP');
  await a.waitForLog(/Reload complete: 2 worker\(s\) replaced/, 20_000);
  const s = await waitFor(async () => {
    const x = await status(c);
    return x.live === 2 && x.workers.length === 2 ? x : false;
  }, 'the old workers to be gone');
  t.is(s.apps.find((x) => x.name === FLAKY)?.holders, 2, 'an unlimited app is on every worker');
  t.is(typeof (await c.execute(FLAKY, 'pid')), 'number');
});
