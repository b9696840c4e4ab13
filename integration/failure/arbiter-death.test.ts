// The arbiter dies (kill -9): no worker outlives it; a new arbiter reclaims the stale socket on
// the same path; a live arbiter is never displaced by a newcomer on its socket.
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import test from 'ava';
import { FIXTURES, startArbiter, stopAfterAll } from '../helpers/arbiter.js';
import { isAlive } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait-for.js';

const running = stopAfterAll(test);

const config = { apps: [`${FIXTURES}:Echo`], workers: 2 };

test('kill -9 of the arbiter: its workers exit by themselves; a new arbiter reclaims the socket and an old client reconnects', async (t) => {
  const first = await startArbiter({ config, keepDir: true });
  const client = first.client(10_000);
  t.is(await client.execute(`${FIXTURES}:Echo`, 'echo', 1), 1);
  const workers = first.workerPids();
  t.is(workers.length, 2);
  first.proc.kill('SIGKILL');
  await first.exited;
  await waitFor(() => workers.every((w) => !isAlive(w)), 'the orphaned workers to exit');
  const pending = client.execute(`${FIXTURES}:Echo`, 'echo', 'after restart');
  const second = await startArbiter({ config, dir: first.dir });
  running.push(second);
  t.is(second.socketPath, first.socketPath);
  t.is(await pending, 'after restart', 'a call made while the arbiter was down went through once it was back');
  t.is(await client.execute(`${FIXTURES}:Echo`, 'echo', 2), 2);
});

test('socket 0600 in a 0700 directory; a process of another user cannot connect', async (t) => {
  const a = await startArbiter({ config });
  running.push(a);
  t.is(statSync(a.socketPath).mode & 0o777, 0o600);
  t.is(statSync(dirname(a.socketPath)).mode & 0o777, 0o700);
  if (process.getuid?.() !== 0) {
    t.log('not root: cannot start a process as another user here; permission bits checked only');
    return;
  }
  const { spawnSync } = await import('node:child_process');
  const probe = `require('net').connect(${JSON.stringify(a.socketPath)}).on('connect',()=>{console.log('connected');process.exit(0)}).on('error',e=>{console.log(e.code);process.exit(0)})`;
  const r = spawnSync(process.execPath, ['-e', probe], { uid: 65534, gid: 65534, encoding: 'utf8' });
  t.is(r.stdout.trim(), 'EACCES', `a process running as uid 65534 (nobody) is refused: ${r.stderr}`);
});

test('a second arbiter on a live socket refuses to start (exit 78) and never touches the first', async (t) => {
  const first = await startArbiter({ config });
  running.push(first);
  const workers = first.workerPids();
  const second = await startArbiter({ config, dir: first.dir, keepDir: true, noWait: true });
  const { code } = await second.exited;
  t.is(code, 78);
  t.regex(second.log(), /another dirty arbiter is serving .* refusing to start a second one on the same socket/);
  t.true(isAlive(first.pid));
  t.deepEqual(first.workerPids(), workers);
  t.is(await first.client().execute(`${FIXTURES}:Echo`, 'echo', 'still mine'), 'still mine');
});
