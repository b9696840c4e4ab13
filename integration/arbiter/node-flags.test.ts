// Workers run with V8's single-threaded GC unless the arbiter's own node flags decide how GC uses
// threads (docs/operations.md "Node flags"); their other flags are the arbiter's.
import test from 'ava';
import { FIXTURES, startArbiter, stopAfterAll } from '../helpers/arbiter.js';

const running = stopAfterAll(test);
const app = `${FIXTURES}:Echo`;

test('by default a worker runs with --single-threaded-gc, after the arbiter\'s own flags', async (t) => {
  const a = await startArbiter({ config: { apps: [app], workers: 1 }, execArgv: ['--stack-size=2000'] });
  running.push(a);
  const argv = (await a.client().execute(app, 'execArgv')) as string[];
  t.deepEqual(argv, ['--stack-size=2000', '--single-threaded-gc']);
});

test('--no-single-threaded-gc in the arbiter\'s flags reaches its workers, and nothing is added', async (t) => {
  const a = await startArbiter({ config: { apps: [app], workers: 1 }, execArgv: ['--no-single-threaded-gc'] });
  running.push(a);
  const argv = (await a.client().execute(app, 'execArgv')) as string[];
  t.deepEqual(argv, ['--no-single-threaded-gc']);
});
