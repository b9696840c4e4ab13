// plan(): bounded spawns, verbatim respawns, backoff and breaker, scale-down, stopping and
// idempotence. Each case states the full input and the exact expected action list.

import test from 'ava';
import { appSetKey } from '../../src/core/allocation.js';
import { plan } from '../../src/core/reconcile.js';
import type { Desired, PlanAction, WorkerView } from '../../src/core/types.js';
import { desired, worker } from './fixtures.js';

const NOW = 1_000;

const planned = test.macro({
  exec(t, d: Desired, observed: WorkerView[], expected: PlanAction[]) {
    t.deepEqual(plan(d, observed, NOW), expected);
  },
  title: (provided = '') => `plan: ${provided}`,
});

const spawn = (apps: string[], respawn = false): PlanAction => ({ kind: 'spawn', apps, respawn });
const retire = (id: number, reason: 'scale-down' | 'stopping' = 'scale-down'): PlanAction => ({ kind: 'retire', id, reason });
const backoff = (apps: string[], at: number): ReadonlyMap<string, number> => new Map([[appSetKey(apps), at]]);

// Bounded parallelism.
test('spawns up to the target from nothing', planned, desired({ target: 3 }), [], [spawn(['U', 'L']), spawn(['U', 'L']), spawn(['U'])]);
test('at most maxConcurrentSpawns at once', planned, desired({ target: 5, maxConcurrentSpawns: 2 }), [], [spawn(['U', 'L']), spawn(['U', 'L'])]);
test('starting workers use up spawn slots', planned, desired({ target: 5, maxConcurrentSpawns: 2 }), [worker(1, ['U', 'L'], 'starting')], [spawn(['U', 'L'])]);
test(
  'no slot left while enough workers are starting',
  planned,
  desired({ target: 5, maxConcurrentSpawns: 2 }),
  [worker(1, ['U', 'L'], 'starting'), worker(2, ['U', 'L'], 'starting')],
  [],
);
test('maxConcurrentSpawns below 1 counts as 1', planned, desired({ target: 3, maxConcurrentSpawns: 0 }), [], [spawn(['U', 'L'])]);
test(
  'ready workers do not use spawn slots',
  planned,
  desired({ target: 4, maxConcurrentSpawns: 1 }),
  [worker(1, ['U', 'L']), worker(2, ['U', 'L'])],
  [spawn(['U'])],
);
test(
  'retiring workers do not count towards the target',
  planned,
  desired({ target: 2 }),
  [worker(1, ['U', 'L']), worker(2, ['U', 'L'], 'retiring')],
  [spawn(['U', 'L'])],
);
test('at the target: nothing to do', planned, desired({ target: 2 }), [worker(1, ['U', 'L']), worker(2, ['U', 'L'])], []);
test(
  'no spawn when no app can use another worker',
  planned,
  desired({ target: 3, specs: [{ name: 'L', limit: 2 }] }),
  [worker(1, ['L']), worker(2, ['L'])],
  [],
);

// Pending respawns.
test(
  'a pending respawn is replayed verbatim before a computed list',
  planned,
  desired({ target: 3, pendingRespawns: [['L', 'U']] }),
  [worker(2, ['U', 'L']), worker(3, ['U'])],
  [spawn(['L', 'U'], true)],
);
test(
  'pending respawns are replayed oldest first',
  planned,
  desired({ target: 4, pendingRespawns: [['U'], ['U', 'L']] }),
  [worker(2, ['U', 'L']), worker(4, ['U'])],
  [spawn(['U'], true), spawn(['U', 'L'], true)],
);
test(
  'a replay does not re-check limits (no redistribution)',
  planned,
  desired({ target: 3, pendingRespawns: [['U', 'L']] }),
  [worker(1, ['U', 'L']), worker(2, ['U', 'L'])],
  [spawn(['U', 'L'], true)],
);
test(
  'computed lists follow the replays, counting them as holders',
  planned,
  desired({ target: 3, pendingRespawns: [['U', 'L']] }),
  [worker(1, ['U'])],
  [spawn(['U', 'L'], true), spawn(['U', 'L'])],
);
test(
  'only as many replays as the pool needs',
  planned,
  desired({ target: 3, pendingRespawns: [['U'], ['U']] }),
  [worker(1, ['U', 'L']), worker(2, ['U', 'L'])],
  [spawn(['U'], true)],
);

// Backoff and breaker.
test(
  'backoff: no spawn, one wake-at',
  planned,
  desired({ target: 2, backoffUntil: backoff(['U', 'L'], 1_500) }),
  [worker(1, ['U', 'L'])],
  [{ kind: 'wake-at', at: 1_500 }],
);
test('backoff over: spawn', planned, desired({ target: 2, backoffUntil: backoff(['U', 'L'], NOW) }), [worker(1, ['U', 'L'])], [spawn(['U', 'L'])]);
test(
  'a replay in backoff waits too',
  planned,
  desired({
    target: 3,
    pendingRespawns: [['U', 'L']],
    backoffUntil: backoff(['L', 'U'], 4_000),
  }),
  [worker(1, ['U', 'L'])],
  [{ kind: 'wake-at', at: 4_000 }],
);
test(
  'wake-at carries the earliest backoff end',
  planned,
  desired({
    target: 3,
    pendingRespawns: [['U']],
    backoffUntil: new Map([
      [appSetKey(['U']), 3_000],
      [appSetKey(['U', 'L']), 2_000],
    ]),
  }),
  [worker(1, ['U', 'L'])],
  [{ kind: 'wake-at', at: 2_000 }],
);
test(
  'a set in backoff does not block another set',
  planned,
  desired({
    target: 4,
    pendingRespawns: [['U', 'L']],
    backoffUntil: backoff(['U', 'L'], 5_000),
  }),
  [worker(1, ['U', 'L']), worker(2, ['U', 'L'])],
  [spawn(['U']), spawn(['U']), { kind: 'wake-at', at: 5_000 }],
);
test(
  'a broken set is never spawned and asks for no wake-up',
  planned,
  desired({
    target: 2,
    broken: new Set([appSetKey(['U', 'L'])]),
    backoffUntil: backoff(['U', 'L'], 9_000),
  }),
  [],
  [],
);
test(
  'a broken pending set is skipped for a computed one',
  planned,
  desired({
    target: 2,
    specs: [{ name: 'U', limit: null }],
    pendingRespawns: [['U', 'gone']],
    broken: new Set([appSetKey(['U', 'gone'])]),
  }),
  [worker(1, ['U'])],
  [spawn(['U'])],
);

// Scale-down and stopping.
test(
  'scale-down retires the surplus without spawning',
  planned,
  desired({ target: 2 }),
  [worker(1, ['U', 'L']), worker(2, ['U', 'L']), worker(3, ['U']), worker(4, ['U'])],
  [retire(4), retire(3)],
);
// A target below the minimum (the bounds forbid it) shows that the placement floor holds on its own.
test(
  'scale-down never takes the L holders, even if that leaves a surplus',
  planned,
  desired({ target: 1 }),
  [worker(1, ['U', 'L']), worker(2, ['U', 'L']), worker(3, ['U'])],
  [retire(3)],
);
test(
  'stopping retires every live worker and spawns nothing',
  planned,
  desired({ target: 4, stopping: true, pendingRespawns: [['U']] }),
  [worker(1, ['U', 'L']), worker(2, ['U', 'L'], 'starting'), worker(3, ['U'], 'retiring')],
  [retire(1, 'stopping'), retire(2, 'stopping')],
);
test('stopping with no workers: nothing', planned, desired({ stopping: true }), [], []);

test('plan is idempotent and does not mutate its input', (t) => {
  const d = desired({ target: 5, maxConcurrentSpawns: 2, pendingRespawns: [['U', 'L']], backoffUntil: backoff(['U'], 2_000) });
  const observed = [worker(1, ['U']), worker(2, ['U', 'L'], 'starting')];
  const snapshot = JSON.stringify({ d: { ...d, backoffUntil: [...d.backoffUntil] }, observed });
  const first = plan(d, observed, NOW);
  t.deepEqual(plan(d, observed, NOW), first);
  t.deepEqual(first, [spawn(['U', 'L'], true)]);
  t.is(JSON.stringify({ d: { ...d, backoffUntil: [...d.backoffUntil] }, observed }), snapshot);
});

test('a plan never both spawns and retires outside placement repair', (t) => {
  for (let live = 0; live <= 6; live += 1) {
    const observed = Array.from({ length: live }, (_, i) => worker(i + 1, i < 2 ? ['U', 'L'] : ['U']));
    for (let target = 2; target <= 5; target += 1) {
      const kinds = new Set(plan(desired({ target }), observed, NOW).map((a) => a.kind));
      t.false(kinds.has('spawn') && kinds.has('retire'), `live ${live}, target ${target}`);
    }
  }
});
