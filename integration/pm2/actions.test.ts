// The arbiter under a real pm2 daemon, started with package.json's module `apps` entry: ready,
// title, the four actions and their arity, SIGTTIN/SIGTTOU, trigger replies (exactly once, seen on
// pm2's bus), bad parameters, the minimum, a signal burst, metrics, logs, and `pm2 stop`.
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { createClient } from '../../src/client/index.js';
import { FIXTURES } from '../helpers/arbiter.js';
import { NAME, PACKAGE_APP, Pm2Sandbox, running, type ArbiterStatus, type BusReply, type Pm2Process, type ScaleReply } from '../helpers/pm2-sandbox.js';
import { waitFor } from '../helpers/wait-for.js';

const ECHO = `${FIXTURES}:Echo`;
const LIMITED = `${FIXTURES}:Limited`;
const GRACEFUL_MS = 3000;
const sandbox = new Pm2Sandbox();
let startMs = 0;
let replies: BusReply[] = [];

test.before(async () => {
  const config = sandbox.writeConfig({ apps: [ECHO, LIMITED], workers: 2, maxWorkers: 5, gracefulTimeoutMs: GRACEFUL_MS });
  const ecosystem = sandbox.writeEcosystem({ PM2_DIRTY_CONFIG: config, PM2_DIRTY_SOCKET: sandbox.socketPath });
  startMs = (await sandbox.pm2(['start', ecosystem], { timeoutMs: 60_000 })).ms;
  replies = await sandbox.openBus();
});

test.after.always(async (t) => {
  for (const note of await sandbox.cleanup()) t.log(note);
});

const REPLY_KEYS = ['ok', 'target', 'previous', 'live', 'minimum', 'maximum', 'message'];
const arbiterPid = async (): Promise<number> => {
  const out = (await sandbox.pm2(['pid', NAME])).stdout.trim().split('\n').pop() ?? '';
  const pid = Number(out);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`pm2 pid ${NAME} printed ${JSON.stringify(out)}`);
  sandbox.track(pid);
  return pid;
};
const count = (text: string, re: RegExp): number => text.match(new RegExp(re.source, 'g'))?.length ?? 0;

test.serial('starts like the installed module: ready promptly, titled, five actions with their arity', async (t) => {
  t.like(PACKAGE_APP, { name: NAME, exec_mode: 'fork', instances: 1, pmx: false, treekill: false, wait_ready: true });
  t.deepEqual(PACKAGE_APP['stop_exit_codes'], [78]);
  t.true((PACKAGE_APP['kill_timeout'] as number) > 30_000, 'kill_timeout is above the default gracefulTimeoutMs (30 s)');
  const listenTimeout = PACKAGE_APP['listen_timeout'] as number;
  t.true(startMs < listenTimeout / 2, `pm2 start returned after ${startMs} ms: the arbiter sent 'ready' (listen_timeout is ${listenTimeout} ms)`);

  const status = await sandbox.status();
  t.is(status.live, 2, "'ready' comes after the initial workers are up");
  const p = await sandbox.describe();
  t.is(p?.pm2_env.status, 'online');
  t.is(p?.pid, status.pid);
  t.is(readFileSync(`/proc/${status.pid}/cmdline`, 'utf8').replace(/\0+$/, ''), 'pm2-dirty: dirty-arbiter');
  t.deepEqual(
    sandbox.workers(status.pid).map((w) => w.title),
    Array(2).fill(`pm2-dirty: dirty-worker [${ECHO}, ${LIMITED}]`),
  );

  const custom = (p?.pm2_env.axm_actions ?? []).filter((a) => !a.action_name.startsWith('km:')).map((a) => ({ name: a.action_name, arity: a.arity }));
  t.deepEqual(custom, [
    { name: 'scale-up', arity: 2 },
    { name: 'scale-down', arity: 2 },
    { name: 'scale-to', arity: 2 },
    { name: 'status', arity: 1 },
    { name: 'reload', arity: 1 },
  ]);
  const show = (await sandbox.pm2(['show', NAME])).stdout;
  const listed = /Actions available([^]*?)Trigger via/.exec(show)?.[1] ?? '';
  for (const action of ['scale-up', 'scale-down', 'scale-to', 'status', 'reload']) t.regex(listed, new RegExp(`│ ${action} +│`), `pm2 show lists ${action}`);
});

test.serial('kill -TTIN on `pm2 pid` adds a worker, `pm2 sendSignal SIGTTOU` removes one', async (t) => {
  const pid = await arbiterPid();
  process.kill(pid, 'SIGTTIN');
  t.is((await sandbox.converged(3)).target, 3);
  await sandbox.pm2(['sendSignal', 'SIGTTOU', NAME]);
  t.is((await sandbox.converged(2)).target, 2);
  const out = sandbox.logs().out;
  t.regex(out, /SIGTTIN: Increasing dirty workers to 3\n/);
  t.regex(out, /SIGTTOU: Decreasing dirty workers to 2\n/);
});

test.serial('scale-up, scale-up 2, scale-up {"n":2}, scale-to, scale-down: each replies with the pool state', async (t) => {
  const scale = async (action: string, params: string[], want: Partial<ScaleReply>): Promise<ScaleReply> => {
    const r = await sandbox.trigger<ScaleReply>(action, params);
    const label = `${action} ${params.join(' ')}`;
    t.deepEqual(
      Object.keys(r)
        .filter((k) => k !== 'clampedBy')
        .sort(),
      [...REPLY_KEYS].sort(),
      label,
    );
    // `ok` means the target is what was asked for: a request cut at a bound replies ok false.
    t.like(r, { ok: want.clampedBy === undefined, minimum: 2, maximum: 5, ...want }, label);
    t.true(Number.isInteger(r.live) && r.live >= 0 && r.live <= 5, label);
    t.true(typeof r.message === 'string' && r.message.length > 0, label);
    return r;
  };
  await scale('scale-up', [], { previous: 2, target: 3 });
  await sandbox.converged(3);
  await scale('scale-down', [], { previous: 3, target: 2 });
  await scale('scale-up', ['2'], { previous: 2, target: 4 });
  await scale('scale-to', ['2'], { previous: 4, target: 2 });
  await scale('scale-up', ['{"n":2}'], { previous: 2, target: 4 });
  await sandbox.converged(4);
  const clamped = await scale('scale-up', ['2'], { previous: 4, target: 5, clampedBy: 'maximum' });
  t.regex(clamped.message, /5 workers/);
  await scale('scale-to', ['3'], { previous: 5, target: 3 });
  await sandbox.converged(3);
  const down = await scale('scale-down', [], { previous: 3, target: 2 });
  t.is(down.clampedBy, undefined);
  await sandbox.converged(2);
});

test.serial('status reports the pool, each worker process and the holders of each app', async (t) => {
  const s = await sandbox.status();
  for (const key of ['pid', 'socket', 'target', 'live', 'minimum', 'maximum', 'workers', 'apps']) t.true(key in s, `status has ${key}`);
  t.like(s, { pid: (await sandbox.describe())?.pid, socket: sandbox.socketPath, target: 2, live: 2, minimum: 2, maximum: 5 });
  const procs = new Set(sandbox.workers(s.pid).map((p) => p.pid));
  t.is(s.workers.length, 2);
  for (const w of s.workers) {
    t.true(Number.isInteger(w.id));
    t.true(procs.has(w.pid!), `worker ${w.id} (pid ${w.pid}) is a real child of the arbiter`);
    t.deepEqual(w.apps, [ECHO, LIMITED]);
    t.is(w.state, 'ready');
    t.is(w.inflight, 0);
    t.true(Number.isInteger(w.served) && w.served >= 0);
    t.true(typeof w.uptimeMs === 'number' && w.uptimeMs >= 0);
  }
  t.deepEqual(s.apps, [
    { name: ECHO, limit: null, holders: 2 },
    { name: LIMITED, limit: 2, holders: 2 },
  ]);
});

test.serial('bad parameters reply ok:false with a clear message, and the arbiter keeps running', async (t) => {
  const before = (await sandbox.describe())!;
  const cases: [string, string[], RegExp][] = [
    ['scale-to', ['abc'], /^scale-to expects a non-negative integer, as `pm2 trigger pm2-dirty scale-to 3` or '\{"n":3\}'; got "abc"/],
    // the CLI would read a bare -1 as an option: `--` passes it through
    ['scale-to', ['--', '-1'], /^scale-to expects a non-negative integer.*; got "-1"$/],
    ['scale-to', ['{"n":-1}'], /^scale-to expects a non-negative integer.*; got "\{\\"n\\":-1\}"$/],
    ['scale-up', ['{"x":1}'], /^scale-up expects a positive integer.*: unknown key "x" \(only "n" is accepted\)$/],
    ['scale-up', ['{"n":'], /: it is not valid JSON$/],
    ['scale-to', [], /^scale-to expects .*; no worker count was given$/],
    ['scale-down', ['0'], /^scale-down expects a positive integer.*; got "0"$/],
    ['scale-up', ['1.5'], /; got "1.5": it is not an integer$/],
  ];
  for (const [action, params, message] of cases) {
    const r = await sandbox.trigger<ScaleReply>(action, params);
    const label = `${action} ${params.join(' ')}`;
    t.like(r, { ok: false, target: 2, previous: 2, minimum: 2, maximum: 5 }, label);
    t.regex(r.message, message, label);
  }
  const after = (await sandbox.describe())!;
  t.is(after.pid, before.pid, 'same arbiter process');
  t.is(after.pm2_env.restart_time, before.pm2_env.restart_time, 'no restart');
  t.is(after.pm2_env.status, 'online');
  t.is((await sandbox.converged(2)).target, 2);
  t.regex(sandbox.logs().err, /WARNING: scale-to: refused: scale-to expects a non-negative integer/);
});

test.serial('SIGTTOU at the minimum keeps the minimum, and the limited app keeps both holders', async (t) => {
  const counted = (): number => count(sandbox.logs().err, /SIGTTOU: Cannot decrease below 2 workers \(required by app specs\)\n/);
  const seen = counted();
  for (let i = 1; i <= 2; i++) {
    await sandbox.pm2(['sendSignal', 'SIGTTOU', NAME]);
    await waitFor(() => counted() === seen + i, `SIGTTOU #${i} refused in the log`);
  }
  const r = await sandbox.trigger<ScaleReply>('scale-down', ['3']);
  t.like(r, { ok: false, previous: 2, target: 2, clampedBy: 'minimum' });
  t.regex(r.message, /Cannot decrease below 2 workers/);
  const s = await sandbox.converged(2);
  t.is(s.target, 2);
  t.is(s.apps.find((a) => a.name === LIMITED)?.holders, 2);
});

test.serial('a burst of 20 signals: live workers converge on the target that status reports', async (t) => {
  const pid = await arbiterPid();
  for (let i = 0; i < 20; i++) process.kill(pid, i % 3 === 2 ? 'SIGTTOU' : 'SIGTTIN');
  let previous: ArbiterStatus | undefined;
  const settled = await waitFor(
    async () => {
      const s = await sandbox.status();
      const procs = sandbox.workers(s.pid).length;
      const consistent = s.live === s.target && s.workers.length === s.target && s.workers.every((w) => w.state === 'ready') && procs === s.target;
      const stable = consistent && previous?.target === s.target && previous.live === s.live;
      previous = consistent ? s : undefined;
      return stable ? s : false;
    },
    'the pool to converge on its target',
    30_000,
    100,
  );
  t.true(settled.target >= 2 && settled.target <= 5);
  t.is(settled.apps.find((a) => a.name === LIMITED)?.holders, 2);
  t.is((await sandbox.describe())?.pm2_env.restart_time, 0);
  await sandbox.trigger('scale-to', ['2']);
  await sandbox.converged(2);
});

test.serial('metrics in pm2 jlist follow the pool: live workers, target, minimum, maximum, restarts', async (t) => {
  const metrics = async (want: Record<string, number>): Promise<Pm2Process> =>
    waitFor(
      async () => {
        const p = await sandbox.describe();
        const m = p?.pm2_env.axm_monitor ?? {};
        return Object.entries(want).every(([k, v]) => m[k]?.value === v) ? p : false;
      },
      `metrics ${JSON.stringify(want)}`,
      10_000,
      100,
    );
  const first = await metrics({ 'live workers': 2, target: 2, minimum: 2, maximum: 5, restarts: 0, 'recycled workers': 0, 'abandoned calls': 0 });
  t.is(first.pm2_env.axm_monitor?.['crash-loop breaker']?.value, 'closed');
  await sandbox.trigger('scale-to', ['3']);
  await metrics({ 'live workers': 3, target: 3, minimum: 2, maximum: 5 });
  const s = await sandbox.converged(3);
  const victim = s.workers[0]!.pid;
  process.kill(victim!, 'SIGKILL');
  const p = await metrics({ 'live workers': 3, target: 3, restarts: 1 });
  t.false(
    sandbox.workers(s.pid).some((w) => w.pid === victim),
    'the killed worker was replaced',
  );
  t.is(p.pm2_env.axm_monitor?.['live workers']?.value, 3);
  await sandbox.trigger('scale-to', ['2']);
  const back = await metrics({ 'live workers': 2, target: 2 });
  t.is(back.pm2_env.axm_monitor?.['target']?.value, 2);
});

test.serial('pm2 logs shows the gunicorn-style scale lines', async (t) => {
  // --raw prints the out log on stdout and the error log (warnings) on stderr
  const r = await sandbox.pm2(['logs', NAME, '--nostream', '--raw', '--lines', '1000']);
  const logs = `${r.stdout}\n${r.stderr}`;
  t.regex(logs, /\[pm2-dirty\] SIGTTIN: Increasing dirty workers to 3\n/);
  t.regex(logs, /\[pm2-dirty\] SIGTTOU: Decreasing dirty workers to 2\n/);
  t.regex(logs, /\[pm2-dirty\] scale-up: Increasing dirty workers to 4\n/);
  t.regex(logs, /\[pm2-dirty\] scale-to: Decreasing dirty workers to 3\n/);
  t.regex(logs, /\[pm2-dirty\] WARNING: scale-up: Increasing dirty workers to 5 \(capped at the maximum of 5 workers: maxWorkers is 5\)\n/);
  t.regex(logs, /\[pm2-dirty\] WARNING: SIGTTOU: Cannot decrease below 2 workers \(required by app specs\)\n/);
  t.regex(logs, /\[pm2-dirty\] Dirty arbiter ready: 2 workers \(target 2, minimum 2, maximum 5\)\n/);
});

test.serial('every trigger was answered exactly once (counted on the pm2 bus)', async (t) => {
  const sent = sandbox.triggersSent;
  await waitFor(() => replies.length >= sent, `${sent} replies on the bus`, 10_000);
  // One more round trip: a duplicate of any earlier reply would have arrived before this one.
  await sandbox.status();
  await waitFor(() => replies.length >= sent + 1, 'the last reply on the bus', 10_000);
  t.is(replies.length, sandbox.triggersSent, 'one axm:reply per pm2 trigger');
  t.true(replies.every((r) => r.process.name === NAME));
});

test.serial('pm2 stop sends SIGINT: the in-flight call finishes, workers stop, the arbiter exits 0', async (t) => {
  const s = await sandbox.status();
  const workers = sandbox.workers(s.pid).map((w) => w.pid);
  const client = createClient({ socketPath: sandbox.socketPath, timeoutMs: 20_000 });
  try {
    const slow = client.execute(ECHO, 'sleep', 600, 'done');
    await waitFor(async () => ((await client.status()) as { calls: { inflight: number } }).calls.inflight === 1, 'the slow call to run');
    const stop = sandbox.pm2(['stop', NAME], { timeoutMs: 30_000 });
    t.is(await slow, 'done', 'the call in flight finished during the drain');
    await stop;
  } finally {
    await client.close();
  }
  const p = await sandbox.waitProcess('stopped', (x) => x.pm2_env.status === 'stopped');
  t.is(p.pm2_env.exit_code, 0);
  await waitFor(() => !running(s.pid) && workers.every((w) => !running(w)), 'the arbiter and its workers to be gone', 10_000);
  t.false(existsSync(sandbox.socketPath), 'the socket file was removed');
  const out = sandbox.logs().out;
  t.regex(out, /SIGINT: stopping the dirty pool\n[^]*Dirty arbiter exiting/);
  t.regex(readFileSync(`${sandbox.home}/pm2.log`, 'utf8'), /App \[pm2-dirty:0\] exited with code \[0\] via signal \[SIGINT\]/);
});
