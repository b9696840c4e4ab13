// Rolling reloads on the pool, against in-memory workers: one replacement at a time, each old
// worker retired only once its replacement is ready; the replacement dying aborts; a scale-down,
// a replace() or a recycle during a reload; a config reload that drops and adds apps.
import test from 'ava';
import type { PoolOptions } from '../../src/arbiter/pool-types.js';
import { fake, harness, started, until, worker, type Harness } from './pool-harness.js';

const app = (name: string, limit: number | null = null): PoolOptions['apps'][number] => ({ name, specifier: `${name}.js`, exportName: 'default', limit });

/** A pool of `n` ready workers. */
async function readyPool(n: number, o: Partial<PoolOptions> = {}): Promise<Harness> {
  const h = harness({ initialTarget: n, ...o });
  h.pool.kick();
  await started(h, n);
  for (const f of h.fakes) f.ready();
  await h.pool.settled();
  return h;
}

const starting = (h: Harness): number[] => [...h.pool.workers.values()].filter((w) => w.state === 'starting').map((w) => w.id);
const live = (h: Harness): number[] => [...h.pool.workers.values()].filter((w) => w.state !== 'retiring').map((w) => w.id);
const replaces = (h: Harness): string[] => h.lines.filter((l) => l.startsWith('Reload: worker') && l.includes('replaces'));

test('reload of 3 workers: one replacement at a time, each old worker retired only once its replacement is ready; the target never moves', async (t) => {
  const h = await readyPool(3);
  t.true(h.pool.reload());
  for (const [old, repl] of [
    [1, 4],
    [2, 5],
    [3, 6],
  ] as const) {
    await started(h, repl);
    await until(`worker ${repl} spawned`, () => h.pool.workers.has(repl));
    t.deepEqual(starting(h), [repl], 'one replacement at a time');
    t.is(h.pool.target, 3, 'the replacement takes no room in the target');
    t.false(fake(h, old).retired, 'the old worker serves until its replacement is ready');
    fake(h, repl).ready();
    await until(`worker ${old} retired`, () => fake(h, old).retired);
    fake(h, old).die(0, null);
  }
  await until('the reload completed', () => h.reloads.length === 1);
  t.deepEqual(h.reloads, ['complete']);
  t.deepEqual(replaces(h), [
    'Reload: worker 4 replaces worker 1 (pid:' + String(fake(h, 1).pid) + '), which now retires',
    'Reload: worker 5 replaces worker 2 (pid:' + String(fake(h, 2).pid) + '), which now retires',
    'Reload: worker 6 replaces worker 3 (pid:' + String(fake(h, 3).pid) + '), which now retires',
  ]);
  await h.pool.settled();
  t.deepEqual(live(h), [4, 5, 6]);
  t.is(h.fakes.length, 6, 'nothing spawned besides the replacements');
  t.deepEqual(h.scaled, [], 'a reload never moves the target');
  t.is(h.pool.reloading, null);
  t.is(h.pool.restarts, 0);
});

test('the replacement dies before it is ready: the reload aborts, the old workers keep serving, nothing else is spawned', async (t) => {
  const h = await readyPool(2);
  h.pool.reload();
  await started(h, 3);
  fake(h, 3).initFailed('boom');
  fake(h, 3).die(3, null);
  await until('the reload aborted', () => h.reloads.length === 1);
  t.deepEqual(h.reloads, ['aborted']);
  await h.pool.settled();
  t.false(fake(h, 1).retired || fake(h, 2).retired);
  t.deepEqual(live(h), [1, 2]);
  t.is(worker(h, 1).state, 'ready');
  t.is(h.fakes.length, 3, 'the dead replacement is not respawned: the pool is at its target');
  t.is(h.pool.reloading, null);
  t.true(h.lines.some((l) => l.includes('Reload aborted: the replacement worker 3')));
  t.true(h.lines.some((l) => l.includes('failed to boot: boom')));
});

test('scale-down during a reload: the starting replacement and an old worker go, a surplus old worker retires instead of being replaced', async (t) => {
  const h = await readyPool(3);
  h.pool.reload();
  await started(h, 4);
  h.pool.scale({ kind: 'set', n: 1 }, 'test');
  // The plan retires the starting replacement and the newest old worker; the old worker under
  // replacement is then surplus (retired, not replaced), and the last one is replaced.
  await until('the last old worker gets its replacement', () => h.fakes.length === 5);
  t.true(fake(h, 4).retired && fake(h, 3).retired && fake(h, 1).retired);
  t.false(fake(h, 2).retired);
  t.true(h.lines.some((l) => l.startsWith('Reload: worker 1 ') && l.includes('is no longer needed at target 1; it retires instead of being replaced')));
  fake(h, 5).ready();
  await until('the reload completed', () => h.reloads.length === 1);
  t.deepEqual(h.reloads, ['complete']);
  t.true(fake(h, 2).retired);
  t.deepEqual(live(h), [5]);
  t.deepEqual(
    h.scaled.map((r) => r.target),
    [1],
  );
  t.is(h.pool.target, 1);
});

test('replace() during a reload is taken on: every worker is replaced once, in turn', async (t) => {
  const h = await readyPool(2);
  h.pool.reload();
  await started(h, 3);
  h.pool.replace(worker(h, 1)); // under way already
  h.pool.replace(worker(h, 2)); // in line already
  t.deepEqual(h.pool.reloading, { replaced: 0, total: 2 }, 'nothing taken twice');
  fake(h, 3).ready();
  await until('worker 1 retired', () => fake(h, 1).retired);
  h.pool.replace(worker(h, 3)); // e.g. the memory guard: a new worker is taken on
  t.deepEqual(h.pool.reloading, { replaced: 1, total: 3 });
  await started(h, 4);
  t.deepEqual(fake(h, 4).apps, ['a']);
  fake(h, 4).ready();
  await until('worker 2 retired', () => fake(h, 2).retired);
  await started(h, 5);
  fake(h, 5).ready();
  await until('the reload completed', () => h.reloads.length === 1);
  t.true(fake(h, 3).retired);
  t.deepEqual(live(h), [4, 5]);
  t.is(h.fakes.length, 5, 'three replacements, no more');
  t.deepEqual(
    replaces(h).map((l) => l.split(' (')[0]),
    ['Reload: worker 3 replaces worker 1', 'Reload: worker 4 replaces worker 2', 'Reload: worker 5 replaces worker 3'],
  );
});

test('recycle during a reload: the recycled worker is filled for, not replaced again; the reload goes on', async (t) => {
  const h = await readyPool(2);
  h.pool.reload();
  await started(h, 3);
  h.pool.recycle(worker(h, 2), 'a cancelled call ran on');
  await started(h, 4);
  t.deepEqual(fake(h, 2).signals, ['SIGKILL']);
  t.deepEqual(fake(h, 4).apps, ['a'], 'an ordinary fill for the recycled worker, beside the replacement');
  fake(h, 2).die(null, 'SIGKILL');
  fake(h, 3).ready();
  fake(h, 4).ready();
  await until('the reload completed', () => h.reloads.length === 1);
  t.true(fake(h, 1).retired);
  fake(h, 1).die(0, null);
  await h.pool.settled();
  t.deepEqual(live(h), [3, 4]);
  t.is(h.fakes.length, 4, 'the recycled worker is not replaced twice');
  t.deepEqual(h.pool.reloading, null);
  t.is(h.pool.restarts, 0);
  t.is(h.pool.recycles, 1);
});

test('a config reload that drops and adds apps: replacements load what is still configured plus the new unlimited app; a worker left with none retires', async (t) => {
  const h = await readyPool(2, { apps: [app('a', 1), app('b')] });
  t.deepEqual(
    h.fakes.map((f) => f.apps),
    [['a', 'b'], ['b']],
  );
  h.pool.reload({ ...h.opts, apps: [app('a', 1), app('c')] });
  await started(h, 3);
  t.deepEqual(fake(h, 3).apps, ['a', 'c']);
  fake(h, 3).ready();
  await until('the reload completed', () => h.reloads.length === 1);
  t.true(fake(h, 1).retired && fake(h, 2).retired);
  t.true(h.lines.some((l) => l.startsWith('Reload: worker 2 ') && l.endsWith('holds no configured app any more; it retires instead of being replaced')));
  await started(h, 4);
  t.deepEqual(fake(h, 4).apps, ['c'], 'the target is filled with what the new config needs');
  fake(h, 4).ready();
  for (const id of [1, 2]) fake(h, id).die(0, null);
  await h.pool.settled();
  t.deepEqual(live(h), [3, 4]);
  t.is(h.pool.target, 2);
});

test('a replacement whose app set is crash-looping is not waited for: the old worker is kept and the reload ends', async (t) => {
  const h = await readyPool(2, { restart: { baseDelayMs: 1, maxDelayMs: 1, maxCrashes: 1, windowMs: 60_000 } });
  fake(h, 2).die(1, null); // one crash opens the breaker of [a] (no cooldown: open until a reload)
  t.deepEqual(h.pool.brokenAppSets, [JSON.stringify(['a'])]);
  h.pool.replace(worker(h, 1)); // e.g. the memory guard
  await until('the replacement is given up', () => h.reloads.length === 1);
  t.deepEqual(h.reloads, ['complete'], 'a reload asked for later is not stuck behind it');
  t.true(h.lines.some((l) => l === 'WARN Reload: worker 1 is kept as it is: the crash-loop breaker of [a] is open, its replacement cannot start'));
  t.false(fake(h, 1).retired);
  t.is(h.fakes.length, 2, 'nothing spawned');
});
