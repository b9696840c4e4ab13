// A list answer encoded in batches is byte for byte the RESPONSE encodeResponse makes in one go.
import test from 'ava';
import { ListResponse } from '../../src/arbiter/list-response.js';
import { StashLimitError } from '../../src/errors.js';
import { encodeResponse } from '../../src/protocol/messages.js';

const join = (frames: readonly Buffer[]): Buffer => Buffer.concat(frames);

test('batches of any size give the same frame as one encodeResponse', (t) => {
  const items = [...Array.from({ length: 500 }, (_, i) => `key:${i}`), 'é'.repeat(300), Buffer.from([1, 2, 3]), 42, 2n ** 60n, null, true, 1.5];
  const expected = join(encodeResponse(7n, items));
  for (const budget of [1, 100, 10_000, 1e9]) {
    const r = new ListResponse(items);
    let steps = 1;
    while (!r.step(budget)) steps++;
    t.deepEqual(join(r.frames(7n)), expected, `budget ${budget}`);
    if (budget === 1) t.is(steps, items.length);
  }
});

test('an empty list is one step', (t) => {
  const r = new ListResponse([]);
  t.true(r.step(1));
  t.deepEqual(join(r.frames(1n)), join(encodeResponse(1n, [])));
});

test('an answer larger than a frame may carry is a StashLimitError', (t) => {
  const big = 'x'.repeat(1 << 20);
  const r = new ListResponse(Array.from({ length: 65 }, () => big));
  while (!r.step(1 << 24));
  t.throws(() => r.frames(1n), { instanceOf: StashLimitError, message: /more than a frame may carry/ });
});
