// Crash history per app set: feeds core/restart-policy and keeps the backoff deadlines, and runs
// each app set's crash-loop breaker (core/breaker) that core/reconcile reads as `broken`.
import { appSetKey } from '../core/allocation.js';
import { CLOSED, blocksSpawns, probeDue, probeEnded, probeReady, startProbe, trip, type Breaker, type BreakerPolicy } from '../core/breaker.js';
import { decideRestart, pruneCrashes, type RestartDecision, type RestartPolicy } from '../core/restart-policy.js';
import type { Logger } from './logger.js';
import type { PoolOptions, PoolWorker } from './pool-types.js';

export interface BreakerReport {
  readonly apps: readonly string[];
  readonly state: Breaker['state'];
  /** Monotonic time of the next probe (open breakers that will probe), else null. */
  readonly probeAt: number | null;
  readonly cooldownMs: number;
}

export class CrashTracker {
  readonly backoffUntil = new Map<string, number>();
  /** App sets the planner may not spawn: breaker open or half-open. */
  readonly broken = new Set<string>();
  readonly #times = new Map<string, number[]>();
  readonly #breakers = new Map<string, { apps: readonly string[]; b: Breaker }>();
  #probeTimer: NodeJS.Timeout | undefined;

  /** A worker died unexpectedly (`how`): logs what follows; true when its apps are to be respawned (after the backoff). */
  crashed(w: PoolWorker, how: string, now: number, o: PoolOptions, log: Logger): boolean {
    const apps = `[${w.apps.join(', ')}]`;
    const why = w.killReason === undefined ? '' : ` (${w.killReason})`;
    const who = `Dirty worker ${w.id} (pid:${w.process.pid}) ${how}${why}${w.state === 'starting' ? ' before it was ready' : ''}`;
    const probe = this.probeGone(w.id, now, true);
    if (probe) {
      log.error(`${who}; crash-loop breaker of ${apps} open again: next probe in ${probe.cooldownMs} ms`);
      return false;
    }
    const d = this.record(w.apps, now, o.restart, { cooldownMs: o.crashCooldownMs });
    if (!d.broken) {
      log.warn(`${who}; respawning ${apps} in ${Math.round(d.delayMs)} ms`);
      return true;
    }
    const heal = o.crashCooldownMs > 0 ? `first probe in ${o.crashCooldownMs} ms` : 'until a reload';
    log.error(`${who}; ${apps} crashed ${d.recent} times in ${o.restart.windowMs} ms: not respawning it (crash-loop breaker open, ${heal})`);
    return false;
  }

  /**
   * Half-opens the breakers whose cooldown is over (one probe worker each, started by `spawn`) while
   * the pool is short of its target (`short`; else they wait for a later pass); `wake` at the next probe time.
   */
  probe(now: number, short: boolean, spawn: (apps: readonly string[]) => number, log: Logger, wake: () => void): void {
    for (const apps of short ? this.dueProbes(now) : []) {
      const id = spawn(apps);
      this.probing(apps, id);
      log.warn(`Crash-loop breaker of [${apps.join(', ')}] half-open: worker ${id} is its probe`);
    }
    const at = this.nextProbeAt(now);
    this.stop();
    if (at === null) return;
    this.#probeTimer = setTimeout(wake, Math.max(0, at - now) + 1);
    this.#probeTimer.unref();
  }

  stop(): void {
    if (this.#probeTimer) clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
  }

  /** Records a crash of a worker holding `apps` and returns the restart decision. */
  record(apps: readonly string[], now: number, policy: RestartPolicy, breaker: BreakerPolicy): RestartDecision {
    const key = appSetKey(apps);
    const times = [...pruneCrashes(this.#times.get(key) ?? [], now, policy.windowMs), now];
    this.#times.set(key, times);
    const d = decideRestart(times, now, policy);
    if (d.broken) this.#set(key, apps, trip(this.#breakers.get(key)?.b ?? CLOSED, now, breaker));
    else this.backoffUntil.set(key, now + d.delayMs);
    return d;
  }

  /** Whether worker `id` is the probe of a half-open breaker. */
  isProbe(id: number): boolean {
    for (const { b } of this.#breakers.values()) if (b.state === 'half-open' && b.probeId === id) return true;
    return false;
  }

  /** App sets whose probe time has come (the pool starts one probe for each, then calls `probing`). */
  dueProbes(now: number): (readonly string[])[] {
    return [...this.#breakers.values()].filter((e) => probeDue(e.b, now)).map((e) => e.apps);
  }

  probing(apps: readonly string[], workerId: number): void {
    const key = appSetKey(apps);
    const e = this.#breakers.get(key);
    if (e) this.#set(key, e.apps, startProbe(e.b, workerId));
  }

  /** Worker `id` is ready: closes the breaker it probed, forgetting that set's crashes. True if it was a probe. */
  ready(id: number): boolean {
    for (const [key, e] of this.#breakers) {
      const next = probeReady(e.b, id);
      if (next === e.b) continue;
      this.#set(key, e.apps, next);
      this.#times.delete(key);
      this.backoffUntil.delete(key);
      return true;
    }
    return false;
  }

  /** Worker `id` left before it was ready; if it was a probe, the breaker opens again. Returns the breaker then. */
  probeGone(id: number, now: number, failed: boolean): BreakerReport | null {
    for (const [key, e] of this.#breakers) {
      const next = probeEnded(e.b, id, now, failed);
      if (next === e.b) continue;
      this.#set(key, e.apps, next);
      return report(e.apps, next);
    }
    return null;
  }

  /** The earliest probe time of an open breaker, if any. */
  nextProbeAt(after = -Infinity): number | null {
    let at: number | null = null;
    for (const { b } of this.#breakers.values()) if (b.state === 'open' && b.probeAt !== null && b.probeAt > after) at = Math.min(at ?? Infinity, b.probeAt);
    return at;
  }

  /** Every breaker that is not closed. */
  reports(): BreakerReport[] {
    return [...this.#breakers.values()].map((e) => report(e.apps, e.b));
  }

  /** Closes every breaker (a reload with new code deserves a new chance). */
  reset(): void {
    this.broken.clear();
    this.backoffUntil.clear();
    this.#times.clear();
    this.#breakers.clear();
  }

  #set(key: string, apps: readonly string[], b: Breaker): void {
    if (b.state === 'closed') this.#breakers.delete(key);
    else this.#breakers.set(key, { apps, b });
    if (blocksSpawns(b)) this.broken.add(key);
    else this.broken.delete(key);
  }
}

function report(apps: readonly string[], b: Breaker): BreakerReport {
  return { apps, state: b.state, probeAt: b.state === 'open' ? b.probeAt : null, cooldownMs: b.state === 'closed' ? 0 : b.cooldownMs };
}
