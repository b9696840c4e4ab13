// Runs the requests a worker receives: up to `concurrency` at once, the rest waiting in arrival
// order; streams generators as CHUNK...END; honours CANCEL. Every request id gets exactly one final
// frame (RESPONSE, ERROR or END), a cancelled one included: the arbiter holds the worker slot of an
// abandoned call until that frame says the call has really stopped here. A CANCEL for id 0 (the
// fence) means "no REQUEST follows on this channel": a retiring worker drains only after it, so a
// request already on its way when the arbiter decided to retire the worker is still run.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { runWithContext } from '../app/index.js';
import { toWire, DirtyAbortError, DirtyAppError, DirtyAppNotFoundError, DirtyProtocolError, isDirtyError, type WireError } from '../errors.js';
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

const CANCELLED: WireError = new DirtyAbortError('call cancelled').toWire();

/**
 * Request id of the fence: the arbiter sends CANCEL 0 (its request ids start at 1) when it stops
 * routing to this worker. IPC 'retire' and the frame channel are two sockets with no order between
 * them, so without the fence a worker could see 'retire' before a REQUEST already sent to it.
 */
export const FENCE_ID = 0n;
/** Without a fence (a SIGTERM from outside the arbiter), how long `idle()` waits for stragglers. */
export const FENCE_GRACE_MS = 1000;

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
  /** The fence arrived, or its grace time ran out: no REQUEST is expected any more. */
  #fenced = false;
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

  /**
   * Abandons a call: a waiting one is dropped at once, a running one is aborted (its signal fires)
   * and its chunks suppressed; either way its final frame is a "call cancelled" ERROR, sent once it
   * has stopped. An id that already got its final frame is ignored.
   */
  onCancel(id: bigint): void {
    if (id === FENCE_ID) {
      this.#fenced = true;
      this.#checkIdle();
      return;
    }
    const job = this.#jobs.get(id);
    if (!job || job.abort.signal.aborted) return;
    job.abort.abort(new DirtyAbortError('call cancelled'));
    const i = this.#waiting.indexOf(job);
    if (i < 0) return; // running: #run sends the final frame when it returns
    this.#waiting.splice(i, 1);
    this.#jobs.delete(id);
    void this.#final(job);
    this.#checkIdle();
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

  #pump(): void {
    while (this.#running < this.#concurrency && this.#waiting.length > 0) {
      const job = this.#waiting.shift();
      if (!job) break;
      this.#running++;
      void this.#run(job).then(() => {
        this.#running--;
        this.#jobs.delete(job.id);
        this.served++;
        this.#pump();
        this.#checkIdle();
      });
    }
  }

  #checkIdle(): void {
    if (this.#jobs.size > 0 || this.#running > 0 || !this.#fenced || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Writes one frame; a dead channel is the worker's end (main exits on channel errors), not the call's. */
  async #write(chunks: readonly Buffer[]): Promise<void> {
    try {
      await this.#sink.write(chunks);
    } catch {
      // the channel failed: nothing can be answered any more
    }
  }

  /** The one final frame of a job: `answer` (built lazily), or "call cancelled" once the job was cancelled. */
  async #final(job: Job, answer?: () => Buffer[]): Promise<void> {
    let frames: Buffer[];
    if (job.abort.signal.aborted || !answer) frames = encodeError(job.id, CANCELLED);
    else {
      try {
        frames = answer();
      } catch (err) {
        frames = encodeError(job.id, plainWire(err));
      }
    }
    await this.#write(frames);
  }

  /** Never rejects: whatever happens, the job gets its final frame. */
  async #run(job: Job): Promise<void> {
    let appPath = '';
    let action = '';
    let answer: () => Buffer[];
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
      if (isGenerator(result)) {
        await this.#stream(job, result, ctx);
        answer = () => encodeEnd(job.id);
      } else {
        const frames = encodeResult(() => encodeResponse(job.id, result));
        answer = () => frames;
      }
    } catch (err) {
      answer = () => encodeError(job.id, toWire(err, { app_path: appPath, action }));
    }
    await this.#final(job, answer);
  }

  /** Sends each item as a CHUNK until the generator is done, fails or the call is cancelled; the generator is always closed. */
  async #stream(job: Job, gen: AnyGen, ctx: { signal: AbortSignal; app: string; action: string }): Promise<void> {
    let n = 0;
    let finished = false; // the generator returned or threw: there is nothing left to close
    try {
      while (!job.abort.signal.aborted) {
        let step: IteratorResult<unknown>;
        try {
          step = await runWithContext(ctx, () => gen.next());
        } catch (err) {
          finished = true;
          throw err;
        }
        if (step.done === true) {
          finished = true;
          return;
        }
        if (job.abort.signal.aborted) break;
        const value = step.value;
        await this.#write(encodeResult(() => encodeChunk(job.id, value)));
        // A sync generator never yields to the loop by itself: let heartbeats and CANCELs in.
        if (++n % 64 === 0) await yieldToLoop();
      }
    } finally {
      if (!finished) await closeQuietly(gen);
    }
  }
}

/** Encodes a result or chunk; a value the TLV encoder refuses is the app's error, not a wire failure. */
function encodeResult(encode: () => Buffer[]): Buffer[] {
  try {
    return encode();
  } catch (err) {
    if (err instanceof DirtyProtocolError) throw new DirtyAppError(`Cannot send the action's result: ${err.message}`, { ...err.details, error_type: 'UnencodableResult' });
    throw err;
  }
}

/** When even the error's details cannot be encoded (an app's DirtyError with odd details). */
function plainWire(err: unknown): WireError {
  return { error_type: 'DirtyAppError', message: err instanceof Error ? err.message : String(err), details: {} };
}

async function closeQuietly(gen: AnyGen): Promise<void> {
  try {
    await gen.return(undefined);
  } catch {
    // a generator whose cleanup throws is closed all the same
  }
}
