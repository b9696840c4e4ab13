// DispatchQueue: per-app FIFOs under one global bound; a freed worker takes the oldest call
// among the apps it holds; cancellation and draining.

import test from 'ava';
import { DispatchQueue } from '../../src/core/dispatch-queue.js';

type Op = readonly ['enqueue', string, string] | readonly ['remove', string, string];

/** A queue filled by `ops` (each enqueue must succeed, each remove must find its item). */
function build(maxQueue: number, ops: readonly Op[]): DispatchQueue<string> {
  const queue = new DispatchQueue<string>(maxQueue);
  for (const [kind, app, item] of ops) {
    const ok = kind === 'enqueue' ? queue.enqueue(app, item) : queue.remove(app, item);
    if (!ok) throw new Error(`${kind} ${app} ${item} failed`);
  }
  return queue;
}

const takes = test.macro<[readonly Op[], string[], (string | undefined)[]]>({
  exec(t, ops: readonly Op[], apps: string[], expected: (string | undefined)[]) {
    const queue = build(100, ops);
    const taken = expected.map(() => queue.takeFor(apps));
    t.deepEqual(
      taken.map((entry) => (entry === undefined ? undefined : `${entry.app}:${entry.item}`)),
      expected,
    );
  },
  title: (provided = '', _ops, apps) => `takeFor [${apps.join(',')}]: ${provided}`,
});

const interleaved: Op[] = [
  ['enqueue', 'A', 'a1'],
  ['enqueue', 'B', 'b1'],
  ['enqueue', 'A', 'a2'],
  ['enqueue', 'C', 'c1'],
  ['enqueue', 'B', 'b2'],
];

test('oldest across the apps', takes, interleaved, ['A', 'B', 'C'], ['A:a1', 'B:b1', 'A:a2', 'C:c1', 'B:b2', undefined]);
test('only the apps asked for', takes, interleaved, ['B', 'C'], ['B:b1', 'C:c1', 'B:b2', undefined]);
test('an app with nothing waiting', takes, interleaved, ['Z'], [undefined]);
test('no apps', takes, interleaved, [], [undefined]);
test('a removed item is skipped', takes, [...interleaved, ['remove', 'A', 'a1']], ['A', 'B'], ['B:b1', 'A:a2', 'B:b2', undefined]);
test('removing from the middle keeps the order', takes, [...interleaved, ['enqueue', 'A', 'a3'], ['remove', 'A', 'a2']], ['A'], ['A:a1', 'A:a3', undefined]);
test(
  'removing the last then adding again',
  takes,
  [
    ['enqueue', 'A', 'a1'],
    ['remove', 'A', 'a1'],
    ['enqueue', 'A', 'a2'],
  ],
  ['A'],
  ['A:a2', undefined],
);

test('the global bound refuses enqueues and frees room as items leave', (t) => {
  const queue = new DispatchQueue<string>(3);
  t.deepEqual(
    ['a1', 'b1', 'a2', 'b2'].map((item) => queue.enqueue(item[0] === 'a' ? 'A' : 'B', item)),
    [true, true, true, false],
  );
  t.is(queue.size, 3);
  t.like(queue.takeFor(['B']), { app: 'B', item: 'b1' });
  t.true(queue.enqueue('B', 'b2'));
  t.true(queue.remove('A', 'a1'));
  t.true(queue.enqueue('C', 'c1'));
  t.false(queue.enqueue('C', 'c2'));
  t.deepEqual([queue.size, queue.sizeOf('A'), queue.sizeOf('B'), queue.sizeOf('C')], [3, 1, 1, 1]);
});

test('a bound of 0, or an invalid one, refuses everything', (t) => {
  for (const bound of [0, -1, 2.5, Number.NaN]) {
    const queue = new DispatchQueue<string>(bound);
    t.false(queue.enqueue('A', 'a1'), `bound ${bound}`);
    t.is(queue.maxQueue, 0);
  }
});

test('the same item twice for one app is refused, for another app accepted', (t) => {
  const queue = new DispatchQueue<string>(10);
  t.true(queue.enqueue('A', 'x'));
  t.false(queue.enqueue('A', 'x'));
  t.true(queue.enqueue('B', 'x'));
  t.is(queue.size, 2);
});

test('remove reports whether the item was waiting for that app', (t) => {
  const queue = build(10, interleaved);
  t.false(queue.remove('B', 'a1'));
  t.false(queue.remove('Z', 'a1'));
  t.true(queue.remove('A', 'a1'));
  t.false(queue.remove('A', 'a1'));
  t.is(queue.size, 4);
  t.is(queue.sizeOf('A'), 1);
});

test('drainApp empties one app, oldest first', (t) => {
  const queue = build(10, interleaved);
  t.deepEqual(queue.drainApp('B'), ['b1', 'b2']);
  t.deepEqual(queue.drainApp('B'), []);
  t.is(queue.size, 3);
  t.is(queue.sizeOf('B'), 0);
  t.true(queue.enqueue('B', 'b3'));
  t.like(queue.takeFor(['B']), { item: 'b3' });
});

test('drainAll empties everything, oldest first across apps', (t) => {
  const queue = build(10, [...interleaved, ['remove', 'C', 'c1']]);
  t.deepEqual(queue.drainAll(), ['a1', 'b1', 'a2', 'b2']);
  t.is(queue.size, 0);
  t.is(queue.takeFor(['A', 'B', 'C']), undefined);
  t.deepEqual(queue.drainAll(), []);
});

test('objects are matched by identity', (t) => {
  const queue = new DispatchQueue<{ id: number }>(10);
  const first = { id: 1 };
  t.true(queue.enqueue('A', first));
  t.true(queue.enqueue('A', { id: 1 }));
  t.false(queue.remove('A', { id: 1 }));
  t.true(queue.remove('A', first));
  t.is(queue.sizeOf('A'), 1);
});
