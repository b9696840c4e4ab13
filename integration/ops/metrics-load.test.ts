// Many concurrent calls, most of which time out at the client (the operator's view of an overloaded
// pool): every call ends in one counted outcome, and the same figures appear in the socket's status,
// `pm2-dirty status`, pm2's metrics (what pm2 monit shows) and the Prometheus endpoint. Once idle,
// the windowed rates and percentiles fall back to zero.
import test from 'ava';
import { createServer } from 'node:net';
import { createClient, DirtyTimeoutError } from '../../src/client/index.js';
import type { ArbiterStatus } from '../../src/arbiter/status.js';
import { FIXTURES } from '../helpers/arbiter.js';
import { NAME, Pm2Sandbox } from '../helpers/pm2-sandbox.js';
import { waitFor } from '../helpers/wait-for.js';
import { runCli } from '../cli/run-cli.js';

const ECHO = `${FIXTURES}:Echo`;
const CALLS = 60;
const sandbox = new Pm2Sandbox();

test.after.always(async (t) => {
  for (const note of await sandbox.cleanup()) t.log(note);
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise((resolve) => s.close(resolve));
  return port;
}

const metric = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
};

test('an overloaded pool shows its timeouts in every metric, and its windowed figures fall to zero once idle', async (t) => {
  const port = await freePort();
  const config = sandbox.writeConfig({ apps: [ECHO], workers: 2, maxWorkers: 2, metricsListen: `127.0.0.1:${port}` });
  await sandbox.pm2(['start', sandbox.writeEcosystem({ PM2_DIRTY_CONFIG: config, PM2_DIRTY_SOCKET: sandbox.socketPath })], { timeoutMs: 60_000 });
  await sandbox.converged(2);

  // 2 workers, one call at a time each, 400 ms per call, a 1 s client deadline: a few succeed, most time out.
  const client = createClient({ socketPath: sandbox.socketPath, timeoutMs: 1000 });
  t.teardown(() => client.close());
  const results = await Promise.allSettled(Array.from({ length: CALLS }, () => client.execute(ECHO, 'sleep', 400)));
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const timedOut = results.filter((r) => r.status === 'rejected' && r.reason instanceof DirtyTimeoutError).length;
  t.is(ok + timedOut, CALLS, 'every call either succeeded or timed out');
  t.true(ok >= 2 && timedOut >= CALLS / 2, `ok ${ok}, timed out ${timedOut}`);

  // The socket's status: one outcome per call.
  const s = await waitFor(async () => {
    const st = (await client.status()) as ArbiterStatus;
    return st.calls.total === CALLS ? st : false;
  }, `${CALLS} calls counted`);
  t.like(s.calls.outcomes, { ok, timeout: timedOut, app_error: 0, cancelled: 0, worker_error: 0, queue_full: 0, no_workers: 0, protocol_error: 0 });
  t.is(s.calls.errors, timedOut);
  t.true(s.calls.perSecond > 0, 'calls/s counts the timed-out calls');
  t.is(s.calls.window.outcomes.timeout, timedOut);
  t.true(s.calls.window.errorsPerSecond > 0);
  t.true(s.calls.p95Ms >= 900, `p95 ${s.calls.p95Ms} ms includes the calls that timed out at ~1000 ms`);
  t.true(s.calls.window.queueWaitMs.p95 >= 300, `queue wait p95 ${s.calls.window.queueWaitMs.p95} ms`);

  // The CLI prints the same counts.
  const cli = await runCli(['status'], { PM2_DIRTY_SOCKET: sandbox.socketPath });
  t.regex(cli.stdout, new RegExp(`since start: ${CALLS} calls, ${timedOut} errors; outcomes: ok ${ok}, timeout ${timedOut}`));

  // Prometheus.
  const prom = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  t.is(metric(prom, 'pm2_dirty_calls_total{outcome="timeout"}'), timedOut);
  t.is(metric(prom, 'pm2_dirty_calls_total{outcome="ok"}'), ok);
  t.is(metric(prom, 'pm2_dirty_calls_total{outcome="queue_full"}'), 0);
  t.is(metric(prom, 'pm2_dirty_call_duration_seconds_count'), CALLS);
  t.true(metric(prom, 'pm2_dirty_queue_wait_seconds_count') >= ok);
  t.is(metric(prom, 'pm2_dirty_workers_live'), 2);
  t.is(metric(prom, 'pm2_dirty_worker_recycles_total'), 0, 'sleep honours its cancellation: no worker was recycled');
  t.is((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);

  // pm2's metrics (pm2 monit, pm2 show), as pm2 jlist reports them.
  const monit = async (
    ok: (m: Record<string, { value?: unknown } | undefined>) => boolean,
    what: string,
  ): Promise<Record<string, { value?: unknown } | undefined>> =>
    waitFor(
      async () => {
        const m = (await sandbox.describe(NAME))?.pm2_env.axm_monitor ?? {};
        return ok(m) ? m : false;
      },
      what,
      15_000,
      200,
    );
  const m = await monit((x) => x['calls']?.value === CALLS, 'pm2 metrics to count the calls');
  t.is(m['timeouts']?.value, timedOut);
  t.is(m['errors']?.value, timedOut);

  // Idle: the window empties; the totals stay.
  const idle = await waitFor(
    async () => {
      const st = (await client.status()) as ArbiterStatus;
      return st.calls.window.calls === 0 ? st : false;
    },
    'the window to empty',
    20_000,
    250,
  );
  t.is(idle.calls.perSecond, 0);
  t.is(idle.calls.p95Ms, 0, 'p95 does not stay at its busy value');
  t.is(idle.calls.total, CALLS);
  await monit((x) => x['calls/s']?.value === 0 && x['p95 latency']?.value === 0, 'pm2 metrics calls/s and p95 back to 0');
});
