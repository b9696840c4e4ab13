// Init has a deadline: a worker whose init() never finishes is killed after initTimeoutMs, logged,
// and counted like a failed boot (backoff); its spawn slot is free again, so fixing the app lets
// the pool fill and scale. A reload asked for during a reload is queued and logged, then runs; a
// reload whose replacement hangs in init stops and keeps the old workers.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { DirtyTimeoutError } from '../../src/client/index.js';
import { FIXTURES, startArbiter, stopAfterAll, type RunningArbiter } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';

const running = stopAfterAll(test);
const FLAKY = `${FIXTURES}:Flaky`;

interface Status {
  live: number;
  target: number;
  restarts: number;
  reloading: unknown;
  calls: { queued: number };
  workers: { pid: number; state: string }[];
}
const status = async (a: RunningArbiter): Promise<Status> => (await a.client().status()) as Status;

/** Starts an arbiter whose Flaky app boots as the flag file says (`flag` now). */
async function start(flag: string, config: Record<string, unknown>, wait: boolean): Promise<{ a: RunningArbiter; setFlag: (f: string) => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'da-'));
  const file = join(dir, 'flag');
  writeFileSync(file, flag);
  const a = await startArbiter({ dir, config: { apps: [FLAKY], ...config }, env: { FIXTURE_FLAG: file }, noWait: !wait });
  running.push(a);
  return { a, setFlag: (f) => writeFileSync(file, f) };
}

test('a hung init at start is killed and logged, retried with backoff; once fixed the pool fills and TTIN adds a worker', async (t) => {
  const { a, setFlag } = await start('hang', { workers: 2, initTimeoutMs: 1_500, restartBaseDelayMs: 100, restartMaxDelayMs: 1_000, maxCrashes: 100 }, false);
  await a.waitForLog(/Dirty worker \d+ \(pid:\d+\) init timed out after \d+ ms \(initTimeoutMs 1500\); killing it/, 20_000);
  await waitFor(
    () => [...a.log().matchAll(/init timed out after \d+ ms\) before it was ready; respawning \[[^\]]*Flaky\] in \d+ ms/g)].length >= 3,
    'three timed-out inits, each respawned',
    30_000,
  );
  const delays = [...a.log().matchAll(/respawning \[[^\]]*Flaky\] in (\d+) ms/g)].map((m) => Number(m[1]));
  t.true((delays.at(-1) ?? 0) > (delays[0] ?? 0), `the backoff grows: ${delays.join(', ')}`);
  t.is((await status(a)).live, 0);
  await t.throwsAsync(a.client(500).execute(FLAKY, 'pid'), { instanceOf: DirtyTimeoutError }, 'a call waits in the queue, up to its timeout');
  t.is((await status(a)).calls.queued, 0, 'and leaves the queue when it gives up');
  setFlag('');
  await waitFor(async () => (await status(a)).live === 2, 'the fixed app to fill the pool', 20_000);
  process.kill(a.pid, 'SIGTTIN');
  const s = await waitFor(async () => {
    const x = await status(a);
    return x.live === 3 ? x : false;
  }, 'TTIN to start a third worker');
  t.is(s.target, 3);
  t.is(typeof (await a.client().execute(FLAKY, 'pid')), 'number', 'the pool serves');
});

test('SIGHUP during a reload is queued and logged, then runs once the first reload ends', async (t) => {
  const { a, setFlag } = await start('', { workers: 2 }, true);
  setFlag('slow:600');
  process.kill(a.pid, 'SIGHUP');
  await a.waitForLog(/Reload: replacing 2 workers one at a time/);
  process.kill(a.pid, 'SIGHUP');
  await a.waitForLog(/Reload requested while a reload is in progress \([^)]*\): queued; it runs once the current one ends/);
  await a.waitForLog(/Reload: starting the queued reload/, 20_000);
  await waitFor(() => [...a.log().matchAll(/Reload complete: 2 worker\(s\) replaced/g)].length === 2, 'both reloads to complete', 20_000);
  const s = await status(a);
  t.is(s.live, 2);
  t.is(s.reloading, null);
  t.is([...a.log().matchAll(/Reload: replacing 2 workers one at a time/g)].length, 2, 'the queued reload ran once');
});

test('a reload whose replacement hangs in init stops, says why, and keeps the old workers serving', async (t) => {
  const { a, setFlag } = await start('', { workers: 2, initTimeoutMs: 1_500 }, true);
  const before = (await status(a)).workers.map((w) => w.pid).sort();
  setFlag('hang');
  process.kill(a.pid, 'SIGHUP');
  await a.waitForLog(/Reload aborted: the replacement worker \d+ init timed out after \d+ ms before it was ready; the old workers keep serving/, 20_000);
  const s = await waitFor(async () => {
    const x = await status(a);
    return x.workers.length === 2 && x.reloading === null ? x : false;
  }, 'the hung replacement to be gone');
  t.deepEqual(s.workers.map((w) => w.pid).sort(), before, 'the old workers are still the pool');
  t.is(s.live, 2);
  t.true(before.includes(await a.client().execute<number>(FLAKY, 'pid')), 'an old worker serves');
});
