// Config through pm2's module config: a process named pm2-dirty started
// without PM2_DIRTY_CONFIG reads `pm2 set pm2-dirty:<key>` (injected as JSON in env `pm2-dirty`,
// values as strings, each `pm2 set` restarting it). A bad config is one clear error and exit 78,
// which pm2 does not restart (stop_exit_codes).
import test from 'ava';
import { FIXTURES } from '../helpers/arbiter.js';
import { NAME, Pm2Sandbox, running, type Pm2Process } from '../helpers/pm2-sandbox.js';
import { waitFor } from '../helpers/wait-for.js';

const ECHO = `${FIXTURES}:Echo`;
const LIMITED = `${FIXTURES}:Limited`;
const sandbox = new Pm2Sandbox();

test.after.always(async (t) => {
  for (const note of await sandbox.cleanup()) t.log(note);
});

const badConfigLines = (): string[] =>
  sandbox
    .logs()
    .err.split('\n')
    .filter((l) => l.includes('ERROR: bad config'));
/** The bad-config lines after the first `seen`, once one is there: pm2 may report the exit before the log line reaches the file. */
const newBadConfigLines = (seen: number): Promise<string[]> =>
  waitFor(() => {
    const lines = badConfigLines().slice(seen);
    return lines.length > 0 && lines;
  }, 'a new `bad config` line in the error log');
/** The error log once it matches `re` (it is written asynchronously to the exit pm2 reports). */
const errLogMatching = (re: RegExp): Promise<string> => waitFor(() => re.test(sandbox.logs().err) && sandbox.logs().err, `the error log to match ${re}`);
const moduleEnv = (p: Pm2Process): Record<string, unknown> => {
  const raw = p.pm2_env[NAME];
  return JSON.parse(typeof raw === 'string' ? raw : '{}') as Record<string, unknown>;
};

/** `pm2 set`, then the restarted process in the wanted state. */
async function set(key: string, value: string, before: Pm2Process, ok: (p: Pm2Process) => boolean): Promise<Pm2Process> {
  const out = (await sandbox.pm2(['set', `${NAME}:${key}`, value], { timeoutMs: 60_000 })).stdout;
  if (!/Setting changed/.test(out)) throw new Error(`pm2 set ${NAME}:${key} ${value} printed:\n${out}`);
  // restart_time does not move when pm2 set restarts a stopped process: pm_uptime (last start) does.
  return sandbox.waitProcess(`restarted after pm2 set ${key}`, (p) => Number(p.pm2_env['pm_uptime']) > Number(before.pm2_env['pm_uptime']) && ok(p));
}
const online = (p: Pm2Process): boolean => p.pm2_env.status === 'online';
const stopped78 = (p: Pm2Process): boolean => p.pm2_env.status === 'stopped' && p.pm2_env.exit_code === 78;

test.serial('without a config it logs one clear error and exits 78, and pm2 does not restart it', async (t) => {
  const ecosystem = sandbox.writeEcosystem({ PM2_DIRTY_SOCKET: sandbox.socketPath });
  const started = await sandbox.pm2(['start', ecosystem], { timeoutMs: 60_000 });
  t.true(started.ms < 15_000, `pm2 start returned after ${started.ms} ms`);
  const p = await sandbox.waitProcess('stopped with exit code 78', stopped78);
  t.is(p.pm2_env.restart_time, 0, 'no crash loop');
  const lines = await newBadConfigLines(0);
  t.is(lines.length, 1, lines.join('\n'));
  t.regex(lines[0]!, /no config file: set env PM2_DIRTY_CONFIG=\/abs\/path or run `pm2 set pm2-dirty:config \/abs\/path`$/);
  t.regex(await errLogMatching(/not starting: 1 problem/), /not starting: 1 problem in the config \(exit 78/);
});

test.serial('`pm2 set pm2-dirty:config <path>` starts it with that file', async (t) => {
  const config = sandbox.writeConfig({ apps: [ECHO, LIMITED], maxWorkers: 4, gracefulTimeoutMs: 3000 });
  const before = (await sandbox.describe())!;
  const p = await set('config', config, before, online);
  t.is(moduleEnv(p)['config'], config, 'pm2 injected the module config as JSON in env pm2-dirty');
  const s = await sandbox.converged(2);
  t.deepEqual(
    s.apps.map((a) => a.name),
    [ECHO, LIMITED],
  );
  t.is(s.socket, sandbox.socketPath);
  t.like(s, { target: 2, minimum: 2, maximum: 4 });
});

test.serial('`pm2 set pm2-dirty:workers 3` (a string) restarts it with three workers', async (t) => {
  const before = (await sandbox.describe())!;
  const p = await set('workers', '3', before, online);
  t.not(p.pid, before.pid);
  t.is(moduleEnv(p)['workers'], '3', 'pm2 delivers the value as a string');
  const s = await sandbox.converged(3);
  t.is(s.target, 3);
  t.is(s.apps.find((a) => a.name === LIMITED)?.holders, 2);
});

test.serial('`pm2 set pm2-dirty:workers 0`: one error naming the key and the value, exit 78, no crash loop', async (t) => {
  const before = (await sandbox.describe())!;
  const workers = sandbox.workers(before.pid).map((w) => w.pid);
  t.is(workers.length, 3);
  const seen = badConfigLines().length;
  const p = await set('workers', '0', before, stopped78);
  t.is(moduleEnv(p)['workers'], '0');
  const lines = await newBadConfigLines(seen);
  t.is(lines.length, 1, lines.join('\n'));
  t.regex(lines[0]!, /`workers` must be a positive integer, got "0" \(string\)/);
  await waitFor(() => workers.every((w) => !running(w)), 'the old workers to be stopped with the old arbiter', 10_000);
});

test.serial('a stopped arbiter comes back with the next good `pm2 set`; an unknown key in the file is named', async (t) => {
  let p = await set('workers', '2', (await sandbox.describe())!, online);
  t.is((await sandbox.converged(2)).target, 2);
  const bad = sandbox.writeConfig({ apps: [ECHO], wrokers: 2 }, 'bad.config.mjs');
  const seen = badConfigLines().length;
  p = await set('config', bad, p, stopped78);
  const lines = await newBadConfigLines(seen);
  t.is(lines.length, 1, lines.join('\n'));
  t.regex(lines[0]!, /bad\.config\.mjs: unknown key `wrokers` \(did you mean `workers`\?\)$/);
  t.is(p.pm2_env.status, 'stopped');
  // Six starts (pm2 start and five pm2 set): three good, three refused; nothing restarted on its own.
  t.is(badConfigLines().length, 3, 'one error per refused start');
  t.is(sandbox.logs().out.match(/Dirty arbiter listening on /g)?.length, 3);
});

test.serial('`pm2 set pm2-dirty:workers 3` when every app is limited to 1 is refused, not silently cut; `pm2 unset` then `pm2 restart` recovers', async (t) => {
  await sandbox.pm2(['unset', `${NAME}:workers`]); // the earlier tests left workers 2, more than this config allows
  const p = await set('config', sandbox.writeConfig({ apps: [`${FIXTURES}:Single`] }, 'single.config.mjs'), (await sandbox.describe())!, online);
  t.like(await sandbox.converged(1), { target: 1, maximum: 1 });
  const seen = badConfigLines().length;
  await set('workers', '3', p, stopped78);
  const lines = await newBadConfigLines(seen);
  t.is(lines.length, 1, lines.join('\n'));
  t.regex(lines[0]!, /`workers` \(3\) is above the maximum of 1 \(every app is limited; the largest limit is 1\)/);
  t.regex(await errLogMatching(/pm2 unset/), /`pm2 unset pm2-dirty:<key>` followed by `pm2 restart pm2-dirty`/);
  // pm2 unset only edits module_conf.json: the stopped module stays stopped until restarted.
  await sandbox.pm2(['unset', `${NAME}:workers`]);
  t.is((await sandbox.describe())?.pm2_env.status, 'stopped');
  await sandbox.pm2(['restart', NAME], { timeoutMs: 60_000 });
  await sandbox.waitProcess('online after pm2 restart', online);
  t.like(await sandbox.converged(1), { target: 1 });
});
