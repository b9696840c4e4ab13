// The executor's lifecycle with an in-process sink: concurrency (calls beyond it wait, in order),
// one final frame per call whatever happens, errors of unknown apps and actions, and idle(): only
// after the arbiter's fence (CANCEL 0) and once every call received has answered.
import { Buffer } from 'node:buffer';
import test from 'ava';
import { MessageType } from '../../src/protocol/constants.js';
import { decodePayload, type Frame } from '../../src/protocol/frame.js';
import type { RequestId } from '../../src/protocol/header.js';
import { encodeRequest } from '../../src/protocol/messages.js';
import { FENCE_ID } from '../../src/protocol/constants.js';
import { decodingSink } from './decoding-sink.js';
import { Executor } from '../../src/worker/executor.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

class Gate {
  readonly started: number[] = [];
  readonly #open = new Map<number, () => void>();
  async hold(n: number): Promise<number> {
    this.started.push(n);
    await new Promise<void>((resolve) => this.#open.set(n, resolve));
    return n;
  }
  release(n: number): void {
    this.#open.get(n)?.();
  }
  fail(): never {
    throw new Error('app failed');
  }
}

function setup(concurrency: number): { ex: Executor; gate: Gate; frames: Frame[]; call: (id: bigint, action: string, args?: unknown[], app?: string) => void } {
  const gate = new Gate();
  const frames: Frame[] = [];
  const sink = decodingSink(frames);
  const ex = new Executor(new Map([['gate', { name: 'gate', instance: gate as unknown as Record<string, unknown> }]]), sink, concurrency);
  const call = (id: bigint, action: string, args: unknown[] = [], app = 'gate'): void => {
    const frame = Buffer.concat(encodeRequest(id, app, action, args));
    ex.onRequest(id, frame, 16, frame.length);
  };
  return { ex, gate, frames, call };
}

const finals = (frames: Frame[]): [RequestId, unknown][] =>
  frames.filter((f) => f.type !== MessageType.CHUNK).map((f) => [f.requestId, f.type === MessageType.END ? 'END' : decodePayload(f)]);

test('calls beyond the concurrency wait, then start in arrival order as slots free', async (t) => {
  const { ex, gate, call, frames } = setup(2);
  for (const n of [1, 2, 3, 4]) call(BigInt(n), 'hold', [n]);
  await tick();
  t.deepEqual(gate.started, [1, 2]);
  t.is(ex.inflight, 4);
  gate.release(2);
  await tick();
  t.deepEqual(gate.started, [1, 2, 3]);
  t.deepEqual(finals(frames), [[2n, { result: 2 }]]);
  for (const n of [1, 3]) gate.release(n);
  await tick();
  await tick();
  gate.release(4);
  while (ex.inflight > 0) await tick();
  t.deepEqual(gate.started, [1, 2, 3, 4]);
  t.is(ex.served, 4);
});

test('an unknown app, an unknown action and a throwing action each get one ERROR; the worker goes on', async (t) => {
  const { ex, call, frames } = setup(1);
  call(1n, 'hold', [1], 'nope');
  call(2n, 'missing');
  call(3n, 'fail');
  while (ex.inflight > 0) await tick();
  const errors = finals(frames).map(([id, p]) => [id, (p as { error: { error_type: string; message: string } }).error.message]);
  t.is(errors.length, 3);
  t.deepEqual(
    errors.map(([id]) => id),
    [1n, 2n, 3n],
  );
  t.regex(String(errors[2]?.[1]), /app failed/);
});

test('a running call cancelled still gets exactly one final frame, the "call cancelled" ERROR, once it stops', async (t) => {
  const { ex, gate, call, frames } = setup(1);
  call(1n, 'hold', [1]);
  await tick();
  ex.onCancel(1n);
  ex.onCancel(1n);
  t.deepEqual(frames, [], 'nothing until the action returns');
  gate.release(1);
  while (ex.inflight > 0) await tick();
  ex.onCancel(1n);
  t.is(frames.length, 1);
  t.is((decodePayload(frames[0] as Frame) as { error: { error_type: string } }).error.error_type, 'DirtyAbortError');
});

test('idle() waits for the fence, and after it for every call received before it', async (t) => {
  const { ex, gate, call } = setup(1);
  call(1n, 'hold', [1]);
  call(2n, 'hold', [2]);
  let idle = false;
  void ex.idle().then(() => (idle = true));
  await tick();
  gate.release(1);
  await tick();
  await tick();
  t.false(idle, 'no fence yet: a REQUEST may still be on its way');
  ex.onCancel(FENCE_ID);
  await tick();
  t.false(idle, 'call 2 is still running');
  gate.release(2);
  while (!idle) await tick();
  t.is(ex.inflight, 0);
  t.is(ex.served, 2);
});
