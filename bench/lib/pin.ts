// Pinning for the one-call-at-a-time measurements (1 in flight, 1 MiB, the stash's round trip).
// Unpinned, such a round trip is decided by where the scheduler happens to put each process: a peer
// asleep on the other vCPU costs a cross-vCPU wake-up (about 20 µs each way on the 2-vCPU VM of
// docs/benchmarks.md), one on the same vCPU does not, and the same side measured 17 µs in one phase
// and 55 µs in the next. So by default (BENCH_PIN=split) the client (this process, all its threads)
// runs on the first CPU of the affinity and every other process of the transport measured on the
// second, the same layout for pm2-dirty, the floors and the peers; BENCH_PIN=none measures unpinned.
// Throughput windows (64 in flight, web tier) and scale-up always run unpinned.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const setting = process.env['BENCH_PIN'] ?? 'split';
if (setting !== 'split' && setting !== 'none') throw new Error(`BENCH_PIN: split or none, got ${setting}`);

/** The CPUs this process may use (Cpus_allowed_list), as taskset takes them. */
const allowed = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]?.trim() ?? '';

function cpuList(list: string): number[] {
  return list.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || Number.isNaN(a)) return [];
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

const cpus = cpuList(allowed);
const hasTaskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;

/** Why the one-at-a-time columns run unpinned, or null when they are pinned. */
export const pinOff: string | null =
  setting === 'none' ? 'BENCH_PIN=none' : !hasTaskset ? 'taskset is not installed' : cpus.length < 2 ? `only CPU ${allowed} is usable` : null;

/** How the report describes the layout. */
export const pinNote =
  pinOff === null
    ? `1 in flight, 1 MiB and the stash round trips pinned (BENCH_PIN=split): the client on CPU ${cpus[0]}, every other process of the transport on CPU ${cpus[1]}, alike for every row; throughput windows unpinned`
    : `not pinned (${pinOff})`;

function affinity(pid: number, list: string): void {
  const r = spawnSync('taskset', ['-a', '-cp', list, String(pid)], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`bench: taskset could not set the CPUs of pid ${pid} to ${list}`);
}

/** Runs `fn` with this process on the first CPU and `pids` on the second, then gives every one its CPUs back. */
export async function pinnedSplit<T>(pids: readonly number[], fn: () => Promise<T>): Promise<T> {
  if (pinOff !== null) return fn();
  const others = pids.filter((pid) => pid > 0);
  affinity(process.pid, String(cpus[0]));
  for (const pid of others) affinity(pid, String(cpus[1]));
  try {
    return await fn();
  } finally {
    affinity(process.pid, allowed);
    for (const pid of others) affinity(pid, allowed);
  }
}
