// What the numbers were measured on: CPU model, vCPUs, affinity, kernel, Node, load, date.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, cpus, loadavg, release } from 'node:os';

export interface Machine {
  readonly date: string;
  readonly cpuModel: string;
  readonly cpus: number;
  readonly usableCpus: number;
  readonly affinity: string;
  readonly kernel: string;
  readonly node: string;
  readonly load: string;
  /** git HEAD, how many paths differ from it, and when dist/ was built: what was measured. */
  readonly build: string;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function loadNow(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

function buildInfo(root: string): string {
  let head = 'unknown commit';
  let changed = '';
  try {
    head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((l) => l !== '').length;
    changed = dirty > 0 ? ` + ${dirty} uncommitted paths` : ' (clean)';
  } catch {
    // not a git checkout
  }
  let built = 'unknown';
  try {
    built = statSync(join(root, 'dist/pm2/main.js')).mtime.toISOString();
  } catch {
    // not built
  }
  return `git ${head}${changed}; dist/ built ${built}`;
}

export function machine(root: string): Machine {
  const model = /^model name\s*:\s*(.+)$/m.exec(read('/proc/cpuinfo'))?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  const affinity = /^Cpus_allowed_list:\s*(.+)$/m.exec(read('/proc/self/status'))?.[1]?.trim() ?? 'unknown';
  return {
    date: new Date().toISOString(),
    cpuModel: model,
    cpus: cpus().length,
    usableCpus: availableParallelism(),
    affinity,
    kernel: `Linux ${release()}`,
    node: process.version,
    load: loadNow(),
    build: buildInfo(root),
  };
}
