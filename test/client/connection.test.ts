// The client's Connection (src/client/connection.ts) on a fake socket: the call table by request
// id, queued frames sent on connect, CANCEL and CREDIT, at-most-once failure of sent calls when
// the socket goes, reconnect for queued ones, a bad frame from the arbiter, close.
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import test from 'ava';
import { Connection, type CallSink, type CallState } from '../../src/client/connection.js';
import type { DirtyError } from '../../src/errors.js';
import { MessageType } from '../../src/protocol/constants.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { decodePayload, type Frame } from '../../src/protocol/frame.js';
import type { RequestId } from '../../src/protocol/header.js';
import { encodeChunk, encodeResponse, writeRequest } from '../../src/protocol/messages.js';

/** The client's end of the socket to the arbiter: the test connects it and plays the arbiter. */
class FakeSocket extends Duplex {
  readonly out: Buffer[] = [];
  refed: boolean | null = null;
  constructor() {
    super({
      read: () => undefined,
      write: (chunk: Buffer, _enc, cb) => {
        this.out.push(chunk);
        cb();
      },
    });
  }
  ref(): this {
    this.refed = true;
    return this;
  }
  unref(): this {
    this.refed = false;
    return this;
  }
  /** The frames written, with their ids as the client keeps them (numbers). */
  frames(): Frame[] {
    const frames: Frame[] = [];
    FrameDecoder.numeric().read(Buffer.concat(this.out), (type, requestId, buf, start, end) =>
      frames.push({ type, requestId, payload: buf.subarray(start, end) }),
    );
    return frames;
  }
}

class Sink implements CallSink {
  state: CallState = 'queued';
  frames: readonly Buffer[] = [];
  readonly got: Frame[] = [];
  readonly responses: Buffer[] = [];
  failed: DirtyError | null = null;
  onFrame(frame: Frame): void {
    this.got.push(frame);
  }
  onResponse(buf: Buffer, start: number, end: number): void {
    this.responses.push(Buffer.from(buf.subarray(start, end)));
  }
  onFail(error: DirtyError): void {
    this.failed = error;
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(): { conn: Connection; sockets: FakeSocket[]; call: (app?: string) => { id: RequestId; sink: Sink } } {
  const sockets: FakeSocket[] = [];
  const conn = new Connection({
    socketPath: () => '/fake.sock',
    defaultTimeoutMs: 0,
    maxReconnectDelayMs: 10,
    connect: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s as unknown as Socket;
    },
  });
  const call = (app = 'a'): { id: RequestId; sink: Sink } => {
    const id = conn.nextId();
    const sink = new Sink();
    conn.open(
      id,
      conn.encode((rid, out) => writeRequest(out, rid, app, 'x', []), id),
      sink,
    );
    return { id, sink };
  };
  return { conn, sockets, call };
}

const requestIds = (s: FakeSocket): RequestId[] =>
  s
    .frames()
    .filter((f) => f.type === MessageType.REQUEST)
    .map((f) => f.requestId);

test('calls wait for the connect, then go out in order; answers reach their call by request id, late ones are dropped', async (t) => {
  const { conn, sockets, call } = setup();
  const a = call();
  const b = call();
  t.is(sockets.length, 1, 'one socket, opened lazily by the first call');
  t.is(a.sink.state, 'queued');
  const s = sockets[0] as FakeSocket;
  s.emit('connect');
  await turn();
  t.deepEqual(requestIds(s), [a.id, b.id]);
  t.is(a.sink.state, 'sent');
  s.push(Buffer.concat([...encodeResponse(BigInt(b.id), 'B'), ...encodeChunk(BigInt(a.id), 'chunk'), ...encodeResponse(99n, 'late')]));
  t.deepEqual(decodePayload({ payload: b.sink.responses[0] ?? Buffer.alloc(0) }), { result: 'B' });
  t.deepEqual(
    a.sink.got.map((f) => f.type),
    [MessageType.CHUNK],
  );
  conn.finish(b.id);
  s.push(Buffer.concat(encodeResponse(BigInt(b.id), 'again')));
  t.is(b.sink.responses.length, 1, 'a finished id gets nothing more');
  const c = call();
  await turn();
  t.deepEqual(requestIds(s), [a.id, b.id, c.id], 'once connected, a call goes straight out');
});

test('abandon CANCELs a sent call (saying when it timed out), forgets a queued one; CREDIT only for a sent call', async (t) => {
  const { conn, sockets, call } = setup();
  const queued = call();
  t.is(conn.abandon(queued.id), 'queued');
  const s = sockets[0] as FakeSocket;
  s.emit('connect');
  const a = call();
  const b = call();
  conn.credit(a.id, 16);
  t.is(conn.abandon(a.id), 'sent');
  t.is(conn.abandon(b.id, true), 'sent');
  t.is(conn.abandon(b.id), undefined, 'once only');
  conn.credit(a.id, 16);
  await turn();
  const frames = s.frames();
  t.deepEqual(
    frames.map((f) => [f.type, f.requestId]),
    [
      [MessageType.REQUEST, a.id],
      [MessageType.REQUEST, b.id],
      [MessageType.CREDIT, a.id],
      [MessageType.CANCEL, a.id],
      [MessageType.CANCEL, b.id],
    ],
  );
  t.deepEqual(decodePayload(frames[2] as Frame), { credit: 16 });
  t.deepEqual(decodePayload(frames[4] as Frame), { reason: 'timeout' });
});

test('a lost socket fails the sent calls at once (they may have run) and reconnects for the queued ones', async (t) => {
  const { sockets, call } = setup();
  const sent = call();
  const first = sockets[0] as FakeSocket;
  first.emit('connect');
  await turn();
  first.destroy();
  await turn();
  t.is(sent.sink.failed?.name, 'DirtyConnectionError');
  t.regex(sent.sink.failed?.message ?? '', /was lost/);
  const next = call();
  t.is(sockets.length, 2, 'a new socket for the next call');
  (sockets[1] as FakeSocket).emit('connect');
  await turn();
  t.deepEqual(requestIds(sockets[1] as FakeSocket), [next.id]);
  t.is(next.sink.failed, null);
});

test('a connect that fails leaves queued calls waiting; a retry after a backoff sends them', async (t) => {
  const { sockets, call } = setup();
  const a = call();
  (sockets[0] as FakeSocket).destroy(); // refused before it connected
  const deadline = Date.now() + 5000;
  while (sockets.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  t.is(a.sink.failed, null, 'never written: it cannot have run, so it waits');
  t.is(a.sink.state, 'queued');
  (sockets[1] as FakeSocket).emit('connect');
  await turn();
  t.deepEqual(requestIds(sockets[1] as FakeSocket), [a.id]);
});

test('garbage from the arbiter fails the sent calls with a protocol error and drops the socket', async (t) => {
  const { sockets, call } = setup();
  const a = call();
  const s = sockets[0] as FakeSocket;
  s.emit('connect');
  await turn();
  s.push(Buffer.from('this is not a dirty frame header'));
  t.is(a.sink.failed?.name, 'DirtyProtocolError');
  t.true(s.destroyed);
});

test('an idle connection does not hold the process; close fails what is open and refuses new calls', async (t) => {
  const { conn, sockets, call } = setup();
  const a = call();
  const s = sockets[0] as FakeSocket;
  s.emit('connect');
  t.true(s.refed);
  conn.finish(a.id);
  t.false(s.refed);
  const b = call();
  t.true(s.refed);
  await conn.close();
  t.regex(b.sink.failed?.message ?? '', /closed/);
  t.true(s.destroyed);
  const c = call();
  t.regex(c.sink.failed?.message ?? '', /closed/);
  t.true(conn.closed);
});
