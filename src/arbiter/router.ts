// Routes calls: to the ready holder of the app with the fewest outstanding calls (ties round-
// robin), else into the bounded queue; relays answers by rewriting request ids, never re-encoding.
// A call abandoned on a worker (timeout, abort, closed client) keeps its worker slot until the
// worker's final frame for it arrives: the worker is really busy until then. Streams run under
// per-stream credit (stream-flow.ts); timeoutMs and stalled streams fire on precise deadlines.
import { DispatchQueue } from '../core/dispatch-queue.js';
import { IdTable } from '../core/id-table.js';
import type { DirtyError, DirtyTimeoutError } from '../errors.js';
import { FENCE_ID, MessageType } from '../protocol/constants.js';
import type { Payload } from '../protocol/frame-batch.js';
import type { RequestId } from '../protocol/header.js';
import { encodeError, writeCancel } from '../protocol/messages.js';
import type { PoolWorker } from './pool-types.js';
import { CallDeadlines } from './call-deadlines.js';
import { CallStats, type CallOutcome } from './call-stats.js';
import { StreamFlow } from './stream-flow.js';
import { byWid, isFinal, newCall, type Call, type Peer, type RouterOptions } from './router-types.js';
import { appNotFound, duplicateId, noWorkers, queueFull, workerLost } from './refusals.js';
import { WorkerChoice } from './worker-choice.js';
import type { AbandonedCall } from './stuck-calls.js';

export class Router {
  readonly stats: CallStats;
  readonly #o: RouterOptions;
  readonly #calls = new IdTable<Call>();
  /** Abandoned calls still running on their worker (by wid) until its final frame (src/arbiter/stuck-calls.ts watches them). */
  readonly #abandoned = new Map<number, AbandonedCall>();
  readonly #queue: DispatchQueue<Call>;
  readonly #choice: WorkerChoice;
  /** Workers that may be handed calls: ready, not retiring, not dead (a dead one's state may still read 'ready'). */
  readonly #routable = new Set<PoolWorker>();
  readonly #fenced = new WeakSet<PoolWorker>();
  readonly #deadlines: CallDeadlines;
  readonly #flow: StreamFlow;
  #nextWid = 1;
  /** The time read once per turn of the event loop (a batch of frames), -1 until read. */
  #clock = -1;
  readonly #clearClock = (): void => {
    this.#clock = -1;
  };

  constructor(o: RouterOptions) {
    this.#o = o;
    this.stats = new CallStats(o.now());
    this.#queue = new DispatchQueue<Call>(o.maxQueue);
    this.#choice = new WorkerChoice(o.concurrency);
    this.#deadlines = new CallDeadlines(o.timeoutMs, o.streamStallTimeoutMs, (call, err) => this.#expired(call, err));
    this.#flow = new StreamFlow(this.#deadlines, (call) => this.#calls.get(call.wid) === call);
  }

  /** `now()` of the options, read once per turn: every frame of one read batch gets the same time. */
  #now(): number {
    if (this.#clock < 0) {
      this.#clock = this.#o.now();
      queueMicrotask(this.#clearClock);
    }
    return this.#clock;
  }

  /** Calls workers are running: sent and not finished, abandoned ones included (the worker is still busy with them). */
  get inflight(): number {
    return this.#calls.size - this.#queue.size + this.#abandoned.size;
  }

  get abandoned(): ReadonlyMap<number, AbandonedCall> {
    return this.#abandoned;
  }

  get queued(): number {
    return this.#queue.size;
  }

  /** A REQUEST frame from a client; `app` was read from its payload. */
  submit(peer: Peer, clientId: RequestId, app: string, payload: Payload): void {
    const mine = peer.calls;
    const previous = mine.get(clientId);
    if (previous) {
      // One answer per id: the call already under this id is abandoned and both get this one error.
      this.#abandon(previous, 'protocol_error');
      this.#reject(peer, clientId, duplicateId(clientId), 'protocol_error');
      return;
    }
    if (!this.#o.knownApps.has(app)) {
      this.#reject(peer, clientId, appNotFound(app), 'app_error');
      return;
    }
    const now = this.#now();
    const call = newCall(this.#nextWid++, peer, clientId, app, payload, now);
    const w = this.#choice.pick(app, now);
    if (w) {
      this.#track(call, mine);
      this.#dispatch(call, w, now);
    } else if (!this.#choice.hasReady(app) && !this.#o.expectsHolder(app)) {
      this.#reject(peer, clientId, noWorkers(app), 'no_workers');
    } else if (this.#queue.enqueue(app, call)) {
      this.#track(call, mine);
    } else {
      this.#reject(peer, clientId, queueFull(app, this.#o.maxQueue), 'queue_full');
    }
  }

  /** CANCEL from the client: leave the queue, or tell the worker to abandon the call (`timedOut`: the client's deadline passed). */
  cancel(peer: Peer, clientId: RequestId, timedOut = false): void {
    const call = peer.calls.get(clientId);
    if (call) this.#abandon(call, timedOut ? 'timeout' : 'cancelled');
  }

  /** CREDIT from the client: its reader made room in the stream `clientId`. */
  credit(peer: Peer, clientId: RequestId, n: number): void {
    const call = peer.calls.get(clientId);
    if (call) this.#flow.credit(call, n);
  }

  peerClosed(peer: Peer): void {
    for (const call of peer.calls.values().sort(byWid)) this.#abandon(call, 'cancelled');
  }

  /** A REQUEST the server could not route (no app_path): a protocol error. */
  refuseRequest(peer: Peer, clientId: RequestId, err: DirtyError): void {
    this.#reject(peer, clientId, err, 'protocol_error');
  }

  /** A REQUEST the server answered itself before routing it (an undecodable payload): counted, not answered here. */
  refused(outcome: CallOutcome): void {
    this.stats.end(outcome, null, this.#now());
  }

  /** A worker turned ready: the router takes its frames (answers come only to calls it sent) and routes to it. */
  workerReady(w: PoolWorker): void {
    if (this.#routable.has(w)) return;
    w.process.onFrame((type, requestId, payload, start, end) => this.workerFrame(w, type, requestId, payload, start, end));
    this.#choice.add(w);
    this.#routable.add(w);
    this.#drainInto(w);
  }

  /**
   * No new calls go to a retiring (or dead) worker; its in-flight calls finish there. A live one gets
   * the fence (CANCEL 0) after the last REQUEST, so it drains only once every call sent to it arrived.
   */
  workerRetiring(w: PoolWorker): void {
    if (!this.#fenced.has(w) && !w.process.exited) {
      this.#fenced.add(w);
      void writeCancel(w.process.channel, FENCE_ID);
    }
    this.#routable.delete(w);
    this.#choice.unready(w);
  }

  workerGone(w: PoolWorker, code: number | null, signal: NodeJS.Signals | null): void {
    // The worker runs its calls in arrival order, `concurrency` at a time, and its answers were
    // drained before this: only the oldest `concurrency` unfinished calls can have started.
    const started = new Set((this.#choice.load(w)?.sent.wids() ?? []).slice(0, Math.max(1, this.#o.concurrency)));
    this.workerRetiring(w);
    this.#choice.forget(w);
    for (const [wid, a] of this.#abandoned) if (a.worker === w) this.#abandoned.delete(wid);
    for (const call of this.#calls.values().sort(byWid)) {
      if (call.worker !== w) continue;
      this.#choice.release(w, call.wid);
      if (!started.has(call.wid) && !call.streamed && this.#requeue(call)) continue;
      this.#forget(call);
      this.#ended(call, 'worker_error');
      this.#reject(call.peer, call.clientId, workerLost(w, call.app, code, signal));
    }
    for (const other of this.#routable) this.#drainInto(other);
    this.failOrphanedQueue();
  }

  /** Queued calls for apps that no worker holds or will hold fail instead of waiting forever. */
  failOrphanedQueue(): void {
    for (const app of this.#o.knownApps) {
      if (this.#queue.sizeOf(app) === 0 || this.#choice.hasReady(app) || this.#o.expectsHolder(app)) continue;
      for (const call of this.#queue.drainApp(app)) {
        this.#finish(call);
        this.#ended(call, 'no_workers');
        this.#reject(call.peer, call.clientId, noWorkers(app));
      }
    }
  }

  /** RESPONSE, ERROR, CHUNK or END from a worker: relay it to its caller under the caller's id. */
  workerFrame(w: PoolWorker, type: MessageType, requestId: RequestId, payload: Payload, start: number, end: number): void {
    if (type !== MessageType.CHUNK && !isFinal(type)) return;
    const wid = typeof requestId === 'number' ? requestId : Number(requestId);
    const call = this.#calls.get(wid);
    if (!call || call.worker !== w) {
      // A late frame of an abandoned call: dropped, never relayed; its final frame frees the slot.
      if (isFinal(type) && this.#abandoned.get(wid)?.worker === w) {
        this.#abandoned.delete(wid);
        this.#choice.release(w, wid);
        this.#drainInto(w);
      }
      return;
    }
    call.peer.relay(type, call.clientId, payload, start, end);
    const now = this.#now();
    if (type === MessageType.CHUNK) {
      call.activeAt = now;
      call.streamed = true;
      this.#flow.relayed(call, w);
      return;
    }
    this.#ended(call, type === MessageType.ERROR ? 'app_error' : 'ok', now);
    this.#complete(call, w, now);
  }

  /** timeoutMs or streamStallTimeoutMs passed: the worker is told to stop, the caller gets `error`. */
  #expired(call: Call, error: DirtyTimeoutError): void {
    if (this.#calls.get(call.wid) !== call) return;
    this.#abandon(call, 'timeout');
    this.#reject(call.peer, call.clientId, error);
  }

  /** Calls outstanding on `w` (abandoned ones included): the one in-flight count of a worker (WorkerChoice's). */
  workerLoad(w: PoolWorker): number {
    return this.#choice.outstanding(w);
  }

  #track(call: Call, mine: IdTable<Call>): void {
    this.#calls.set(call.wid, call);
    mine.set(call.clientId, call);
  }

  #dispatch(call: Call, w: PoolWorker, now: number): void {
    call.worker = w;
    call.sentAt = call.activeAt = now;
    this.stats.waited(now - call.queuedAt, now);
    this.#choice.sent(w, call.wid, now);
    this.#deadlines.dispatched(call);
    void w.process.channel.relay(MessageType.REQUEST, call.wid, call.payload);
  }

  #complete(call: Call, w: PoolWorker, now: number): void {
    this.#finish(call);
    this.#choice.done(w, call.sentAt, now);
    w.served++;
    this.#drainInto(w, now);
  }

  /** Forget a call (queued or sent) and release its worker slot. */
  #finish(call: Call): void {
    this.#forget(call);
    if (call.worker) this.#choice.release(call.worker, call.wid);
    else this.#queue.remove(call.app, call);
  }

  /** A call sent to a worker that died before starting it waits for another holder. */
  #requeue(call: Call): boolean {
    call.worker = null;
    return this.#queue.enqueue(call.app, call);
  }

  #forget(call: Call): void {
    this.#deadlines.ended(call);
    this.#calls.delete(call.wid);
    call.peer.calls.delete(call.clientId);
  }

  /** The caller is gone or gave up: a queued call leaves the queue; a sent one is CANCELled and keeps its slot until the worker's final frame. */
  #abandon(call: Call, outcome: CallOutcome): void {
    this.#ended(call, outcome);
    const w = call.worker;
    if (!w) {
      this.#finish(call);
      return;
    }
    this.#forget(call);
    if (w.process.exited || this.#choice.load(w) === undefined) {
      this.#choice.release(w, call.wid);
      return;
    }
    this.#abandoned.set(call.wid, { worker: w, at: this.#now(), app: call.app, payload: call.payload });
    void writeCancel(w.process.channel, call.wid);
  }

  #reject(peer: Peer, clientId: RequestId, err: DirtyError, outcome?: CallOutcome): void {
    if (outcome !== undefined) this.stats.end(outcome, null, this.#now());
    peer.send(encodeError(clientId, err.toWire()));
  }

  /** Each call's end, counted once (status, monit, Prometheus; `#reject` counts refusals); a call never sent waited until then. */
  #ended(call: Call, outcome: CallOutcome, now = this.#now()): void {
    if (call.worker === null) this.stats.waited(now - call.queuedAt, now);
    this.stats.end(outcome, now - call.queuedAt, now);
  }

  #drainInto(w: PoolWorker, now = this.#now()): void {
    if (w.state !== 'ready' || !this.#routable.has(w)) return;
    const l = this.#choice.load(w);
    if (!l) return;
    while (l.sent.size < this.#choice.capacity(w, now)) {
      if (this.#queue.size === 0) return;
      const next = this.#queue.takeFor(w.apps);
      if (!next) return;
      this.#dispatch(next.item, w, now);
    }
  }
}
