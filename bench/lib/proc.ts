// Process plumbing for the benchmark: fork a helper and wait for its 'ready', CPU time of a pid
// from /proc, and stopping only the processes this run started (by pid, with a SIGKILL fallback).
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/** Every child this run forked, so that cleanup can reach them even after an error. */
export const started = new Set<ChildProcess>();

/** Rejects with a clear message when `promise` does not settle in `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`bench: timed out after ${ms} ms waiting for ${what}`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Forks a plain Node script (no tsx loader, `execArgv` as node flags) and resolves once it sends 'ready' over IPC. */
export async function forkReady(script: string, args: readonly string[], timeoutMs = 15_000, execArgv: readonly string[] = []): Promise<ChildProcess> {
  const child = fork(script, args, { execArgv: [...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  started.add(child);
  void exited(child).then(() => started.delete(child));
  await within(
    new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code, signal) => reject(new Error(`${script} exited before ready (code ${code}, signal ${signal})`)));
    }),
    timeoutMs,
    `${script} to be ready`,
  );
  return child;
}

/** Sends `signal` to a child we started and waits for it to exit; SIGKILL after `graceMs`. */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const pid = child.pid;
  if (pid === undefined) return;
  const gone = exited(child);
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const finished = await Promise.race([gone.then(() => true), delay(graceMs).then(() => false)]);
  if (!finished) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await gone;
  }
}

/** Clock ticks per second of /proc/<pid>/stat utime/stime (USER_HZ: 100 on Linux). */
const USER_HZ = 100;

/**
 * CPU time of a live process in µs, all threads: the sum of the threads' run time from
 * /proc/<pid>/task/<tid>/schedstat (ns), else utime + stime from /proc/<pid>/stat (10 ms ticks).
 * 0 if the process is gone.
 */
/** Write system calls the process has made so far (`syscw` of /proc/<pid>/io; 0 when unreadable). */
export function writesOfPid(pid: number): number {
  try {
    const m = /^syscw: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m === null ? 0 : Number(m[1]);
  } catch {
    return 0;
  }
}

export function cpuOfPid(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    }
    if (Number.isFinite(ns) && ns > 0) return ns / 1000;
  } catch {
    // no schedstat (or the process ended): fall back to /proc/<pid>/stat
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ": state is field 3, utime field 14, stime field 15 (1-based over the whole line).
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1e6) / USER_HZ;
  } catch {
    return 0;
  }
}

/** Direct children of `ppid` whose command line contains `needle` (Linux /proc). */
export function childrenMatching(ppid: number, needle: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== ppid) continue;
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) out.push(Number(name));
    } catch {
      // ended while we looked
    }
  }
  return out;
}
