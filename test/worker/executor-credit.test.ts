// The executor streams under per-stream credit: a generator sends its window (STREAM_WINDOW
// chunks) and then is not stepped until CREDIT comes; CANCEL wakes it and closes it; the
// executor's other calls are served meanwhile. In process, with a sink that collects the frames.
import { Buffer } from 'node:buffer';
import test from 'ava';
import { STREAM_WINDOW } from '../../src/core/stream-window.js';
import { MessageType } from '../../src/protocol/constants.js';
import type { Frame } from '../../src/protocol/frame.js';
import { encodeRequest } from '../../src/protocol/messages.js';
import { decodingSink } from './decoding-sink.js';
import { Executor } from '../../src/worker/executor.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

class Gen {
  stepped = 0;
  closed = false;
  *many(n: number): Generator<number> {
    try {
      for (let i = 0; i < n; i++) {
        this.stepped++;
        yield i;
      }
    } finally {
      this.closed = true;
    }
  }
  echo(v: unknown): unknown {
    return v;
  }
}

function setup(): { ex: Executor; app: Gen; frames: Frame[]; call: (id: bigint, action: string, args: unknown[]) => void } {
  const app = new Gen();
  const frames: Frame[] = [];
  const sink = decodingSink(frames);
  const ex = new Executor(new Map([['gen', { name: 'gen', instance: app as unknown as Record<string, unknown> }]]), sink, 2);
  const call = (id: bigint, action: string, args: unknown[]): void => {
    const frame = Buffer.concat(encodeRequest(id, 'gen', action, args));
    ex.onRequest(id, frame, 16, frame.length);
  };
  return { ex, app, frames, call };
}

const count = (frames: Frame[], id: bigint, type: number): number => frames.filter((f) => f.requestId === id && f.type === type).length;

/** Lets the loop turn until `ok()` holds (at most `turns` turns): no wall-clock time involved. */
async function turns(ok: () => boolean, n = 200): Promise<void> {
  for (let i = 0; i < n && !ok(); i++) await tick();
}

test('a stream sends its window, waits for CREDIT, and the other calls are served meanwhile', async (t) => {
  const { ex, app, frames, call } = setup();
  call(1n, 'many', [10_000]);
  await turns(() => count(frames, 1n, MessageType.CHUNK) >= STREAM_WINDOW);
  await turns(() => false, 20); // more turns: nothing more may come without credit
  t.is(count(frames, 1n, MessageType.CHUNK), STREAM_WINDOW);
  t.true(app.stepped <= STREAM_WINDOW + 1, 'the generator is not stepped ahead of its credit');
  call(2n, 'echo', ['other']);
  t.is(count(frames, 2n, MessageType.RESPONSE), 1, 'the other slot serves while the stream waits');
  ex.onCredit(1n, 100);
  await turns(() => count(frames, 1n, MessageType.CHUNK) >= STREAM_WINDOW + 100);
  await turns(() => false, 20);
  t.is(count(frames, 1n, MessageType.CHUNK), STREAM_WINDOW + 100);
  ex.onCancel(1n);
  await turns(() => ex.inflight === 0);
  t.true(app.closed, 'CANCEL woke the waiting generator and closed it');
  t.is(count(frames, 1n, MessageType.ERROR), 1);
  t.is(count(frames, 1n, MessageType.END), 0);
});

test('a stream whose reader keeps granting runs to its END', async (t) => {
  const { ex, frames, call } = setup();
  call(1n, 'many', [1000]);
  let grantedAt = 0;
  await turns(() => {
    const n = count(frames, 1n, MessageType.CHUNK);
    if (n >= grantedAt + 128) {
      grantedAt = n;
      ex.onCredit(1n, 128); // the reader took 128 more
    }
    return count(frames, 1n, MessageType.END) === 1;
  }, 2000);
  t.is(count(frames, 1n, MessageType.CHUNK), 1000);
  t.is(count(frames, 1n, MessageType.END), 1);
});

test('CREDIT for an unknown or finished id is ignored', (t) => {
  const { ex } = setup();
  t.notThrows(() => ex.onCredit(42n, 5));
});
