// Scaling policy: gunicorn's 17 TTIN/TTOU unit tests restated against applyScaleCommand and
// minimumWorkers, plus the places where we clamp at a maximum instead of drifting.

import test from 'ava';
import { applyScaleCommand, computeBounds, initialTarget, minimumWorkers, scaleLogLevel, scaleLogLine } from '../../src/core/scaling.js';
import type { AppSpec, Bounds, ScaleCommand, ScaleResult } from '../../src/core/types.js';

const specs = (...limits: (number | null)[]): AppSpec[] => limits.map((limit, i) => ({ name: `app${i}`, limit }));
const TTIN: ScaleCommand = { kind: 'add', n: 1 };
const TTOU: ScaleCommand = { kind: 'remove', n: 1 };

type Step = readonly [ScaleCommand, number, ScaleResult['clampedBy']?];

const scaleSequence = test.macro({
  exec(t, apps: AppSpec[], maxWorkers: number, start: number, steps: readonly Step[]) {
    const bounds = computeBounds(apps, maxWorkers);
    let target = start;
    for (const [cmd, expectedTarget, expectedClamp] of steps) {
      const result = applyScaleCommand(target, cmd, bounds);
      t.is(result.previous, target);
      t.is(result.target, expectedTarget, `${cmd.kind} ${cmd.n} from ${target}`);
      t.is(result.clampedBy, expectedClamp, `${cmd.kind} ${cmd.n} from ${target}`);
      target = result.target;
    }
  },
  title: (provided = '') => `applyScaleCommand: ${provided}`,
});

// gunicorn TestDirtyArbiterSignals 2, 4, 6, 8, 9, 10, 11 (dirty_workers=2, no apps).
test('TTIN raises 2 to 3', scaleSequence, [], 8, 2, [[TTIN, 3]]);
test('TTOU lowers 3 to 2', scaleSequence, [], 8, 3, [[TTOU, 2]]);
test('TTOU at 1 stays at 1 (default minimum)', scaleSequence, [], 8, 1, [[TTOU, 1, 'minimum']]);
test('TTOU with an app limited to 3 keeps 3', scaleSequence, specs(3), 8, 3, [[TTOU, 3, 'minimum']]);
test('TTOU with an unlimited app goes 2 to 1', scaleSequence, specs(null), 8, 2, [[TTOU, 1]]);
test('three TTINs go 2 to 5', scaleSequence, [], 8, 2, [
  [TTIN, 3],
  [TTIN, 4],
  [TTIN, 5],
]);
test('TTOUs from 5 stop at 1', scaleSequence, [], 8, 5, [
  [TTOU, 4],
  [TTOU, 3],
  [TTOU, 2],
  [TTOU, 1],
  [TTOU, 1, 'minimum'],
]);
// Where we differ from gunicorn: no phantom target above what can be spawned.
test('TTIN when every app is limited (largest 2) keeps 2', scaleSequence, specs(2, 1), 8, 2, [[TTIN, 2, 'maximum']]);
test('TTIN at maxWorkers keeps it', scaleSequence, specs(null), 4, 4, [[TTIN, 4, 'maximum']]);
test('TTIN up to the maximum, then clamped', scaleSequence, specs(null, 2), 4, 3, [
  [TTIN, 4],
  [TTIN, 4, 'maximum'],
  [TTOU, 3],
]);
test('set above the maximum clamps', scaleSequence, [], 8, 2, [[{ kind: 'set', n: 100 }, 8, 'maximum']]);
test('set below the minimum clamps', scaleSequence, specs(3, null), 8, 5, [[{ kind: 'set', n: 1 }, 3, 'minimum']]);
test('set within the bounds', scaleSequence, specs(3, null), 8, 5, [
  [{ kind: 'set', n: 7 }, 7],
  [{ kind: 'set', n: 7 }, 7],
]);
test('add n past the maximum stops at it', scaleSequence, [], 8, 6, [[{ kind: 'add', n: 5 }, 8, 'maximum']]);
test('remove n past the minimum stops at it', scaleSequence, specs(2, null), 8, 6, [[{ kind: 'remove', n: 5 }, 2, 'minimum']]);
test('add 3 and remove 2 within the bounds', scaleSequence, [], 8, 2, [
  [{ kind: 'add', n: 3 }, 5],
  [{ kind: 'remove', n: 2 }, 3],
]);
test('a target above new bounds is pulled back in', scaleSequence, [], 8, 10, [[{ kind: 'add', n: 0 }, 8, 'maximum']]);
test('a target below new bounds is pulled back in', scaleSequence, specs(4, null), 8, 2, [[TTOU, 4, 'minimum']]);
test('negative n is ignored', scaleSequence, [], 8, 3, [[{ kind: 'add', n: -2 }, 3]]);
test('fractional n is ignored', scaleSequence, [], 8, 3, [[{ kind: 'remove', n: 1.5 }, 3]]);
test('NaN n is ignored', scaleSequence, [], 8, 3, [[{ kind: 'set', n: Number.NaN }, 3]]);

const minimum = test.macro<[(number | null)[], number]>({
  exec(t, limits: (number | null)[], expected: number) {
    t.is(minimumWorkers(specs(...limits)), expected);
  },
  title: (provided = '', limits, expected) => `minimumWorkers: ${provided} [${limits.join(', ')}] -> ${expected}`,
});

// gunicorn TestGetMinimumWorkers 12-17.
test('no apps', minimum, [], 1);
test('one app limited to 3', minimum, [3], 3);
test('one unlimited app', minimum, [null], 1);
test('limits 2, 4, 3', minimum, [2, 4, 3], 4);
test('limits 2, None, 4', minimum, [2, null, 4], 4);
test('all unlimited', minimum, [null, null, null], 1);

const bounds = test.macro({
  exec(t, limits: (number | null)[], maxWorkers: number, expected: Bounds) {
    t.deepEqual(computeBounds(specs(...limits), maxWorkers), expected);
  },
  title: (provided = '') => `computeBounds: ${provided}`,
});

test('no apps: 1..maxWorkers', bounds, [], 8, { minimum: 1, maximum: 8, maximumReason: 'maxWorkers is 8' });
test('an unlimited app allows maxWorkers', bounds, [null, 3], 8, { minimum: 3, maximum: 8, maximumReason: 'maxWorkers is 8' });
test('every app limited: the largest limit', bounds, [2, 3], 8, {
  minimum: 3,
  maximum: 3,
  maximumReason: 'every app is limited; the largest limit is 3',
});
test('every app limited above maxWorkers: raised to the minimum', bounds, [12], 8, {
  minimum: 12,
  maximum: 12,
  maximumReason: 'app specs require 12 workers',
});
test('maxWorkers below the minimum is raised to it', bounds, [null, 5], 4, {
  minimum: 5,
  maximum: 5,
  maximumReason: 'app specs require 5 workers',
});
test('largest limit equal to maxWorkers names the limit', bounds, [4, 1], 4, {
  minimum: 4,
  maximum: 4,
  maximumReason: 'every app is limited; the largest limit is 4',
});

test('initialTarget: the configured workers inside the bounds', (t) => {
  t.deepEqual(initialTarget(2, computeBounds([], 8)).target, 2); // gunicorn test 1
  t.like(initialTarget(1, computeBounds(specs(3), 8)), { target: 3, clampedBy: 'minimum' });
  t.like(initialTarget(20, computeBounds([], 8)), { target: 8, clampedBy: 'maximum' });
  t.like(initialTarget(Number.NaN, computeBounds(specs(2), 8)), { target: 2, clampedBy: undefined });
});

const logLine = test.macro<[string, (number | null)[], number, ScaleCommand, string]>({
  exec(t, source: string, limits: (number | null)[], start: number, cmd: ScaleCommand, expected: string) {
    const b = computeBounds(specs(...limits), 8);
    const result = applyScaleCommand(start, cmd, b);
    t.is(scaleLogLine(source, result, b), expected);
    t.is(scaleLogLevel(result), result.clampedBy === undefined ? 'info' : 'warn');
  },
  title: (provided = '', _s, _l, _st, _c, expected) => `scaleLogLine: ${provided} -> ${expected}`,
});

// gunicorn tests 3, 5 and 7 check these lines; we check the whole text.
test('TTIN', logLine, 'SIGTTIN', [], 2, TTIN, 'SIGTTIN: Increasing dirty workers to 3');
test('TTOU', logLine, 'SIGTTOU', [], 3, TTOU, 'SIGTTOU: Decreasing dirty workers to 2');
test('TTOU at the minimum', logLine, 'SIGTTOU', [3], 3, TTOU, 'SIGTTOU: Cannot decrease below 3 workers (required by app specs)');
test('TTIN at the maximum', logLine, 'SIGTTIN', [2], 2, TTIN, 'SIGTTIN: Cannot increase above 2 workers (every app is limited; the largest limit is 2)');
test('TTIN at maxWorkers', logLine, 'SIGTTIN', [], 8, TTIN, 'SIGTTIN: Cannot increase above 8 workers (maxWorkers is 8)');
test('scale-to up', logLine, 'scale-to', [], 2, { kind: 'set', n: 5 }, 'scale-to: Increasing dirty workers to 5');
test('scale-to unchanged', logLine, 'scale-to', [], 5, { kind: 'set', n: 5 }, 'scale-to: Keeping dirty workers at 5');
test(
  'scale-to cut at the maximum',
  logLine,
  'scale-to',
  [],
  2,
  { kind: 'set', n: 50 },
  'scale-to: Increasing dirty workers to 8 (capped at the maximum of 8 workers: maxWorkers is 8)',
);
test(
  'scale-down cut at the minimum',
  logLine,
  'scale-down',
  [3],
  6,
  { kind: 'remove', n: 5 },
  'scale-down: Decreasing dirty workers to 3 (held at the minimum of 3 workers: required by app specs)',
);
// One worker is singular.
test('TTIN at a maximum of 1', logLine, 'SIGTTIN', [1], 1, TTIN, 'SIGTTIN: Cannot increase above 1 worker (every app is limited; the largest limit is 1)');
test('TTOU at a minimum of 1', logLine, 'SIGTTOU', [], 1, TTOU, 'SIGTTOU: Cannot decrease below 1 worker (required by app specs)');
