// The client's shared deadline timer (real time, hence here): every deadline fires once, never
// before its time, in deadline order across timeout values; cancelled ones never fire.
import { performance } from 'node:perf_hooks';
import test from 'ava';
import { Deadlines } from '../../src/net/deadlines.js';
import { waitFor } from './wait-for.js';

interface Fired {
  readonly timeoutMs: number;
  readonly lateMs: number;
  readonly order: number;
}

test('mixed timeouts fire in deadline order, none early, each once', async (t) => {
  const deadlines = new Deadlines();
  const fired: Fired[] = [];
  let count = 0;
  const start = performance.now();
  const timeouts = [60, 20, 40, 20, 5, 60, 40, 5, 80, 1];
  for (const timeoutMs of timeouts) {
    deadlines.add(timeoutMs, {
      expire: () => {
        fired.push({ timeoutMs, lateMs: performance.now() - start - timeoutMs, order: count++ });
      },
    });
  }
  await waitFor(() => fired.length === timeouts.length, { what: 'every deadline' });
  t.deepEqual(
    fired.map((f) => f.timeoutMs),
    [...timeouts].sort((a, b) => a - b),
  );
  for (const f of fired) t.true(f.lateMs >= 0, `the ${f.timeoutMs} ms deadline fired ${-f.lateMs} ms early`);
});

test('cancelled deadlines never fire; the others still do', async (t) => {
  const deadlines = new Deadlines();
  const fired: number[] = [];
  const entries = Array.from({ length: 3000 }, (_, i) => deadlines.add(i % 2 === 0 ? 30 : 10, { expire: () => fired.push(i) }));
  // Cancel all but a few, out of order (a long-lived head with many dead entries behind it).
  const keep = new Set([0, 1, 1500, 2999]);
  for (let i = entries.length - 1; i >= 0; i--) if (!keep.has(i)) deadlines.cancel(entries[i]!);
  await waitFor(() => fired.length === keep.size, { what: 'the kept deadlines' });
  await new Promise((resolve) => setTimeout(resolve, 60));
  t.deepEqual(
    [...fired].sort((a, b) => a - b),
    [...keep],
  );
});

test('a deadline added after others expired is armed again', async (t) => {
  const deadlines = new Deadlines();
  let first = false;
  deadlines.add(5, { expire: () => (first = true) });
  await waitFor(() => first, { what: 'the first deadline' });
  let second = false;
  const cancelled = deadlines.add(5, { expire: () => t.fail('cancelled') });
  deadlines.cancel(cancelled);
  deadlines.add(15, { expire: () => (second = true) });
  await waitFor(() => second, { what: 'the second deadline' });
  t.true(first && second, 'both live deadlines fired (the cancelled one would have failed the test)');
});
