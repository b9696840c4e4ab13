// The stuck-call sweep: recycles each worker whose abandoned call outlived the grace, naming the
// app and action read back from the REQUEST payload (in one buffer or in pieces).
import test from 'ava';
import { Buffer } from 'node:buffer';
import type { PoolWorker } from '../../src/arbiter/pool-types.js';
import { abandonedByWorker, actionOf, recycleStuck, type AbandonedCall } from '../../src/arbiter/stuck-calls.js';
import { encodeRequest } from '../../src/protocol/messages.js';

/** The payload of an encoded REQUEST frame (after its 16-byte header). */
const payloadOf = (action: string): Buffer => Buffer.concat(encodeRequest(1n, 'app', action, [1, 'x'])).subarray(16);

test('actionOf reads the action from one buffer or from pieces; "?" when it cannot', (t) => {
  const p = payloadOf('forever');
  t.is(actionOf(p), 'forever');
  t.is(actionOf([p.subarray(0, 7), p.subarray(7)]), 'forever');
  t.is(actionOf(Buffer.from([0xff, 0x00])), '?');
  t.is(actionOf(Buffer.alloc((1 << 20) + 1)), '?', 'too big to read for a log line');
});

test('recycleStuck recycles each worker once, naming its longest-ignored call; abandonedByWorker counts them', (t) => {
  const w1 = { id: 1 } as PoolWorker;
  const w2 = { id: 2 } as PoolWorker;
  const abandoned = new Map<number, AbandonedCall>([
    [10, { worker: w1, at: 1_000, app: 'app', payload: payloadOf('short') }],
    [11, { worker: w1, at: 0, app: 'app', payload: payloadOf('forever') }],
    [12, { worker: w2, at: 5_500, app: 'app', payload: payloadOf('recent') }],
  ]);
  const recycled: [number, string][] = [];
  recycleStuck(abandoned, 6_000, 5_000, [], (w, why) => recycled.push([w.id, why]));
  t.deepEqual(recycled, [[1, 'stuck call app.forever ignored cancellation for 6000 ms']]);
  t.deepEqual(
    [...abandonedByWorker(abandoned)].map(([w, n]) => [w.id, n]),
    [
      [1, 2],
      [2, 1],
    ],
  );
});
