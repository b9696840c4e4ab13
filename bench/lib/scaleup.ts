// Scale-up: SIGTTIN to the arbiter until the new worker is ready (read from the arbiter's own
// "Dirty worker N (pid:P) ready" log line), next to fork() until a bare child's first IPC
// message (the floor), measured in the same run and interleaved.
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { status, type BenchArbiter } from './arbiter.js';
import { exited, started, stop, within } from './proc.js';

/** fork() of `script` until its first IPC message, in ms; the child is then stopped. */
export async function forkToFirstMessage(script: string): Promise<number> {
  const t0 = performance.now();
  const child = fork(script, [], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  started.add(child);
  void exited(child).then(() => started.delete(child));
  const first = new Promise<number>((resolve, reject) => {
    child.once('message', () => resolve(performance.now()));
    child.once('exit', (code, signal) => reject(new Error(`${script} exited before its first message (code ${code}, signal ${signal})`)));
  });
  const at = await within(first, 10_000, `${script} first IPC message`);
  await stop(child, 'SIGKILL');
  return at - t0;
}

const READY = /Dirty worker \d+ \(pid:\d+\) ready/;
const RETIRED = /Dirty worker \d+ \(pid:\d+\) retired/;

/** Polls STATUS (bounded) until exactly `n` workers exist and all are ready. */
export async function settledAt(a: BenchArbiter, n: number, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const s = await status(a);
    if (s.live === n && s.workers.length === n) return;
    if (performance.now() > deadline) throw new Error(`bench: arbiter ${a.pid} did not settle at ${n} workers (live ${s.live}, workers ${s.workers.length})`);
    await delay(5);
  }
}

export interface ScaleSample {
  /** SIGTTIN sent -> the arbiter logs the new worker ready (routable from then on). */
  readonly readyMs: number;
  /** SIGTTOU sent -> the arbiter logs a worker retired (its process exited). */
  readonly retireMs: number;
}

/** One TTIN/TTOU cycle on an arbiter settled at one worker; leaves it at one worker again. */
export async function ttinCycle(a: BenchArbiter): Promise<ScaleSample> {
  await settledAt(a, 1);
  const ready = a.nextLine(READY);
  const t0 = performance.now();
  process.kill(a.pid, 'SIGTTIN');
  const readyAt = (await ready).at;
  await settledAt(a, 2);
  const retired = a.nextLine(RETIRED, 30_000);
  const t1 = performance.now();
  process.kill(a.pid, 'SIGTTOU');
  const retiredAt = (await retired).at;
  await settledAt(a, 1);
  return { readyMs: readyAt - t0, retireMs: retiredAt - t1 };
}
