// The supervised pool: the worker table, the one target, and a single-flight reconciler that
// carries out core/reconcile's plan (spawn, retire, backoff timers) and heals on a slow tick.
import { performance } from 'node:perf_hooks';
import { appSetKey } from '../core/allocation.js';
import { consumePendingRespawn, plan, prunePendingRespawns } from '../core/reconcile.js';
import { applyScaleCommand, computeBounds, initialTarget, scaleLogLevel, scaleLogLine, workersText } from '../core/scaling.js';
import type { AppSpec, Bounds, PlanAction, ScaleCommand, ScaleResult, WorkerView } from '../core/types.js';
import type { AppLoadSpec } from '../worker/app-host.js';
import type { PoolEvents, PoolListener, PoolOptions, PoolWorker } from './pool-types.js';
import { drainWorker, startPoolWorker } from './pool-worker.js';
import { oldWorkers, ReloadRunner } from './reload-runner.js';
import { CrashTracker } from './crash-tracker.js';
import { checkHealth, killWorker } from './health.js';
import { LoopLag } from './loop-lag.js';
import { Reconciler } from './reconciler.js';
import type { Logger } from './logger.js';

export class Pool {
  specs: readonly AppSpec[];
  bounds: Bounds;
  readonly workers = new Map<number, PoolWorker>();
  #target: number;
  #stopping = false;
  #nextId = 1;
  #pending: (readonly string[])[] = [];
  /** Crash history, backoff and the crash-loop breakers. */
  readonly crashes = new CrashTracker();
  #opts: PoolOptions;
  readonly #reload: ReloadRunner;
  readonly #log: Logger;
  readonly #listener: PoolListener;
  #byName: ReadonlyMap<string, AppLoadSpec>;
  readonly #reconciler = new Reconciler(
    () => this.#pass(),
    () => this.#isSettled(),
  );
  #wakeTimer: NodeJS.Timeout | undefined;
  #tick: NodeJS.Timeout | undefined;
  readonly #events: PoolEvents;
  readonly lag = new LoopLag();
  restarts = 0;
  memoryRetirements = 0;
  /** Workers killed because a cancelled call ignored its cancellation (not crashes). */
  recycles = 0;

  constructor(opts: PoolOptions, log: Logger, listener: PoolListener, events: PoolEvents = {}) {
    this.#events = events;
    this.#log = log;
    this.#listener = listener;
    [this.#opts, this.specs, this.bounds, this.#byName] = configured(opts);
    this.#target = initialTarget(opts.initialTarget, this.bounds).target;
    this.#reload = new ReloadRunner({
      workers: this.workers,
      view: () => ({ workers: this.views(), specs: this.specs, target: this.#target, broken: this.crashes.broken }),
      retire: (w) => this.retire(w),
      ended: (how) => events.reloadEnded?.(how),
      log,
    });
  }

  get target(): number {
    return this.#target;
  }

  get live(): number {
    return [...this.workers.values()].filter((w) => w.state === 'ready').length;
  }

  get brokenAppSets(): readonly string[] {
    return [...this.crashes.broken];
  }

  /** True while a worker holding `app` is starting or waiting to be respawned. */
  expectsHolder(app: string): boolean {
    for (const w of this.workers.values()) if (w.state === 'starting' && w.apps.includes(app)) return true;
    return !this.#stopping && this.#pending.some((apps) => apps.includes(app) && !this.crashes.broken.has(appSetKey(apps)));
  }

  start(): void {
    this.#tick = setInterval(() => this.#heal(), 1000);
    this.#tick.unref();
    this.lag.start();
    this.kick();
  }

  /** The one way the target changes: clamp through core/scaling, log, reconcile. */
  scale(cmd: ScaleCommand, source: string): ScaleResult {
    const result = applyScaleCommand(this.#target, cmd, this.bounds);
    this.#target = result.target;
    const line = scaleLogLine(source, result, this.bounds);
    this.#log[scaleLogLevel(result)](line);
    this.#events.scaled?.(result, source, line);
    this.kick();
    return result;
  }

  /** Coalesces bursts: any number of kicks in one tick give one reconcile pass. */
  kick(): void {
    this.#reconciler.kick();
  }

  /** Resolves once the pool matches its target with nothing starting or retiring. */
  settled(): Promise<void> {
    return this.#reconciler.settled();
  }

  views(): WorkerView[] {
    return [...this.workers.values()].map((w) => ({ id: w.id, apps: w.apps, state: w.state, inflight: this.#listener.workerLoad(w) }));
  }

  /** Stops spawning and retires every worker; resolves when all have exited. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#tick) clearInterval(this.#tick);
    if (this.#wakeTimer) clearTimeout(this.#wakeTimer);
    this.crashes.stop();
    this.lag.stop();
    this.#reconciler.run();
    await this.settled();
  }

  #isSettled(): boolean {
    if (this.#stopping) return this.workers.size === 0;
    let ready = 0;
    for (const w of this.workers.values()) {
      if (w.state !== 'ready') return false;
      ready++;
    }
    return ready === this.#target || plan(this.#desired(), this.views(), performance.now()).length === 0;
  }

  #desired(): Parameters<typeof plan>[0] {
    return {
      target: this.#target,
      specs: this.specs,
      stopping: this.#stopping,
      pendingRespawns: this.#pending,
      maxConcurrentSpawns: this.#opts.spawnConcurrency,
      backoffUntil: this.crashes.backoffUntil,
      broken: this.crashes.broken,
      replacement: this.#reload.replacement,
    };
  }

  #pass(): void {
    const now = performance.now();
    this.#reload.advance();
    this.#pending = prunePendingRespawns(this.#desired(), this.views());
    const short = this.views().filter((w) => w.state !== 'retiring').length < this.#target;
    if (!this.#stopping)
      this.crashes.probe(
        now,
        short,
        (apps) => this.#spawn(apps, now),
        this.#log,
        () => this.kick(),
      );
    const actions = plan(this.#desired(), this.views(), now);
    for (const action of actions) this.#execute(action, now);
    // A scale-down that retired the replacement or an old worker changes the reload's next step: one more pass.
    if (this.#reload.replacement && actions.some((a) => a.kind === 'retire')) this.#reconciler.run();
  }

  #execute(action: PlanAction, now: number): void {
    switch (action.kind) {
      case 'spawn':
        if (action.respawn) this.#pending = consumePendingRespawn(this.#pending, action.apps);
        if (action.replaces === undefined) this.#spawn(action.apps, now);
        else this.#reload.spawned(action.replaces, this.#spawn(action.apps, now));
        break;
      case 'retire': {
        const w = this.workers.get(action.id);
        if (w) this.retire(w);
        break;
      }
      case 'wake-at':
        if (this.#wakeTimer) clearTimeout(this.#wakeTimer);
        this.#wakeTimer = setTimeout(() => this.kick(), Math.max(0, action.at - now));
        break;
    }
  }

  #spawn(apps: readonly string[], now: number): number {
    const id = this.#nextId++;
    const specs = apps.map((name) => this.#byName.get(name)).filter((s): s is AppLoadSpec => s !== undefined);
    const worker = startPoolWorker(id, specs, this.#opts, now, {
      ready: (w) => this.#onReady(w),
      dead: (w) => this.#listener.workerRetiring(w),
      exit: (w, code, signal) => this.#onExit(w, code, signal),
      log: this.#log,
    });
    this.workers.set(id, worker);
    this.#events.spawned?.(worker);
    this.#log.info(`Spawning dirty worker ${id} (pid:${worker.process.pid}) with [${apps.join(', ')}]`);
    return id;
  }

  #onReady(w: PoolWorker): void {
    this.#log.info(`Dirty worker ${w.id} (pid:${w.process.pid}) ready with [${w.apps.join(', ')}]`);
    this.#listener.workerReady(w);
    if (this.crashes.ready(w.id)) this.#log.info(`Crash-loop breaker of [${w.apps.join(', ')}] closed: probe worker ${w.id} is ready`);
    this.#reload.ready(w);
    this.kick();
  }

  /** Drains and stops one worker: no new calls, in-flight calls finish, SIGKILL after the grace time. */
  retire(w: PoolWorker): void {
    if (this.#unroute(w)) drainWorker(w, this.#opts.gracefulTimeoutMs, this.#log);
  }

  /** The one place a worker turns 'retiring' (no longer live: the plan replaces it); the router stops routing to it. */
  #unroute(w: PoolWorker): boolean {
    if (w.state === 'retiring') return false;
    w.state = 'retiring';
    this.#listener.workerRetiring(w);
    return true;
  }

  #onExit(w: PoolWorker, code: number | null, signal: NodeJS.Signals | null): void {
    this.workers.delete(w.id);
    const how = signal ? `killed by signal ${signal}` : `exited with code ${code}`;
    const expected = w.state === 'retiring';
    if (expected) {
      this.#log.info(`Dirty worker ${w.id} (pid:${w.process.pid}) ${w.killReason === undefined ? 'retired' : 'recycled'} (${how})`);
      this.crashes.probeGone(w.id, performance.now(), false); // a probe retired on purpose: the breaker waits one more cooldown
    } else this.#onCrash(w, how);
    this.#listener.workerGone(w, code, signal);
    this.#events.exited?.(w, code, signal);
    this.kick();
  }

  #onCrash(w: PoolWorker, how: string): void {
    this.#reload.crashed(w, how);
    this.restarts++;
    if (!this.#stopping && this.crashes.crashed(w, how, performance.now(), this.#opts, this.#log)) this.#pending.push([...w.apps]);
  }

  /**
   * Rolling reload: every current worker is replaced by a fresh process (new app code), one at a
   * time (src/arbiter/reload-runner.ts); `next` (optional) carries a new config. A reload already
   * under way takes the workers on. Returns false once the pool is stopping.
   */
  reload(next?: PoolOptions): boolean {
    if (this.#stopping) return false;
    if (next) this.#reconfigure(next);
    this.crashes.reset(); // new code deserves a new chance
    const old = oldWorkers(this.views());
    this.#reload.replace(old);
    this.#log.info(`Reload: replacing ${workersText(old.length)} one at a time`);
    this.kick();
    return true;
  }

  get reloading(): { replaced: number; total: number } | null {
    return this.#reload.progress;
  }

  #reconfigure(next: PoolOptions): void {
    [this.#opts, this.specs, this.bounds, this.#byName] = configured(next);
    // New bounds may move the target: through scale like any change (logged, `scaled`: hooks, TargetStore).
    if (applyScaleCommand(this.#target, { kind: 'set', n: this.#target }, this.bounds).target !== this.#target)
      this.scale({ kind: 'set', n: this.#target }, 'config reload');
    this.#pending = this.#pending.map((apps) => apps.filter((a) => this.#byName.has(a))).filter((apps) => apps.length > 0);
  }

  /** Replaces one worker (fresh process, same apps) the way a reload does: replacement first. */
  replace(w: PoolWorker): void {
    if (this.#stopping || w.state !== 'ready') return;
    this.#reload.replace([{ id: w.id, apps: w.apps }]);
    this.kick();
  }

  /** Recycles a worker whose call ignored its cancellation: replacement planned first, then killed; not a crash. */
  recycle(w: PoolWorker, reason: string): void {
    if (w.killReason !== undefined || w.process.exited) return;
    this.recycles++;
    this.#log.warn(`Dirty worker ${w.id} (pid:${w.process.pid}) recycled: ${reason}; a replacement starts, the worker is killed`);
    if (this.#unroute(w)) this.#reconciler.run(); // the replacement is planned before the kill
    killWorker(w, reason);
  }

  /** Slow periodic pass: hung workers, init deadlines, the memory guard, and a reconcile that heals lost events. */
  #heal(): void {
    const now = performance.now();
    this.memoryRetirements += checkHealth([...this.workers.values()], now, this.#opts, this.#log, (w) => this.replace(w), this.lag.observe(now));
    this.kick();
  }
}

/** What the pool derives from its options: the options, the app specs, the bounds, the apps by name. */
function configured(o: PoolOptions): [PoolOptions, readonly AppSpec[], Bounds, ReadonlyMap<string, AppLoadSpec>] {
  const specs = o.apps.map((a) => ({ name: a.name, limit: a.limit }));
  return [o, specs, computeBounds(specs, o.maxWorkers), new Map(o.apps.map((a) => [a.name, a]))];
}
