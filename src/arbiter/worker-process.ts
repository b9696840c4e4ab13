// One forked worker process as the arbiter sees it: fork with a filtered env, the binary channel
// on stdio fd 4, the IPC control channel, and a single 'exit' report.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { AppLoadSpec } from '../worker/app-host.js';
import type { ToArbiter, WorkerBoot } from '../worker/messages.js';
import { FrameChannel } from '../net/frame-channel.js';
import type { WorkerEvents, WorkerFrameListener, WorkerHandle, WorkerSpawnOptions } from './worker-handle.js';

/**
 * What a worker runs: the one-file bundle of the worker entry that `npm run build` makes (it starts
 * faster: scripts/bundle-worker.mjs), else the entry itself (a build by tsc alone; same code).
 */
export const WORKER_ENTRY = workerEntry(fileURLToPath(new URL('../worker/', import.meta.url)));

export function workerEntry(dir: string): string {
  const bundle = join(dir, 'main.bundle.js');
  return existsSync(bundle) ? bundle : join(dir, 'main.js');
}

/**
 * A worker's requests leave the arbiter in writes of at most this many frames. With one write per turn,
 * 64 calls in flight passed along client → arbiter → worker and back as one wave, one process busy at a
 * time; split in halves, the worker runs the first while the arbiter routes the second (0.42 → 0.55 × the
 * floor's throughput, docs/benchmarks.md "Decision log"). 16 gained as much with more writes; 4 and 8 less.
 */
const REQUESTS_PER_WRITE = 32;

/**
 * Variables pm2 puts into the environment of the processes it starts (the arbiter here). A worker that
 * inherited them would carry the arbiter's pm2 identity (`pm_id`, `name`, `NODE_APP_INSTANCE`) and the
 * module's settings (`pm2-dirty`, as JSON), so workers are forked without them.
 */
const PM2_KEYS = new Set([
  'pm_id',
  'name',
  'NODE_APP_INSTANCE',
  'pmx',
  'treekill',
  'autorestart',
  'pm_exec_path',
  'pm_cwd',
  'pm_out_log_path',
  'pm_err_log_path',
  'pm_pid_path',
  'km_link',
  'vizion_running',
  'unique_id',
  'exit_code',
  'status',
  'PM2_USAGE',
  'PM2_JSON_PROCESSING',
  'axm_actions',
  'axm_monitor',
  'axm_options',
  'axm_dynamic',
  'created_at',
  'pm_uptime',
  'restart_time',
  'unstable_restarts',
  'versioning',
  'node_version',
  'version',
  'instances',
  'exec_mode',
  'exec_interpreter',
  'pm2_env',
  'windowsHide',
  'kill_retry_time',
  'username',
  'namespace',
  'filter_env',
  'merge_logs',
  'vizion',
  'watch',
  'env',
  'pm2-dirty',
  'PM2_DIRTY_CONFIG',
  'wait_ready',
  'kill_timeout',
  'listen_timeout',
  'autostart',
  'stop_exit_codes',
  'instance_var',
  'automation',
  'prev_restart_delay',
  'PM2_PROGRAMMATIC',
]);

/**
 * Node flags of a worker: the arbiter's own, plus V8's single-threaded GC unless they already say how
 * GC should use threads. A pool keeps the cores busy with its workers, and there the GC helper
 * threads cost more CPU than they save (docs/operations.md §Node flags has the measurement).
 * `--no-single-threaded-gc` in the arbiter's node_args turns this off for its workers too.
 */
export function workerExecArgv(arbiterArgv: readonly string[]): string[] {
  const decided = arbiterArgv.some((a) => /^--(no-)?(single-threaded-gc|single-threaded|parallel-scavenge|concurrent-marking)(=|$)/.test(a));
  return decided ? [...arbiterArgv] : [...arbiterArgv, '--single-threaded-gc'];
}

export function workerEnv(base: NodeJS.ProcessEnv, extra: Record<string, string>): NodeJS.ProcessEnv {
  const drop = new Set(PM2_KEYS);
  try {
    // pm2 also injects every module-config key as its own variable (workers=3, config=...).
    for (const k of Object.keys(JSON.parse(base['pm2-dirty'] ?? '{}') as object)) drop.add(k);
  } catch {
    // not JSON: nothing more to drop
  }
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!drop.has(k)) env[k] = v;
  return { ...env, ...extra };
}

/** A worker's options, as the pool passes them (the boot record the worker reads). */
export type WorkerProcessOptions = WorkerSpawnOptions;

export class WorkerProcess implements WorkerHandle {
  readonly id: number;
  readonly apps: readonly string[];
  readonly child: ChildProcess;
  readonly channel: FrameChannel;
  #exited = false;
  #onFrame: WorkerFrameListener = () => undefined;

  constructor(id: number, specs: readonly AppLoadSpec[], opts: WorkerProcessOptions, events: WorkerEvents) {
    this.id = id;
    this.apps = specs.map((s) => s.name);
    const { concurrency, heartbeatIntervalMs, configPath, hookTimeoutMs } = opts;
    const boot: WorkerBoot = { mode: 'serve', id, apps: specs, concurrency, heartbeatIntervalMs, configPath, hookTimeoutMs };
    // Linux caps process.title at the argv area: the app list in argv leaves room for the title.
    this.child = fork(WORKER_ENTRY, [`--apps=[${this.apps.join(', ')}]`], {
      execArgv: workerExecArgv(process.execArgv),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
      env: workerEnv(process.env, { PM2_DIRTY_WORKER: JSON.stringify(boot), PM2_DIRTY_SOCKET: opts.socketPath }),
      serialization: 'json',
    });
    const sock = this.child.stdio[4] as Socket;
    this.channel = new FrameChannel(
      sock,
      (type, requestId, buf, start, end) => this.#onFrame(type, requestId, buf, start, end),
      (err) => {
        console.error(`pm2-dirty: channel of worker ${id} failed: ${err.message}`);
        this.kill('SIGKILL');
      },
      {
        onPieces: (type, requestId, pieces, n) => this.#onFrame(type, requestId, pieces, 0, n),
        // The requests of every client read in one turn of the event loop leave together, in writes of at
        // most 32 frames: the worker starts on the first ones while the arbiter routes the rest.
        flushAt: 'turn',
        maxFrames: REQUESTS_PER_WRITE,
      },
    );
    this.child.on('message', (msg: ToArbiter) => {
      if (msg.t === 'ready') events.onReady(msg.pid);
      else if (msg.t === 'hb') events.onBeat(msg);
      else if (msg.t === 'init-failed') events.onInitFailed(msg.error.message);
    });
    this.child.on('error', (err) => console.error(`pm2-dirty: worker ${id}: ${err.message}`));
    // Report the exit only after the channel has delivered everything the worker wrote before
    // dying: an answer already in the socket must reach its caller, not become a DirtyWorkerError.
    const channelClosed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
    this.child.on('exit', (code, signal) => {
      if (this.#exited) return;
      this.#exited = true;
      events.onDead();
      let timer: NodeJS.Timeout | undefined;
      const drained = new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)));
      void Promise.race([channelClosed, drained]).then(() => {
        clearTimeout(timer);
        this.channel.destroy();
        events.onExit(code, signal);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): boolean {
    return this.#exited;
  }

  onFrame(fn: WorkerFrameListener): void {
    this.#onFrame = fn;
  }

  whenExited(fn: () => void): void {
    if (this.#exited) fn();
    else this.child.once('exit', fn);
  }

  /** Asks the worker to finish its calls, close its apps and exit. */
  retire(): void {
    if (this.child.connected) this.child.send({ t: 'retire' });
    else this.kill('SIGTERM');
  }

  kill(signal: NodeJS.Signals): void {
    if (!this.#exited) this.child.kill(signal);
  }
}
