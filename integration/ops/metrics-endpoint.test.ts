// The Prometheus endpoint's edge: a port already in use is logged and the pool serves without it.
import test from 'ava';
import { createServer } from 'node:net';
import { FIXTURES, startArbiter, stopAfterAll } from '../helpers/arbiter.js';

const running = stopAfterAll(test);

test('metricsListen on a port in use: one error line, and the pool still starts and serves', async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(() => taken.close());
  const { port } = taken.address() as { port: number };
  const a = await startArbiter({ config: { apps: [`${FIXTURES}:Echo`], workers: 1, metricsListen: `127.0.0.1:${port}` } });
  running.push(a);
  t.regex(a.log(), new RegExp(`ERROR: metricsListen 127\\.0\\.0\\.1:${port}: cannot listen \\(.*EADDRINUSE.*\\); serving without the metrics endpoint`));
  t.is(await a.client().execute(`${FIXTURES}:Echo`, 'echo', 'still serving'), 'still serving');
});
