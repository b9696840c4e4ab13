// Process inspection for tests: children of a pid, process titles, liveness (Linux /proc).
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly title: string;
}

export function listProcs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const title = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
      out.push({ pid: Number(name), ppid, title });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

export function childrenOf(pid: number): ProcInfo[] {
  return listProcs().filter((p) => p.ppid === pid);
}

/** Dirty workers of an arbiter: its children titled `pm2-dirty: dirty-worker [...]`. */
export function workersOf(arbiterPid: number): ProcInfo[] {
  return childrenOf(arbiterPid).filter((p) => p.title.startsWith('pm2-dirty: dirty-worker'));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
