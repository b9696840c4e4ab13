// RollingReload's bookkeeping: one replacement at a time, the old worker retired only once its
// replacement is ready, and a replacement lost meanwhile is asked for again.
import test from 'ava';
import { RollingReload } from '../../src/arbiter/rolling-reload.js';

const all = new Set(['A', 'B']);

test('replaces workers one at a time; the old one retires when its replacement is ready', (t) => {
  const r = new RollingReload([
    { id: 1, apps: ['A'] },
    { id: 2, apps: ['A', 'B'] },
  ]);
  const alive = new Set([1, 2]);
  t.deepEqual(
    r.step((id) => alive.has(id), all),
    { kind: 'spawn', apps: ['A'] },
  );
  r.claim(3, ['A']);
  alive.add(3);
  t.deepEqual(
    r.step((id) => alive.has(id), all),
    { kind: 'wait' },
  );
  t.is(r.onReady(3), 1);
  alive.delete(1);
  t.deepEqual(
    r.step((id) => alive.has(id), all),
    { kind: 'spawn', apps: ['A', 'B'] },
  );
  r.claim(4, ['B', 'A']);
  t.is(r.onReady(4), 2);
  alive.delete(2);
  t.deepEqual(
    r.step((id) => alive.has(id), all),
    { kind: 'done', replaced: 2 },
  );
});

test('a replacement retired before it was ready (e.g. by a scale-down) is spawned again, not waited for', (t) => {
  const r = new RollingReload([{ id: 1, apps: ['A'] }]);
  const alive = new Set([1]);
  t.is(r.step((id) => alive.has(id), all).kind, 'spawn');
  r.claim(2, ['A']);
  alive.add(2);
  t.is(r.step((id) => alive.has(id), all).kind, 'wait');
  alive.delete(2); // the replacement went away
  t.deepEqual(
    r.step((id) => alive.has(id), all),
    { kind: 'spawn', apps: ['A'] },
  );
  r.claim(3, ['A']);
  t.is(r.onReady(2), null, 'the lost replacement no longer counts');
  t.is(r.onReady(3), 1);
});

test('an old worker none of whose apps is configured any more is retired without a replacement', (t) => {
  const r = new RollingReload([{ id: 1, apps: ['Gone'] }]);
  t.deepEqual(
    r.step(() => true, all),
    { kind: 'retire', id: 1 },
  );
});

test('the old worker awaiting a replacement can be given up (the pool retires it instead); the reload goes on', (t) => {
  const r = new RollingReload([
    { id: 1, apps: ['A'] },
    { id: 2, apps: ['B'] },
  ]);
  const alive = new Set([1, 2]);
  t.deepEqual(
    r.step((id) => alive.has(id), all),
    { kind: 'spawn', apps: ['A'] },
  );
  t.is(r.awaiting, 1);
  r.claim(3, ['A']);
  t.is(r.awaiting, null, 'a replacement is starting: nothing to give up');
  alive.add(3);
  alive.delete(3); // the replacement was retired by a scale-down
  t.deepEqual(
    r.step((id) => alive.has(id), all),
    { kind: 'spawn', apps: ['A'] },
  );
  t.is(r.awaiting, 1);
  r.drop();
  alive.delete(1); // retired by the pool
  t.deepEqual(
    r.step((id) => alive.has(id), all),
    { kind: 'spawn', apps: ['B'] },
  );
  r.claim(4, ['B']);
  t.is(r.onReady(4), 2);
  alive.delete(2);
  t.deepEqual(
    r.step((id) => alive.has(id), all),
    { kind: 'done', replaced: 1 },
  );
});
