// Which ready worker takes a call (core/routing's policy applied to live workers): the ready
// holders of each app, each worker's outstanding calls and capacity (slots plus a prefetch sized
// by its service-time EWMA), ties round-robin. Part of the router; kept apart to keep files small.
import { pickWorker, updateEwma, workerCapacity, type RouteCandidate } from '../core/routing.js';
import type { PoolWorker } from './pool-types.js';
import type { WorkerLoad } from './router-types.js';
import { SentCalls } from './sent-calls.js';

type Candidate = { -readonly [K in keyof RouteCandidate]: RouteCandidate[K] };

export class WorkerChoice {
  readonly #concurrency: number;
  readonly #ready = new Map<string, PoolWorker[]>();
  readonly #load = new Map<PoolWorker, WorkerLoad>();
  readonly #cursor = new Map<string, number>();
  /** One reused candidate list (no allocation per call); pickWorker only reads it. */
  readonly #candidates: Candidate[] = [];

  constructor(concurrency: number) {
    this.#concurrency = concurrency;
  }

  /** A worker became ready: it holds its apps, with a fresh load record. */
  add(w: PoolWorker): void {
    this.#load.set(w, { sent: new SentCalls(), ewmaMs: null, lastDoneAt: 0 });
    for (const app of w.apps) {
      const list = this.#ready.get(app) ?? [];
      list.push(w);
      this.#ready.set(app, list);
    }
  }

  /** No new calls for `w` (its load record stays until `forget`). */
  unready(w: PoolWorker): void {
    for (const app of w.apps) {
      const list = this.#ready.get(app);
      if (list)
        this.#ready.set(
          app,
          list.filter((x) => x !== w),
        );
    }
  }

  forget(w: PoolWorker): void {
    this.#load.delete(w);
  }

  load(w: PoolWorker): WorkerLoad | undefined {
    return this.#load.get(w);
  }

  hasReady(app: string): boolean {
    return (this.#ready.get(app)?.length ?? 0) > 0;
  }

  outstanding(w: PoolWorker): number {
    return this.#load.get(w)?.sent.size ?? 0;
  }

  pick(app: string, now: number): PoolWorker | null {
    const list = this.#ready.get(app);
    if (!list || list.length === 0) return null;
    if (list.length === 1) {
      // pickWorker's answer for one candidate, without its result object (the tie-breaking cursor matters only among several).
      const w = list[0] as PoolWorker;
      return this.outstanding(w) < this.capacity(w, now) ? w : null;
    }
    const candidates = this.#candidates;
    if (candidates.length !== list.length) candidates.length = list.length;
    for (let i = 0; i < list.length; i++) {
      const w = list[i] as PoolWorker;
      const c = (candidates[i] ??= { id: i, outstanding: 0, capacity: 0 });
      c.id = i;
      c.outstanding = this.outstanding(w);
      c.capacity = this.capacity(w, now);
    }
    const r = pickWorker(candidates, this.#cursor.get(app) ?? 0);
    this.#cursor.set(app, r.cursor);
    return r.id === null ? null : (list[r.id] ?? null);
  }

  /** How many calls `w` may have outstanding: core/routing's workerCapacity for its service time and oldest call. */
  capacity(w: PoolWorker, now: number): number {
    const l = this.#load.get(w);
    if (!l) return workerCapacity(this.#concurrency, null);
    const oldest = l.sent.oldestAt();
    return workerCapacity(this.#concurrency, l.ewmaMs, oldest === undefined ? null : now - oldest);
  }

  sent(w: PoolWorker, wid: number, now: number): void {
    this.#load.get(w)?.sent.add(wid, now);
  }

  /** The call's slot on `w` is free; false only when `w` is tracked and the call was not on it. */
  release(w: PoolWorker, wid: number): boolean {
    return this.#load.get(w)?.sent.delete(wid) !== false;
  }

  /** A call sent at `sentAt` finished now: one service-time sample for the EWMA. */
  done(w: PoolWorker, sentAt: number, now: number): void {
    const l = this.#load.get(w);
    if (!l) return;
    const sample = l.sent.size > 0 && l.lastDoneAt > sentAt ? now - l.lastDoneAt : now - sentAt;
    l.ewmaMs = updateEwma(l.ewmaMs, sample);
    l.lastDoneAt = now;
  }
}
