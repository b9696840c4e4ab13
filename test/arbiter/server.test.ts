// The arbiter's connection handling (src/arbiter/server.ts) on a fake socket, with a real router
// and in-memory workers: what a client's frames do and what comes back on its socket.
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import test from 'ava';
import { ArbiterServer, type ControlHandler } from '../../src/arbiter/server.js';
import { Router } from '../../src/arbiter/router.js';
import { MANAGE_LIMITS } from '../../src/arbiter/control-decode.js';
import { MessageType } from '../../src/protocol/constants.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { decodePayload, type Frame } from '../../src/protocol/frame.js';
import { encodeCancel, encodeCredit, encodeRequest, encodeResponse, encodeStatus, encodeWith, writeCancel } from '../../src/protocol/messages.js';
import { readyWorker } from './fakes.js';

/** A client socket as the server sees it: what the client sends is pushed in; what the server writes is kept. */
class FakeSocket extends Duplex {
  readonly out: Buffer[] = [];
  readonly timeouts: number[] = [];
  constructor() {
    super({
      read: () => undefined,
      write: (chunk: Buffer, _enc, cb) => {
        this.out.push(chunk);
        cb();
      },
    });
  }
  setTimeout(ms: number): this {
    this.timeouts.push(ms);
    return this;
  }
  /** Every frame the server wrote so far. */
  frames(): Frame[] {
    return new FrameDecoder().push(Buffer.concat(this.out));
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await turn();
  }
}

const control: ControlHandler = {
  status: () => ({ workers: 1 }),
  manage: () => ({ ok: true }),
  stash: () => ({ ok: true, result: null }),
  stashFrame: MANAGE_LIMITS,
};

function setup(): { router: Router; server: ArbiterServer; connect: () => FakeSocket; fake: ReturnType<typeof readyWorker>['fake'] } {
  const router = new Router({
    concurrency: 4,
    maxQueue: 10,
    timeoutMs: 0,
    streamStallTimeoutMs: 0,
    knownApps: new Set(['a']),
    expectsHolder: () => false,
    now: () => 0,
  });
  const { w, fake } = readyWorker(1, ['a']);
  router.workerReady(w);
  const server = new ArbiterServer(router, control, 50);
  const connect = (): FakeSocket => {
    const s = new FakeSocket();
    server.server.emit('connection', s as unknown as Socket);
    return s;
  };
  return { router, server, connect, fake };
}

const send = (s: FakeSocket, chunks: readonly Buffer[]): void => {
  s.push(Buffer.concat(chunks));
};

test('a REQUEST reaches the worker under the arbiter id and its RESPONSE comes back under the client id', async (t) => {
  const { connect, fake } = setup();
  const s = connect();
  send(s, encodeRequest(42n, 'a', 'echo', [1]));
  await until('the worker got the call', () => fake.requests().length === 1);
  fake.answer(MessageType.RESPONSE, fake.requests()[0] ?? 0, Buffer.concat(encodeResponse(0n, 'pong')).subarray(16));
  await until('the answer reached the socket', () => s.out.length > 0);
  const [frame] = s.frames();
  t.is(frame?.type, MessageType.RESPONSE);
  t.is(frame?.requestId, 42n);
  t.deepEqual(decodePayload(frame as Frame), { result: 'pong' });
});

test('a REQUEST split across reads is routed whole', async (t) => {
  const { connect, fake } = setup();
  const s = connect();
  const bytes = Buffer.concat(encodeRequest(1n, 'a', 'echo', ['x'.repeat(5000)]));
  s.push(bytes.subarray(0, 100));
  await turn();
  t.deepEqual(s.timeouts, [50], 'half a frame arms the stall timer');
  s.push(bytes.subarray(100));
  await until('routed', () => fake.requests().length === 1);
  t.deepEqual(fake.sent[0]?.payload, bytes.subarray(16));
  t.deepEqual(s.timeouts, [50, 0], 'a whole frame disarms it');
});

test('CANCEL says whether the client timed out; CREDIT passes on to the worker', async (t) => {
  const { connect, fake, router } = setup();
  const s = connect();
  send(s, [...encodeRequest(1n, 'a', 'x', []), ...encodeRequest(2n, 'a', 'x', []), ...encodeRequest(3n, 'a', 'gen', [])]);
  await until('routed', () => fake.requests().length === 3);
  send(s, [...encodeCancel(1n), ...encodeWith((out) => writeCancel(out, 2n, true)), ...encodeCredit(3n, 600)]);
  await until('cancelled', () => fake.cancels().length === 2);
  t.like(router.stats.outcomeTotals(), { cancelled: 1, timeout: 1 });
  fake.answer(MessageType.CHUNK, fake.requests()[2] ?? 0);
  t.deepEqual(
    fake.credits(),
    [{ id: fake.requests()[2] ?? 0, credit: 600 - 256 }],
    'the client granted 600: the worker may run that far beyond its opening window',
  );
  t.is(router.inflight, 3, 'cancelled calls hold their slots until the worker answers');
});

test('STATUS is answered by the control handler, on the same connection as calls', async (t) => {
  const { connect } = setup();
  const s = connect();
  send(s, encodeStatus(9n));
  await until('answered', () => s.out.length > 0);
  const [frame] = s.frames();
  t.is(frame?.requestId, 9n);
  t.deepEqual(decodePayload(frame as Frame), { result: { workers: 1 } });
});

test('a REQUEST with no app_path fails alone; a frame type a client may not send closes only that connection', async (t) => {
  const { connect, fake } = setup();
  const bad = connect();
  const good = connect();
  send(
    bad,
    encodeWith((out) => out.message(MessageType.REQUEST, 5n, { action: 'x' })),
  );
  await until('refused', () => bad.out.length > 0);
  t.is(bad.frames()[0]?.type, MessageType.ERROR);
  t.false(bad.destroyed || bad.writableEnded, 'the connection stays: the stream is in step');
  send(bad, encodeResponse(6n, 'not yours'));
  await until('closed', () => bad.writableEnded);
  const last = bad.frames().at(-1);
  t.is(last?.requestId, 6n);
  t.regex(JSON.stringify(decodePayload(last as Frame)), /DirtyProtocolError.*may not send message type/);
  send(good, encodeRequest(1n, 'a', 'x', []));
  await until('the other connection goes on', () => fake.requests().length === 1);
});

test('a client that goes away abandons its calls: each is CANCELled on its worker', async (t) => {
  const { connect, fake, server } = setup();
  const s = connect();
  send(s, [...encodeRequest(1n, 'a', 'x', []), ...encodeRequest(2n, 'a', 'x', [])]);
  await until('routed', () => fake.requests().length === 2);
  t.is(server.connections, 1);
  s.destroy();
  await until('cancelled', () => fake.cancels().length === 2);
  t.is(server.connections, 0);
});

test('half a frame and then silence: the connection gets a protocol error and is closed', async (t) => {
  const { connect } = setup();
  const s = connect();
  s.push(Buffer.concat(encodeRequest(1n, 'a', 'x', [])).subarray(0, 10));
  await turn();
  s.emit('timeout');
  await until('closed', () => s.writableEnded);
  t.regex(JSON.stringify(decodePayload(s.frames()[0] as Frame)), /incomplete frame/);
});
