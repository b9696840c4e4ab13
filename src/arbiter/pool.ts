// The supervised pool: the worker table, the one target, and a single-flight reconciler that
// carries out core/reconcile's plan (spawn, retire, backoff timers) and heals on a slow tick.
import { performance } from 'node:perf_hooks';
import { appSetKey } from '../core/allocation.js';
import { consumePendingRespawn, plan, prunePendingRespawns } from '../core/reconcile.js';
import { decideRestart, pruneCrashes } from '../core/restart-policy.js';
import { applyScaleCommand, computeBounds, initialTarget, scaleLogLevel, scaleLogLine } from '../core/scaling.js';
import { findHung } from '../core/liveness.js';
import type { AppSpec, Bounds, PlanAction, ScaleCommand, ScaleResult, WorkerState, WorkerView } from '../core/types.js';
import type { AppLoadSpec } from '../worker/app-host.js';
import { WorkerProcess } from './worker-process.js';
import type { Frame } from '../protocol/frame.js';
import type { Logger } from './logger.js';

export interface PoolOptions {
  readonly apps: readonly (AppLoadSpec & { readonly limit: number | null })[];
  readonly initialTarget: number;
  readonly maxWorkers: number;
  readonly concurrency: number;
  readonly spawnConcurrency: number;
  readonly gracefulTimeoutMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly socketPath: string;
  readonly restart: { readonly baseDelayMs: number; readonly maxDelayMs: number; readonly maxCrashes: number; readonly windowMs: number };
}

export interface PoolWorker {
  readonly id: number;
  readonly process: WorkerProcess;
  readonly apps: readonly string[];
  state: WorkerState;
  readonly spawnedAt: number;
  lastBeatAt: number;
  inflight: number;
  served: number;
  rss: number;
}

/** What the router needs to hear from the pool. */
export interface PoolListener {
  workerReady(w: PoolWorker): void;
  workerRetiring(w: PoolWorker): void;
  workerGone(w: PoolWorker, code: number | null, signal: NodeJS.Signals | null): void;
  workerFrame(w: PoolWorker, frame: Frame): void;
}

export class Pool {
  readonly specs: readonly AppSpec[];
  readonly bounds: Bounds;
  readonly workers = new Map<number, PoolWorker>();
  #target: number;
  #stopping = false;
  #nextId = 1;
  #pending: (readonly string[])[] = [];
  readonly #crashes = new Map<string, number[]>();
  readonly #backoffUntil = new Map<string, number>();
  readonly #broken = new Set<string>();
  readonly #opts: PoolOptions;
  readonly #log: Logger;
  readonly #listener: PoolListener;
  readonly #byName: ReadonlyMap<string, AppLoadSpec>;
  #kickScheduled = false;
  #running = false;
  #again = false;
  #wakeTimer: NodeJS.Timeout | undefined;
  #tick: NodeJS.Timeout | undefined;
  #settleWaiters: (() => void)[] = [];
  restarts = 0;

  constructor(opts: PoolOptions, log: Logger, listener: PoolListener) {
    this.#opts = opts;
    this.#log = log;
    this.#listener = listener;
    this.specs = opts.apps.map((a) => ({ name: a.name, limit: a.limit }));
    this.bounds = computeBounds(this.specs, opts.maxWorkers);
    this.#target = initialTarget(opts.initialTarget, this.bounds).target;
    this.#byName = new Map(opts.apps.map((a) => [a.name, a]));
  }

  get target(): number {
    return this.#target;
  }

  get live(): number {
    let n = 0;
    for (const w of this.workers.values()) if (w.state === 'ready') n++;
    return n;
  }

  get brokenAppSets(): readonly string[] {
    return [...this.#broken];
  }

  /** True while a worker holding `app` is starting or waiting to be respawned. */
  expectsHolder(app: string): boolean {
    for (const w of this.workers.values()) if (w.state === 'starting' && w.apps.includes(app)) return true;
    return !this.#stopping && this.#pending.some((apps) => apps.includes(app) && !this.#broken.has(appSetKey(apps)));
  }

  start(): void {
    this.#tick = setInterval(() => this.#heal(), 1000);
    this.#tick.unref();
    this.kick();
  }

  /** The one way the target changes: clamp through core/scaling, log, reconcile. */
  scale(cmd: ScaleCommand, source: string): ScaleResult {
    const result = applyScaleCommand(this.#target, cmd, this.bounds);
    this.#target = result.target;
    this.#log[scaleLogLevel(result)](scaleLogLine(source, result, this.bounds));
    this.kick();
    return result;
  }

  /** Coalesces bursts: any number of kicks in one tick give one reconcile pass. */
  kick(): void {
    if (this.#kickScheduled) return;
    this.#kickScheduled = true;
    setImmediate(() => {
      this.#kickScheduled = false;
      this.#reconcile();
    });
  }

  /** Resolves once the pool matches its target with nothing starting or retiring. */
  settled(): Promise<void> {
    if (this.#isSettled()) return Promise.resolve();
    return new Promise((resolve) => this.#settleWaiters.push(resolve));
  }

  views(): WorkerView[] {
    return [...this.workers.values()].map((w) => ({ id: w.id, apps: w.apps, state: w.state, inflight: w.inflight }));
  }

  /** Stops spawning and retires every worker; resolves when all have exited. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#tick) clearInterval(this.#tick);
    if (this.#wakeTimer) clearTimeout(this.#wakeTimer);
    this.#reconcile();
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
      backoffUntil: this.#backoffUntil,
      broken: this.#broken,
    };
  }

  #reconcile(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      do {
        this.#again = false;
        const now = performance.now();
        this.#pending = prunePendingRespawns(this.#desired(), this.views());
        for (const action of plan(this.#desired(), this.views(), now)) this.#execute(action, now);
      } while (this.#again);
    } finally {
      this.#running = false;
    }
    if (this.#isSettled()) {
      const waiters = this.#settleWaiters;
      this.#settleWaiters = [];
      for (const w of waiters) w();
    }
  }

  #execute(action: PlanAction, now: number): void {
    switch (action.kind) {
      case 'spawn':
        if (action.respawn) this.#pending = consumePendingRespawn(this.#pending, action.apps);
        this.#spawn(action.apps, now);
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

  #spawn(apps: readonly string[], now: number): void {
    const id = this.#nextId++;
    const specs = apps.map((name) => this.#byName.get(name)).filter((s): s is AppLoadSpec => s !== undefined);
    const o = this.#opts;
    let worker: PoolWorker | undefined = undefined;
    const proc = new WorkerProcess(id, specs, { concurrency: o.concurrency, heartbeatIntervalMs: Math.max(100, Math.min(1000, o.heartbeatTimeoutMs / 4 || 1000)), socketPath: o.socketPath }, {
      onReady: () => {
        if (!worker || worker.state !== 'starting') return;
        worker.state = 'ready';
        worker.lastBeatAt = performance.now();
        this.#log.info(`Dirty worker ${id} (pid:${proc.pid}) ready with [${apps.join(', ')}]`);
        this.#listener.workerReady(worker);
        this.kick();
      },
      onInitFailed: (message) => this.#log.error(`Dirty worker ${id} (pid:${proc.pid}) failed to boot: ${message}`),
      onBeat: (msg) => {
        if (!worker) return;
        worker.lastBeatAt = performance.now();
        worker.rss = msg.rss;
      },
      onFrame: (frame) => {
        if (worker) this.#listener.workerFrame(worker, frame);
      },
      onExit: (code, signal) => {
        if (worker) this.#onExit(worker, code, signal);
      },
    });
    worker = { id, process: proc, apps, state: 'starting', spawnedAt: now, lastBeatAt: now, inflight: 0, served: 0, rss: 0 };
    this.workers.set(id, worker);
    this.#log.info(`Spawning dirty worker ${id} (pid:${proc.pid}) with [${apps.join(', ')}]`);
  }

  /** Drains and stops one worker: no new calls, in-flight calls finish, SIGKILL after the grace time. */
  retire(w: PoolWorker): void {
    if (w.state === 'retiring') return;
    w.state = 'retiring';
    this.#listener.workerRetiring(w);
    w.process.retire();
    const timer = setTimeout(() => {
      this.#log.warn(`Dirty worker ${w.id} (pid:${w.process.pid}) did not stop within ${this.#opts.gracefulTimeoutMs} ms; sending SIGKILL`);
      w.process.kill('SIGKILL');
    }, this.#opts.gracefulTimeoutMs);
    timer.unref();
    w.process.child.once('exit', () => clearTimeout(timer));
  }

  #onExit(w: PoolWorker, code: number | null, signal: NodeJS.Signals | null): void {
    this.workers.delete(w.id);
    const how = signal ? `killed by signal ${signal}` : `exited with code ${code}`;
    const expected = w.state === 'retiring';
    if (expected) this.#log.info(`Dirty worker ${w.id} (pid:${w.process.pid}) retired (${how})`);
    else this.#onCrash(w, how);
    this.#listener.workerGone(w, code, signal);
    this.kick();
  }

  #onCrash(w: PoolWorker, how: string): void {
    const now = performance.now();
    const key = appSetKey(w.apps);
    const o = this.#opts.restart;
    const times = [...pruneCrashes(this.#crashes.get(key) ?? [], now, o.windowMs), now];
    this.#crashes.set(key, times);
    const decision = decideRestart(times, now, o);
    this.restarts++;
    if (this.#stopping) return;
    if (decision.broken) {
      this.#broken.add(key);
      this.#log.error(`Dirty worker ${w.id} (pid:${w.process.pid}) ${how}; [${w.apps.join(', ')}] crashed ${decision.recent} times in ${o.windowMs} ms: not respawning it (crash-loop breaker open)`);
      return;
    }
    this.#backoffUntil.set(key, now + decision.delayMs);
    this.#pending.push([...w.apps]);
    this.#log.warn(`Dirty worker ${w.id} (pid:${w.process.pid}) ${how}${w.state === 'starting' ? ' before it was ready' : ''}; respawning [${w.apps.join(', ')}] in ${Math.round(decision.delayMs)} ms`);
  }

  /** Slow periodic pass: kill hung workers, heal lost events. */
  #heal(): void {
    const now = performance.now();
    const hung = findHung([...this.workers.values()], now, this.#opts.heartbeatTimeoutMs);
    for (const id of hung) {
      const w = this.workers.get(id);
      if (!w) continue;
      this.#log.error(`Dirty worker ${id} (pid:${w.process.pid}) missed heartbeats for ${Math.round(now - w.lastBeatAt)} ms (event loop blocked); killing it`);
      w.process.kill('SIGKILL');
    }
    this.kick();
  }
}
