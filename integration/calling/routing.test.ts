// Routing through the real arbiter: concurrent calls spread over idle workers, queued calls go to
// the first holder that frees up (a worker added by SIGTTIN included), limited apps only reach
// their holders, and 200 concurrent calls survive a scale-up and a scale-down.
import test from 'ava';
import type { RunningArbiter } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';
import { ECHO, LIMITED, harness, key, liveWorkers, quiet, statusUntil, track } from './helpers.js';

const h = harness();
test.after.always(() => h.cleanup());

interface Ran {
  pid: number;
  start: number;
  end: number;
}

test('two concurrent long calls on 2 workers with concurrency 1 run on different workers, at the same time', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 2, concurrency: 1 });
  await liveWorkers(a, 2);
  const c = a.client();
  for (let round = 0; round < 3; round++) {
    const [x, y] = (await Promise.all([c.execute(ECHO, 'sleepPid', 300), c.execute(ECHO, 'sleepPid', 300)])) as Ran[];
    t.not(x!.pid, y!.pid, `round ${round}: different workers`);
    t.true(y!.start < x!.end && x!.start < y!.end, `round ${round}: the calls overlapped`);
  }
});

test('with every holder busy, a queued call goes to the first holder that frees up', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 2, concurrency: 1 });
  await liveWorkers(a, 2);
  const c = a.client();
  const kShort = key('short');
  const long = track(c.execute(ECHO, 'sleepPid', 3000));
  const short = quiet(c.execute<Ran>(ECHO, 'sleepPid', 200, kShort));
  await statusUntil(a, (s) => s.calls.inflight === 2, 'both workers busy');
  const queued = quiet(c.execute<Ran>(ECHO, 'sleepPid', 10));
  await statusUntil(a, (s) => s.calls.queued === 1, 'the third call to wait in the arbiter queue, not on a busy worker');
  const [s, q] = await Promise.all([short, queued]);
  t.false(long.settled(), 'the queued call completed while the long call still ran');
  t.is(q.pid, s.pid, 'it ran on the worker that freed up');
  t.true(q.start >= s.end, 'after that worker finished its call');
  const l = (await long.result).value as Ran;
  t.not(l.pid, q.pid);
});

test('a queued call runs on a worker added by SIGTTIN before the long call ends', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1, maxWorkers: 3, concurrency: 1 });
  const [first] = (await liveWorkers(a, 1)).workers;
  const c = a.client();
  const ac = new AbortController();
  const long = track(c.call(ECHO, 'sleepPid', [60_000], { signal: ac.signal }));
  await statusUntil(a, (s) => s.calls.inflight === 1, 'the long call to run');
  const queued = quiet(c.execute<Ran>(ECHO, 'sleepPid', 10));
  await statusUntil(a, (s) => s.calls.queued === 1, 'the second call to wait in the arbiter queue');
  process.kill(a.pid, 'SIGTTIN');
  const q = await queued;
  t.false(long.settled(), 'the long call is still running');
  t.not(q.pid, first!.pid, 'the queued call ran on the new worker');
  const s = await liveWorkers(a, 2);
  t.true(s.workers.some((w) => w.pid === q.pid));
  ac.abort();
  t.is((await long.result).error?.name, 'DirtyAbortError');
});

test('calls to a limited app reach only its holders; the others get the rest', async (t) => {
  const a = await h.start({ apps: [ECHO, `${LIMITED}:1`], workers: 3, concurrency: 1 });
  const s = await liveWorkers(a, 3);
  const holders = s.workers.filter((w) => w.apps.includes(LIMITED)).map((w) => w.pid);
  t.is(holders.length, 1);
  const c = a.client();
  const limited = await Promise.all(Array.from({ length: 12 }, () => c.execute(LIMITED, 'pid')));
  t.deepEqual(new Set(limited), new Set(holders));
  const echoes = (await Promise.all(Array.from({ length: 6 }, () => c.execute(ECHO, 'sleepPid', 150)))) as Ran[];
  t.is(new Set(echoes.map((r) => r.pid)).size, 3, 'Echo calls spread over all three workers');
});

async function churn(a: RunningArbiter, scale: (step: 'up' | 'down') => Promise<void>): Promise<void> {
  const c = a.client();
  const n = 200;
  const payloads = Array.from({ length: n }, (_, i) => ({ i, id: `call-${i}-${Math.random().toString(36).slice(2)}`, bytes: Buffer.from(`#${i}`) }));
  let done = 0;
  const calls = payloads.map((p, i) => {
    const ms = 20 + (i % 7) * 10;
    return quiet(c.execute(ECHO, 'sleep', ms, p).finally(() => done++));
  });
  await waitFor(() => done >= 20, 'some calls to complete');
  await scale('up');
  await waitFor(() => done >= 90, 'more calls to complete');
  await scale('down');
  const results = await Promise.allSettled(calls);
  const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`#${i}: ${String(r.reason)}`] : []));
  if (failures.length > 0) throw new Error(`${failures.length} calls failed:\n${failures.slice(0, 5).join('\n')}`);
  results.forEach((r, i) => {
    if (r.status !== 'fulfilled' || JSON.stringify(r.value) !== JSON.stringify(payloads[i])) throw new Error(`call #${i} got ${JSON.stringify(r)}`);
  });
}

test('200 concurrent calls across SIGTTIN/SIGTTOU: each caller gets its own result, none fails', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 2, maxWorkers: 4, concurrency: 1 });
  await liveWorkers(a, 2);
  // Signals of one kind coalesce while pending: send each after the previous one was handled.
  let handled = 0;
  const signal = async (sig: 'SIGTTIN' | 'SIGTTOU'): Promise<void> => {
    process.kill(a.pid, sig);
    handled++;
    await waitFor(() => (a.log().match(/SIGTT(IN|OU): /g)?.length ?? 0) === handled, `${sig} #${handled} handled`);
  };
  await churn(a, async (step) => {
    const sig = step === 'up' ? 'SIGTTIN' : 'SIGTTOU';
    await signal(sig);
    await signal(sig);
    if (step === 'up') await statusUntil(a, (s) => s.live === 4, 'two more workers');
  });
  const s = await liveWorkers(a, 2);
  t.is(s.target, 2);
  t.is(s.restarts, 0, 'no worker crashed');
  t.is(s.calls.errors, 0);
  t.regex(a.log(), /retired/);
});

test('200 concurrent calls across MANAGE add/remove: each caller gets its own result, none fails', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1, maxWorkers: 4, concurrency: 2 });
  await liveWorkers(a, 1);
  const ctl = a.client();
  await churn(a, async (step) => {
    if (step === 'up') {
      await ctl.manage('add', 3);
      await statusUntil(a, (s) => s.live === 4, 'three more workers');
    } else {
      await ctl.manage('remove', 3);
    }
  });
  const s = await liveWorkers(a, 1);
  t.is(s.restarts, 0);
  t.is(s.calls.errors, 0);
});
