// Crash-restart policy: exponential backoff over the recent crashes of an app set and a
// crash-loop breaker. gunicorn respawns a worker whose app's init() fails at once, with no bound:
// 100+ times a second.

export interface RestartPolicy {
  /** Delay before the respawn that follows the first recent crash. */
  readonly baseDelayMs: number;
  /** Upper bound of the delay. */
  readonly maxDelayMs: number;
  /** This many crashes inside the window open the breaker. */
  readonly maxCrashes: number;
  /** Crashes older than this no longer count. */
  readonly windowMs: number;
}

/** 100 ms, 200 ms, 400 ms, 800 ms, then the 5th crash within 60 s opens the breaker. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  baseDelayMs: 100,
  maxDelayMs: 30_000,
  maxCrashes: 5,
  windowMs: 60_000,
};

export interface RestartDecision {
  /** Wait this long before respawning (the shell stores `now + delayMs` in `backoffUntil`). */
  readonly delayMs: number;
  /** The breaker is open: do not respawn this app set until an operator resets it. */
  readonly broken: boolean;
  /** Crashes inside the window. */
  readonly recent: number;
}

/** The crash times that still count at `now`: those less than `windowMs` old. */
export function pruneCrashes(times: readonly number[], now: number, windowMs: number): number[] {
  return times.filter((at) => now - at < windowMs);
}

/**
 * What to do after a crash of an app set.
 *
 * `crashTimes` are the monotonic times of the set's crashes, INCLUDING the one being
 * decided (the shell appends `now` first). With `recent` crashes inside the window the
 * delay is `baseDelayMs * 2^(recent - 1)`, capped at `maxDelayMs`; no recent crash means
 * no delay. `broken` is true once `recent >= maxCrashes`.
 */
export function decideRestart(crashTimes: readonly number[], now: number, policy: RestartPolicy): RestartDecision {
  const recent = pruneCrashes(crashTimes, now, policy.windowMs).length;
  const broken = recent >= policy.maxCrashes;
  if (recent === 0) return { delayMs: 0, broken, recent };
  // The exponent is capped so that a zero base never meets an infinite factor (NaN).
  const delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(recent - 1, 40));
  return { delayMs, broken, recent };
}
