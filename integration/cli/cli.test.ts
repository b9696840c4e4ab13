// pm2-dirty, the command-line tool, against a real arbiter: every command and its exit code
// (0 done, 1 refused or failed, 2 usage, 3 arbiter unreachable, 78 bad config).
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, startArbiter, stopAfterAll, type RunningArbiter } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';
import { runCli, type CliResult } from './run-cli.js';

const running = stopAfterAll(test);
const ECHO = `${FIXTURES}:Echo`;
const LIMITED = `${FIXTURES}:Limited`;

let shared: Promise<RunningArbiter> | undefined;
/** One arbiter for the tests that do not change its size. */
function arbiter(): Promise<RunningArbiter> {
  shared ??= startArbiter({ config: { apps: [ECHO], workers: 2, maxWorkers: 4 } }).then((a) => {
    running.push(a);
    return a;
  });
  return shared;
}

const cli = async (a: RunningArbiter, ...args: string[]): Promise<CliResult> => runCli(args, { PM2_DIRTY_SOCKET: a.socketPath });
const json = (r: CliResult): Record<string, unknown> => JSON.parse(r.stdout) as Record<string, unknown>;

test('status prints a table of workers and apps; --json the report itself', async (t) => {
  const a = await arbiter();
  const table = await cli(a, 'status');
  t.is(table.code, 0, table.stderr);
  t.regex(table.stdout, /pool: 2 live workers, target 2 \(minimum 1, maximum 4\)/);
  t.regex(table.stdout, /WORKER\s+PID\s+STATE/);
  t.is(table.stdout.match(/\bready\b/g)?.length, 2);
  t.regex(table.stdout, new RegExp(`${ECHO.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s+-\\s+2`));
  const r = await cli(a, 'status', '--json');
  t.is(r.code, 0);
  t.like(json(r), { pid: a.pid, live: 2, target: 2 });
});

test('the socket comes from --socket, else PM2_DIRTY_SOCKET, else $PM2_HOME/dirty/arbiter.sock', async (t) => {
  const a = await arbiter();
  t.is((await runCli(['--socket', a.socketPath, 'status', '--json'], { PM2_DIRTY_SOCKET: '/nonexistent/x.sock' })).code, 0);
  const home = mkdtempSync(join(tmpdir(), 'da-home-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const r = await runCli(['status'], { PM2_DIRTY_SOCKET: '', PM2_HOME: home });
  t.is(r.code, 3);
  t.true(r.stderr.includes(join(home, 'dirty', 'arbiter.sock')), r.stderr);
});

test('an unreachable arbiter exits 3 for every command that needs it', async (t) => {
  for (const args of [['status'], ['ready'], ['scale', 'up'], ['reload'], ['call', 'a', 'b'], ['stash', 'ls']]) {
    const r = await runCli(['--socket', '/nonexistent/dir/s.sock', '--timeout', '2000', ...args]);
    t.is(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, /arbiter unreachable at \/nonexistent\/dir\/s\.sock: ENOENT/);
  }
});

test('usage errors exit 2', async (t) => {
  const a = await arbiter();
  for (const args of [
    ['bogus'],
    ['scale', 'up', '-1'],
    ['scale', 'to'],
    ['scale', 'up', 'two'],
    ['call', ECHO, 'echo', 'not-json'],
    ['--timeout', '0', 'status'],
    ['stash', 'put', 't', 'k', '{bad'],
  ]) {
    const r = await cli(a, ...args);
    t.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
  t.is((await cli(a, '--help')).code, 0);
});

test('call prints the result as JSON; an app error exits 1 with its type; --stream prints one item per line', async (t) => {
  const a = await arbiter();
  const ok = await cli(a, 'call', ECHO, 'echo', '{"a":[1,"x",null]}');
  t.is(ok.code, 0, ok.stderr);
  t.deepEqual(JSON.parse(ok.stdout), { a: [1, 'x', null] });
  const kw = await cli(a, 'call', ECHO, 'withKwargs', '1', '--kwargs', '{"k":2}');
  t.deepEqual(JSON.parse(kw.stdout), { a: 1, kwargs: { k: 2 } });
  const raw = await cli(a, 'call', ECHO, 'echo', '"plain text"', '--raw');
  t.is(raw.stdout, 'plain text');
  const failed = await cli(a, 'call', ECHO, 'fail', '"boom"');
  t.is(failed.code, 1);
  t.regex(failed.stderr, /DirtyAppError \(DIRTY_ERR_APP\): boom/);
  t.regex(failed.stderr, /"error_type":"RangeError"/);
  const missing = await cli(a, 'call', 'no-such-app', 'x');
  t.is(missing.code, 1);
  t.regex(missing.stderr, /App not found: no-such-app/);
  const stream = await cli(a, 'call', '--stream', ECHO, 'count', '4');
  t.is(stream.code, 0, stream.stderr);
  t.is(stream.stdout, '0\n1\n2\n3\n');
  const timedOut = await cli(a, '--timeout', '300', 'call', ECHO, 'sleep', '5000');
  t.is(timedOut.code, 1, 'a call that times out failed; the arbiter was reachable');
  t.regex(timedOut.stderr, /DirtyTimeoutError/);
});

test('stash put, get, ls, del and clear', async (t) => {
  const a = await arbiter();
  t.is((await cli(a, 'stash', 'put', 'cli', 'k1', '{"n":1}')).code, 0);
  t.is((await cli(a, 'stash', 'put', 'cli', 'k2', '"two"', '--ttl', '60000')).code, 0);
  t.deepEqual(JSON.parse((await cli(a, 'stash', 'get', 'cli', 'k1')).stdout), { n: 1 });
  t.true((await cli(a, 'stash', 'ls')).stdout.split('\n').includes('cli'));
  t.deepEqual((await cli(a, 'stash', 'ls', 'cli')).stdout.split('\n').filter(Boolean).sort(), ['k1', 'k2']);
  t.deepEqual((await cli(a, 'stash', 'ls', 'cli', 'k2*')).stdout, 'k2\n');
  t.is((await cli(a, 'stash', 'del', 'cli', 'k1')).code, 0);
  const gone = await cli(a, 'stash', 'get', 'cli', 'k1');
  t.is(gone.code, 1);
  t.regex(gone.stderr, /no key "k1" in table "cli"/);
  t.is((await cli(a, 'stash', 'del', 'cli', 'k1')).code, 1, 'deleting a missing key is refused');
  t.is((await cli(a, 'stash', 'clear', 'cli')).code, 0);
  t.is((await cli(a, 'stash', 'ls', 'cli')).stdout, '');
});

test('scale up, down and to: the reply, the exit code and the pool agree; a clamped request is refused (ok false, exit 1)', async (t) => {
  const a = await startArbiter({ config: { apps: [ECHO, LIMITED], workers: 2, maxWorkers: 3 } });
  running.push(a);
  const up = await cli(a, 'scale', 'up', '--json');
  t.is(up.code, 0, up.stderr);
  t.like(json(up), { ok: true, previous: 2, target: 3 });
  const over = await cli(a, 'scale', 'up');
  t.is(over.code, 1);
  t.regex(over.stdout, /Cannot increase above 3 workers \(maxWorkers is 3\)/);
  const partly = await cli(a, 'scale', 'to', '9', '--json');
  t.is(partly.code, 1);
  t.like(json(partly), { ok: false, target: 3, clampedBy: 'maximum' });
  const down = await cli(a, 'scale', 'down', '--json');
  t.is(down.code, 0);
  t.like(json(down), { ok: true, previous: 3, target: 2 });
  const under = await cli(a, 'scale', 'down', '--json');
  t.is(under.code, 1);
  t.like(json(under), { ok: false, target: 2, clampedBy: 'minimum', message: 'Cannot decrease below 2 workers (required by app specs)' });
  const to = await cli(a, 'scale', 'to', '3');
  t.is(to.code, 0);
  await waitFor(async () => (json(await cli(a, 'status', '--json'))['live'] === 3 ? true : false), '3 live workers');
});

test('reload replaces every worker; a config with no change reports none', async (t) => {
  const a = await startArbiter({ config: { apps: [ECHO], workers: 2, maxWorkers: 4 } });
  running.push(a);
  const before = new Set(a.workerPids());
  const r = await cli(a, 'reload', '--json');
  t.is(r.code, 0, r.stderr);
  t.like(json(r), { ok: true, message: 'reloading 2 workers one at a time', changes: [] });
  await waitFor(
    () => {
      const now = a.workerPids();
      return now.length === 2 && now.every((p) => !before.has(p));
    },
    'both workers replaced',
    20_000,
  );
  t.notRegex(a.log(), /config change/);
  writeFileSync(join(a.dir, 'dirty.config.mjs'), `export default ${JSON.stringify({ apps: [ECHO], workers: 2, maxWorkers: 5, wokers: 1 })};\n`);
  const refused = await cli(a, 'reload');
  t.is(refused.code, 1, 'a bad config refuses the reload');
  t.regex(refused.stdout, /unknown key `wokers` \(did you mean `workers`\?\)/);
});

test('ready exits 1 while no worker can serve an app, 0 once one can', async (t) => {
  const a = await startArbiter({ config: { apps: [`${FIXTURES}:SlowInit`], workers: 1 }, env: { SLOW_INIT_MS: '4000' }, noWait: true });
  running.push(a);
  await waitFor(async () => (await cli(a, 'ready')).code !== 3, 'the socket to listen');
  const early = await cli(a, 'ready');
  t.is(early.code, 1, early.stdout);
  t.regex(early.stdout, /not ready: no ready worker/);
  await waitFor(async () => (await cli(a, 'ready')).code === 0, 'ready', 20_000);
  t.is((await cli(a, 'ready')).stdout, 'ready: 1 worker\n');
});

test('top refreshes the status the given number of times', async (t) => {
  const a = await arbiter();
  const r = await cli(a, 'top', '--interval', '100', '-n', '3');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.match(/^pm2-dirty arbiter pid/gm)?.length, 3);
});

test('check validates a config and probes its apps without a pool: exit 0, or 78 with one line per problem', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'da-check-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const good = join(dir, 'good.mjs');
  writeFileSync(good, `export default ${JSON.stringify({ apps: [ECHO, LIMITED], maxWorkers: 4 })};\n`);
  const ok = await runCli(['check', good]);
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stdout, /: ok\n/);
  t.regex(ok.stdout, /workers: 2 \(minimum 2, maximum 4: maxWorkers is 4\)/);
  const bad = join(dir, 'bad.mjs');
  writeFileSync(bad, `export default ${JSON.stringify({ apps: [`${FIXTURES}:Nope`, `${FIXTURES}:InitFails`], wokers: 2, timeoutMS: 5 })};\n`);
  const r = await runCli(['check', bad]);
  t.is(r.code, 78);
  const lines = r.stderr.trim().split('\n');
  t.is(lines.length, 2, r.stderr);
  t.regex(lines[0] ?? '', /unknown key `wokers` \(did you mean `workers`\?\)$/);
  t.regex(lines[1] ?? '', /unknown key `timeoutMS` \(did you mean `timeoutMs`\?\)$/);
  const badApp = join(dir, 'bad-app.mjs');
  writeFileSync(badApp, `export default ${JSON.stringify({ apps: [`${FIXTURES}:Nope`] })};\n`);
  const probe = await runCli(['check', badApp]);
  t.is(probe.code, 78);
  t.regex(probe.stderr, /apps\[0\] \(.*:Nope\): /);
  t.is((await runCli(['check', join(dir, 'missing.mjs')])).code, 78);
});
