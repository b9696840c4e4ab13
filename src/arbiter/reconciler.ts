// Single-flight reconcile loop: kicks coalesce into one pass per tick, a kick during a pass
// causes exactly one more pass, and settled() lets callers await convergence instead of sleeping.
export class Reconciler {
  readonly #pass: () => void;
  readonly #isSettled: () => boolean;
  #scheduled = false;
  #running = false;
  #again = false;
  #waiters: (() => void)[] = [];

  constructor(pass: () => void, isSettled: () => boolean) {
    this.#pass = pass;
    this.#isSettled = isSettled;
  }

  /** Asks for a pass on the next turn of the event loop (bursts give one pass). */
  kick(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.run();
    });
  }

  /** Runs a pass now; called during a pass, it makes the current one loop once more. */
  run(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      do {
        this.#again = false;
        this.#pass();
      } while (this.#again);
    } finally {
      this.#running = false;
    }
    if (this.#isSettled()) {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w();
    }
  }

  /** Resolves once a pass ends in a settled state. */
  settled(): Promise<void> {
    if (this.#isSettled()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
