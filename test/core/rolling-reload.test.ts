// core/rolling-reload: the reload's sequencing on plain data. Each case states the reload's state,
// the workers and the config, and the exact step expected: the replacement under way, the old
// workers retired without one, done or not.

import test from 'ava';
import {
  abortsReload,
  replacementApps,
  replacementReady,
  replacementSpawned,
  startReload,
  stepReload,
  takeOn,
  type ReloadState,
  type ReloadStep,
  type ReloadView,
} from '../../src/core/rolling-reload.js';
import { appSetKey } from '../../src/core/allocation.js';
import type { AppSpec, WorkerView } from '../../src/core/types.js';
import { U_L2, worker } from './fixtures.js';

const U: AppSpec[] = [{ name: 'U', limit: null }];
const view = (workers: WorkerView[], target = workers.length, specs: AppSpec[] = U, broken: string[] = []): ReloadView => ({
  workers,
  specs,
  target,
  broken: new Set(broken),
});
const state = (s: Partial<ReloadState>): ReloadState => ({ queue: [], current: null, replaced: 0, total: 0, ...s });
const step = (s: Partial<ReloadState>, retire: ReloadStep['retire'] = [], done = false, kept: ReloadStep['kept'] = []): ReloadStep => ({
  state: state(s),
  retire,
  kept,
  done,
});

const stepped = test.macro({
  exec(t, s: ReloadState, v: ReloadView, expected: ReloadStep) {
    t.deepEqual(stepReload(s, v), expected);
  },
  title: (provided = '') => `stepReload: ${provided}`,
});

const old12 = [
  { id: 1, apps: ['U'] },
  { id: 2, apps: ['U'] },
];

test(
  'the first old worker in line is the replacement under way',
  stepped,
  startReload(old12),
  view([worker(1, ['U']), worker(2, ['U'])]),
  step({
    queue: [{ id: 2, apps: ['U'] }],
    current: { replaces: 1, apps: ['U'], by: null },
    total: 2,
  }),
);
test(
  'waits while the replacement is live (starting)',
  stepped,
  state({ current: { replaces: 1, apps: ['U'], by: 3 }, total: 1 }),
  view([worker(1, ['U']), worker(3, ['U'], 'starting')], 1),
  step({ current: { replaces: 1, apps: ['U'], by: 3 }, total: 1 }),
);
test(
  'a replacement that left before it was ready (retired by a scale-down) is asked for again',
  stepped,
  state({ current: { replaces: 1, apps: ['U'], by: 3 }, total: 1 }),
  view([worker(1, ['U']), worker(2, ['U']), worker(3, ['U'], 'retiring')], 2),
  step({ current: { replaces: 1, apps: ['U'], by: null }, total: 1 }),
);
test(
  'old workers that left meanwhile (crash, scale-down) are skipped',
  stepped,
  state({ queue: old12, total: 2 }),
  view([worker(2, ['U']), worker(1, ['U'], 'retiring')], 2),
  step({ current: { replaces: 2, apps: ['U'], by: null }, total: 2 }),
);
test(
  'an old worker whose replacement is under way but which left is given up; the next one is taken',
  stepped,
  state({ queue: [{ id: 2, apps: ['U'] }], current: { replaces: 1, apps: ['U'], by: 3 }, total: 2 }),
  view([worker(2, ['U']), worker(3, ['U'], 'starting')], 2),
  step({ current: { replaces: 2, apps: ['U'], by: null }, total: 2 }),
);
test(
  'an old worker made surplus by a scale-down is retired instead of replaced; the next is taken',
  stepped,
  state({ queue: [{ id: 2, apps: ['U'] }], current: { replaces: 1, apps: ['U'], by: null }, total: 2 }),
  view([worker(1, ['U']), worker(2, ['U'])], 1),
  step({ current: { replaces: 2, apps: ['U'], by: null }, total: 2 }, [{ id: 1, why: 'surplus' }]),
);
test(
  'an old worker holding a limited app at its limit is not surplus: it is replaced',
  stepped,
  startReload([{ id: 1, apps: ['U', 'L'] }]),
  view([worker(1, ['U', 'L']), worker(2, ['U', 'L']), worker(3, ['U'])], 2, U_L2),
  step({ current: { replaces: 1, apps: ['U', 'L'], by: null }, total: 1 }),
);
test(
  'an old worker none of whose apps is configured is retired without a replacement',
  stepped,
  startReload([
    { id: 1, apps: ['Gone'] },
    { id: 2, apps: ['U', 'Gone'] },
  ]),
  view([worker(1, ['Gone']), worker(2, ['U', 'Gone'])], 2),
  step({ current: { replaces: 2, apps: ['U'], by: null }, total: 2 }, [{ id: 1, why: 'unconfigured' }]),
);
test(
  'a replacement whose app set is crash-looping is not waited for: its old worker is kept, the next one is taken',
  stepped,
  startReload([
    { id: 1, apps: ['U', 'L'] },
    { id: 2, apps: ['U'] },
  ]),
  view([worker(1, ['U', 'L']), worker(2, ['U']), worker(3, ['U', 'L'])], 3, U_L2, [appSetKey(['U', 'L'])]),
  step({ current: { replaces: 2, apps: ['U'], by: null }, total: 2 }, [], false, [{ id: 1, apps: ['U', 'L'] }]),
);
test(
  'the last old worker retired: done',
  stepped,
  state({ replaced: 2, total: 2 }),
  view([worker(3, ['U']), worker(4, ['U'])]),
  step({ replaced: 2, total: 2 }, [], true),
);
test('done at once when every old worker left', stepped, startReload(old12), view([worker(3, ['U'])], 1), step({ total: 2 }, [], true));

test('replacementApps: the old apps still configured, plus every unlimited app, in config order', (t) => {
  const specs: AppSpec[] = [
    { name: 'New', limit: null },
    { name: 'L', limit: 2 },
    { name: 'M', limit: 1 },
  ];
  t.deepEqual(replacementApps({ id: 1, apps: ['L', 'Gone'] }, specs), ['New', 'L']);
  t.deepEqual(replacementApps({ id: 2, apps: ['M'] }, specs), ['New', 'M']);
});

test('the replacement spawned is tagged by the old worker it replaces; a spawn for another is ignored', (t) => {
  const s = state({ current: { replaces: 1, apps: ['U'], by: null }, total: 1 });
  t.deepEqual(replacementSpawned(s, 1, 7).current, { replaces: 1, apps: ['U'], by: 7 });
  t.is(replacementSpawned(s, 2, 7), s);
});

test('the replacement ready: the old worker retires and counts as replaced; any other worker ready changes nothing', (t) => {
  const s = state({ queue: [{ id: 2, apps: ['U'] }], current: { replaces: 1, apps: ['U'], by: 3 }, total: 2 });
  t.deepEqual(replacementReady(s, 4), { state: s, retire: null });
  t.deepEqual(replacementReady(s, 3), { state: state({ queue: [{ id: 2, apps: ['U'] }], replaced: 1, total: 2 }), retire: 1 });
});

test('only the death of the replacement under way aborts the reload', (t) => {
  const s = state({ queue: [{ id: 2, apps: ['U'] }], current: { replaces: 1, apps: ['U'], by: 3 }, total: 2 });
  t.true(abortsReload(s, 3));
  t.false(abortsReload(s, 1), 'an old worker dying is skipped, not an abort');
  t.false(abortsReload(s, 2));
  t.false(abortsReload(state({ current: { replaces: 1, apps: ['U'], by: null } }), 1));
});

test('takeOn: workers already under way or in line are not taken twice; the total counts only new ones', (t) => {
  const s = state({ queue: [{ id: 2, apps: ['U'] }], current: { replaces: 1, apps: ['U'], by: 3 }, replaced: 0, total: 2 });
  const more = takeOn(s, [
    { id: 1, apps: ['U'] },
    { id: 2, apps: ['U'] },
    { id: 5, apps: ['U'] },
  ]);
  t.deepEqual(more.queue, [
    { id: 2, apps: ['U'] },
    { id: 5, apps: ['U'] },
  ]);
  t.is(more.total, 3);
  t.deepEqual(more.current, s.current);
});

test('a whole reload of three workers on plain data: one replacement at a time, each old worker retired once its replacement is ready', (t) => {
  let workers = [worker(1, ['U']), worker(2, ['U']), worker(3, ['U'])];
  let s = startReload(workers.map((w) => ({ id: w.id, apps: w.apps })));
  let nextId = 4;
  const retired: number[] = [];
  for (let turn = 0; turn < 10; turn++) {
    const st = stepReload(s, view(workers, 3));
    s = st.state;
    if (st.done) break;
    t.is(workers.filter((w) => w.state === 'starting').length, 0, 'nothing else starting when a replacement is asked for');
    const c = s.current;
    if (c === null) throw new Error('no replacement under way');
    const id = nextId++;
    s = replacementSpawned(s, c.replaces, id);
    workers.push(worker(id, [...c.apps], 'starting'));
    t.deepEqual(stepReload(s, view(workers, 3)).state, s, 'waits while the replacement starts');
    workers = workers.map((w) => (w.id === id ? worker(id, [...w.apps]) : w));
    const r = replacementReady(s, id);
    s = r.state;
    if (r.retire !== null) retired.push(r.retire);
    workers = workers.filter((w) => w.id !== r.retire);
  }
  t.deepEqual(retired, [1, 2, 3]);
  t.deepEqual(
    workers.map((w) => w.id),
    [4, 5, 6],
  );
  t.deepEqual({ replaced: s.replaced, total: s.total }, { replaced: 3, total: 3 });
});
