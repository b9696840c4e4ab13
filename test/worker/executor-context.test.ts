// The executor's call context: callContext() inside sync and async actions, plain functions that
// return promises, and both kinds of generators; the AbortSignal made on demand and aborted on
// CANCEL; a sync action answered at once. In process, with a sink that collects the frames.
import { Buffer } from 'node:buffer';
import test from 'ava';
import { callContext, type CallContext } from '../../src/app/index.js';
import { MessageType } from '../../src/protocol/constants.js';
import { decodePayload, type Frame } from '../../src/protocol/frame.js';
import { encodeRequest } from '../../src/protocol/messages.js';
import { decodingSink } from './decoding-sink.js';
import { Executor } from '../../src/worker/executor.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const seen = (): { app: string; action: string; aborted: boolean } | null => {
  const ctx: CallContext | undefined = callContext();
  return ctx === undefined ? null : { app: ctx.app, action: ctx.action, aborted: ctx.signal.aborted };
};

class Probe {
  held: { resolve: () => void; signal: AbortSignal | undefined }[] = [];
  sync(): unknown {
    return seen();
  }
  async later(): Promise<unknown> {
    await tick();
    await tick();
    return seen();
  }
  delegating(): Promise<unknown> {
    return this.later();
  }
  *gen(): Generator {
    yield seen();
    yield seen();
  }
  async *agen(): AsyncGenerator {
    await tick();
    yield seen();
  }
  async hold(readSignalFirst: boolean): Promise<unknown> {
    const signal = readSignalFirst ? callContext()?.signal : undefined;
    await new Promise<void>((resolve) => this.held.push({ resolve, signal }));
    return { aborted: callContext()?.signal.aborted ?? null, reason: String(callContext()?.signal.reason) };
  }
}

function setup(concurrency = 4): { ex: Executor; app: Probe; frames: Frame[]; call: (id: bigint, action: string, args?: unknown[]) => void } {
  const app = new Probe();
  const frames: Frame[] = [];
  const sink = decodingSink(frames);
  const ex = new Executor(new Map([['probe', { name: 'probe', instance: app as unknown as Record<string, unknown> }]]), sink, concurrency);
  const call = (id: bigint, action: string, args: unknown[] = []): void => {
    const frame = Buffer.concat(encodeRequest(id, 'probe', action, args));
    ex.onRequest(id, frame, 16, frame.length);
  };
  return { ex, app, frames, call };
}

const answers = (frames: Frame[], id: bigint): unknown[] =>
  frames.filter((f) => f.requestId === id).map((f) => (f.type === MessageType.END ? 'END' : decodePayload(f)));
const idle = async (ex: Executor): Promise<void> => {
  while (ex.inflight > 0) await tick();
};

test('a sync action sees its context and is answered before onRequest returns', (t) => {
  const { call, frames } = setup();
  t.is(callContext(), undefined);
  call(1n, 'sync');
  t.deepEqual(answers(frames, 1n), [{ result: { app: 'probe', action: 'sync', aborted: false } }]);
  call(2n, 'sync');
  t.deepEqual(answers(frames, 2n), [{ result: { app: 'probe', action: 'sync', aborted: false } }]);
  t.is(callContext(), undefined, 'nothing leaks out of a call');
});

test('async actions, also through a plain function returning a promise, keep their own context across awaits', async (t) => {
  const { ex, call, frames } = setup();
  call(1n, 'later');
  call(2n, 'delegating');
  call(3n, 'sync');
  call(4n, 'delegating');
  await idle(ex);
  t.deepEqual(answers(frames, 1n), [{ result: { app: 'probe', action: 'later', aborted: false } }]);
  t.deepEqual(answers(frames, 2n), [{ result: { app: 'probe', action: 'delegating', aborted: false } }]);
  t.deepEqual(answers(frames, 4n), [{ result: { app: 'probe', action: 'delegating', aborted: false } }]);
  call(5n, 'delegating');
  await idle(ex);
  t.deepEqual(answers(frames, 5n), [{ result: { app: 'probe', action: 'delegating', aborted: false } }]);
});

test('sync and async generators see their context in every step', async (t) => {
  const { ex, call, frames } = setup();
  call(1n, 'gen');
  call(2n, 'agen');
  await idle(ex);
  const ctx = (action: string): unknown => ({ data: { app: 'probe', action, aborted: false } });
  t.deepEqual(answers(frames, 1n), [ctx('gen'), ctx('gen'), 'END']);
  t.deepEqual(answers(frames, 2n), [ctx('agen'), 'END']);
});

test('CANCEL aborts the signal, whether it was read before or only afterwards', async (t) => {
  const { ex, app, call, frames } = setup();
  call(1n, 'hold', [true]);
  call(2n, 'hold', [false]);
  await tick();
  t.is(app.held.length, 2);
  const early = app.held[0]!.signal!;
  let fired = 0;
  early.addEventListener('abort', () => fired++);
  ex.onCancel(1n);
  ex.onCancel(2n);
  t.is(fired, 1);
  t.true(early.aborted);
  for (const h of app.held) h.resolve();
  await idle(ex);
  for (const id of [1n, 2n]) {
    const [answer] = answers(frames, id) as { error: { error_type: string } }[];
    t.is(answer?.error.error_type, 'DirtyAbortError', `call ${id} is answered "call cancelled"`);
  }
});

test('a waiting call cancelled before it starts is answered at once and never runs', async (t) => {
  const { ex, app, call, frames } = setup(1);
  call(1n, 'hold', [false]);
  call(2n, 'sync');
  ex.onCancel(2n);
  t.deepEqual((answers(frames, 2n)[0] as { error: { error_type: string } }).error.error_type, 'DirtyAbortError');
  app.held[0]!.resolve();
  await idle(ex);
  t.is(answers(frames, 2n).length, 1);
  t.deepEqual(answers(frames, 1n), [{ result: { aborted: false, reason: 'undefined' } }]);
});
