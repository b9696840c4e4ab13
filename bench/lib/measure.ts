// The timed loops: one call in flight (per-call latencies), N calls kept in flight for a fixed
// time (throughput), both bounded, with the CPU time every involved process spent meanwhile.
import { performance } from 'node:perf_hooks';
import { cpuOfPid } from './proc.js';
import { median, quantile } from './stats.js';

export interface CpuSample {
  readonly self: number;
  readonly others: ReadonlyMap<number, number>;
}

/** CPU µs of this process (all its threads) and of `pids`, now. */
export function cpuNow(pids: readonly number[]): CpuSample {
  const u = process.cpuUsage();
  return { self: u.user + u.system, others: new Map(pids.map((pid) => [pid, cpuOfPid(pid)])) };
}

/** CPU µs spent between two samples: this process as 'harness', then one entry per role. */
export function cpuSpent(a: CpuSample, b: CpuSample, roles: readonly { role: string; pid: number }[]): Record<string, number> {
  const out: Record<string, number> = { harness: b.self - a.self };
  for (const { role, pid } of roles) out[role] = (out[role] ?? 0) + (b.others.get(pid) ?? 0) - (a.others.get(pid) ?? 0);
  return out;
}

export interface SequentialResult {
  readonly medianUs: number;
  readonly p99Us: number;
  readonly callsPerSec: number;
  readonly cpuUsPerCall: Record<string, number>;
}

/** `warmup` untimed calls, then `calls` calls one after another, each timed. */
export async function sequential(
  fn: () => Promise<unknown>,
  warmup: number,
  calls: number,
  roles: readonly { role: string; pid: number }[],
): Promise<SequentialResult> {
  for (let i = 0; i < warmup; i++) await fn();
  const lat = new Float64Array(calls);
  const pids = roles.map((r) => r.pid);
  const c0 = cpuNow(pids);
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    const s = performance.now();
    await fn();
    lat[i] = performance.now() - s;
  }
  const elapsed = performance.now() - t0;
  const spent = cpuSpent(c0, cpuNow(pids), roles);
  const us = Array.from(lat, (ms) => ms * 1000);
  return { medianUs: median(us), p99Us: quantile(us, 0.99), callsPerSec: (calls * 1000) / elapsed, cpuUsPerCall: perCall(spent, calls) };
}

/**
 * Two transports' round trips measured in turns, call by call (a, b, then b, a, ...), so that both
 * meet the same state of the machine: `warmup` untimed turns, then `calls` timed ones; the median RTT
 * of each side in µs.
 */
export async function inTurns(a: () => Promise<unknown>, b: () => Promise<unknown>, warmup: number, calls: number): Promise<[number, number]> {
  const la = new Float64Array(calls);
  const lb = new Float64Array(calls);
  for (let i = 0; i < warmup + calls; i++) {
    const aFirst = i % 2 === 0;
    const first = aFirst ? a : b;
    const second = aFirst ? b : a;
    const s0 = performance.now();
    await first();
    const s1 = performance.now();
    await second();
    const s2 = performance.now();
    if (i < warmup) continue;
    (aFirst ? la : lb)[i - warmup] = s1 - s0;
    (aFirst ? lb : la)[i - warmup] = s2 - s1;
  }
  return [median(Array.from(la, (ms) => ms * 1000)), median(Array.from(lb, (ms) => ms * 1000))];
}

export interface PipelinedResult {
  readonly callsPerSec: number;
  readonly calls: number;
  readonly cpuUsPerCall: Record<string, number>;
}

/**
 * Keeps `inflight` calls outstanding for `durationMs` (a new call starts as each one ends),
 * then lets the last ones finish; throughput = completed calls / time until the last answer.
 * `maxCalls` bounds the run on a very fast transport.
 */
export async function pipelined(
  fn: () => Promise<unknown>,
  inflight: number,
  durationMs: number,
  roles: readonly { role: string; pid: number }[],
  maxCalls = 5_000_000,
): Promise<PipelinedResult> {
  const pids = roles.map((r) => r.pid);
  const c0 = cpuNow(pids);
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  let launched = 0;
  let done = 0;
  await new Promise<void>((resolve, reject) => {
    let active = 0;
    const launch = (): void => {
      active++;
      launched++;
      fn().then(
        () => {
          done++;
          active--;
          if (launched < maxCalls && performance.now() < deadline) launch();
          else if (active === 0) resolve();
        },
        (err: unknown) => {
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    };
    for (let i = 0; i < inflight; i++) launch();
  });
  const elapsed = performance.now() - t0;
  const spent = cpuSpent(c0, cpuNow(pids), roles);
  return { callsPerSec: (done * 1000) / elapsed, calls: done, cpuUsPerCall: perCall(spent, done) };
}

function perCall(spent: Record<string, number>, calls: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(spent)) out[k] = v / calls;
  return out;
}

/** Sum of the per-role CPU µs per call. */
export function totalCpu(perCallByRole: Record<string, number>): number {
  return Object.values(perCallByRole).reduce((a, b) => a + b, 0);
}
