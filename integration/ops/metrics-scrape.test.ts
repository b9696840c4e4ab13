// The Prometheus endpoint as operators and their tools meet it: port 0 (an ephemeral port, as tests
// and sidecars use) is logged as the port really bound, and scrapes taken during load agree with
// STATUS, every call counted once.
import test from 'ava';
import { FIXTURES, startArbiter, stopAfterAll } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';

const running = stopAfterAll(test);
const ECHO = `${FIXTURES}:Echo`;

/** The pm2_dirty_calls_total series of a scrape, by outcome. */
function callsTotal(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^pm2_dirty_calls_total\{outcome="(\w+)"\} (\d+)$/gm)) out[m[1] ?? ''] = Number(m[2]);
  return out;
}

test('metricsListen with port 0: the log names the bound port; scrapes during load agree with STATUS', async (t) => {
  const a = await startArbiter({ config: { apps: [ECHO], workers: 2, concurrency: 2, maxQueue: 8, metricsListen: '127.0.0.1:0' } });
  running.push(a);
  const port = Number(/Prometheus metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(a.log())?.[1]);
  t.true(port > 0, a.log());
  const scrape = async (): Promise<string> => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const c = a.client(10_000);
  let made = 0;
  const load = Array.from({ length: 40 }, (_, i) => {
    made++;
    return c.call(ECHO, i % 5 === 0 ? 'fail' : 'sleep', i % 5 === 0 ? ['no'] : [50, i]).catch(() => undefined);
  });
  const during = await Promise.all([scrape(), scrape(), scrape()]);
  for (const text of during) t.regex(text, /^pm2_dirty_calls_in_flight \d+$/m);
  await Promise.all(load);
  const counted = await waitFor(
    async () => {
      const totals = callsTotal(await scrape());
      return Object.values(totals).reduce((x, y) => x + y, 0) === made ? totals : false;
    },
    `${made} calls in pm2_dirty_calls_total`,
    10_000,
  );
  const status = (await c.status()) as { calls: { total: number; outcomes: Record<string, number> } };
  t.is(status.calls.total, made);
  t.deepEqual(counted, status.calls.outcomes);
});
