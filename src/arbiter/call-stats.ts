// Call metrics for pm2 monit and status: calls/s over the last seconds, errors, p95 latency
// over the most recent calls (a fixed ring, so memory stays bounded).
const RING = 1024;

export class CallStats {
  total = 0;
  errors = 0;
  readonly #latencies = new Float64Array(RING);
  #n = 0;
  #windowStart = 0;
  #windowCount = 0;
  #rate = 0;

  record(latencyMs: number, isError: boolean, now: number): void {
    this.total++;
    if (isError) this.errors++;
    else this.#latencies[this.#n++ % RING] = latencyMs;
    this.#windowCount++;
    this.#roll(now);
  }

  #roll(now: number): void {
    const elapsed = now - this.#windowStart;
    if (elapsed >= 1000) {
      this.#rate = (this.#windowCount * 1000) / elapsed;
      this.#windowStart = now;
      this.#windowCount = 0;
    }
  }

  /** Calls per second, measured over the last full window (0 when idle for over 2 s). */
  rate(now: number): number {
    this.#roll(now);
    return now - this.#windowStart > 2000 ? 0 : this.#rate;
  }

  /** 95th percentile of the last RING successful call latencies, in ms. */
  p95(): number {
    const n = Math.min(this.#n, RING);
    if (n === 0) return 0;
    const sorted = this.#latencies.slice(0, n).sort();
    return sorted[Math.min(n - 1, Math.floor(n * 0.95))] ?? 0;
  }
}
