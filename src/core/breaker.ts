// The crash-loop breaker of one app set, as a state machine on a monotonic clock. Closed: workers
// are respawned (with backoff). Open: nothing is spawned until the probe time. Half-open: one probe
// worker is starting; ready closes the breaker (the pool refills to its target), a failure opens
// it again for twice the cooldown, up to a cap. A reload closes every breaker at once.

import type { WorkerId } from './types.js';

export interface BreakerPolicy {
  /** Wait this long after the breaker opens before the first probe; 0 never probes (a reload closes it). */
  readonly cooldownMs: number;
}

/** The cooldown doubles per failed probe up to this, or up to `cooldownMs` when that is larger. */
export const MAX_COOLDOWN_MS = 600_000;

export type Breaker =
  | { readonly state: 'closed' }
  /** `probeAt` null: no probe is ever started (cooldown 0). */
  | { readonly state: 'open'; readonly probeAt: number | null; readonly cooldownMs: number }
  | { readonly state: 'half-open'; readonly probeId: WorkerId; readonly cooldownMs: number };

export const CLOSED: Breaker = { state: 'closed' };

/** The crash that makes the restart policy give up opens the breaker; the first probe is one cooldown away. */
export function trip(b: Breaker, now: number, p: BreakerPolicy): Breaker {
  if (b.state !== 'closed') return b;
  return { state: 'open', probeAt: p.cooldownMs > 0 ? now + p.cooldownMs : null, cooldownMs: p.cooldownMs };
}

/** True when an open breaker's probe time has come. */
export function probeDue(b: Breaker, now: number): boolean {
  return b.state === 'open' && b.probeAt !== null && b.probeAt <= now;
}

/** The probe worker `probeId` was started: half-open. */
export function startProbe(b: Breaker, probeId: WorkerId): Breaker {
  return b.state === 'open' ? { state: 'half-open', probeId, cooldownMs: b.cooldownMs } : b;
}

/** The probe is ready: closed. */
export function probeReady(b: Breaker, workerId: WorkerId): Breaker {
  return b.state === 'half-open' && b.probeId === workerId ? CLOSED : b;
}

/**
 * The probe worker left before it was ready. `failed` (a crash, an init that threw or timed out):
 * open again for twice the cooldown (capped by MAX_COOLDOWN_MS, or the cooldown itself when that is
 * larger). Not failed (retired on purpose, e.g. a scale-down): open with the same cooldown.
 */
export function probeEnded(b: Breaker, workerId: WorkerId, now: number, failed: boolean): Breaker {
  if (b.state !== 'half-open' || b.probeId !== workerId) return b;
  const cooldownMs = failed ? Math.min(Math.max(MAX_COOLDOWN_MS, b.cooldownMs), b.cooldownMs * 2) : b.cooldownMs;
  return { state: 'open', probeAt: now + cooldownMs, cooldownMs };
}

/** True while no worker of the app set may be spawned by the planner (open, or a probe under way). */
export function blocksSpawns(b: Breaker): boolean {
  return b.state !== 'closed';
}
