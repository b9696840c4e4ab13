// SentCalls: the ring of calls outstanding on a worker must behave like an ordered list of
// (wid, sentAt): in order removal, removal from the middle, growth across the wrap-around.
import test from 'ava';
import { SentCalls } from '../../src/arbiter/sent-calls.js';

test('oldest first; the front leaves in order, a middle entry leaves without disturbing the order', (t) => {
  const s = new SentCalls();
  t.is(s.oldestAt(), undefined);
  for (let wid = 1; wid <= 5; wid++) s.add(wid, wid * 10);
  t.is(s.size, 5);
  t.is(s.oldestAt(), 10);
  t.true(s.delete(1));
  t.true(s.delete(3));
  t.false(s.delete(3), 'already gone');
  t.false(s.delete(99), 'never there');
  t.deepEqual(s.wids(), [2, 4, 5]);
  t.is(s.oldestAt(), 20);
});

test('a random mix of adds and removals matches a plain ordered list, across growth and wrap-around', (t) => {
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const s = new SentCalls();
  const model: [number, number][] = [];
  let next = 1;
  for (let step = 0; step < 20_000; step++) {
    const r = rand(10);
    if (r < 5 || model.length === 0) {
      const at = step + 0.5;
      s.add(next, at);
      model.push([next++, at]);
    } else {
      // Mostly the oldest (a worker answers in order), sometimes any.
      const i = r < 9 ? 0 : rand(model.length);
      const [wid] = model.splice(i, 1)[0]!;
      t.true(s.delete(wid));
    }
    if (step % 997 === 0 || model.length === 0) {
      t.deepEqual(
        s.wids(),
        model.map(([wid]) => wid),
      );
      t.is(s.oldestAt(), model[0]?.[1]);
    }
    t.is(s.size, model.length);
  }
});
