// The stash served by the real arbiter: shared between client processes and dirty apps,
// atomic increments under concurrency, limits with their errors, TTL expiry.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import test from 'ava';
import { StashKeyNotFoundError, StashLimitError, StashTableNotFoundError } from '../../src/client/index.js';
import { FIXTURES, ROOT, startArbiter, type RunningArbiter } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';

const run = promisify(execFile);
let a: RunningArbiter;

test.before(async () => {
  a = await startArbiter({
    config: {
      apps: [`${FIXTURES}:Echo`, { name: 'stasher', module: FIXTURES, export: 'Stasher' }],
      workers: 1,
      stashMaxTables: 8,
      stashMaxKeysPerTable: 50,
      stashMaxBytes: 200_000,
    },
  });
});
test.after.always(async () => {
  await a.stop();
});

test.serial('a client process, another client and a dirty app share one table', async (t) => {
  await run(process.execPath, [`${ROOT}integration/stash/put-from-process.mjs`, 'from-process', 'hello'], {
    env: { ...process.env, PM2_DIRTY_SOCKET: a.socketPath },
  });
  const c = a.client();
  t.is(await c.stash.get('shared', 'from-process'), 'hello');
  const workerPid = await c.execute('stasher', 'remember', 'from-app', { n: 1, bytes: Buffer.from([1, 2, 3]) });
  t.not(workerPid, process.pid);
  t.deepEqual(await c.stash.get('shared', 'from-app'), { n: 1, bytes: Buffer.from([1, 2, 3]) });
  await c.stash.put('shared', 'from-test', [1, 'two']);
  t.deepEqual(await c.execute('stasher', 'recall', 'from-test'), [1, 'two']);
  const keys = await c.stash.keys('shared', 'from-*');
  t.deepEqual([...keys].sort(), ['from-app', 'from-process', 'from-test']);
});

test.serial('8 concurrent clients x 1000 atomic increments give exactly 8000', async (t) => {
  const clients = Array.from({ length: 8 }, () => a.client());
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < 1000; i += 50) {
        await Promise.all(Array.from({ length: 50 }, () => c.stash.incr('counters', 'hits')));
      }
    }),
  );
  t.is(await clients[0]!.stash.get('counters', 'hits'), 8000);
  t.is(await clients[0]!.execute('stasher', 'bump', 5), 5, 'incr from inside a dirty app');
});

test.serial('get returns the default for a missing key or table; strict reads raise the specific class', async (t) => {
  const c = a.client();
  t.is(await c.stash.get('nope-table', 'k', 'dflt'), 'dflt');
  await c.stash.ensure('present');
  t.is(await c.stash.get('present', 'missing'), undefined);
  await t.throwsAsync(c.stash.getOrThrow('present', 'missing'), { instanceOf: StashKeyNotFoundError });
  await t.throwsAsync(c.stash.info('nope-table'), { instanceOf: StashTableNotFoundError });
  t.true(await c.stash.putIfAbsent('present', 'k', 1));
  t.false(await c.stash.putIfAbsent('present', 'k', 2));
  t.true(await c.stash.compareAndSet('present', 'k', 1, 3));
  t.false(await c.stash.compareAndSet('present', 'k', 1, 4));
  const table = c.stash.table('present');
  await table.set('m', 'x');
  t.true(await table.has('m'));
  t.is(await table.size(), 2);
  t.deepEqual(
    new Map(await table.entries()),
    new Map<unknown, unknown>([
      ['k', 3],
      ['m', 'x'],
    ]),
  );
  t.true(await table.delete('m'));
  await table.clear();
  t.is(await table.size(), 0);
});

test.serial('each limit is enforced with StashLimitError and nothing partial', async (t) => {
  const c = a.client();
  for (let i = 0; i < 50; i++) await c.stash.put('full', i, i);
  const keyErr = await t.throwsAsync(c.stash.put('full', 'one-more', 1), { instanceOf: StashLimitError });
  t.regex(keyErr.message, /50/);
  t.false(await c.stash.exists('full', 'one-more'));
  const tables = await c.stash.tables();
  for (let i = tables.length; i < 8; i++) await c.stash.ensure(`t${i}`);
  await t.throwsAsync(c.stash.ensure('t-over'), { instanceOf: StashLimitError });
  await t.throwsAsync(c.stash.put('shared', 'big', Buffer.alloc(300_000)), { instanceOf: StashLimitError });
  t.false(await c.stash.exists('shared', 'big'));
  const status = (await c.status()) as { stash: { tables: number; keys: number; bytes: number } };
  t.is(status.stash.tables, 8);
  t.true(status.stash.bytes > 0 && status.stash.bytes <= 200_000);
  for (const name of await c.stash.tables()) if (/^t\d$/.test(name) || name === 'full') await c.stash.deleteTable(name);
  t.true((await c.stash.tables()).length < 8, 'deleting tables frees room');
});

test.serial('a key with a TTL expires', async (t) => {
  const c = a.client();
  await c.stash.put('sessions', 'short', 'v', { ttlMs: 400 });
  await c.stash.put('sessions', 'long', 'v');
  t.is(await c.stash.get('sessions', 'short'), 'v');
  await waitFor(async () => !(await c.stash.exists('sessions', 'short')), 'the key to expire', 5000);
  t.is(await c.stash.get('sessions', 'long'), 'v');
});
