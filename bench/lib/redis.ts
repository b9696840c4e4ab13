// A redis-server of our own for the stash rows: started on a Unix socket in the bench's temp dir,
// persistence off, stopped with every process the bench started.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { exited, started } from './proc.js';

export function redisInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function startRedis(path: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', '0', '--unixsocket', path, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  started.add(child);
  void exited(child).then(() => started.delete(child));
  for (let i = 0; i < 200 && !existsSync(path); i++) {
    if (child.exitCode !== null) break;
    await delay(25);
  }
  if (!existsSync(path)) throw new Error(`bench: redis-server did not create ${path} within 5 s`);
  return child;
}
