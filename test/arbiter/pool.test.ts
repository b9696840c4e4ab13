// The pool against in-memory workers (test/arbiter/fake-worker.ts): what it spawns, retires and
// kills as the target, crashes and recycles demand (reloads: pool-reload.test.ts). Each step waits for the reconciler's
// pass (a turn of the loop) by polling, never by sleeping a fixed time.
import test from 'ava';
import { fake, harness, started, until, worker } from './pool-harness.js';

test('the pool spawns its target, tells the router when each is ready, and settles', async (t) => {
  const h = harness();
  h.pool.kick();
  await started(h, 2);
  t.deepEqual(
    h.fakes.map((f) => [f.id, f.apps]),
    [
      [1, ['a']],
      [2, ['a']],
    ],
  );
  t.is(worker(h, 1).state, 'starting');
  for (const f of h.fakes) f.ready();
  await h.pool.settled();
  t.deepEqual(h.heard, ['ready 1', 'ready 2']);
  t.is(h.pool.live, 2);
  t.is(h.fakes[0]?.opts?.concurrency, 1);
});

test('scale: the target moves through one function (logged, a scaled event), and the pool follows it: spawn, then retire', async (t) => {
  const h = harness();
  h.pool.kick();
  await started(h, 2);
  for (const f of h.fakes) f.ready();
  await h.pool.settled();
  t.is(h.pool.scale({ kind: 'add', n: 1 }, 'test').target, 3);
  await started(h, 3);
  fake(h, 3).ready();
  await h.pool.settled();
  h.pool.scale({ kind: 'set', n: 1 }, 'test');
  await until('two retired', () => h.fakes.filter((f) => f.retired).length === 2);
  t.deepEqual(h.heard.filter((l) => l.startsWith('retiring')).length, 2);
  t.deepEqual(
    h.scaled.map((r) => r.target),
    [3, 1],
  );
  t.deepEqual(
    h.lines.filter((l) => l.startsWith('test:')),
    ['test: Increasing dirty workers to 3', 'test: Decreasing dirty workers to 1'],
  );
  for (const f of h.fakes.filter((x) => x.retired)) f.die(0, null);
  await h.pool.settled();
  t.is(h.pool.workers.size, 1);
  t.is(h.pool.restarts, 0, 'a retirement is not a crash');
  t.is(h.heard.filter((l) => l.startsWith('gone')).length, 2);
});

test('a crash: the router hears the worker is gone, and the same app set is respawned after a backoff', async (t) => {
  const h = harness({ initialTarget: 1 });
  h.pool.kick();
  await started(h, 1);
  fake(h, 1).ready();
  await h.pool.settled();
  fake(h, 1).die(1, null);
  t.true(h.heard.includes('retiring 1'), 'dead: no more calls at once');
  t.true(h.heard.includes('gone 1 1'));
  t.is(h.pool.restarts, 1);
  await started(h, 2);
  t.deepEqual(fake(h, 2).apps, ['a']);
  t.true(h.lines.some((l) => l.includes('worker 1') && l.includes('exited with code 1; respawning [a]')));
});

test('recycle: a stuck worker stops taking calls, is SIGKILLed once, and its exit is not a crash', async (t) => {
  const h = harness({ initialTarget: 1 });
  h.pool.kick();
  await started(h, 1);
  fake(h, 1).ready();
  await h.pool.settled();
  const w = worker(h, 1);
  h.pool.recycle(w, 'a cancelled call ran on');
  h.pool.recycle(w, 'again');
  t.is(w.state, 'retiring');
  t.deepEqual(fake(h, 1).signals, ['SIGKILL']);
  t.is(h.pool.recycles, 1);
  t.true(h.heard.includes('retiring 1'));
  await started(h, 2);
  fake(h, 1).die(null, 'SIGKILL');
  t.is(h.pool.restarts, 0);
  t.true(h.lines.some((l) => l.includes('recycled')));
});

test('stop: every worker is retired and the pool resolves once all have exited', async (t) => {
  const h = harness();
  h.pool.kick();
  await started(h, 2);
  for (const f of h.fakes) f.ready();
  await h.pool.settled();
  let stopped = false;
  const stopping = h.pool.stop().then(() => (stopped = true));
  await until('all retired', () => h.fakes.every((f) => f.retired));
  t.false(stopped);
  for (const f of h.fakes) f.die(0, null);
  await stopping;
  t.is(h.pool.workers.size, 0);
});

test('a config reload that moves the bounds moves the target through Pool.scale (logged, a scaled event); one that does not, leaves it alone', async (t) => {
  const h = harness({ initialTarget: 3 });
  h.pool.kick();
  await started(h, 3);
  for (const f of h.fakes) f.ready();
  await h.pool.settled();
  h.pool.reload({ ...h.opts });
  t.deepEqual(h.scaled, [], 'same bounds: the target stays, nothing is announced');
  h.pool.reload({ ...h.opts, maxWorkers: 2 });
  t.is(h.pool.target, 2);
  t.deepEqual(h.scaled, [{ target: 2, previous: 3, clampedBy: 'maximum' }]);
  t.true(h.lines.some((l) => l.startsWith('WARN config reload: Decreasing dirty workers to 2')));
});
