// Runs the requests a worker receives: up to `concurrency` at once, the rest waiting in arrival
// order; streams generators as CHUNK...END under per-stream credit (CREDIT); honours CANCEL. Every request id gets exactly one final
// frame (RESPONSE, ERROR or END), a cancelled one included: the arbiter holds the worker slot of an
// abandoned call until that frame says the call has really stopped here. A CANCEL for id 0 (the
// fence) means "no REQUEST follows on this channel": a retiring worker drains only after it, so a
// request already on its way when the arbiter decided to retire the worker is still run.
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { CallContext } from '../app/index.js';
import { DirtyAbortError, DirtyAppNotFoundError, isDirtyError, type WireError } from '../errors.js';
import { FENCE_ID } from '../protocol/constants.js';
import type { FrameOut } from '../protocol/frame-batch.js';
import type { RequestId } from '../protocol/header.js';
import { decodeRequest, writeChunk, writeEnd, writeError, writeResponse } from '../protocol/messages.js';
import { resolveAction, type LoadedApp } from './app-host.js';
import { SendCredit } from '../core/stream-window.js';
import { unencodable, writeFailure } from './failure-frames.js';
import { contextOf, invoke, isGenerator, isThenable, step, type AnyGen, type Cancellable } from './invoke.js';

/**
 * Where answers go (FrameOut with backpressure): each call queues one frame and returns a promise
 * only when the channel wants the writer to wait. An unencodable value throws and queues nothing.
 */
export type FrameSink = FrameOut<Promise<void> | undefined>;

/** How a job ends (see Executor#final). */
type Outcome = 'response' | 'end' | 'error' | 'cancelled';

interface Job extends Cancellable {
  readonly id: RequestId;
  /** The REQUEST payload is `buf[start, end)`. */
  readonly buf: Buffer;
  readonly start: number;
  readonly end: number;
  /** A stream's credit (made at its first chunk, or by an early CREDIT). */
  credit?: SendCredit;
  /** Set while the stream waits for credit: CREDIT or CANCEL wakes it. */
  wake?: (() => void) | undefined;
}

const CANCELLED: WireError = new DirtyAbortError('call cancelled').toWire();

/** Without a fence (a SIGTERM from outside the arbiter), how long `idle()` waits for stragglers. */
export const FENCE_GRACE_MS = 1000;

export class Executor {
  readonly #apps: ReadonlyMap<string, LoadedApp>;
  readonly #sink: FrameSink;
  readonly #concurrency: number;
  readonly #waiting: Job[] = [];
  /** Jobs that went on asynchronously (a sync call starts and ends inside #pump, unseen by CANCEL). */
  readonly #started: Job[] = [];
  #running = 0;
  #pumping = false;
  #idleWaiters: (() => void)[] = [];
  /** The fence arrived, or its grace time ran out: no REQUEST is expected any more. */
  #fenced = false;
  served = 0;

  constructor(apps: ReadonlyMap<string, LoadedApp>, sink: FrameSink, concurrency: number) {
    this.#apps = apps;
    this.#sink = sink;
    this.#concurrency = concurrency;
  }

  get inflight(): number {
    return this.#waiting.length + this.#running;
  }

  /** A REQUEST whose payload is `buf[start, end)`. */
  onRequest(id: RequestId, buf: Buffer, start = 0, end = buf.length): void {
    const job: Job = { id, buf, start, end, cancelled: false, controller: undefined, reason: undefined };
    this.#waiting.push(job);
    this.#pump();
  }

  /**
   * Abandons a call: a waiting one is dropped at once, a running one is aborted (its signal fires)
   * and its chunks suppressed; either way its final frame is a "call cancelled" ERROR, sent once it
   * has stopped. An id that already got its final frame is ignored.
   */
  onCancel(id: RequestId): void {
    if (BigInt(id) === FENCE_ID) {
      this.#fenced = true;
      this.#checkIdle();
      return;
    }
    // Linear searches: a few jobs at most are waiting or running, and CANCEL is rare (no Map churn per call).
    const i = this.#waiting.findIndex((j) => j.id === id);
    const job = i >= 0 ? this.#waiting[i] : this.#started.find((j) => j.id === id);
    if (!job || job.cancelled) return;
    job.cancelled = true;
    job.reason = new DirtyAbortError('call cancelled');
    job.controller?.abort(job.reason);
    job.wake?.();
    if (i < 0) return; // running: #run sends the final frame when it returns
    this.#waiting.splice(i, 1);
    void this.#final(job, 'cancelled', undefined);
    this.#checkIdle();
  }

  /**
   * CREDIT from the arbiter: the stream `id` may send `n` more chunks. A generator waiting for credit
   * goes on; one whose reader is slow waits alone, the worker's other calls are not held up.
   */
  onCredit(id: RequestId, n: number): void {
    const job = this.#started.find((j) => j.id === id) ?? this.#waiting.find((j) => j.id === id);
    if (!job || job.cancelled) return;
    (job.credit ??= new SendCredit()).add(n);
    const wake = job.wake;
    job.wake = undefined;
    wake?.();
  }

  /**
   * Resolves when no call is waiting or running and none is on its way: after the arbiter's fence,
   * or, without one, `FENCE_GRACE_MS` after this call.
   */
  idle(): Promise<void> {
    if (!this.#fenced) {
      setTimeout(() => {
        this.#fenced = true;
        this.#checkIdle();
      }, FENCE_GRACE_MS).unref();
    }
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#checkIdle();
    });
  }

  /** Starts waiting jobs while slots are free; a job that ends synchronously frees its slot in the loop. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#running < this.#concurrency && this.#waiting.length > 0) {
        const job = this.#waiting.shift();
        if (!job) break;
        this.#running++;
        const pending = this.#run(job);
        if (pending === undefined) this.#ended();
        else {
          this.#started.push(job);
          void pending.then(() => {
            this.#started.splice(this.#started.indexOf(job), 1);
            this.#ended();
            this.#pump();
          });
        }
      }
    } finally {
      this.#pumping = false;
    }
    this.#checkIdle();
  }

  #ended(): void {
    this.#running--;
    this.served++;
  }

  #checkIdle(): void {
    if (this.#waiting.length > 0 || this.#running > 0 || !this.#fenced || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * The one final frame of a job: its RESPONSE (`value` the result), the END of its stream, or the
   * ERROR of `value`; once the job was cancelled, always the "call cancelled" ERROR. A result that
   * cannot be encoded (nothing of it was queued) becomes an ERROR saying why.
   */
  #final(job: Job, outcome: Outcome, value: unknown, appPath = '', action = ''): Promise<void> | undefined {
    const sink = this.#sink;
    const { id } = job;
    if (job.cancelled || outcome === 'cancelled') return settled(writeError(sink, id, CANCELLED));
    try {
      if (outcome === 'response') return settled(writeResponse(sink, id, value));
      if (outcome === 'end') return settled(writeEnd(sink, id));
      return settled(writeFailure(sink, id, value, { app_path: appPath, action }));
    } catch (err) {
      return settled(writeFailure(sink, id, unencodable(err), { app_path: appPath, action }));
    }
  }

  /**
   * Never rejects: whatever happens, the job gets its final frame. A sync action that returns a
   * plain value is answered here and now (undefined: no promise at all); the rest continue async.
   */
  #run(job: Job): Promise<void> | undefined {
    let appPath = '';
    let action = '';
    let ctx: CallContext;
    let result: unknown;
    try {
      const req = decodeRequest(job.buf, job.start, job.end);
      appPath = req.appPath;
      action = req.action;
      const app = this.#apps.get(appPath);
      if (!app) throw new DirtyAppNotFoundError(`App not found in this worker: ${appPath}`, { app_path: appPath });
      const fn = resolveAction(app, action);
      if (isDirtyError(fn)) throw fn;
      const args = hasKeys(req.kwargs) ? [...req.args, req.kwargs] : req.args;
      ctx = contextOf(job, appPath, action);
      result = invoke(fn, app.instance, args, ctx);
      if (!isThenable(result) && !isGenerator(result)) return this.#final(job, 'response', result, appPath, action);
    } catch (err) {
      return this.#final(job, 'error', err, appPath, action);
    }
    return this.#finish(job, result, ctx).then(
      (done) => this.#final(job, done.outcome, done.value, appPath, action),
      (err: unknown) => this.#final(job, 'error', err, appPath, action),
    );
  }

  /** The rest of a call whose action returned a promise or a generator: how it ends, once it is done. */
  async #finish(job: Job, returned: unknown, ctx: CallContext): Promise<{ outcome: 'response' | 'end'; value: unknown }> {
    const result: unknown = await returned;
    if (isGenerator(result)) {
      await this.#stream(job, result, ctx);
      return { outcome: 'end', value: undefined };
    }
    return { outcome: 'response', value: result };
  }

  /** Sends each item as a CHUNK until the generator is done, fails or the call is cancelled; the generator is always closed. */
  async #stream(job: Job, gen: AnyGen, ctx: CallContext): Promise<void> {
    let n = 0;
    let finished = false; // the generator returned or threw: there is nothing left to close
    const credit = (job.credit ??= new SendCredit());
    let lastYield = performance.now();
    try {
      while (!job.cancelled) {
        let next: IteratorResult<unknown>;
        try {
          // A sync generator's step is not awaited: no microtask per chunk.
          const r = step(gen, ctx);
          next = isThenable(r) ? await r : r;
        } catch (err) {
          finished = true;
          throw err;
        }
        if (next.done === true) {
          finished = true;
          return;
        }
        if (job.cancelled) break;
        // The window is full: wait for the reader (the generator is not stepped meanwhile).
        while (!credit.take()) {
          await new Promise<void>((resolve) => (job.wake = resolve));
          if (job.cancelled) break;
        }
        if (job.cancelled) break;
        let wait: Promise<void> | undefined;
        try {
          wait = writeChunk(this.#sink, job.id, next.value);
        } catch (err) {
          throw unencodable(err);
        }
        if (wait !== undefined) await settled(wait);
        // A sync generator never yields to the loop by itself: after YIELD_MS of stepping (a slow
        // generator: after every chunk past that) or YIELD_CHUNKS chunks, the loop turns: the tick's
        // chunks leave in one write, heartbeats, CREDITs and CANCELs come in.
        if (++n >= YIELD_CHUNKS || performance.now() - lastYield >= YIELD_MS) {
          n = 0;
          await yieldToLoop();
          lastYield = performance.now();
        }
      }
    } finally {
      if (!finished) await closeQuietly(gen);
    }
  }
}

/** The most chunks a stream sends between two turns of the event loop: as the stream floor's write batch, the window a stream opens with. */
const YIELD_CHUNKS = 256;
/** The most time a stream steps its generator between two turns of the event loop. */
const YIELD_MS = 1;

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/** A backpressure wait that never rejects (a dead channel is the worker's end, not the call's). */
function settled(wait: Promise<void> | undefined): Promise<void> | undefined {
  return wait?.then(undefined, () => undefined);
}

async function closeQuietly(gen: AnyGen): Promise<void> {
  try {
    await gen.return(undefined);
  } catch {
    // a generator whose cleanup throws is closed all the same
  }
}
