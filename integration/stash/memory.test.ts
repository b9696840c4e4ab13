// stashMaxBytes bounds memory: filling the stash to the limit with the worst shapes (lists of empty dicts,
// many tiny keys, long strings, lists of empty bytes) grows the arbiter's RSS by at most 2x stashMaxBytes.
// Measured on the real arbiter process (VmRSS), run with the node flags pm2 gives it (package.json).
import test, { type ExecutionContext } from 'ava';
import { StashLimitError, type DirtyClient } from '../../src/client/index.js';
import { FIXTURES, rssBytes, startArbiter } from '../helpers/arbiter.js';

const MAX = 64 * 1024 * 1024; // the default stashMaxBytes
const MiB = 1024 * 1024;

/** Puts batches of writes until the stash refuses one with maxTotalBytes; returns how many were stored. */
async function fill(c: DirtyClient, write: (i: number) => Promise<void>, batch: number): Promise<number> {
  for (let i = 0; ; i += batch) {
    const results = await Promise.allSettled(Array.from({ length: batch }, (_, k) => write(i + k)));
    const refused = results.filter((r) => r.status === 'rejected');
    for (const r of refused) if (!(r.reason instanceof StashLimitError) || !/maxTotalBytes|maxKeysPerTable/.test(r.reason.message)) throw r.reason;
    if (refused.some((r) => /maxTotalBytes/.test(String(r.reason)))) {
      const s = (await c.status()) as { stash: { keys: number; bytes: number } };
      return s.stash.keys;
    }
  }
}

async function measure(t: ExecutionContext, shape: string, write: (c: DirtyClient, i: number) => Promise<void>, batch: number): Promise<void> {
  const a = await startArbiter({ config: { apps: [`${FIXTURES}:Echo`], workers: 1 }, execArgv: ['--single-threaded-gc'] });
  try {
    const c = a.client(120_000);
    await c.stash.put('warm-up', 'k', [{}, 'x', Buffer.alloc(1)]);
    await c.stash.deleteTable('warm-up');
    const before = rssBytes(a.pid);
    const keys = await fill(c, (i) => write(c, i), batch);
    const status = (await c.status()) as { stash: { bytes: number } };
    const grown = rssBytes(a.pid) - before;
    t.log(
      `${shape}: ${keys} keys, accounted ${(status.stash.bytes / MiB).toFixed(1)} MiB, RSS ${(before / MiB).toFixed(0)} MiB + ${(grown / MiB).toFixed(1)} MiB`,
    );
    t.true(status.stash.bytes > MAX * 0.9, 'the stash was filled to its limit');
    t.true(grown <= 2 * MAX, `RSS grew by ${(grown / MiB).toFixed(1)} MiB, more than 2 x ${MAX / MiB} MiB`);
  } finally {
    await a.stop();
  }
}

const emptyDicts = Array.from({ length: 16_000 }, () => ({}));
const emptyBytes = Array.from({ length: 16_000 }, () => Buffer.alloc(0));
// Just under stashMaxStrBytes (1 MiB of str per STASH frame, field names and table name included).
const longString = 'x'.repeat(MiB - 64);

test.serial('lists of empty dicts', async (t) => {
  await measure(t, 'lists of 16,000 empty dicts', (c, i) => c.stash.put('dicts', i, emptyDicts), 4);
});

test.serial('many tiny keys', async (t) => {
  // 100,000 keys per table (maxKeysPerTable), so the keys spread over tables.
  await measure(t, 'tiny keys with None values', (c, i) => c.stash.put(`tiny${Math.floor(i / 100_000)}`, i, null), 2000);
});

test.serial('long strings', async (t) => {
  await measure(t, 'strings of 1 MiB', (c, i) => c.stash.put('strings', i, `${i}${longString}`), 4);
  t.true(Buffer.byteLength(`999${longString}`) + 'optablekeyvaluestrings'.length < MiB, 'each frame stays within stashMaxStrBytes');
});

test.serial('lists of empty bytes', async (t) => {
  await measure(t, 'lists of 16,000 empty bytes', (c, i) => c.stash.put('bytes', i, emptyBytes), 4);
});
