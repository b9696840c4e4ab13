// The expiry heap under the stash's sweep: pops in deadline order whatever the push order, and
// retain() drops items while keeping heap order.

import test from 'ava';
import { ExpiryHeap } from '../../src/stash/expiry-heap.js';

/** Deterministic pseudo-random deadlines (LCG), duplicates included. */
function deadlines(n: number, seed: number): number[] {
  const out: number[] = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    out.push(x % 500);
  }
  return out;
}

function drain(heap: ExpiryHeap<{ at: number }>): number[] {
  const out: number[] = [];
  for (let item = heap.pop(); item !== undefined; item = heap.pop()) out.push(item.at);
  return out;
}

for (const [n, seed] of [
  [0, 1],
  [1, 2],
  [2, 3],
  [7, 4],
  [1000, 5],
] as const) {
  test(`pops ${n} deadlines in ascending order`, (t) => {
    const heap = new ExpiryHeap<{ at: number }>();
    const ats = deadlines(n, seed);
    for (const at of ats) heap.push({ at });
    t.is(heap.size, n);
    t.is(heap.peek()?.at, n === 0 ? undefined : Math.min(...ats));
    t.deepEqual(
      drain(heap),
      [...ats].sort((a, b) => a - b),
    );
    t.is(heap.size, 0);
  });
}

test('retain keeps only accepted items, still in order', (t) => {
  const heap = new ExpiryHeap<{ at: number }>();
  const ats = deadlines(300, 9);
  for (const at of ats) heap.push({ at });
  heap.retain((item) => item.at % 3 === 0);
  t.deepEqual(
    drain(heap),
    ats.filter((at) => at % 3 === 0).sort((a, b) => a - b),
  );
});
