// plan() with a replacement under way (Desired.replacement): the replacement is spawned first and
// named by the worker it replaces, it stands in for that worker (the target never grows for it),
// and the pending respawns are pruned against the same count.

import test from 'ava';
import { appSetKey } from '../../src/core/allocation.js';
import { plan, prunePendingRespawns } from '../../src/core/reconcile.js';
import type { Desired, PlanAction, Replacement, WorkerView } from '../../src/core/types.js';
import { desired, worker } from './fixtures.js';

const NOW = 1_000;

const planned = test.macro({
  exec(t, d: Desired, observed: WorkerView[], expected: PlanAction[]) {
    t.deepEqual(plan(d, observed, NOW), expected);
  },
  title: (provided = '') => `plan with a replacement: ${provided}`,
});

const replacing = (replaces: number, apps: string[], by: number | null = null): Replacement => ({ replaces, apps, by });
const spawn = (apps: string[], replaces?: number): PlanAction =>
  replaces === undefined ? { kind: 'spawn', apps, respawn: false } : { kind: 'spawn', apps, respawn: false, replaces };
const retire = (id: number): PlanAction => ({ kind: 'retire', id, reason: 'scale-down' });

test(
  'a due replacement is spawned, naming the worker it replaces, with no room added to the target',
  planned,
  desired({ target: 2, replacement: replacing(1, ['U', 'L']) }),
  [worker(1, ['U', 'L']), worker(2, ['U', 'L'])],
  [spawn(['U', 'L'], 1)],
);
test(
  'a started replacement stands in for the old worker: nothing retired, nothing more spawned',
  planned,
  desired({ target: 2, replacement: replacing(1, ['U', 'L'], 3) }),
  [worker(1, ['U', 'L']), worker(2, ['U', 'L']), worker(3, ['U', 'L'], 'starting')],
  [],
);
test(
  'the replacement comes before a fill spawn and both fit the slots',
  planned,
  desired({ target: 3, replacement: replacing(1, ['U', 'L']) }),
  [worker(1, ['U', 'L']), worker(2, ['U', 'L'])],
  [spawn(['U', 'L'], 1), spawn(['U'])],
);
test(
  'without a free spawn slot the replacement waits, and the old worker still counts (no fresh spawn instead)',
  planned,
  desired({ target: 3, maxConcurrentSpawns: 1, replacement: replacing(1, ['U', 'L']) }),
  [worker(1, ['U', 'L']), worker(2, ['U', 'L']), worker(3, ['U'], 'starting')],
  [],
);
test(
  'a replacement in backoff waits for it (one wake-at), and the old worker still counts',
  planned,
  desired({ target: 2, replacement: replacing(1, ['U', 'L']), backoffUntil: new Map([[appSetKey(['U', 'L']), NOW + 50]]) }),
  [worker(1, ['U', 'L']), worker(2, ['U', 'L'])],
  [{ kind: 'wake-at', at: NOW + 50 }],
);
test(
  'scale-down while the replacement starts: the old worker is no victim; the starting replacement goes first',
  planned,
  desired({ target: 1, specs: [{ name: 'U', limit: null }], replacement: replacing(1, ['U'], 3) }),
  [worker(1, ['U']), worker(2, ['U']), worker(3, ['U'], 'starting')],
  [retire(3)],
);
test(
  'scale-down while the replacement is due: the old worker may be the victim, and then it is not replaced',
  planned,
  desired({ target: 2, specs: [{ name: 'U', limit: null }], replacement: replacing(3, ['U']) }),
  [worker(1, ['U']), worker(2, ['U']), worker(3, ['U'])],
  [retire(3)],
);
test(
  'a limited app held by the old worker and its replacement is not stripped by a scale-down',
  planned,
  desired({ target: 1, replacement: replacing(1, ['U', 'L'], 3) }),
  [worker(1, ['U', 'L']), worker(2, ['U', 'L']), worker(3, ['U', 'L'], 'starting')],
  [],
);
test(
  'scale-up while the replacement starts: fresh workers fill the target beside it',
  planned,
  desired({ target: 3, replacement: replacing(1, ['U', 'L'], 3) }),
  [worker(1, ['U', 'L']), worker(2, ['U', 'L']), worker(3, ['U', 'L'], 'starting')],
  [spawn(['U'])],
);
test(
  'a replacement whose old worker left is ignored: an ordinary fill',
  planned,
  desired({ target: 2, replacement: replacing(1, ['U', 'L']) }),
  [worker(1, ['U', 'L'], 'retiring'), worker(2, ['U', 'L'])],
  [spawn(['U', 'L'])],
);
test(
  'a replacement that left before it was ready is spawned again',
  planned,
  desired({ target: 2, replacement: replacing(1, ['U', 'L'], 3) }),
  [worker(1, ['U', 'L']), worker(2, ['U', 'L']), worker(3, ['U', 'L'], 'retiring')],
  [spawn(['U', 'L'], 1)],
);

test('pending respawns are pruned against the same count: a started replacement stands in for its old worker', (t) => {
  const observed = [worker(1, ['U', 'L']), worker(3, ['U', 'L'], 'starting')];
  const pending = [['U', 'L']];
  t.deepEqual(prunePendingRespawns(desired({ target: 2, pendingRespawns: pending, replacement: replacing(1, ['U', 'L'], 3) }), observed), pending);
  t.deepEqual(prunePendingRespawns(desired({ target: 2, pendingRespawns: pending }), observed), [], 'without it both count');
});
