// WorkerChoice applies core/routing's workerCapacity to live workers: these check that the capacity
// the router uses is that function's, fed with the worker's EWMA and its oldest outstanding call.
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
