// The client is require-able from CommonJS (no top-level await anywhere it imports) and needs no
// configuration beyond the environment pm2 gives its apps.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { FIXTURES, startArbiter, type RunningArbiter } from '../helpers/arbiter.js';

let a: RunningArbiter | undefined;
test.after.always(async () => {
  await a?.stop();
});

test('require("pm2-dirty") from a CommonJS process calls the pool and keeps the error classes', async (t) => {
  a = await startArbiter({ config: { apps: [`${FIXTURES}:Echo`], workers: 1 } });
  const script = fileURLToPath(new URL('./commonjs.cjs', import.meta.url));
  const out = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [script, `${FIXTURES}:Echo`],
      { env: { ...process.env, PM2_DIRTY_SOCKET: a?.socketPath ?? '' }, timeout: 30_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
  t.deepEqual(JSON.parse(out), { value: { from: 'commonjs' }, classified: true });
});
