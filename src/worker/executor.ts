// Runs the requests a worker receives: up to `concurrency` at once, the rest waiting in arrival
// order; streams generators as CHUNK...END; honours CANCEL; answers each id at most once.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { runWithContext } from '../app/index.js';
import { toWire, DirtyAppNotFoundError, isDirtyError } from '../errors.js';
import { decodeValue } from '../protocol/tlv.js';
import { encodeChunk, encodeEnd, encodeError, encodeResponse, parseRequest } from '../protocol/messages.js';
import { resolveAction, type LoadedApp } from './app-host.js';

/** Where answers go: writes one frame (a chunk list); resolves when the channel can take more. */
export interface FrameSink {
  write(chunks: readonly Buffer[]): Promise<void> | undefined;
}

interface Job {
  readonly id: bigint;
  readonly payload: Buffer;
  readonly abort: AbortController;
}

type AnyGen = Generator<unknown, unknown, unknown> | AsyncGenerator<unknown, unknown, unknown>;

function isGenerator(v: unknown): v is AnyGen {
  const tag = Object.prototype.toString.call(v);
  return tag === '[object Generator]' || tag === '[object AsyncGenerator]';
}

export class Executor {
  readonly #apps: ReadonlyMap<string, LoadedApp>;
  readonly #sink: FrameSink;
  readonly #concurrency: number;
  readonly #waiting: Job[] = [];
  readonly #jobs = new Map<bigint, Job>();
  #running = 0;
  #idleWaiters: (() => void)[] = [];
  served = 0;

  constructor(apps: ReadonlyMap<string, LoadedApp>, sink: FrameSink, concurrency: number) {
    this.#apps = apps;
    this.#sink = sink;
    this.#concurrency = concurrency;
  }

  get inflight(): number {
    return this.#jobs.size;
  }

  onRequest(id: bigint, payload: Buffer): void {
    const job: Job = { id, payload, abort: new AbortController() };
    this.#jobs.set(id, job);
    this.#waiting.push(job);
    this.#pump();
  }

  /** Abandons a call: a waiting one is dropped, a running one is aborted and its answer suppressed. */
  onCancel(id: bigint): void {
    const job = this.#jobs.get(id);
    if (!job) return;
    this.#jobs.delete(id);
    const i = this.#waiting.indexOf(job);
    if (i >= 0) this.#waiting.splice(i, 1);
    job.abort.abort(new Error('call cancelled'));
    this.#checkIdle();
  }

  /** Resolves when no call is waiting or running. */
  idle(): Promise<void> {
    if (this.#jobs.size === 0 && this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    while (this.#running < this.#concurrency && this.#waiting.length > 0) {
      const job = this.#waiting.shift();
      if (!job) break;
      this.#running++;
      void this.#run(job).finally(() => {
        this.#running--;
        this.#jobs.delete(job.id);
        this.served++;
        this.#pump();
        this.#checkIdle();
      });
    }
  }

  #checkIdle(): void {
    if (this.#jobs.size > 0 || this.#running > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  async #send(job: Job, chunks: readonly Buffer[]): Promise<void> {
    if (job.abort.signal.aborted) return;
    await this.#sink.write(chunks);
  }

  async #run(job: Job): Promise<void> {
    let appPath = '';
    let action = '';
    try {
      const req = parseRequest(decodeValue(job.payload));
      appPath = req.appPath;
      action = req.action;
      const app = this.#apps.get(appPath);
      if (!app) throw new DirtyAppNotFoundError(`App not found in this worker: ${appPath}`, { app_path: appPath });
      const fn = resolveAction(app, action);
      if (isDirtyError(fn)) throw fn;
      const args = Object.keys(req.kwargs).length > 0 ? [...req.args, req.kwargs] : req.args;
      const ctx = { signal: job.abort.signal, app: appPath, action };
      const result: unknown = await runWithContext(ctx, () => fn.apply(app.instance, args));
      if (isGenerator(result)) await this.#stream(job, result, ctx);
      else await this.#send(job, encodeResponse(job.id, result));
    } catch (err) {
      await this.#send(job, encodeError(job.id, toWire(err, { app_path: appPath, action })));
    }
  }

  async #stream(job: Job, gen: AnyGen, ctx: { signal: AbortSignal; app: string; action: string }): Promise<void> {
    let n = 0;
    try {
      for (;;) {
        if (job.abort.signal.aborted) break;
        const step = await runWithContext(ctx, () => gen.next());
        if (step.done === true) break;
        await this.#send(job, encodeChunk(job.id, step.value));
        // A sync generator never yields to the loop by itself: let heartbeats and CANCELs in.
        if (++n % 64 === 0) await yieldToLoop();
      }
    } finally {
      if (job.abort.signal.aborted) await gen.return(undefined);
    }
    await this.#send(job, encodeEnd(job.id));
  }
}
