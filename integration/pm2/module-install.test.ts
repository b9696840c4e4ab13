// The real module path: `pm2 install file://<dir named pm2-dirty>` (pm2 requires the folder's
// basename to be the package name; npm only symlinks it, so it must hold node_modules already).
// The folder here holds symlinks to this checkout's package.json, dist and node_modules; the
// install runs offline with an empty npm cache.
import test from 'ava';
import { lstatSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, ROOT } from '../helpers/arbiter.js';
import { NAME, Pm2Sandbox, running } from '../helpers/pm2-sandbox.js';
import { waitFor } from '../helpers/wait-for.js';

const ECHO = `${FIXTURES}:Echo`;
const LIMITED = `${FIXTURES}:Limited`;
const sandbox = new Pm2Sandbox({
  npm_config_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
});
const moduleDir = join(sandbox.dir, NAME);
const moduleConf = (): Record<string, Record<string, unknown>> =>
  JSON.parse(readFileSync(join(sandbox.home, 'module_conf.json'), 'utf8')) as Record<string, Record<string, unknown>>;

test.before(() => {
  mkdirSync(moduleDir);
  for (const entry of ['package.json', 'dist', 'node_modules']) symlinkSync(join(ROOT, entry), join(moduleDir, entry));
});

test.after.always(async (t) => {
  for (const note of await sandbox.cleanup()) t.log(note);
});

test.serial('pm2 install file://…/pm2-dirty: the module runs, reads pm2 set config, answers triggers; uninstall leaves nothing', async (t) => {
  const lockfile = join(ROOT, 'node_modules/.package-lock.json');
  const lockBefore = statSync(lockfile).mtimeMs;
  const install = await sandbox.pm2(['install', `file://${moduleDir}`], { timeoutMs: 60_000, env: { npm_config_cache: join(sandbox.dir, 'npm-cache') } });
  t.regex(install.stdout, /Module successfully installed and launched/);
  t.is(statSync(lockfile).mtimeMs, lockBefore, 'npm did not write into the checkout');
  t.true(lstatSync(join(sandbox.home, 'modules', NAME, 'node_modules', NAME)).isSymbolicLink());
  t.like(moduleConf(), { 'module-db-v2': { [NAME]: {} }, [NAME]: { config: '' } });

  // No config yet: one clear error, exit 78, stopped (not a crash loop).
  let p = await sandbox.waitProcess('stopped with exit code 78', (x) => x.pm2_env.status === 'stopped' && x.pm2_env.exit_code === 78);
  t.true(p.pm2_env.pmx_module, 'listed as a module');
  t.like(p.pm2_env, { pmx: false, treekill: false, restart_time: 0 });
  t.regex(sandbox.logs().err, /ERROR: bad config: no config file/);

  const config = sandbox.writeConfig({ apps: [ECHO, LIMITED], workers: 2, maxWorkers: 4, gracefulTimeoutMs: 3000 });
  await sandbox.pm2(['set', `${NAME}:config`, config], { timeoutMs: 60_000 });
  p = await sandbox.waitProcess('online', (x) => x.pm2_env.status === 'online');
  t.true(p.pm2_env.pmx_module);
  t.is(moduleConf()[NAME]?.['config'], config);
  const s = await sandbox.converged(2);
  t.is(s.pid, p.pid);
  t.is(s.socket, join(sandbox.home, 'dirty', 'arbiter.sock'), 'the default socket path lives under PM2_HOME');
  t.deepEqual(
    s.apps.map((a) => a.name),
    [ECHO, LIMITED],
  );
  t.like(await sandbox.trigger('scale-up'), { ok: true, previous: 2, target: 3 });
  await sandbox.converged(3);

  const pids = [p.pid, ...sandbox.workers(p.pid).map((w) => w.pid)];
  t.is(pids.length, 4);
  await sandbox.pm2(['uninstall', NAME], { timeoutMs: 60_000 });
  await waitFor(() => pids.every((pid) => !running(pid)), 'the module and its workers to be gone', 10_000);
  t.is(await sandbox.describe(), undefined);
  t.deepEqual(moduleConf()['module-db-v2'], {});
  t.true(lstatSync(join(moduleDir, 'package.json')).isSymbolicLink(), 'uninstall removed only the link, not the source folder');
  // pm2 writes a process's log lines after it has read them from the pipe, and may drop the very last
  // ones of a process it is deleting (seen once on a loaded machine): the SIGINT line shows the ordered
  // stop began; the processes being gone (above) shows it ended.
  const out = await waitFor(() => /SIGINT: stopping the dirty pool/.test(sandbox.logs().out) && sandbox.logs().out, "the arbiter's SIGINT line", 10_000);
  t.regex(out, /SIGINT: stopping the dirty pool/, 'uninstall stopped it through the drain');
});
