// A config module (or app module) whose import never settles: start-up, a reload and the app probe
// each give up after the load deadline (env PM2_DIRTY_LOAD_TIMEOUT_MS, here 1500 ms) with one line
// saying why. Before, a standalone arbiter exited 13 with no log line, and one whose config held a
// timer (as under pm2, whose module keeps the loop alive) waited forever.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { FIXTURES, startArbiter, stopAfterAll, writeConfig } from '../helpers/arbiter.js';

const running = stopAfterAll(test);
const env = { PM2_DIRTY_LOAD_TIMEOUT_MS: '1500' };
const NEVER = 'await new Promise(() => {});\nexport default { apps: [] };\n';
const NEVER_WITH_TIMER = 'setInterval(() => {}, 1000);\nawait new Promise(() => {});\nexport default { apps: [] };\n';

for (const [what, source] of [
  ['with nothing else pending', NEVER],
  ['while a timer keeps the loop alive', NEVER_WITH_TIMER],
] as const) {
  test(`start-up with a config whose import never settles (${what}) logs why and exits 78 within the deadline`, async (t) => {
    const started = performance.now();
    const a = await startArbiter({ config: source, env, noWait: true });
    running.push(a);
    const { code } = await a.exited;
    t.is(code, 78, a.log());
    t.regex(a.log(), /cannot start: config \S+dirty\.config\.mjs did not finish loading within 1500 ms/);
    t.true(performance.now() - started < 15_000, `took ${Math.round(performance.now() - started)} ms`);
  });
}

test('a reload whose config never settles is refused and logged; the old config keeps serving', async (t) => {
  const a = await startArbiter({ config: { apps: [`${FIXTURES}:Echo`], workers: 1 }, env });
  running.push(a);
  writeConfig(a.dir, NEVER_WITH_TIMER);
  process.kill(a.pid, 'SIGHUP');
  await a.waitForLog(/reload refused, bad config: config \S+ did not finish loading within 1500 ms/);
  t.is(await a.client(5000).execute(`${FIXTURES}:Echo`, 'echo', 'still here'), 'still here');
  // A later reload with a good config still works (the refused one left no reload in progress).
  writeConfig(a.dir, { apps: [`${FIXTURES}:Echo`], workers: 2 });
  process.kill(a.pid, 'SIGHUP');
  await a.waitForLog(/Reload: config change: .*workers/);
  t.is(await a.client(5000).execute(`${FIXTURES}:Echo`, 'echo', 'after'), 'after');
});

test('an app module whose import never settles: the probe is killed at the deadline and start-up exits 78 naming it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'da-'));
  const app = join(dir, 'never-app.mjs');
  writeFileSync(app, 'setInterval(() => {}, 1000);\nawait new Promise(() => {});\nexport class App {}\n');
  const b = await startArbiter({ dir, config: { apps: [`${app}:App`], workers: 1 }, env, noWait: true });
  running.push(b);
  const { code } = await b.exited;
  t.is(code, 78, b.log());
  t.regex(b.log(), /apps\[0\] \(\S+never-app\.mjs:App\): the app modules did not finish loading within 1500 ms \(probe process killed\)/);
});
