// The router against in-memory workers and clients (test/arbiter/fake-worker.ts, fakes.ts): what
// it sends to workers, relays to callers and counts, on a fake clock (each step one turn of the loop).
import test from 'ava';
import { MessageType } from '../../src/protocol/constants.js';
import { Router } from '../../src/arbiter/router.js';
import type { RouterOptions } from '../../src/arbiter/router-types.js';
import { FakePeer, readyWorker } from './fakes.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(o: Partial<RouterOptions> = {}): { router: Router; clock: { t: number }; peer: FakePeer } {
  const clock = { t: 1000 };
  const router = new Router({
    concurrency: 1,
    maxQueue: 10,
    timeoutMs: 0,
    streamStallTimeoutMs: 0,
    knownApps: new Set(['a', 'b']),
    expectsHolder: () => false,
    now: () => clock.t,
    ...o,
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
  t.is(router.workerLoad(w), 1);
  t.is(router.inflight, 1);
  await turn();
  fake.answer(MessageType.RESPONSE, 1, Buffer.from('result'));
  t.deepEqual(peer.relayed, [{ type: MessageType.RESPONSE, id: 7n, payload: Buffer.from('result') }]);
  t.is(router.workerLoad(w), 0);
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
  t.deepEqual(
    errors.map((e) => [e.id, e.error.error_type]),
    [
      [1n, 'DirtyAppNotFoundError'],
      [2n, 'DirtyNoWorkersAvailableError'],
      [4n, 'DirtyQueueFullError'],
      [3n, 'DirtyError'],
    ],
  ); // one answer per id: the duplicate and the call it collided with share one error
  const totals = router.stats.outcomeTotals();
  t.like(totals, { app_error: 1, no_workers: 1, queue_full: 1, protocol_error: 2, ok: 0 });
  t.is(router.queued, 0);
  router.workerReady(w);
  t.is(router.workerLoad(w), 0, 'the abandoned duplicate never reaches a worker');
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
  t.deepEqual(
    peer.relayed.map((r) => [r.type, r.id]),
    [
      [MessageType.RESPONSE, 1n],
      [MessageType.ERROR, 2n],
    ],
  );
  t.like(router.stats.outcomeTotals(), { ok: 1, app_error: 1 });
});

test('abandon: a cancelled call gets CANCEL on its worker and keeps the slot until the worker answers; the late answer is dropped', async (t) => {
  const { router, peer, clock } = setup({ expectsHolder: () => true });
  const { w, fake } = readyWorker(1, ['a']);
  router.workerReady(w);
  router.submit(peer, 1n, 'a', req(1));
  router.submit(peer, 2n, 'a', req(2));
  router.cancel(peer, 1n);
  t.deepEqual(fake.cancels(), [1]);
  t.is(router.abandoned.size, 1);
  t.is(peer.calls.size, 1);
  t.deepEqual(fake.requests(), [1], 'the worker is still busy with the cancelled call');
  t.is(router.inflight, 1, 'the abandoned call counts as running');
  await turn();
  clock.t += 10;
  fake.answer(MessageType.ERROR, 1, Buffer.from('call cancelled'));
  t.deepEqual(peer.relayed, [], 'never relayed: the caller gave up');
  t.is(router.abandoned.size, 0);
  t.deepEqual(fake.requests(), [1, 2], 'the freed slot takes the queued call');
  t.is(router.workerLoad(w), 1);
  router.cancel(peer, 2n, true);
  t.deepEqual(fake.sent.at(-1), { type: MessageType.CANCEL, id: 2n });
  t.like(router.stats.outcomeTotals(), { cancelled: 1, timeout: 1, ok: 0 });
});

test('a queued call that is cancelled or whose client closes just leaves the queue', (t) => {
  const { router, peer } = setup({ expectsHolder: () => true });
  const other = new FakePeer();
  router.submit(peer, 1n, 'a', req(1));
  router.submit(other, 1n, 'a', req(2));
  router.cancel(peer, 1n);
  router.peerClosed(other);
  t.is(router.queued, 0);
  t.is(peer.calls.size + other.calls.size, 0);
  t.is(router.stats.outcomeTotals().cancelled, 2);
  t.deepEqual(peer.written, [], 'a cancelled call gets no answer');
});

test('fence: a retiring worker gets CANCEL 0 once, after its last REQUEST, and no new calls; its running call still answers', async (t) => {
  const { router, peer } = setup({ expectsHolder: () => true });
  const { w, fake } = readyWorker(1, ['a']);
  const { w: w2, fake: fake2 } = readyWorker(2, ['a']);
  router.workerReady(w);
  router.submit(peer, 1n, 'a', req(1));
  router.workerRetiring(w);
  router.workerRetiring(w);
  t.deepEqual(
    fake.sent.map((f) => [f.type, f.id]),
    [
      [MessageType.REQUEST, 1n],
      [MessageType.CANCEL, 0n],
    ],
  );
  router.submit(peer, 2n, 'a', req(2));
  t.is(router.queued, 1, 'not sent to the retiring worker');
  router.workerReady(w2);
  t.deepEqual(fake2.requests(), [2]);
  await turn();
  fake.answer(MessageType.RESPONSE, 1);
  t.deepEqual(
    peer.relayed.map((r) => r.id),
    [1n],
  );
  t.deepEqual(fake.requests(), [1], 'the freed slot of a retiring worker takes nothing');
});

test('a dead worker is fenced no more: no frame is written to an exited process', (t) => {
  const { router } = setup();
  const { w, fake } = readyWorker(1, ['a']);
  router.workerReady(w);
  fake.die(null, 'SIGKILL', false);
  router.workerRetiring(w);
  t.deepEqual(fake.sent, []);
});

test('a crash: the calls it had started fail with DirtyWorkerError, the prefetched ones go to another holder', async (t) => {
  const { router, peer, clock } = setup({ expectsHolder: () => true });
  const { w, fake } = readyWorker(1, ['a']);
  router.workerReady(w);
  router.submit(peer, 1n, 'a', req(1));
  await turn();
  clock.t += 1; // 1 ms calls: a prefetch of 8 beyond the one slot
  fake.answer(MessageType.RESPONSE, 1);
  await turn();
  for (const id of [2n, 3n, 4n]) router.submit(peer, id, 'a', req(Number(id)));
  t.deepEqual(fake.requests(), [1, 2, 3, 4]);
  t.is(router.workerLoad(w), 3);
  w.killReason = 'hung';
  fake.die(null, 'SIGKILL', false);
  router.workerRetiring(w); // what the pool does on 'dead'
  router.workerGone(w, null, 'SIGKILL');
  const errors = peer.errors();
  t.deepEqual(
    errors.map((e) => e.id),
    [2n],
    'only the oldest (the one slot) can have started',
  );
  t.is(errors[0]?.error.error_type, 'DirtyWorkerError');
  t.regex(errors[0]?.error.message ?? '', /was killed \(hung\) while running a/);
  t.is(router.queued, 2);
  t.is(router.workerLoad(w), 0);
  const { w: w2, fake: fake2 } = readyWorker(2, ['a']);
  router.workerReady(w2);
  t.deepEqual(fake2.requests(), [3], 'requeued calls keep their order and go out within the new worker capacity');
  t.is(router.queued, 1);
  t.like(router.stats.outcomeTotals(), { ok: 1, worker_error: 1 });
});

test('a crash fails a stream that already relayed a chunk (it cannot run twice), and queued calls nobody will hold', async (t) => {
  let expected = true;
  const { router, peer } = setup({ expectsHolder: () => expected });
  const { w, fake } = readyWorker(1, ['a']);
  router.workerReady(w);
  router.submit(peer, 1n, 'a', req(1));
  router.submit(peer, 2n, 'a', req(2));
  await turn();
  fake.answer(MessageType.CHUNK, 1);
  expected = false;
  fake.die(1, null);
  router.workerGone(w, 1, null);
  t.deepEqual(
    peer.errors().map((e) => [e.id, e.error.error_type]),
    [
      [1n, 'DirtyWorkerError'],
      [2n, 'DirtyNoWorkersAvailableError'],
    ],
  );
  t.like(router.stats.outcomeTotals(), { worker_error: 1, no_workers: 1 });
});

test('throttle: a stock client that stops reading stops the worker after one window; its socket draining grants more', async (t) => {
  const { router, peer } = setup();
  const { w, fake } = readyWorker(1, ['a']);
  router.workerReady(w);
  router.submit(peer, 1n, 'a', req(1));
  await turn();
  peer.congested = true;
  for (let i = 0; i < 256; i++) fake.answer(MessageType.CHUNK, 1);
  t.deepEqual(fake.credits(), [], 'the window is used up and the client is not reading');
  peer.drain();
  t.deepEqual(fake.credits(), [{ id: 1, credit: 256 }]);
  t.is(peer.relayed.length, 256);
});

test('credit: a client that speaks CREDIT grants the worker what it grants, beyond the opening window', async (t) => {
  const { router, peer } = setup();
  const { w, fake } = readyWorker(1, ['a']);
  router.workerReady(w);
  router.submit(peer, 1n, 'a', req(1));
  await turn();
  router.credit(peer, 1n, 100);
  for (let i = 0; i < 256; i++) fake.answer(MessageType.CHUNK, 1);
  t.deepEqual(fake.credits(), [], 'the client granted less than the opening window');
  router.credit(peer, 1n, 300);
  t.deepEqual(fake.credits(), [{ id: 1, credit: 144 }]);
  router.credit(peer, 2n, 5);
  t.is(fake.credits().length, 1, 'CREDIT for an unknown id is ignored');
});

test('timeoutMs: the call is CANCELled on its worker and its caller gets DirtyTimeoutError, counted as a timeout', async (t) => {
  const { router, peer } = setup({ timeoutMs: 5 });
  const { w, fake } = readyWorker(1, ['a']);
  router.workerReady(w);
  router.submit(peer, 1n, 'a', req(1));
  const until = Date.now() + 10_000;
  while (peer.written.length === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
  t.deepEqual(
    peer.errors().map((e) => [e.id, e.error.error_type]),
    [[1n, 'DirtyTimeoutError']],
  );
  t.deepEqual(fake.cancels(), [1]);
  t.is(router.abandoned.size, 1, 'the worker slot stays taken until the worker stops');
  t.is(router.stats.outcomeTotals().timeout, 1);
  fake.answer(MessageType.RESPONSE, 1);
  t.deepEqual(peer.relayed, []);
  t.is(router.abandoned.size, 0);
});
