// WorkerChoice applies core/routing to live workers: its capacity is workerCapacity fed with the
// worker's EWMA and oldest outstanding call; pick takes the least-loaded holder; unready/forget.
import test from 'ava';
import type { PoolWorker } from '../../src/arbiter/pool-types.js';
import { WorkerChoice } from '../../src/arbiter/worker-choice.js';
import { workerCapacity } from '../../src/core/routing.js';

/** WorkerChoice reads only `apps` of a PoolWorker. */
const worker = (...apps: string[]): PoolWorker => ({ apps }) as unknown as PoolWorker;

test('a new worker (service time unknown) gets its slots and no prefetch, as workerCapacity says', (t) => {
  const choice = new WorkerChoice(2);
  const w = worker('echo');
  choice.add(w);
  t.is(choice.capacity(w, 0), workerCapacity(2, null));
  t.is(choice.capacity(w, 0), 2);
});

test('after short calls the capacity is workerCapacity of the EWMA; a call out past 8 ms takes the prefetch away', (t) => {
  const choice = new WorkerChoice(1);
  const w = worker('echo');
  choice.add(w);
  choice.sent(w, 1, 100);
  choice.release(w, 1);
  choice.done(w, 100, 101); // one 1 ms sample
  t.is(choice.load(w)?.ewmaMs, 1);
  t.is(choice.capacity(w, 101), workerCapacity(1, 1, null));
  t.is(choice.capacity(w, 101), 9);
  choice.sent(w, 2, 200);
  t.is(choice.capacity(w, 205), workerCapacity(1, 1, 5));
  t.is(choice.capacity(w, 205), 9);
  t.is(choice.capacity(w, 209), workerCapacity(1, 1, 9));
  t.is(choice.capacity(w, 209), 1);
});

test('pick stops at the capacity: a new worker takes as many calls as it has slots, then the call waits', (t) => {
  const choice = new WorkerChoice(1);
  const w = worker('echo');
  choice.add(w);
  t.is(choice.pick('echo', 0), w);
  choice.sent(w, 1, 0);
  t.is(choice.pick('echo', 0), null);
  t.is(choice.pick('other', 0), null);
});

test('the least-loaded holder of the app takes the call; ties go round-robin', (t) => {
  const choice = new WorkerChoice(4);
  const a = worker('echo');
  const b = worker('echo', 'other');
  choice.add(a);
  choice.add(b);
  const picks = [0, 1, 2, 3].map(() => choice.pick('echo', 0));
  t.deepEqual(new Set(picks.slice(0, 2)), new Set([a, b]), 'idle twins alternate');
  t.is(picks[2], picks[0]);
  choice.sent(a, 1, 0);
  choice.sent(a, 2, 0);
  t.is(choice.pick('echo', 0), b, 'fewer outstanding calls wins');
  t.is(choice.pick('other', 0), b, 'only holders of the app');
});

test('unready takes a worker out of the choice but keeps its calls counted until forget', (t) => {
  const choice = new WorkerChoice(1);
  const w = worker('echo');
  choice.add(w);
  choice.sent(w, 7, 0);
  choice.unready(w);
  t.false(choice.hasReady('echo'));
  t.is(choice.pick('echo', 0), null);
  t.is(choice.outstanding(w), 1);
  t.true(choice.release(w, 7));
  t.false(choice.release(w, 7), 'a call released twice is not on the worker any more');
  choice.forget(w);
  t.is(choice.load(w), undefined);
  t.true(choice.release(w, 8), 'a forgotten worker has nothing to release (never refused)');
});
