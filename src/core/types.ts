// Shared vocabulary of the pure core: app specs, the views of workers the shell hands in,
// scale commands and the actions the planner asks the shell to carry out.

/** Routing name of a dirty app (the `name`, or the string spec without `:N`). */
export type AppName = string;
/** Arbiter-local worker id: 1, 2, 3... in spawn order (a larger id is a newer worker). */
export type WorkerId = number;

export interface AppSpec {
  readonly name: AppName;
  /** How many workers may load the app; null means every worker loads it. */
  readonly limit: number | null;
}

export type WorkerState = 'starting' | 'ready' | 'retiring';

export interface WorkerView {
  readonly id: WorkerId;
  readonly apps: readonly AppName[];
  readonly state: WorkerState;
  /** Calls sent to the worker and not yet answered. */
  readonly inflight: number;
}

/** +n, -n or =n, from a signal, a pm2 action, a socket MANAGE or the autoscaler. */
export type ScaleCommand =
  { readonly kind: 'add'; readonly n: number } | { readonly kind: 'remove'; readonly n: number } | { readonly kind: 'set'; readonly n: number };

export interface Bounds {
  readonly minimum: number;
  readonly maximum: number;
  /** Why `maximum` is what it is, for the "Cannot increase above N workers (<reason>)" log line. */
  readonly maximumReason: string;
}

export interface ScaleResult {
  readonly target: number;
  readonly previous: number;
  readonly clampedBy?: 'minimum' | 'maximum';
}

/**
 * A replacement under way (rolling reload, memory guard): worker `replaces` is to be replaced by a
 * fresh worker loading `apps`; `by` is that worker once spawned (null until then, or again once it
 * left before it was ready). The old worker keeps serving until the reload retires it.
 */
export interface Replacement {
  readonly replaces: WorkerId;
  readonly apps: readonly AppName[];
  readonly by: WorkerId | null;
}

/**
 * What the reconcile plan aims at: a snapshot the pool builds for each pass. `target` is the pool's
 * target as is (src/arbiter/pool.ts, moved only by `Pool.scale`); a replacement under way stands in
 * for the worker it replaces, so it takes no extra room in the target.
 */
export interface Desired {
  readonly target: number;
  readonly specs: readonly AppSpec[];
  readonly stopping: boolean;
  /** App lists of dead workers, waiting to be respawned verbatim (oldest first). */
  readonly pendingRespawns: readonly (readonly AppName[])[];
  /** How many workers may be starting at once (bounded spawn parallelism). */
  readonly maxConcurrentSpawns: number;
  /** App sets (key: appSetKey) that may not be spawned before the given monotonic time. */
  readonly backoffUntil: ReadonlyMap<string, number>;
  /** App sets whose crash-loop breaker is open: never spawned until reset. */
  readonly broken: ReadonlySet<string>;
  /** The replacement of a rolling reload under way, if any (src/core/rolling-reload.ts picks it). */
  readonly replacement: Replacement | null;
}

export type PlanAction =
  /** `replaces`: the spawn is the replacement of that worker (Desired.replacement). */
  | { readonly kind: 'spawn'; readonly apps: readonly AppName[]; readonly respawn: boolean; readonly replaces?: WorkerId }
  | { readonly kind: 'retire'; readonly id: WorkerId; readonly reason: 'scale-down' | 'stopping' }
  | { readonly kind: 'wake-at'; readonly at: number };
