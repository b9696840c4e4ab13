// The router against in-memory workers and clients (test/arbiter/fake-worker.ts, fakes.ts): what
// it sends to workers, relays to callers and counts, on a fake clock (each step one turn of the loop).
import test from 'ava';
import { MessageType } from '../../src/protocol/constants.js';
import { Router, type RouterOptions } from '../../src/arbiter/router.js';
import { FakePeer, readyWorker } from './fakes.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(o: Partial<RouterOptions> = {}): { router: Router; clock: { t: number }; peer: FakePeer } {
  const clock = { t: 1000 };
  const router = new Router({
    concurrency: 1, maxQueue: 10, timeoutMs: 0, streamStallTimeoutMs: 0, knownApps: new Set(['a', 'b']),
    expectsHolder: () => false, now: () => clock.t, ...o,
  });
  return { router, clock, peer: new FakePeer() };
}

const req = (n: number): Buffer => Buffer.from(`request ${n}`);

test('a call goes to the ready holder as a REQUEST under the arbiter id; its answer reaches the caller under the client id', async (t) => {
  const { router, peer } = setup();
  const { w, fake } = readyWorker(1, ['a']);
  router.workerReady(w);
  router.submit(peer, 7n, 'a', req(1));
  t.deepEqual(fake.requests(), [1]);
  t.deepEqual(fake.sent[0]?.payload, req(1));
  t.is(w.inflight, 1);
  t.is(router.inflight, 1);
  await turn();
  fake.answer(MessageType.RESPONSE, 1, Buffer.from('result'));
  t.deepEqual(peer.relayed, [{ type: MessageType.RESPONSE, id: 7n, payload: Buffer.from('result') }]);
  t.is(w.inflight, 0);
  t.is(w.served, 1);
  t.is(peer.calls.size, 0);
  t.is(router.stats.outcomeTotals().ok, 1);
});

test('refusals: an unknown app, an app nobody holds or will hold, a full queue, a duplicate id; each counted once', async (t) => {
  const { router, peer } = setup({ maxQueue: 1, expectsHolder: (app) => app === 'b' });
  router.submit(peer, 1n, 'nope', req(1));
  const { w } = readyWorker(1, ['b']);
  router.submit(peer, 2n, 'a', req(2));
  router.submit(peer, 3n, 'b', req(3)); // queued: b is expected
  router.submit(peer, 4n, 'b', req(4)); // the queue holds 1
  await turn();
  router.submit(peer, 3n, 'b', req(5)); // id 3 is still waiting
  const errors = peer.errors();
  t.deepEqual(errors.map((e) => [e.id, e.error.error_type]), [
    [1n, 'DirtyAppNotFoundError'], [2n, 'DirtyNoWorkersAvailableError'], [4n, 'DirtyQueueFullError'], [3n, 'DirtyError'],
  ]); // one answer per id: the duplicate and the call it collided with share one error
  const totals = router.stats.outcomeTotals();
  t.like(totals, { app_error: 1, no_workers: 1, queue_full: 1, protocol_error: 2, ok: 0 });
  t.is(router.queued, 0);
  router.workerReady(w);
  t.is(w.inflight, 0, 'the abandoned duplicate never reaches a worker');
});

test('calls beyond the worker capacity queue and go out, oldest first, as answers free slots', async (t) => {
  const { router, peer, clock } = setup({ expectsHolder: () => true });
  const { w, fake } = readyWorker(1, ['a']);
  router.submit(peer, 1n, 'a', req(1));
  t.is(router.queued, 1, 'a holder is starting: the call waits for it');
  router.workerReady(w);
  router.submit(peer, 2n, 'a', req(2));
  router.submit(peer, 3n, 'a', req(3));
  t.deepEqual(fake.requests(), [1]);
  t.is(router.queued, 2);
  await turn();
  clock.t += 10; // calls of 10 ms: no prefetch, the worker holds only its one slot
  fake.answer(MessageType.RESPONSE, 1);
  t.deepEqual(fake.requests(), [1, 2]);
  await turn();
  clock.t += 10;
  fake.answer(MessageType.ERROR, 2);
  t.deepEqual(fake.requests(), [1, 2, 3]);
  t.deepEqual(peer.relayed.map((r) => [r.type, r.id]), [[MessageType.RESPONSE, 1n], [MessageType.ERROR, 2n]]);
  t.like(router.stats.outcomeTotals(), { ok: 1, app_error: 1 });
});
