// The arbiter's own event-loop lag: a timer observes the loop every 100 ms, and every judgement
// of a worker (hang, init deadline, ignored cancellation) observes it first, so a stall of the
// arbiter (a long synchronous frame, SIGSTOP, a swapping host) is on record before any worker is
// blamed for the silence it caused. The stalls are what core/hang subtracts.
import { performance } from 'node:perf_hooks';
import { DEFAULT_STALL_POLICY, noteObservation, type Stall } from '../core/hang.js';

export class LoopLag {
  #stalls: readonly Stall[] = [];
  #last = performance.now();
  #timer: NodeJS.Timeout | undefined;
  /** How many stalls were seen, and the longest (ms), since the arbiter started. */
  count = 0;
  maxMs = 0;

  start(): void {
    this.#last = performance.now();
    this.#timer = setInterval(() => this.observe(), DEFAULT_STALL_POLICY.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** Notes the loop ran now; returns the stalls on record (the latest included). */
  observe(now = performance.now()): readonly Stall[] {
    const before = this.#stalls;
    this.#stalls = noteObservation(before, this.#last, now);
    const latest = this.#stalls.at(-1);
    if (this.#stalls !== before && latest && latest.to === now) {
      this.count++;
      this.maxMs = Math.max(this.maxMs, latest.to - latest.from);
    }
    this.#last = now;
    return this.#stalls;
  }
}
