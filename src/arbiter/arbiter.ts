// The dirty arbiter: wires the pool (workers and target), the router (calls), the socket server
// and the stash; start() listens and brings up the initial workers, stop() drains in order.
import { performance } from 'node:perf_hooks';
import type { ScaleCommand, ScaleResult } from '../core/types.js';
import { scaleLogLine, workersText } from '../core/scaling.js';
import { DirtyError } from '../errors.js';
import { ManageOp } from '../protocol/constants.js';
import { defaultSocketPath, loadConfig, type LoadedConfig } from '../config/load.js';
import { dirname, join } from 'node:path';
import { runHook } from '../config/hooks.js';
import { probeApps } from './probe-apps.js';
import { TargetStore } from './target-store.js';
import { Autoscaler } from './autoscaler.js';
import type { PoolWorker } from './pool-types.js';
import { describeConfigChanges } from '../config/diff.js';
import { StashStore } from '../stash/store.js';
import { StashRunner } from './stash-runner.js';
import type { Logger } from './logger.js';
import { poolOptions } from './pool-options.js';
import type { ReloadReply, ScaleReply } from './replies.js';

import { Pool } from './pool.js';
import { Router } from './router.js';
import { ArbiterServer } from './server.js';
import { claimSocketPath, listenPrivately, releaseSocketPath } from './socket-file.js';
import { buildStatus, type ArbiterStatus } from './status.js';
import { recycleStuck } from './stuck-calls.js';
import { serveMetrics } from './prometheus.js';
import { describeManage } from './control-decode.js';
import type { Server as HttpServer } from 'node:http';

export class Arbiter {
  config: LoadedConfig;
  readonly pool: Pool;
  readonly router: Router;
  readonly server: ArbiterServer;
  readonly stash: StashStore;
  readonly #log: Logger;
  readonly #knownApps: Set<string>;
  readonly #targets: TargetStore | null;
  readonly autoscaler: Autoscaler | null;
  #sweep: NodeJS.Timeout | undefined;
  #stuck: NodeJS.Timeout | undefined;
  #metrics: HttpServer | undefined;
  #stopping: Promise<void> | undefined;
  /** A reload is reading its config; a reload asked for meanwhile (or during the pool's reload) is queued. */
  #reloadBusy = false;
  reloadQueued = false;

  constructor(config: LoadedConfig, log: Logger) {
    this.config = config;
    this.#log = log;
    const c = config;
    this.#knownApps = new Set(c.resolvedApps.map((a) => a.name));
    this.stash = new StashStore(
      {
        maxTables: c.stashMaxTables,
        maxKeysPerTable: c.stashMaxKeysPerTable,
        maxTotalBytes: c.stashMaxBytes,
        maxKeyBytes: c.stashMaxKeyBytes,
        maxPatternBytes: c.stashMaxPatternBytes,
      },
      { keepViews: true },
    );
    const stash = new StashRunner(this.stash, () => performance.now());
    this.router = new Router({
      concurrency: c.concurrency,
      maxQueue: c.maxQueue,
      timeoutMs: c.timeoutMs,
      streamStallTimeoutMs: c.streamStallTimeoutMs,
      knownApps: this.#knownApps,
      expectsHolder: (app) => this.pool.expectsHolder(app),
      now: () => performance.now(),
    });
    this.#targets = c.persistTarget ? new TargetStore(join(dirname(defaultSocketPath(process.env)), 'target.json'), c.socketPath) : null;
    this.pool = new Pool(poolOptions(c), log, this.router, {
      spawned: (w) => void this.#hook('dirtyPostFork', this.#info(), workerInfo(w)),
      exited: (w) => void this.#hook('dirtyWorkerExit', this.#info(), workerInfo(w)),
      reloadEnded: () => this.#runQueuedReload(),
      scaled: (r, source, message) => {
        if (r.target !== r.previous) void this.#targets?.save(r.target);
        void this.#hook('onScale', { source, target: r.target, previous: r.previous, clampedBy: r.clampedBy ?? null, reason: message });
      },
    });
    const router = this.router;
    const load = {
      get queued() {
        return router.queued;
      },
      takeMaxQueueWait: () => router.stats.takeMaxWait(),
    };
    this.autoscaler = c.autoscaleConfig ? new Autoscaler(c.autoscaleConfig, this.pool, load) : null;
    this.server = new ArbiterServer(
      this.router,
      {
        status: () => this.status(),
        manage: (payload) => this.manage(payload),
        stash: (payload) => stash.run(payload),
        stashFrame: { maxEntries: c.stashMaxEntries, maxStrBytes: c.stashMaxStrBytes },
      },
      c.frameStallTimeoutMs,
    );
  }

  /** Listens on the socket and resolves once the initial workers are ready. */
  async start(): Promise<void> {
    await this.#hook('onDirtyStarting', this.#info());
    await this.#restoreTarget();
    const path = this.config.socketPath;
    await claimSocketPath(path);
    await listenPrivately(this.server.server, path);
    this.#log.info(`Dirty arbiter listening on ${path} (pid:${process.pid})`);
    const listen = this.config.metricsListen;
    if (listen !== undefined) {
      // The pool serves without its metrics endpoint rather than not at all (a port in use, say).
      await serveMetrics(this, listen).then(
        (server) => {
          this.#metrics = server;
          // The port really bound (`:0` asks for any free one).
          const address = server.address();
          const where = typeof address === 'object' && address !== null ? listen.replace(/:\d+$/, `:${address.port}`) : listen;
          this.#log.info(`Prometheus metrics on http://${where}/metrics`);
        },
        (err: unknown) => this.#log.error(`metricsListen ${listen}: cannot listen (${(err as Error).message}); serving without the metrics endpoint`),
      );
    }
    this.#sweep = setInterval(() => {
      this.stash.sweep(performance.now(), 1000);
    }, 1000);
    this.#sweep.unref();
    // Calls that ignore their cancellation: checked 4 times a second, so a recycle follows cancelGraceMs closely.
    this.#stuck = setInterval(() => {
      const now = performance.now();
      recycleStuck(this.router.abandoned, now, this.config.cancelGraceMs, this.pool.lag.observe(now), (w, why) => this.pool.recycle(w, why));
    }, 250);
    this.#stuck.unref();
    this.pool.start();
    this.autoscaler?.start();
    await this.pool.settled();
  }

  scale(cmd: ScaleCommand, source: string): ScaleReply {
    if (this.#stopping) {
      const b = this.pool.bounds;
      return {
        ok: false,
        target: this.pool.target,
        previous: this.pool.target,
        live: this.pool.live,
        minimum: b.minimum,
        maximum: b.maximum,
        message: 'the arbiter is stopping',
      };
    }
    const r = this.pool.scale(cmd, source);
    this.autoscaler?.noteManual();
    // `ok` means the target is now what was asked for; a request cut at a bound is refused (in part or
    // in full): `ok: false`, with `clampedBy` and the target it did reach.
    return this.reply(r, r.clampedBy === undefined);
  }

  reply(r: ScaleResult, ok: boolean, message?: string): ScaleReply {
    const b = this.pool.bounds;
    const text = message ?? scaleLogLine('', r, b).slice(2); // the log line's wording, without a source
    return { ok, ...r, live: this.pool.live, minimum: b.minimum, maximum: b.maximum, message: text };
  }

  /**
   * SIGHUP / `pm2 trigger pm2-dirty reload`: re-reads the config (a bad one is refused and the
   * pool keeps running as it is) and replaces every worker, one at a time, with a fresh process.
   */
  async reload(): Promise<ReloadReply> {
    if (this.#stopping) return { ok: false, message: 'the arbiter is stopping', changes: [] };
    if (this.#reloadBusy || this.pool.reloading) return this.#queueReload();
    this.#reloadBusy = true;
    try {
      return await this.#reload();
    } finally {
      this.#reloadBusy = false;
      if (!this.pool.reloading) this.#runQueuedReload();
    }
  }

  /** A reload asked for during another one runs once that one ends: logged, never dropped. */
  #queueReload(): ReloadReply {
    const r = this.pool.reloading;
    const where = r ? `${r.replaced}/${r.total} workers replaced` : 'reading the config';
    const what = this.reloadQueued ? 'one is already queued' : 'queued';
    this.#log.warn(`Reload requested while a reload is in progress (${where}): ${what}; it runs once the current one ends`);
    this.reloadQueued = true;
    return { ok: true, message: `a reload is in progress (${where}); this one is queued and runs once it ends`, changes: [] };
  }

  #runQueuedReload(): void {
    if (!this.reloadQueued || this.#stopping) return;
    this.reloadQueued = false;
    this.#log.info('Reload: starting the queued reload');
    void this.reload();
  }

  async #reload(): Promise<ReloadReply> {
    const next = await loadConfig(probeApps, process.env);
    if (!next.ok) {
      for (const e of next.errors) this.#log.error(`reload refused, bad config: ${e}`);
      return { ok: false, message: `reload refused: ${next.errors.join('; ')}`, changes: [] };
    }
    const changes = describeConfigChanges(this.config, next.config);
    for (const line of changes) this.#log.info(`Reload: config change: ${line}`);
    this.config = { ...next.config, socketPath: this.config.socketPath };
    const known = this.#knownApps;
    known.clear();
    for (const a of next.config.resolvedApps) known.add(a.name);
    const started = this.pool.reload(poolOptions(this.config));
    const total = [...this.pool.workers.values()].filter((w) => w.state !== 'retiring').length;
    return started
      ? { ok: true, message: `reloading ${workersText(total)} one at a time`, changes }
      : { ok: false, message: 'a reload is already in progress', changes };
  }

  async #restoreTarget(): Promise<void> {
    if (!this.#targets) return;
    const saved = await this.#targets.load(this.pool.bounds.minimum, this.pool.bounds.maximum);
    if (saved === null) return;
    if ('warning' in saved) this.#log.warn(`persistTarget: ${saved.warning}`);
    else this.pool.scale({ kind: 'set', n: saved.target }, 'remembered target');
  }

  #hook(name: keyof LoadedConfig['hookFns'], ...args: unknown[]): Promise<void> {
    return runHook(name, this.config.hookFns[name], args, this.config.hookTimeoutMs, this.#log);
  }

  /** What hooks see of the arbiter. */
  #info(): { pid: number; socketPath: string; configPath: string; target: number; live: number; minimum: number; maximum: number } {
    const p = this.pool as Pool | undefined; // onDirtyStarting may run before the pool has workers
    return {
      pid: process.pid,
      socketPath: this.config.socketPath,
      configPath: this.config.configPath,
      target: p?.target ?? 0,
      live: p?.live ?? 0,
      minimum: p?.bounds.minimum ?? 0,
      maximum: p?.bounds.maximum ?? 0,
    };
  }

  status(): ArbiterStatus {
    return buildStatus(this, performance.now());
  }

  /**
   * MANAGE (0x12) from the socket: {op: 1 add | 2 remove | 3 set, count} scales (gunicorn's add and
   * remove, our set); {op: 4 reload} starts a rolling reload and answers like `reload()`.
   */
  manage(payload: unknown): (ScaleReply & { target_workers: number; total_workers: number }) | Promise<ReloadReply> {
    const p = (payload ?? {}) as Record<string, unknown>;
    const op = p['op'];
    if (op === ManageOp.RELOAD) return this.reload();
    const count = p['count'] ?? 1;
    const kind = op === ManageOp.ADD ? 'add' : op === ManageOp.REMOVE ? 'remove' : op === ManageOp.SET ? 'set' : null;
    if (kind === null || typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
      const expected = '{op: 1 (add) | 2 (remove) | 3 (set), count: non-negative integer} or {op: 4 (reload)}';
      throw new DirtyError(`MANAGE expects ${expected}, got ${describeManage(payload)}`);
    }
    const r = this.scale({ kind, n: count }, `manage ${kind}`);
    return { ...r, target_workers: r.target, total_workers: r.live };
  }

  /** Ordered shutdown: stop accepting, drain and retire every worker, close clients, remove the socket. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#log.info(`Dirty arbiter stopping: draining ${workersText(this.pool.workers.size)} (up to ${this.config.gracefulTimeoutMs} ms)`);
    if (this.#sweep) clearInterval(this.#sweep);
    if (this.#stuck) clearInterval(this.#stuck);
    this.autoscaler?.stop();
    this.#metrics?.close();
    const closing = this.server.close();
    const stopped = this.pool.stop();
    this.router.failOrphanedQueue();
    await stopped;
    this.server.destroyAll();
    await closing;
    await releaseSocketPath(this.config.socketPath);
    this.#log.info(`Dirty arbiter exiting (pid:${process.pid})`);
  }
}

function workerInfo(w: PoolWorker): { id: number; pid: number | null; apps: readonly string[] } {
  return { id: w.id, pid: w.process.pid ?? null, apps: w.apps };
}
