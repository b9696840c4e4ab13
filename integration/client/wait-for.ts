// Polls a predicate until it holds or a deadline passes: tests wait for events, never for fixed times.
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitForOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  readonly what?: string;
}

export async function waitFor(predicate: () => boolean, options: WaitForOptions = {}): Promise<void> {
  const { timeoutMs = 5000, intervalMs = 5, what = 'condition' } = options;
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`waitFor: ${what} not reached within ${timeoutMs} ms`);
    await delay(intervalMs);
  }
}
