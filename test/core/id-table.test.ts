// IdTable: a table of values by request id that agrees with a Map under any mix of operations.
import test from 'ava';
import { IdTable } from '../../src/core/id-table.js';

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function agree(t: import('ava').ExecutionContext, table: IdTable<string>, model: Map<number | bigint, string>, label: string): void {
  t.is(table.size, model.size, `${label}: size`);
  for (const [k, v] of model) t.is(table.get(k), v, `${label}: get ${k}`);
  t.deepEqual([...table.values()].sort(), [...model.values()].sort(), `${label}: values`);
}

test('consecutive ids coming and going in waves (the calls of a busy connection) agree with a Map', (t) => {
  const table = new IdTable<string>();
  const model = new Map<number | bigint, string>();
  let next = 1;
  for (let wave = 0; wave < 50; wave++) {
    for (let i = 0; i < 64; i++, next++) {
      table.set(next, `v${next}`);
      model.set(next, `v${next}`);
    }
    // Mostly in order, some left behind (a slow call), some out of order.
    for (const k of [...model.keys()]) {
      if (typeof k === 'number' && k % 97 !== 0 && (k % 3 !== 0 || wave % 2 === 1)) {
        t.true(table.delete(k));
        model.delete(k);
      }
    }
    agree(t, table, model, `wave ${wave}`);
  }
  t.false(table.delete(next + 5), 'an absent id');
  t.is(table.get(next + 5), undefined);
});

test('random ids, bigints above 2^53 and replacements agree with a Map', (t) => {
  const r = rng(0x1d7ab1e);
  const table = new IdTable<string>();
  const model = new Map<number | bigint, string>();
  const ids = [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2n ** 53n, 2n ** 64n - 1n];
  for (let i = 0; i < 300; i++) ids.push(Math.floor(r() * 2 ** 53), Math.floor(r() * 500));
  for (let step = 0; step < 5000; step++) {
    const k = ids[Math.floor(r() * ids.length)] ?? 0;
    if (r() < 0.55) {
      table.set(k, `s${step}`);
      model.set(k, `s${step}`);
    } else {
      t.is(table.delete(k), model.delete(k), `delete ${k}`);
    }
    t.is(table.has(k), model.has(k));
    if (step % 250 === 0) agree(t, table, model, `step ${step}`);
  }
  agree(t, table, model, 'end');
});

test('a number key must be a request id', (t) => {
  const table = new IdTable<string>();
  for (const bad of [-1, 1.5, 2 ** 53, NaN]) t.throws(() => table.set(bad, 'x'), { instanceOf: RangeError }, String(bad));
});

/** The inverse of an odd `a` modulo 2^32 (Newton's iteration). */
function inverse(a: number): number {
  let x = a;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(a, x));
  return x >>> 0;
}

/** Ids a client could pick knowing the unsalted hash: each hashes to a value below 4096, so all share slot 0 up to 2^20 slots. */
const colliding = Array.from({ length: 4096 }, (_, v) => {
  const y = Math.imul(v, inverse(0x2c1b3c6d)) >>> 0;
  const h = (y ^ (y >>> 15) ^ (y >>> 30)) >>> 0;
  return Math.imul(h, inverse(0x9e3779b1)) >>> 0;
});

test('ids chosen against the unsalted hash pile into one probe run; a salted table spreads them', (t) => {
  const plain = new IdTable<number>();
  for (const id of colliding) plain.set(id, id);
  t.is(plain.longestRun(), colliding.length, 'without a salt every insert and lookup walks all the calls');
  for (const salt of [1, 2, 0x5bd1e995, 0x7fffffff]) {
    const salted = new IdTable<number>(salt);
    const map = new Map<number, number>();
    for (const id of colliding) {
      salted.set(id, id);
      map.set(id, id);
    }
    t.true(salted.longestRun() < 200, `salt ${salt}: longest run ${salted.longestRun()}`);
    for (const id of colliding.slice(0, 2048)) {
      t.is(salted.get(id), map.get(id));
      t.true(salted.delete(id));
    }
    t.is(salted.size, 2048);
    t.true(colliding.slice(2048).every((id) => salted.get(id) === id));
  }
});

test('a burst grows the table; emptied, it gives the memory back, while waves of 64 never reallocate', (t) => {
  const table = new IdTable<number>();
  for (let id = 1; id <= 100_000; id++) table.set(id, id);
  t.true(table.capacity >= 200_000);
  for (let id = 1; id < 100_000; id++) table.delete(id);
  t.true(table.capacity >= 200_000, 'not while a call is left');
  t.is(table.get(100_000), 100_000);
  table.delete(100_000);
  t.is(table.size, 0);
  t.true(table.capacity <= 4096, `capacity ${table.capacity} after the burst`);
  let next = 1;
  for (let wave = 0; wave < 3; wave++) {
    const ids = Array.from({ length: 64 }, () => next++);
    for (const id of ids) table.set(id, id);
    for (const id of ids) t.is(table.get(id), id);
    for (const id of ids) table.delete(id);
  }
  const settled = table.capacity;
  for (let wave = 0; wave < 100; wave++) {
    const ids = Array.from({ length: 64 }, () => next++);
    for (const id of ids) table.set(id, id);
    for (const id of ids) table.delete(id);
    t.is(table.capacity, settled);
  }
});
