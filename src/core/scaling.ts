// Scaling policy: the minimum and maximum worker counts implied by the app specs, the one
// function that moves and clamps the target, and gunicorn's TTIN/TTOU log lines.

import type { AppSpec, Bounds, ScaleCommand, ScaleResult } from './types.js';

/** `1 worker`, `3 workers`: every count of workers in a log line or reply. */
export function workersText(n: number): string {
  return n === 1 ? '1 worker' : `${n} workers`;
}

/**
 * The smallest pool that can honour every app limit: max(1, largest limit).
 * Unlimited apps impose nothing (gunicorn's `_get_minimum_workers`).
 */
export function minimumWorkers(specs: readonly AppSpec[]): number {
  let minimum = 1;
  for (const spec of specs) {
    if (spec.limit !== null) minimum = Math.max(minimum, spec.limit);
  }
  return minimum;
}

/**
 * The range the target may take.
 *
 * The maximum is `maxWorkers`, unless every app is limited: then no worker beyond the
 * largest limit could load anything, so the maximum is min(maxWorkers, largest limit).
 * This is where we differ from gunicorn, whose TTIN raises a phantom target that later
 * TTOUs must pay back. The bounds are never inverted: if `maxWorkers` is below the
 * minimum (config validation should prevent it), the maximum is raised to the minimum.
 */
export function computeBounds(specs: readonly AppSpec[], maxWorkers: number): Bounds {
  const minimum = minimumWorkers(specs);
  let maximum = maxWorkers;
  let maximumReason = `maxWorkers is ${maxWorkers}`;
  const everyAppLimited = specs.length > 0 && specs.every((spec) => spec.limit !== null);
  if (everyAppLimited) {
    const largest = Math.max(...specs.map((spec) => spec.limit ?? 0));
    if (largest <= maxWorkers) {
      maximum = largest;
      maximumReason = `every app is limited; the largest limit is ${largest}`;
    }
  }
  if (maximum < minimum) {
    maximum = minimum;
    maximumReason = `app specs require ${workersText(minimum)}`;
  }
  return { minimum, maximum, maximumReason };
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function requestedTarget(target: number, cmd: ScaleCommand): number {
  switch (cmd.kind) {
    case 'add':
      return target + cmd.n;
    case 'remove':
      return target - cmd.n;
    case 'set':
      return cmd.n;
  }
}

/**
 * Applies `+n`, `-n` or `=n` to the target and clamps the result into `bounds`: the ONE
 * place where the target changes.
 *
 * - `clampedBy` is set whenever the request fell outside the bounds, including when the
 *   target did not move because it already sat on that bound (TTIN at the maximum, TTOU
 *   at the minimum).
 * - A target that sits outside new bounds is pulled back in by any command.
 * - Decision: a bad `n` (negative, fractional, NaN, unsafe) is a programming error that
 *   boundary validation should have caught; a supervisor must not crash on it, so the
 *   command is ignored: the target is returned unchanged and without `clampedBy`.
 */
export function applyScaleCommand(target: number, cmd: ScaleCommand, bounds: Bounds): ScaleResult {
  if (!isCount(cmd.n)) return { target, previous: target };
  const requested = requestedTarget(target, cmd);
  if (requested > bounds.maximum) return { target: bounds.maximum, previous: target, clampedBy: 'maximum' };
  if (requested < bounds.minimum) return { target: bounds.minimum, previous: target, clampedBy: 'minimum' };
  return { target: requested, previous: target };
}

/**
 * The configured `workers` brought into the bounds, as the first target of the arbiter.
 * `previous` is the minimum (the pool the arbiter cannot go below), so a configured count
 * under the minimum logs as `Cannot decrease below N workers`; an invalid count gives the
 * minimum without `clampedBy`.
 */
export function initialTarget(workers: number, bounds: Bounds): ScaleResult {
  return applyScaleCommand(bounds.minimum, { kind: 'set', n: workers }, bounds);
}

/**
 * The log line for a scale request, in gunicorn's wording:
 * `SIGTTIN: Increasing dirty workers to 3`, `SIGTTOU: Decreasing dirty workers to 2`,
 * `SIGTTOU: Cannot decrease below 3 workers (required by app specs)` and
 * `SIGTTIN: Cannot increase above 2 workers (every app is limited; the largest limit is 2)`.
 *
 * Decision: the verb follows the direction of the change, not the source, so any source
 * (`scale-to`, `scale-up`, `MANAGE`, `autoscaler`) reads naturally. A request that was cut
 * but still moved the target says so in a suffix; an unchanged, unclamped target reads
 * `Keeping dirty workers at N`.
 */
export function scaleLogLine(source: string, result: ScaleResult, bounds: Bounds): string {
  const { target, previous, clampedBy } = result;
  if (target === previous) {
    if (clampedBy === 'maximum') {
      return `${source}: Cannot increase above ${workersText(bounds.maximum)} (${bounds.maximumReason})`;
    }
    if (clampedBy === 'minimum') {
      return `${source}: Cannot decrease below ${workersText(bounds.minimum)} (required by app specs)`;
    }
    return `${source}: Keeping dirty workers at ${target}`;
  }
  const verb = target > previous ? 'Increasing' : 'Decreasing';
  const line = `${source}: ${verb} dirty workers to ${target}`;
  if (clampedBy === 'maximum') return `${line} (capped at the maximum of ${workersText(bounds.maximum)}: ${bounds.maximumReason})`;
  if (clampedBy === 'minimum') return `${line} (held at the minimum of ${workersText(bounds.minimum)}: required by app specs)`;
  return line;
}

/** `warn` for a refused or cut request, `info` otherwise (gunicorn: warning on refusal). */
export function scaleLogLevel(result: ScaleResult): 'info' | 'warn' {
  return result.clampedBy === undefined ? 'info' : 'warn';
}
