// Crash history per app set: feeds core/restart-policy and keeps the backoff deadlines and the
// open crash-loop breakers that core/reconcile reads.
import { appSetKey } from '../core/allocation.js';
import { decideRestart, pruneCrashes, type RestartDecision, type RestartPolicy } from '../core/restart-policy.js';

export class CrashTracker {
  readonly backoffUntil = new Map<string, number>();
  readonly broken = new Set<string>();
  readonly #times = new Map<string, number[]>();

  /** Records a crash of a worker holding `apps` and returns the restart decision. */
  record(apps: readonly string[], now: number, policy: RestartPolicy): RestartDecision {
    const key = appSetKey(apps);
    const times = [...pruneCrashes(this.#times.get(key) ?? [], now, policy.windowMs), now];
    this.#times.set(key, times);
    const d = decideRestart(times, now, policy);
    if (d.broken) this.broken.add(key);
    else this.backoffUntil.set(key, now + d.delayMs);
    return d;
  }

  /** Closes every breaker (a reload with new code deserves a new chance). */
  reset(): void {
    this.broken.clear();
    this.backoffUntil.clear();
    this.#times.clear();
  }
}
