// client.stash (src/client/stash.ts) on a fake connection: what each call sends, and that a bad
// argument is a rejected promise, never a synchronous throw (incr returns the answer's own promise).
import test from 'ava';
import type { Connection } from '../../src/client/connection.js';
import { StashClient } from '../../src/client/stash.js';
import { MessageType, StashOp } from '../../src/protocol/constants.js';

interface Sent {
  readonly type: MessageType;
  readonly keys: readonly string[];
  readonly values: readonly unknown[];
}

function fake(answer: unknown): { stash: StashClient; sent: Sent[] } {
  const sent: Sent[] = [];
  const conn = {
    requestFields: (type: MessageType, _label: string, keys: readonly string[], values: readonly unknown[]): Promise<unknown> => {
      sent.push({ type, keys: [...keys], values: [...values] });
      return Promise.resolve(answer);
    },
  };
  return { stash: new StashClient(conn as unknown as Connection), sent };
}

test('incr sends op, table, key and by, and resolves with the new value', async (t) => {
  const { stash, sent } = fake(42);
  t.is(await stash.incr('c', 'n'), 42);
  t.is(await stash.incr('c', 'n', -5), 42);
  t.deepEqual(sent, [
    { type: MessageType.STASH, keys: ['op', 'table', 'key', 'by'], values: [StashOp.INCR, 'c', 'n', 1] },
    { type: MessageType.STASH, keys: ['op', 'table', 'key', 'by'], values: [StashOp.INCR, 'c', 'n', -5] },
  ]);
});

test('incr with ttlMs sends ttl_ms after by', async (t) => {
  const { stash, sent } = fake(1);
  await stash.incr('c', 'n', 1, { ttlMs: 60_000 });
  t.deepEqual(sent, [{ type: MessageType.STASH, keys: ['op', 'table', 'key', 'by', 'ttl_ms'], values: [StashOp.INCR, 'c', 'n', 1, 60_000] }]);
});

test('incr with a bad table or ttlMs rejects, without throwing and without sending', async (t) => {
  const { stash, sent } = fake(1);
  let pending: Promise<unknown> | undefined;
  t.notThrows(() => (pending = stash.incr(5 as unknown as string, 'n')));
  await t.throwsAsync(pending ?? Promise.resolve(), { instanceOf: TypeError, message: /`table` to be a string/ });
  await t.throwsAsync(stash.incr('c', 'n', 1, { ttlMs: -1 }), { instanceOf: TypeError });
  t.deepEqual(sent, []);
});
