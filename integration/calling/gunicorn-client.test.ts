// A gunicorn-style Python client against our arbiter.
//
// gunicorn_client.py is a PROTOCOL-FAITHFUL STAND-IN written from the wire format in docs/protocol.md,
// NOT gunicorn's own code: gunicorn cannot be installed here (PyPI is unreachable
// and Debian's package predates dirty arbiters). It frames requests with struct '>2sBBIQ' and TLV,
// uses hashed-UUID uint64 request ids, sends one request at a time per connection and reads the
// next message, as gunicorn's DirtyClient does.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { waitFor } from '../helpers/wait-for.js';
import { ECHO, harness, key } from './helpers.js';

const h = harness();
test.after.always(() => h.cleanup());

const SCRIPT = fileURLToPath(new URL('./gunicorn_client.py', import.meta.url));

interface ErrorInfo {
  class: string;
  message: string;
  details: Record<string, unknown>;
}

interface Scenario {
  echo: Record<string, unknown>;
  kwargs: unknown;
  stream: unknown[];
  async_stream: unknown[];
  app_error: ErrorInfo | null;
  after_error: unknown;
  not_found: ErrorInfo | null;
  private: ErrorInfo | null;
  status: { live: number; workers: number; apps: string[] };
  sent_ids: string[];
  replies: number;
  id_mismatches: number;
}

function runPython<T = Scenario>(socketPath: string, app: string, mode?: string, ...more: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile('python3', [SCRIPT, socketPath, app, ...(mode === undefined ? [] : [mode]), ...more], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`python client failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as T);
    });
  });
}

test('a gunicorn-style client (one request at a time, hashed uuid ids, next-message reads) works against our arbiter', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 2 });
  const out = await runPython(a.socketPath, ECHO);
  t.deepEqual(out.echo, {
    int: 42,
    negative: -7,
    int64: 2 ** 62,
    float: 1.25,
    true: true,
    none: null,
    str: 'héllo ✓',
    bytes: { $bytes: '0001feff' },
    list: [1, 'a', null, true, 1.5, [2]],
    tuple: [1, 2],
    dict: { a: { b: [1, 2] }, c: { $bytes: '78' }, '3': 'int key' },
  });
  t.deepEqual(out.kwargs, { a: 1, kwargs: { x: 2, y: { $bytes: '7a' } } });
  t.deepEqual(out.stream, [0, 1, 2, 3, 4]);
  t.deepEqual(out.async_stream, [0, 1, 2]);

  t.is(out.app_error?.class, 'DirtyAppError', 'error_type maps to the DirtyAppError class');
  t.is(out.app_error?.message, 'boom from python');
  t.like(out.app_error?.details, { error_type: 'RangeError', app_path: ECHO, action: 'fail' });
  t.regex(String(out.app_error?.details['traceback']), /at Echo\.fail/);
  t.is(out.after_error, 'reconnected', 'after an error gunicorn closes its socket; the next call reconnects');
  t.is(out.not_found?.class, 'DirtyAppNotFoundError');
  t.is(out.private?.class, 'DirtyAppError');
  t.is(out.private?.message, 'Unknown action: _private');

  t.deepEqual(out.status, { live: 2, workers: 2, apps: [ECHO] });
  t.is(out.sent_ids.length, 19);
  t.true(
    out.sent_ids.some((id) => BigInt(id) > 2n ** 53n),
    'full uint64 ids (beyond 2^53) were used',
  );
  t.is(out.id_mismatches, 0, 'every answer carried the id of the request it answers');
  t.is(out.replies, 11 + 1 + 6 + 4 + 1 + 1 + 1 + 1 + 1);
});

test('several gunicorn-style clients at once, each on its own connection', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 2, concurrency: 2 });
  const outs = await Promise.all([1, 2, 3].map(() => runPython(a.socketPath, ECHO)));
  for (const out of outs) {
    t.is(out.id_mismatches, 0);
    t.deepEqual(out.stream, [0, 1, 2, 3, 4]);
    t.is(out.echo['str'], 'héllo ✓');
  }
  const ids = outs.flatMap((o) => o.sent_ids);
  t.is(new Set(ids).size, ids.length, 'no id collision across the runs');
});

test('a gunicorn-style client (no CREDIT) streams with and without a slow reader; its slow stream holds up no other call on the worker', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1, concurrency: 2 });
  const k = key('py-flow');
  let done = false;
  const run = runPython<{ fast: number[]; slow: number[]; after: string }>(a.socketPath, ECHO, 'flow', k).finally(() => (done = true));
  run.catch(() => undefined); // awaited below; a failed assertion before that must not leave it unhandled
  await waitFor(() => h.journal(`${k}-slow`).length > 0, 'the slow stream to start');
  // The reader now stops reading for 3 s after its first chunk: the stream fills the arbiter's
  // socket and waits, but the worker's other slot goes on serving (it is never paused as a whole).
  const c = a.client(10_000);
  const t0 = Date.now();
  for (let i = 0; i < 20; i++) t.is(await c.execute(ECHO, 'echo', i), i);
  t.true(Date.now() - t0 < 1500, `20 calls took ${Date.now() - t0} ms next to the unread stream`);
  t.false(done, 'the echo calls finished while the slow stream was still being read');
  const out = await run;
  t.deepEqual(out, { fast: [300, 300 * 65536], slow: [300, 300 * 65536], after: 'after' });
});

test('a gunicorn-style stash client works against our arbiter, with the specific missing-key/table classes', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1 });
  const out = await runPython<Record<string, unknown>>(a.socketPath, ECHO, 'stash');
  t.deepEqual(out, {
    put: true,
    get: { n: 1, blob: { $bytes: '01' } },
    int_key: true,
    keys_pattern: ['u1'],
    exists_table: true,
    exists_key: false,
    info: { size: 2, table: 'sessions' },
    missing_key: 'StashKeyNotFoundError',
    missing_table: 'StashTableNotFoundError',
    delete: true,
    tables: ['sessions'],
  });
});
