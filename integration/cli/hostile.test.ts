// pm2-dirty against what a hostile or broken environment offers: durations a timer cannot hold, a
// socket that accepts but never answers, a socket path that is a plain file, a config that never
// loads, a stream printed into a pipe nobody reads.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, startArbiter, stopAfterAll } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';
import { CLI, runCli } from './run-cli.js';

const running = stopAfterAll(test);
const dir = mkdtempSync(join(tmpdir(), 'dcli-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test('a duration no timer can hold (above 2147483647 ms) is a usage error, not an instant timeout', async (t) => {
  const a = await startArbiter({ config: { apps: [`${FIXTURES}:Echo`], workers: 1 } });
  running.push(a);
  for (const args of [
    ['--timeout', '3000000000', 'status'],
    ['top', '--interval', '3000000000', '-n', '1'],
    ['stash', 'put', 't', 'k', '1', '--ttl', '3000000000'],
  ]) {
    const r = await runCli(args, { PM2_DIRTY_SOCKET: a.socketPath });
    t.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, /at most 2147483647/);
  }
  t.is((await runCli(['--timeout', '2147483647', 'status', '--json'], { PM2_DIRTY_SOCKET: a.socketPath })).code, 0);
});

test('a socket that accepts but never answers: every control command exits 3 within its --timeout', async (t) => {
  const path = join(dir, 'silent.sock');
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.resume(); // reads everything, answers nothing
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  for (const args of [['status'], ['ready'], ['scale', 'up'], ['reload'], ['stash', 'ls', 't']]) {
    const started = performance.now();
    const r = await runCli(['--socket', path, '--timeout', '1000', ...args]);
    t.is(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, /did not answer within 1000 ms/);
    t.true(performance.now() - started < 10_000, `${args.join(' ')} took ${performance.now() - started} ms`);
  }
});

test('a socket path that is a regular file exits 3', async (t) => {
  const path = join(dir, 'file.sock');
  writeFileSync(path, 'not a socket');
  const r = await runCli(['--socket', path, '--timeout', '1000', 'status']);
  t.is(r.code, 3, r.stderr);
  t.regex(r.stderr, /arbiter unreachable at .*file\.sock: ECONNREFUSED/);
});

test('check of a config whose top-level await never settles exits 78 and says so (it exited 0 with no output)', async (t) => {
  const path = join(dir, 'never.mjs');
  writeFileSync(path, 'await new Promise(() => {});\nexport default { apps: [] };\n');
  const r = await runCli(['check', path]);
  t.is(r.code, 78, r.stderr);
  t.regex(r.stderr, /never\.mjs: the config never finished loading/);
  t.is(r.stdout, '');
});

test('check of a config that awaits forever while a timer holds the loop exits 78 within the load deadline (it hung)', async (t) => {
  const path = join(dir, 'never-timer.mjs');
  writeFileSync(path, 'setInterval(() => {}, 1000);\nawait new Promise(() => {});\nexport default { apps: [] };\n');
  const started = performance.now();
  const r = await runCli(['check', path], { PM2_DIRTY_LOAD_TIMEOUT_MS: '1500' });
  t.is(r.code, 78, r.stderr);
  t.regex(r.stderr, /config \S+never-timer\.mjs did not finish loading within 1500 ms/);
  t.is(r.stdout, '');
  t.true(performance.now() - started < 15_000, `took ${Math.round(performance.now() - started)} ms`);
});

test('call --stream into a pipe nobody reads: the CLI waits for the pipe, so the generator waits too', async (t) => {
  const journal = mkdtempSync(join(tmpdir(), 'dcli-j-'));
  t.teardown(() => rmSync(journal, { recursive: true, force: true }));
  const a = await startArbiter({ config: { apps: [`${FIXTURES}:Echo`], workers: 1 }, env: { FIXTURE_JOURNAL: journal } });
  running.push(a);
  // 2000 chunks of 64 KiB (125 MiB as JSON lines much more) into a stdout pipe that is never read.
  const cli = spawn(process.execPath, [CLI, '--socket', a.socketPath, 'call', `${FIXTURES}:Echo`, 'blobs', '"k"', '2000', '65536', '--stream'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cli.stdout.pause();
  t.teardown(() => cli.kill('SIGKILL'));
  const events = (): string[] => {
    try {
      return readFileSync(join(journal, 'k'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { ev: string }).ev);
    } catch {
      return [];
    }
  };
  await waitFor(() => events().includes('start'), 'the generator to start');
  // Give a CLI that ignores its pipe time to take the whole stream into its own memory.
  const settled = await waitFor(() => events().some((e) => e.startsWith('closed')), 'the generator to finish', 3000).catch(() => false);
  t.false(settled, `the generator ran to its end into the CLI's memory: ${events().join(', ')}`);
  cli.kill('SIGTERM');
  await waitFor(() => events().some((e) => e.startsWith('closed')), 'the generator to be closed once the CLI is gone');
  const closed = events().find((e) => e.startsWith('closed')) ?? '';
  t.true(Number(/closed after (\d+)/.exec(closed)?.[1]) < 2000, closed);
});
