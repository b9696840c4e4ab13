// Lifecycle hooks from the config file (gunicorn's on_dirty_starting, dirty_post_fork,
// dirty_worker_exit, plus onScale): awaited with a timeout; one that throws or hangs is logged
// with its name and never takes the arbiter down.
import type { HookName } from './schema.js';

export type HookFn = (...args: unknown[]) => unknown;
export type HookFns = Partial<Record<HookName, HookFn>>;

export interface HookLogger {
  error(line: string): void;
}

/** Runs `fn(...args)`; resolves when it settles or after `timeoutMs`, logging failures. Never rejects. */
export async function runHook(name: string, fn: HookFn | undefined, args: readonly unknown[], timeoutMs: number, log: HookLogger): Promise<void> {
  if (!fn) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref();
  });
  try {
    const outcome = await Promise.race([Promise.resolve().then(() => fn(...args)), timeout]);
    if (outcome === 'timeout') log.error(`hook ${name} did not finish within ${timeoutMs} ms; carrying on without it`);
  } catch (err) {
    log.error(`hook ${name} threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    clearTimeout(timer);
  }
}
