// Remembered scale under pm2: a target set at runtime with persistTarget survives `pm2 restart`.
import test from 'ava';
import { FIXTURES } from '../helpers/arbiter.js';
import { Pm2Sandbox, type ScaleReply } from '../helpers/pm2-sandbox.js';

const sandbox = new Pm2Sandbox();
test.after.always(async (t) => {
  for (const note of await sandbox.cleanup()) t.log(note);
});

test.serial('persistTarget: scale-to 3, pm2 restart, the arbiter comes back with 3 workers', async (t) => {
  const config = sandbox.writeConfig({ apps: [`${FIXTURES}:Echo`], workers: 1, maxWorkers: 4, persistTarget: true, gracefulTimeoutMs: 3000 });
  const ecosystem = sandbox.writeEcosystem({ PM2_DIRTY_CONFIG: config, PM2_DIRTY_SOCKET: sandbox.socketPath });
  await sandbox.pm2(['start', ecosystem], { timeoutMs: 60_000 });
  const first = await sandbox.waitProcess('online');
  await sandbox.converged(1);
  const reply = await sandbox.trigger<ScaleReply>('scale-to', ['3']);
  t.is(reply.target, 3);
  await sandbox.converged(3);
  await sandbox.pm2(['restart', 'pm2-dirty'], { timeoutMs: 60_000 });
  await sandbox.waitProcess('restarted', (p) => p.pid !== first.pid && p.pm2_env.status === 'online');
  const s = await sandbox.converged(3);
  t.is(s.target, 3, 'the remembered target was restored after pm2 restart');
});
