// Workers run with V8's single-threaded GC unless the arbiter's own node flags decide how GC uses
// threads (docs/operations.md "Node flags"); their other flags are the arbiter's. They run the
// one-file bundle of the worker entry (scripts/bundle-worker.mjs).
import { join } from 'node:path';
import test from 'ava';
import { FIXTURES, ROOT, startArbiter, stopAfterAll } from '../helpers/arbiter.js';

const running = stopAfterAll(test);
const app = `${FIXTURES}:Echo`;

test("by default a worker runs with --single-threaded-gc, after the arbiter's own flags", async (t) => {
  const a = await startArbiter({ config: { apps: [app], workers: 1 }, execArgv: ['--stack-size=2000'] });
  running.push(a);
  const argv = await a.client().execute<string[]>(app, 'execArgv');
  t.deepEqual(argv, ['--stack-size=2000', '--single-threaded-gc']);
});

test("--no-single-threaded-gc in the arbiter's flags reaches its workers, and nothing is added", async (t) => {
  const a = await startArbiter({ config: { apps: [app], workers: 1 }, execArgv: ['--no-single-threaded-gc'] });
  running.push(a);
  const argv = await a.client().execute<string[]>(app, 'execArgv');
  t.deepEqual(argv, ['--no-single-threaded-gc']);
});

test('a worker runs the one-file bundle of the worker entry that the build made, and its apps share the call context', async (t) => {
  const a = await startArbiter({ config: { apps: [app], workers: 1 } });
  running.push(a);
  t.is(await a.client().execute(app, 'entry'), join(ROOT, 'dist/worker/main.bundle.js'));
  // The apps' `pm2-dirty/app` and the bundled worker use one module: an action sees its call's context.
  t.deepEqual(await a.client().execute(app, 'context'), { app, action: 'context', aborted: false });
  t.deepEqual(await a.client().execute(app, 'contextLater'), { app, action: 'contextLater', aborted: false });
});
