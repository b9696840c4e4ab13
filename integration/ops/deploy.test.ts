// The container recipe of docs/deploy.md without the container: pm2-runtime in the foreground with an
// ecosystem file, probed with `pm2-dirty ready`, stopped with SIGTERM as an orchestrator does. A call
// in flight when SIGTERM arrives still completes (kill_timeout above gracefulTimeoutMs).
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '../../src/client/index.js';
import { FIXTURES, MAIN, ROOT } from '../helpers/arbiter.js';
import { childrenOf, isAlive, listProcs } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait-for.js';
import { runCli } from '../cli/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dp-'));
const socketPath = join(dir, 's.sock');
const started: number[] = [];

test.after.always(async () => {
  // Everything this file started: pm2-runtime, then whatever still runs under it.
  const all = new Set(started);
  for (const pid of started) for (const p of listProcs().filter((x) => x.ppid === pid)) all.add(p.pid);
  for (const pid of all) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await waitFor(() => [...all].every((p) => !isAlive(p)), 'leftover processes to exit', 10_000).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

test('pm2-runtime runs the arbiter; ready goes 3 -> 0 -> 3; SIGTERM drains a call in flight and exits', async (t) => {
  const config = join(dir, 'dirty.config.mjs');
  writeFileSync(config, `export default ${JSON.stringify({ apps: [`${FIXTURES}:Echo`], workers: 2, gracefulTimeoutMs: 5000 })};\n`);
  const ecosystem = join(dir, 'ecosystem.config.cjs');
  const app = {
    name: 'pm2-dirty',
    script: MAIN,
    exec_mode: 'fork',
    instances: 1,
    pmx: false,
    treekill: false,
    kill_timeout: 8000,
    wait_ready: true,
    listen_timeout: 30000,
    stop_exit_codes: [78],
    env: { PM2_DIRTY_CONFIG: config, PM2_DIRTY_SOCKET: socketPath },
  };
  writeFileSync(ecosystem, `module.exports = ${JSON.stringify({ apps: [app] })};\n`);
  const env = { PM2_DIRTY_SOCKET: socketPath };

  t.is((await runCli(['--timeout', '1000', 'ready'], env)).code, 3, 'nothing listens yet: unreachable');
  let output = '';
  const runtime = spawn(join(ROOT, 'node_modules/.bin/pm2-runtime'), ['start', ecosystem], {
    env: { ...process.env, PM2_HOME: join(dir, 'pm2') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(runtime.pid ?? 0);
  runtime.stdout.on('data', (d: Buffer) => (output += d.toString()));
  runtime.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => runtime.once('exit', (code) => resolve(code)));

  const ready = await waitFor(
    async () => {
      const r = await runCli(['--timeout', '2000', 'ready'], env);
      return r.code === 0 ? r : false;
    },
    'pm2-dirty ready to exit 0',
    30_000,
    200,
  );
  t.is(ready.stdout, 'ready: 2 workers\n');
  const arbiterPid = childrenOf(runtime.pid ?? 0).find((p) => p.title === 'pm2-dirty: dirty-arbiter')?.pid;
  t.truthy(arbiterPid, 'the arbiter runs under pm2-runtime');

  const client = createClient({ socketPath, timeoutMs: 20_000 });
  t.teardown(() => client.close());
  const inFlight = client.execute(`${FIXTURES}:Echo`, 'sleep', 1500, 'finished');
  await waitFor(async () => ((await client.status()) as { calls: { inflight: number } }).calls.inflight === 1, 'the call to run');
  runtime.kill('SIGTERM');
  t.is(await inFlight, 'finished', 'the call in flight completes during the drain');
  t.is(await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running'), 20_000).unref())]), 0, output);
  t.false(existsSync(socketPath), 'the socket is removed');
  t.is((await runCli(['--timeout', '1000', 'ready'], env)).code, 3);
  t.false(isAlive(arbiterPid ?? 0));
});
