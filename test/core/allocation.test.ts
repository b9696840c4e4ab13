// Placement policy: gunicorn's allocation order for new workers, and scale-down victims that
// never strip a limited app (the cases where gunicorn's "kill oldest" does).

import test from 'ava';
import { appSetKey, appsForNewWorker, chooseVictims, holdersOf, isSurplus } from '../../src/core/allocation.js';
import type { AppName, AppSpec, WorkerView } from '../../src/core/types.js';
import { LIGHT_HEAVY_SINGLE, U_L2, worker } from './fixtures.js';

const sameKey = test.macro<[AppName[], AppName[], boolean]>({
  exec(t, a: AppName[], b: AppName[], expected: boolean) {
    t.is(appSetKey(a) === appSetKey(b), expected);
  },
  title: (provided = '', a, b, expected) => `appSetKey: ${provided} [${a.join(',')}] ${expected ? '==' : '!='} [${b.join(',')}]`,
});

test('order does not matter', sameKey, ['a', 'b', 'c'], ['c', 'a', 'b'], true);
test('duplicates do not matter', sameKey, ['a', 'b', 'a'], ['b', 'a'], true);
test('different sets differ', sameKey, ['a', 'b'], ['a'], false);
test('a comma inside a name is not a separator', sameKey, ['a,b'], ['a', 'b'], false);
test('empty sets are equal', sameKey, [], [], true);

test('holdersOf counts starting and ready workers, not retiring ones', (t) => {
  const workers = [worker(1, ['U', 'L']), worker(2, ['U', 'L'], 'starting'), worker(3, ['U', 'L'], 'retiring'), worker(4, ['U'])];
  t.is(holdersOf('L', workers), 2);
  t.is(holdersOf('U', workers), 3);
  t.is(holdersOf('X', workers), 0);
});

test('appsForNewWorker reproduces the documented distribution when spawning one by one', (t) => {
  const workers: WorkerView[] = [];
  const lists: AppName[][] = [];
  for (let id = 1; id <= 5; id += 1) {
    const apps = appsForNewWorker(LIGHT_HEAVY_SINGLE, workers);
    lists.push(apps);
    workers.push(worker(id, apps));
  }
  t.deepEqual(lists, [['L', 'H', 'S'], ['L', 'H'], ['L'], ['L'], ['L']]);
});

const newWorker = test.macro({
  exec(t, specs: AppSpec[], workers: WorkerView[], expected: AppName[]) {
    t.deepEqual(appsForNewWorker(specs, workers), expected);
  },
  title: (provided = '') => `appsForNewWorker: ${provided}`,
});

test('no apps: nothing to load', newWorker, [], [], []);
test('every limited app at its limit: no spawn is useful', newWorker, [{ name: 'L', limit: 2 }], [worker(1, ['L']), worker(2, ['L'])], []);
test('a retiring holder does not count', newWorker, U_L2, [worker(1, ['U', 'L']), worker(2, ['U', 'L'], 'retiring')], ['U', 'L']);
test('a starting holder counts', newWorker, U_L2, [worker(1, ['U', 'L']), worker(2, ['U', 'L'], 'starting')], ['U']);
test(
  'config order, not holder order',
  newWorker,
  [
    { name: 'B', limit: 1 },
    { name: 'A', limit: null },
  ],
  [],
  ['B', 'A'],
);

interface VictimCase {
  readonly specs: AppSpec[];
  readonly workers: WorkerView[];
  readonly count: number;
  readonly expected: number[];
}

const victims = test.macro({
  exec(t, c: VictimCase) {
    const chosen = chooseVictims(c.specs, c.workers, c.count);
    t.deepEqual(chosen, c.expected);
    const left = c.workers.filter((w) => !chosen.includes(w.id));
    for (const spec of c.specs) {
      if (spec.limit === null) continue;
      const before = holdersOf(spec.name, c.workers);
      t.true(holdersOf(spec.name, left) >= Math.min(spec.limit, before), `${spec.name} keeps its holders`);
    }
  },
  title: (provided = '') => `chooseVictims: ${provided}`,
});

const threeWorkers = [worker(1, ['U', 'L']), worker(2, ['U', 'L']), worker(3, ['U'])];
const fiveWorkers = [...threeWorkers, worker(4, ['U']), worker(5, ['U'])];

test('kill-oldest case: one scale-down from W1=[U,L] W2=[U,L] W3=[U] retires W3, not W1', victims, {
  specs: U_L2,
  workers: threeWorkers,
  count: 1,
  expected: [3],
});
test('kill-oldest case: from 5 workers down to the minimum 2 the L holders stay', victims, {
  specs: U_L2,
  workers: fiveWorkers,
  count: 3,
  expected: [5, 4, 3],
});
test('idle workers go first, then the newest', victims, {
  specs: U_L2,
  workers: [worker(1, ['U', 'L']), worker(2, ['U', 'L']), worker(3, ['U'], 'ready', 1), worker(4, ['U']), worker(5, ['U'], 'ready', 2)],
  count: 3,
  expected: [4, 5, 3],
});
test('among idle workers a starting one goes before a newer ready one', victims, {
  specs: U_L2,
  workers: [...threeWorkers, worker(4, ['U'], 'starting'), worker(5, ['U'])],
  count: 2,
  expected: [4, 5],
});
test('no safe victim: fewer victims than asked', victims, {
  specs: U_L2,
  workers: [worker(1, ['U', 'L']), worker(2, ['U', 'L']), worker(3, ['U'])],
  count: 2,
  expected: [3],
});
test('only limited holders at the limit: none', victims, {
  specs: U_L2,
  workers: [worker(1, ['U', 'L']), worker(2, ['U', 'L'])],
  count: 1,
  expected: [],
});
test('a holder above the limit may go, but only down to the limit', victims, {
  specs: U_L2,
  workers: [worker(1, ['U', 'L']), worker(2, ['U', 'L']), worker(3, ['U', 'L'])],
  count: 2,
  expected: [3],
});
test('an app already below its limit loses no holder', victims, {
  specs: U_L2,
  workers: [worker(1, ['U', 'L']), worker(2, ['U'])],
  count: 2,
  expected: [2],
});
test('retiring workers are neither victims nor holders', victims, {
  specs: U_L2,
  workers: [worker(1, ['U', 'L']), worker(2, ['U', 'L'], 'retiring'), worker(3, ['U', 'L']), worker(4, ['U'], 'retiring')],
  count: 2,
  expected: [],
});
test('limits of several apps are all respected', victims, {
  specs: LIGHT_HEAVY_SINGLE,
  workers: [worker(1, ['L', 'H', 'S']), worker(2, ['L', 'H']), worker(3, ['L']), worker(4, ['L'])],
  count: 4,
  expected: [4, 3],
});
test('count 0 retires nothing', victims, { specs: U_L2, workers: fiveWorkers, count: 0, expected: [] });
test('unlimited apps only: newest first', victims, {
  specs: [{ name: 'U', limit: null }],
  workers: [worker(1, ['U']), worker(2, ['U']), worker(3, ['U'])],
  count: 2,
  expected: [3, 2],
});

test("isSurplus: the others must meet the target and every limited app's limit; retiring workers do not count", (t) => {
  const w1 = worker(1, ['U', 'L']);
  const w2 = worker(2, ['U', 'L']);
  const w3 = worker(3, ['U']);
  const w4 = worker(4, ['U', 'L']);
  // U_L2: L needs 2 holders.
  t.true(isSurplus(w4, U_L2, [w1, w2, w3, w4], 3), 'three others meet target 3 and L keeps 2 holders');
  t.false(isSurplus(w4, U_L2, [w1, w2, w3, w4], 4), 'without it the pool is below target 4');
  t.false(isSurplus(w1, U_L2, [w1, w3, w4], 2), 'without it L would have one holder');
  t.true(isSurplus(w3, U_L2, [w1, w3, w4], 2), 'it holds no limited app');
  t.false(isSurplus(w4, U_L2, [w1, worker(2, ['U', 'L'], 'retiring'), w3, w4], 3), 'a retiring worker is not one of the others');
  t.true(isSurplus(w4, U_L2, [w1, worker(2, ['U', 'L'], 'starting'), w3, w4], 3), 'a starting one is');
  t.false(isSurplus(worker(4, ['U'], 'retiring'), U_L2, [w1, w2, w3], 1), 'a retiring worker is already going');
});
