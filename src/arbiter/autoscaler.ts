// The autoscaler shell: samples the pool every second, asks core/autoscale what to do, and
// scales through the same clamped path as signals and actions (source 'autoscaler').
import { performance } from 'node:perf_hooks';
import {
  decide,
  initialAutoscaleState,
  noteManualScale,
  observe,
  type AutoscaleConfig,
  type AutoscaleDecision,
  type AutoscaleState,
} from '../core/autoscale.js';
import type { Pool } from './pool.js';

export interface LoadProbe {
  readonly queued: number;
  /** Longest queue wait (ms) of calls dispatched since the last call; resets it. */
  takeMaxQueueWait(): number;
}

export class Autoscaler {
  readonly config: AutoscaleConfig;
  readonly #pool: Pool;
  readonly #load: LoadProbe;
  #state: AutoscaleState = initialAutoscaleState();
  #timer: NodeJS.Timeout | undefined;

  constructor(config: AutoscaleConfig, pool: Pool, load: LoadProbe) {
    this.config = config;
    this.#pool = pool;
    this.#load = load;
  }

  get lastDecision(): AutoscaleDecision | null {
    return this.#state.lastDecision;
  }

  get pausedForMs(): number {
    const until = this.#state.pausedUntil;
    return until === null ? 0 : Math.max(0, Math.round(until - performance.now()));
  }

  start(): void {
    this.#timer = setInterval(() => this.tick(performance.now()), 1000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** A manual TTIN/TTOU/scale-to/MANAGE wins: the autoscaler pauses for manualHoldMs. */
  noteManual(): void {
    this.#state = noteManualScale(this.#state, performance.now(), this.config);
  }

  tick(now: number): void {
    let live = 0;
    let busy = 0;
    for (const w of this.#pool.views()) {
      if (w.state !== 'ready') continue;
      live++;
      if (w.inflight > 0) busy++;
    }
    const sample = { at: now, live, busy, queued: this.#load.queued, maxQueueWaitMs: this.#load.takeMaxQueueWait() };
    this.#state = observe(this.#state, sample, this.config);
    const step = decide(this.#state, this.#pool.target, this.#pool.bounds, this.config, now);
    this.#state = step.state;
    if (step.decision.action !== 'none') this.#pool.scale({ kind: 'set', n: step.decision.to }, `autoscaler (${step.decision.reason})`);
  }
}
