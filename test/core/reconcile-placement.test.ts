// plan() over several passes: gunicorn's distribution table, placement repair after a crash,
// the scale-downs where gunicorn's "kill oldest" strips a limited app, and the pending-respawn helpers the shell uses between passes.

import test from 'ava';
import { appSetKey, holdersOf } from '../../src/core/allocation.js';
import { consumePendingRespawn, plan, prunePendingRespawns } from '../../src/core/reconcile.js';
import type { AppName, AppSpec, PlanAction } from '../../src/core/types.js';
import { LIGHT_HEAVY_SINGLE, U_L2, desired, settle, worker } from './fixtures.js';

const NOW = 1_000;
const spawn = (apps: AppName[], respawn = false): PlanAction => ({ kind: 'spawn', apps, respawn });
const retire = (id: number): PlanAction => ({ kind: 'retire', id, reason: 'scale-down' });

// gunicorn docs "Worker Distribution": Light (all), Heavy (2), Single (1).
const DISTRIBUTION: AppName[][] = [['L', 'H', 'S'], ['L', 'H'], ['L'], ['L'], ['L']];

const distribution = test.macro<[number, number]>({
  exec(t, target: number, maxConcurrentSpawns: number) {
    const d = desired({ target, specs: LIGHT_HEAVY_SINGLE, maxConcurrentSpawns });
    const result = settle(d, []);
    if (result === null) return t.fail('did not settle');
    t.deepEqual(
      result.workers.map((w) => w.apps),
      DISTRIBUTION.slice(0, target),
    );
    // One spawn per pass when one may start at a time, all of them at once otherwise.
    t.is(result.passes, maxConcurrentSpawns === 1 ? target + 1 : Math.min(target, 1) + 1);
  },
  title: (_provided, target, max) => `distribution table: ${target} workers, ${max} spawn(s) at a time`,
});

for (let target = 0; target <= 5; target += 1) {
  test(distribution, target, 1);
  test(distribution, target, 8);
}

interface RepairCase {
  readonly specs?: AppSpec[];
  readonly target: number;
  readonly observed: ReturnType<typeof worker>[];
  readonly pendingRespawns?: AppName[][];
  readonly backoffUntil?: ReadonlyMap<string, number>;
  readonly maxConcurrentSpawns?: number;
  readonly expected: PlanAction[];
}

const repair = test.macro({
  exec(t, c: RepairCase) {
    const d = desired({
      target: c.target,
      specs: c.specs ?? U_L2,
      pendingRespawns: c.pendingRespawns ?? [],
      backoffUntil: c.backoffUntil ?? new Map(),
      maxConcurrentSpawns: c.maxConcurrentSpawns ?? 8,
    });
    t.deepEqual(plan(d, c.observed, NOW), c.expected);
  },
  title: (provided = '') => `placement repair: ${provided}`,
});

// W1=[U,L] crashed while a TTOU lowered the target from 3 to 2, so its respawn was dropped.
const afterCrash = [worker(2, ['U', 'L']), worker(3, ['U'])];

test('a limited app under its limit gets a worker although the pool is at the target', repair, {
  target: 2,
  observed: afterCrash,
  expected: [spawn(['U', 'L'])],
});
test('a pending entry holding the app is replayed for it', repair, {
  target: 2,
  observed: afterCrash,
  pendingRespawns: [['U'], ['U', 'L']],
  expected: [spawn(['U', 'L'], true)],
});
test('repair and scale-down in one plan', repair, {
  target: 2,
  observed: [...afterCrash, worker(4, ['U'])],
  expected: [retire(4), spawn(['U', 'L'])],
});
test('repair waits for backoff', repair, {
  target: 2,
  observed: afterCrash,
  backoffUntil: new Map([[appSetKey(['U', 'L']), 3_000]]),
  expected: [{ kind: 'wake-at', at: 3_000 }],
});
test('repair respects the spawn slots', repair, {
  target: 2,
  observed: [...afterCrash, worker(4, ['U'], 'starting')],
  maxConcurrentSpawns: 1,
  expected: [retire(4)],
});
test('every short app is repaired, each spawn counted', repair, {
  specs: LIGHT_HEAVY_SINGLE,
  target: 4,
  observed: [worker(3, ['L']), worker(4, ['L']), worker(5, ['L']), worker(6, ['L'])],
  expected: [spawn(['L', 'H', 'S']), spawn(['L', 'H'])],
});
test('the goal is min(limit, target) holders', repair, {
  specs: [
    { name: 'U', limit: null },
    { name: 'L', limit: 3 },
  ],
  target: 2,
  observed: [worker(1, ['U', 'L']), worker(2, ['U', 'L'])],
  expected: [],
});

test('after a repair the surplus is retired on a later pass, never the new holder', (t) => {
  const result = settle(desired({ target: 2 }), afterCrash);
  if (result === null) return t.fail('did not settle');
  t.deepEqual(result.history.slice(0, 2), [[spawn(['U', 'L'])], [retire(3)]]);
  t.deepEqual(result.workers, [worker(2, ['U', 'L']), worker(4, ['U', 'L'])]);
});

test('kill-oldest case: from 5 workers down to the minimum 2 the L holders stay', (t) => {
  const five = [worker(1, ['U', 'L']), worker(2, ['U', 'L']), worker(3, ['U']), worker(4, ['U']), worker(5, ['U'])];
  const result = settle(desired({ target: 2 }), five);
  if (result === null) return t.fail('did not settle');
  t.deepEqual(
    result.workers.map((w) => w.id),
    [1, 2],
  );
  t.is(result.passes, 2);
});

test('settling always ends at the target with every limited app at its limit', (t) => {
  const specs: AppSpec[] = [...LIGHT_HEAVY_SINGLE, { name: 'M', limit: 3 }];
  const pools = [[], [worker(1, ['L'])], [worker(1, ['L', 'M']), worker(2, ['L', 'H', 'M']), worker(3, ['L'])]];
  for (const pool of pools) {
    for (let target = 3; target <= 7; target += 1) {
      for (const maxConcurrentSpawns of [1, 3]) {
        const result = settle(desired({ target, specs, maxConcurrentSpawns }), pool);
        const label = `pool ${pool.length}, target ${target}, ${maxConcurrentSpawns} at a time`;
        if (result === null) return t.fail(`did not settle: ${label}`);
        t.is(result.workers.length, target, label);
        for (const spec of specs) {
          if (spec.limit !== null) t.is(holdersOf(spec.name, result.workers), spec.limit, `${spec.name}: ${label}`);
        }
        t.deepEqual(plan(desired({ target, specs, maxConcurrentSpawns }), result.workers, NOW), [], label);
      }
    }
  }
});

const prune = test.macro({
  exec(t, target: number, live: number, stopping: boolean, broken: AppName[][], expected: AppName[][]) {
    const pendingRespawns = [['U', 'L'], ['U'], ['U', 'L', 'X']];
    const observed = Array.from({ length: live }, (_, i) => worker(i + 1, ['U']));
    const d = desired({ target, stopping, pendingRespawns, broken: new Set(broken.map(appSetKey)) });
    t.deepEqual(prunePendingRespawns(d, observed), expected);
  },
  title: (provided = '') => `prunePendingRespawns: ${provided}`,
});

test('keeps what the pool needs, oldest first', prune, 4, 2, false, [], [['U', 'L'], ['U']]);
test('keeps all when the pool needs more', prune, 6, 1, false, [], [['U', 'L'], ['U'], ['U', 'L', 'X']]);
test('drops all at the target', prune, 3, 3, false, [], []);
test('drops all above the target', prune, 2, 3, false, [], []);
test('drops broken sets first', prune, 4, 2, false, [['L', 'U']], [['U'], ['U', 'L', 'X']]);
test('drops all when stopping', prune, 6, 0, true, [], []);

test('consumePendingRespawn removes the first entry with the same app set', (t) => {
  const pending = [['U'], ['L', 'U'], ['U', 'L']];
  t.deepEqual(consumePendingRespawn(pending, ['U', 'L']), [['U'], ['U', 'L']]);
  t.deepEqual(consumePendingRespawn(pending, ['X']), pending);
  t.not(consumePendingRespawn(pending, ['X']), pending);
  t.deepEqual(pending, [['U'], ['L', 'U'], ['U', 'L']]);
});
