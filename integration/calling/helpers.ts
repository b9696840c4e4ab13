// Shared by the calling tests: arbiters registered for cleanup, the fixture app names, the
// workers' journal (FIXTURE_JOURNAL) and the STATUS shape.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, startArbiter, type RunningArbiter } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';

export const ECHO = `${FIXTURES}:Echo`;
export const LIMITED = `${FIXTURES}:Limited`;
export const INIT_FAILS = `${FIXTURES}:InitFails`;

export interface Status {
  pid: number;
  target: number;
  live: number;
  minimum: number;
  maximum: number;
  restarts: number;
  workers: { id: number; pid: number; apps: string[]; state: string; inflight: number; served: number }[];
  apps: { name: string; limit: number | null; holders: number }[];
  calls: { inflight: number; queued: number; total: number; errors: number };
  crashLooping: string[];
}

export interface JournalEntry {
  readonly ev: string;
  readonly pid: number;
  readonly at: number;
}

export interface Harness {
  readonly start: (config: Record<string, unknown>, opts?: { noWait?: boolean }) => Promise<RunningArbiter>;
  /** Events the fixture journaled under `key`, oldest first. */
  readonly journal: (key: string) => JournalEntry[];
  readonly cleanup: () => Promise<void>;
}

/** One per test file: every arbiter it starts is stopped by `cleanup` (wire it to test.after.always). */
export function harness(): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'dj-'));
  const running: RunningArbiter[] = [];
  return {
    async start(config, opts = {}) {
      const a = await startArbiter({ config, env: { FIXTURE_JOURNAL: dir }, ...opts });
      running.push(a);
      return a;
    },
    journal(key) {
      let text: string;
      try {
        text = readFileSync(join(dir, key), 'utf8');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as JournalEntry);
    },
    async cleanup() {
      await Promise.all(running.map((a) => a.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function status(a: RunningArbiter): Promise<Status> {
  return (await a.client().status()) as Status;
}

/** Polls STATUS until `ok` holds; returns that status. */
export async function statusUntil(a: RunningArbiter, ok: (s: Status) => boolean, what: string, timeoutMs = 15_000): Promise<Status> {
  const c = a.client();
  return waitFor(
    async () => {
      const s = (await c.status()) as Status;
      return ok(s) ? s : false;
    },
    what,
    timeoutMs,
  );
}

/** Waits until `n` workers are ready and nothing else is starting or retiring. */
export async function liveWorkers(a: RunningArbiter, n: number): Promise<Status> {
  return statusUntil(a, (s) => s.live === n && s.workers.length === n, `${n} live workers`);
}

/** A promise's outcome without throwing, plus when it settled (performance.now()). */
export interface Outcome<T> {
  readonly ok: boolean;
  readonly value?: T;
  readonly error?: Error;
  readonly at: number;
}

export async function outcome<T>(p: Promise<T>): Promise<Outcome<T>> {
  try {
    const value = await p;
    return { ok: true, value, at: performance.now() };
  } catch (err) {
    return { ok: false, error: err as Error, at: performance.now() };
  }
}

/** Tracks whether a promise has settled yet (for "B finished while A was still running"). */
export function track<T>(p: Promise<T>): { readonly settled: () => boolean; readonly result: Promise<Outcome<T>> } {
  let done = false;
  const result = outcome(p).finally(() => (done = true));
  return { settled: () => done, result };
}

/** Marks a rejection as expected (asserted later), so an early test failure leaves no unhandled rejection. */
export function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

let seq = 0;
/** A journal key unique within this test process. */
export function key(name: string): string {
  return `${name}-${process.pid}-${++seq}`;
}
