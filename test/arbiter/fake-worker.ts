// An in-memory worker behind the pool's port (src/arbiter/worker-handle.ts): it records the frames
// the arbiter writes to it and lets a test play the worker's side: ready, heartbeats, answer
// frames, a crash or an exit. No process, no socket, no timer.
import type { AppLoadSpec } from '../../src/worker/app-host.js';
import { MessageType } from '../../src/protocol/constants.js';
import type { Payload } from '../../src/protocol/frame-batch.js';
import type { SpawnWorker, WorkerChannel, WorkerEvents, WorkerFrameListener, WorkerHandle, WorkerSpawnOptions } from '../../src/arbiter/worker-handle.js';

/** A frame the arbiter wrote to the worker. */
export interface SentFrame {
  readonly type: MessageType;
  readonly id: bigint;
  /** REQUEST: the relayed payload bytes; CREDIT: the granted count; CANCEL: its value (a reason), if any. */
  readonly payload?: Buffer;
  readonly credit?: number;
  readonly value?: unknown;
}

function bytes(p: Payload, start?: number, end?: number): Buffer {
  return Array.isArray(p) ? Buffer.concat(p as Buffer[]) : Buffer.from((p as Buffer).subarray(start ?? 0, end));
}

let nextPid = 90000;

export class FakeWorker implements WorkerHandle {
  readonly id: number;
  readonly apps: readonly string[];
  readonly pid: number;
  readonly opts: WorkerSpawnOptions | null;
  readonly sent: SentFrame[] = [];
  readonly signals: NodeJS.Signals[] = [];
  retired = false;
  #exited = false;
  #dead = false;
  #onFrame: WorkerFrameListener | null = null;
  readonly #exitFns: (() => void)[] = [];
  readonly #events: WorkerEvents;
  readonly channel: WorkerChannel = {
    // Ids are recorded as the uint64 the wire would carry (the router writes its own ids as numbers).
    fields: (type, rid, keys, values) => {
      const id = BigInt(rid);
      this.sent.push(keys[0] === 'credit' ? { type, id, credit: values[0] as number } : { type, id, value: values });
    },
    message: (type, rid, value) => {
      const id = BigInt(rid);
      this.sent.push(value === undefined ? { type, id } : { type, id, value });
    },
    relay: (type, rid, payload, start, end) => {
      this.sent.push({ type, id: BigInt(rid), payload: bytes(payload, start, end) });
    },
  };

  constructor(id: number, apps: readonly string[], events: WorkerEvents, opts: WorkerSpawnOptions | null = null) {
    this.id = id;
    this.apps = apps;
    this.pid = nextPid++;
    this.#events = events;
    this.opts = opts;
  }

  get exited(): boolean {
    return this.#exited;
  }

  onFrame(fn: WorkerFrameListener): void {
    this.#onFrame = fn;
  }

  whenExited(fn: () => void): void {
    if (this.#exited) fn();
    else this.#exitFns.push(fn);
  }

  retire(): void {
    this.retired = true;
  }

  kill(signal: NodeJS.Signals): void {
    if (!this.#exited) this.signals.push(signal);
  }

  // The worker's side, played by the test:

  ready(): void {
    this.#events.onReady(this.pid);
  }

  beat(rss = 0): void {
    this.#events.onBeat({ t: 'hb', rss, heapUsed: 0, inflight: 0, served: 0 });
  }

  initFailed(message: string): void {
    this.#events.onInitFailed(message);
  }

  /** The worker answers: a frame of `type` for the arbiter's request id `id`. */
  answer(type: MessageType, id: bigint | number, payload: Buffer = Buffer.from('answer')): void {
    this.#onFrame?.(type, BigInt(id), payload, 0, payload.length);
  }

  /** The process dies: `dead` at once, then `exit` (call `exited()` separately with `drained = false` to answer in between). */
  die(code: number | null = null, signal: NodeJS.Signals | null = 'SIGKILL', drained = true): void {
    if (!this.#dead) {
      this.#dead = true;
      this.#exited = true;
      this.#events.onDead();
      for (const fn of this.#exitFns.splice(0)) fn();
    }
    if (drained) this.#events.onExit(code, signal);
  }

  /** Ids of the REQUESTs the arbiter sent, in order. */
  requests(): number[] {
    return this.sent.filter((f) => f.type === MessageType.REQUEST).map((f) => Number(f.id));
  }

  /** Ids of the CANCELs the arbiter sent (0 is the fence). */
  cancels(): number[] {
    return this.sent.filter((f) => f.type === MessageType.CANCEL).map((f) => Number(f.id));
  }

  credits(): { id: number; credit: number }[] {
    return this.sent.filter((f) => f.type === MessageType.CREDIT).map((f) => ({ id: Number(f.id), credit: f.credit ?? 0 }));
  }
}

/** A spawner for the pool that makes FakeWorkers and keeps every one it made. */
export function fakeSpawner(): { spawn: SpawnWorker; workers: FakeWorker[]; last(): FakeWorker } {
  const workers: FakeWorker[] = [];
  const spawn: SpawnWorker = (id, specs: readonly AppLoadSpec[], opts, events) => {
    const w = new FakeWorker(
      id,
      specs.map((s) => s.name),
      events,
      opts,
    );
    workers.push(w);
    return w;
  };
  return {
    spawn,
    workers,
    last: () => {
      const w = workers.at(-1);
      if (!w) throw new Error('no worker spawned');
      return w;
    },
  };
}
