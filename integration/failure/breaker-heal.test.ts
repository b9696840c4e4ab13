// The crash-loop breaker heals: crashCooldownMs after it opens it half-opens with one probe
// worker; a probe that fails opens it again for twice the cooldown; once the app is fixed the
// probe becomes ready, the breaker closes and the pool refills to its target.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { DirtyNoWorkersAvailableError } from '../../src/client/index.js';
import { FIXTURES, startArbiter, stopAfterAll, type RunningArbiter } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';

const running = stopAfterAll(test);
const FLAKY = `${FIXTURES}:Flaky`;

interface Breaker {
  apps: string[];
  state: string;
  nextProbeInMs: number | null;
  cooldownMs: number;
}
interface Status {
  live: number;
  target: number;
  crashLooping: string[];
  breakers: Breaker[];
}
const status = async (a: RunningArbiter): Promise<Status> => (await a.client().status()) as Status;

test('open -> half-open probe fails -> open for twice the cooldown -> app fixed -> probe ready -> closed, pool refilled', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'da-'));
  const flag = join(dir, 'flag');
  writeFileSync(flag, 'fail');
  const config = { apps: [`${FIXTURES}:Echo`, `${FLAKY}:1`], workers: 2, maxCrashes: 2, restartBaseDelayMs: 50, crashCooldownMs: 800 };
  const a = await startArbiter({ dir, config, env: { FIXTURE_FLAG: flag } });
  running.push(a);
  await a.waitForLog(/crashed 2 times in \d+ ms: not respawning it \(crash-loop breaker open, first probe in 800 ms\)/);
  const open = await status(a);
  t.is(open.crashLooping.length, 1);
  t.is(open.breakers.length, 1);
  t.like(open.breakers[0], { state: 'open', cooldownMs: 800 });
  t.true((open.breakers[0]?.nextProbeInMs ?? -1) >= 0 && (open.breakers[0]?.nextProbeInMs ?? 9e9) <= 800);
  await t.throwsAsync(a.client().execute(FLAKY, 'pid'), { instanceOf: DirtyNoWorkersAvailableError });
  await a.waitForLog(/Crash-loop breaker of \[[^\]]*Flaky[^\]]*\] half-open: worker \d+ is its probe/);
  await a.waitForLog(/crash-loop breaker of \[[^\]]*Flaky[^\]]*\] open again: next probe in 1600 ms/);
  t.like((await status(a)).breakers[0], { state: 'open', cooldownMs: 1600 });
  writeFileSync(flag, '');
  await a.waitForLog(/Crash-loop breaker of \[[^\]]*Flaky[^\]]*\] closed: probe worker \d+ is ready/, 20_000);
  const healed = await waitFor(async () => {
    const s = await status(a);
    return s.live === s.target ? s : false;
  }, 'the pool to refill');
  t.is(healed.live, 2);
  t.deepEqual(healed.breakers, []);
  t.deepEqual(healed.crashLooping, []);
  t.is(typeof (await a.client().execute(FLAKY, 'pid')), 'number', 'the healed app serves');
  t.is([...a.log().matchAll(/half-open: worker \d+ is its probe/g)].length, 2, 'one probe per cooldown');
});

test('crashCooldownMs 0: the breaker stays open until a reload, which closes it at once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'da-'));
  const flag = join(dir, 'flag');
  writeFileSync(flag, 'fail');
  const config = { apps: [`${FIXTURES}:Echo`, `${FLAKY}:1`], workers: 2, maxCrashes: 2, restartBaseDelayMs: 50, crashCooldownMs: 0 };
  const a = await startArbiter({ dir, config, env: { FIXTURE_FLAG: flag } });
  running.push(a);
  await a.waitForLog(/crash-loop breaker open, until a reload\)/);
  t.like((await status(a)).breakers[0], { state: 'open', nextProbeInMs: null });
  writeFileSync(flag, '');
  process.kill(a.pid, 'SIGHUP');
  const s = await waitFor(async () => {
    const x = await status(a);
    return x.live === 2 && x.breakers.length === 0 ? x : false;
  }, 'the reload to close the breaker and refill the pool');
  t.deepEqual(s.crashLooping, []);
  t.notRegex(a.log(), /half-open/);
});
