// Remembered scale across arbiter restarts, and the memory guard replacing a worker that grew.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { FIXTURES, startArbiter, type RunningArbiter, stopAfterAll } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';

const running = stopAfterAll(test);

interface Status {
  target: number;
  live: number;
  memoryReplacements: number;
  workers: { pid: number }[];
}
const status = async (a: RunningArbiter): Promise<Status> => (await a.client().status()) as Status;

test('persistTarget: a target set at runtime survives a restart; a corrupt file is ignored with a warning', async (t) => {
  const config = { apps: [`${FIXTURES}:Echo`], workers: 1, maxWorkers: 4, persistTarget: true };
  const first = await startArbiter({ config, keepDir: true });
  process.kill(first.pid, 'SIGTTIN');
  await first.waitForLog(/Increasing dirty workers to 2/);
  process.kill(first.pid, 'SIGTTIN');
  await first.waitForLog(/Increasing dirty workers to 3/);
  await waitFor(async () => (await status(first)).live === 3, '3 workers');
  await first.stop();
  const second = await startArbiter({ config, dir: first.dir, keepDir: true });
  t.is((await status(second)).target, 3, 'the remembered target is restored');
  await waitFor(async () => (await status(second)).live === 3, '3 workers after the restart');
  await second.stop();
  writeFileSync(join(first.dir, 'pm2', 'dirty', 'target.json'), '{ not json');
  const third = await startArbiter({ config, dir: first.dir });
  running.push(third);
  await third.waitForLog(/persistTarget: ignoring .*target\.json/);
  t.is((await status(third)).target, 1);
});

test('memory guard: a worker above maxWorkerMemoryMb is replaced (replacement first) and no call is lost', async (t) => {
  const a = await startArbiter({ config: { apps: [`${FIXTURES}:Hog`], workers: 1, maxWorkerMemoryMb: 150 } });
  running.push(a);
  const c = a.client();
  const before = await c.execute(`${FIXTURES}:Hog`, 'pid');
  await c.execute(`${FIXTURES}:Hog`, 'grow', 200);
  let failures = 0;
  let replacedBy: unknown = before;
  // Bounded by time, not by a call count: the guard looks once a second and the replacement must
  // boot, while a fast call path runs 20,000 calls in well under that on a busy machine.
  const deadline = Date.now() + 30_000;
  while (replacedBy === before) {
    try {
      replacedBy = await c.execute(`${FIXTURES}:Hog`, 'pid');
    } catch {
      failures++;
    }
    if (Date.now() > deadline) break;
  }
  t.not(replacedBy, before, 'a fresh worker took over');
  t.is(failures, 0, 'no call failed during the replacement');
  await a.waitForLog(/uses \d+ MiB > maxWorkerMemoryMb 150: replacing it/);
  const s = await waitFor(async () => {
    const x = await status(a);
    return x.live === 1 && x.workers.length === 1 ? x : false;
  }, 'one worker again');
  t.is(s.memoryReplacements, 1);
});
