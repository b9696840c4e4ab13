// Under a real pm2 daemon (whose @pm2/io connection keeps the arbiter's loop alive), a config whose
// top-level await never settles stopped start-up with no log line and no end: now it logs one line
// at the load deadline (env PM2_DIRTY_LOAD_TIMEOUT_MS, here 2000 ms) and exits 78, which pm2 does
// not restart.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { Pm2Sandbox, type Pm2Process } from '../helpers/pm2-sandbox.js';

const sandbox = new Pm2Sandbox();

test.after.always(async (t) => {
  for (const note of await sandbox.cleanup()) t.log(note);
});

test('a config whose import never settles: one log line, exit 78, no restart', async (t) => {
  const config = join(sandbox.dir, 'never.config.mjs');
  writeFileSync(config, 'setInterval(() => {}, 1000);\nawait new Promise(() => {});\nexport default { apps: [] };\n');
  const ecosystem = sandbox.writeEcosystem({ PM2_DIRTY_SOCKET: sandbox.socketPath, PM2_DIRTY_CONFIG: config, PM2_DIRTY_LOAD_TIMEOUT_MS: '2000' });
  await sandbox.pm2(['start', ecosystem], { timeoutMs: 60_000 });
  const p = await sandbox.waitProcess('stopped with exit code 78', (x: Pm2Process) => x.pm2_env.status === 'stopped' && x.pm2_env.exit_code === 78);
  t.is(p.pm2_env.restart_time, 0, 'no crash loop');
  const lines = sandbox
    .logs()
    .err.split('\n')
    .filter((l) => l.includes('cannot start'));
  t.is(lines.length, 1, sandbox.logs().err);
  t.regex(lines[0]!, /cannot start: config \S+never\.config\.mjs did not finish loading within 2000 ms/);
});
