// The honest floor's framing must deliver every frame intact whatever the read boundaries, and
// write once per tick: a floor that lost or merged frames would be fast for the wrong reason.
import { Buffer } from 'node:buffer';
import test from 'ava';
import { assemblingReads, frameReader, IdRing, payloadOf, TickOut, type WritableLike } from '../../bench/helpers/floor-frames.mjs';

class FakeSocket implements WritableLike {
  destroyed = false;
  corked = 0;
  /** One entry per syscall-to-be: a write outside cork, or everything written between cork and uncork. */
  readonly writes: Buffer[][] = [];
  #open: Buffer[] | null = null;
  write(chunk: Buffer): boolean {
    if (this.#open) this.#open.push(chunk);
    else this.writes.push([chunk]);
    return true;
  }
  cork(): void {
    this.#open = [];
  }
  uncork(): void {
    if (this.#open) this.writes.push(this.#open);
    this.#open = null;
  }
}

/** Deterministic pseudo-random numbers (no Math.random in tests). */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

const tick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

test('frames of one tick leave in one write, and come back intact across any read boundaries', async (t) => {
  const rnd = lcg(7);
  const sizes = [0, 1, 7, 8, 64, 16 * 1024, 16 * 1024 + 1, 100_000, 3, 1024 * 1024];
  for (let i = 0; i < 40; i++) sizes.push(Math.floor(rnd() * 40_000));
  const payloads = sizes.map((n, i) => Buffer.alloc(n, i % 251));
  const socket = new FakeSocket();
  const out = new TickOut(socket);
  payloads.forEach((p, i) => out.frame(i + 1, p, 0, p.length, null));
  t.is(socket.writes.length, 0, 'nothing is written before the tick ends');
  await tick();
  t.is(socket.writes.length, 1, 'one write (one writev) for the whole tick');
  const wire = Buffer.concat(socket.writes[0] ?? []);

  for (const seed of [1, 2, 3]) {
    const cut = lcg(seed);
    const got: { id: number; payload: Buffer }[] = [];
    const push = frameReader((id, buf, start, end, pieces) => got.push({ id, payload: Buffer.from(payloadOf(buf, start, end, pieces)) }));
    for (let at = 0; at < wire.length;) {
      const n = 1 + Math.floor(cut() * (seed === 1 ? 9 : 70_000));
      push(wire.subarray(at, at + n));
      at += n;
    }
    t.deepEqual(
      got.map((g) => g.id),
      payloads.map((_p, i) => i + 1),
    );
    t.true(got.every((g, i) => g.payload.equals(payloads[i] ?? Buffer.alloc(0))));
  }
});

/** One tick's frames of `payloads` (ids 1..n) as the bytes on the wire. */
async function wireOf(payloads: Buffer[]): Promise<Buffer> {
  const socket = new FakeSocket();
  const out = new TickOut(socket);
  payloads.forEach((p, i) => out.frame(i + 1, p, 0, p.length, null));
  await tick();
  return Buffer.concat(socket.writes[0] ?? []);
}

function mixedPayloads(seed: number): Buffer[] {
  const rnd = lcg(seed);
  const sizes = [0, 1, 8, 64 * 1024, 1024 * 1024, 5, 300_000, 0, 2];
  for (let i = 0; i < 30; i++) sizes.push(Math.floor(rnd() * 200_000));
  return sizes.map((n, i) => Buffer.alloc(n, (i * 7) % 251));
}

test('assembling: every payload comes as one buffer, intact, across any read boundaries', async (t) => {
  const payloads = mixedPayloads(5);
  const wire = await wireOf(payloads);
  for (const seed of [1, 2, 3]) {
    const cut = lcg(seed);
    const got: Buffer[] = [];
    const push = frameReader((_id, buf, start, end, pieces) => {
      t.is(pieces, null, 'never pieces');
      got.push(Buffer.from((buf ?? Buffer.alloc(0)).subarray(start, end)));
    }, true);
    for (let at = 0; at < wire.length;) {
      const n = 1 + Math.floor(cut() * (seed === 1 ? 9 : 70_000));
      push(wire.subarray(at, at + n));
      at += n;
    }
    t.is(got.length, payloads.length);
    t.true(got.every((g, i) => g.equals(payloads[i] ?? Buffer.alloc(0))));
  }
});

test('assembling reads: the socket reads straight into the answer, frames intact whatever the read sizes, views never overwritten', async (t) => {
  const payloads = mixedPayloads(9);
  const wire = await wireOf(payloads);
  for (const seed of [4, 5, 6]) {
    const cut = lcg(seed);
    const got: { id: number; payload: Buffer }[] = [];
    // Views, not copies: a later read must never overwrite a payload handed out earlier.
    const onread = assemblingReads((id, buf, start, end) => got.push({ id, payload: buf.subarray(start, end) }));
    // What net does with `onread`: ask for a buffer, read at most its length into it, report the bytes.
    for (let at = 0; at < wire.length;) {
      const into = onread.buffer();
      const n = Math.min(into.length, 1 + Math.floor(cut() * (seed === 4 ? 20 : 150_000)), wire.length - at);
      wire.copy(into, 0, at, at + n);
      onread.callback(n, into);
      at += n;
    }
    t.deepEqual(
      got.map((g) => g.id),
      payloads.map((_p, i) => i + 1),
    );
    t.true(got.every((g, i) => g.payload.equals(payloads[i] ?? Buffer.alloc(0))));
    t.true(onread.directReads > 0, 'some reads went straight into a payload');
  }
});

test('a frame read in pieces is relayed as its pieces, then as one payload', async (t) => {
  const socket = new FakeSocket();
  const out = new TickOut(socket);
  const a = Buffer.alloc(20_000, 1);
  const b = Buffer.alloc(30_000, 2);
  out.frame(9, null, 0, a.length + b.length, [a, b]);
  out.frame(10, Buffer.from('xyz'), 1, 3, null);
  await tick();
  const wire = Buffer.concat(socket.writes[0] ?? []);
  const got: [number, Buffer][] = [];
  frameReader((id, buf, start, end, pieces) => got.push([id, payloadOf(buf, start, end, pieces)]))(wire);
  t.deepEqual(
    got.map(([id]) => id),
    [9, 10],
  );
  t.true(got[0]?.[1].equals(Buffer.concat([a, b])));
  t.is(got[1]?.[1].toString(), 'yz');
});

test('per turn: frames queued across several ticks of one turn leave in one write', async (t) => {
  const socket = new FakeSocket();
  const out = new TickOut(socket, true);
  out.frame(1, Buffer.from('a'), 0, 1, null);
  await tick();
  out.frame(2, Buffer.from('b'), 0, 1, null);
  await tick();
  t.is(socket.writes.length, 0, 'nothing written at the end of a tick');
  await new Promise((resolve) => setImmediate(resolve));
  t.is(socket.writes.length, 1);
  const got: number[] = [];
  frameReader((id) => got.push(id))(Buffer.concat(socket.writes[0] ?? []));
  t.deepEqual(got, [1, 2]);
});

test('IdRing agrees with a Map under waves of sequential ids, wrap-around and many in flight', (t) => {
  const ring = new IdRing<number>();
  const map = new Map<number, number>();
  const rnd = lcg(11);
  let next = 0xfffff000; // crosses the relay's wrap-around below
  const live: number[] = [];
  for (let step = 0; step < 20_000; step++) {
    const wave = step % 500 < 250 ? 0.8 : 0.2; // fill up, then drain: up to thousands in flight
    if (rnd() < wave) {
      const id = next;
      next = next >= 0xfffffff0 ? 1 : next + 1;
      ring.set(id, step);
      map.set(id, step);
      live.push(id);
    } else if (live.length > 0) {
      const id = live.splice(Math.floor(rnd() * live.length), 1)[0] ?? 0;
      t.is(ring.take(id), map.get(id));
      map.delete(id);
      t.is(ring.take(id), undefined, 'taken once');
    }
  }
  for (const id of live) t.is(ring.take(id), map.get(id));
  t.is(ring.take(123456), undefined);
});
