// Frames a hostile or broken client may send around streams (CREDIT, CANCEL), at the frame level:
// whatever they hold, they affect at most their own call or connection, never a worker.
import test from 'ava';
import { MessageType } from '../../src/protocol/constants.js';
import { encodeCredit, encodeRequest, MAX_CREDIT } from '../../src/protocol/messages.js';
import { waitFor } from '../helpers/wait-for.js';
import { rawConnect } from '../helpers/raw-conn.js';
import { ECHO, harness } from './helpers.js';

const h = harness();
test.after.always(() => h.cleanup());

test('CREDITs that add up past what one CREDIT may carry: the stream runs to its end and its worker lives', async (t) => {
  const a = await h.start({ apps: [ECHO], workers: 1, concurrency: 2 });
  const [pid] = a.workerPids();
  const r = await rawConnect(a.socketPath);
  // Three maximal grants before the first chunk: the client granted 3 * MAX_CREDIT in all.
  r.send([...encodeRequest(1n, ECHO, 'count', [1000]), ...encodeCredit(1n, MAX_CREDIT), ...encodeCredit(1n, MAX_CREDIT), ...encodeCredit(1n, MAX_CREDIT)]);
  const last = await r.next(1n, MessageType.END).catch(() => r.frames.find((f) => f.requestId === 1n && f.type === MessageType.ERROR));
  t.is(last?.type, MessageType.END, a.log());
  t.is(r.frames.filter((f) => f.type === MessageType.CHUNK).length, 1000);
  t.deepEqual(a.workerPids(), [pid ?? -1], 'the worker was not restarted');
  t.notRegex(a.log(), /channel error|exited with code/);
  // The same worker serves the next call.
  t.deepEqual(await a.client(5000).call(ECHO, 'pid', []), pid);
  r.socket.destroy();
  await waitFor(() => a.workerPids().length === 1, 'one worker');
});
