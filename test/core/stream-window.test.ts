// Window accounting of per-stream flow control: the sender's credit, the reader's batched grants,
// and the arbiter's relay window for clients with and without CREDIT.
import test from 'ava';
import { MAX_GRANT, ReadWindow, RelayWindow, SendCredit, STREAM_WINDOW } from '../../src/core/stream-window.js';

test('SendCredit: a sender may send its window, then nothing until credit comes', (t) => {
  const c = new SendCredit(3);
  t.deepEqual([c.take(), c.take(), c.take(), c.take()], [true, true, true, false]);
  t.is(c.available, 0);
  c.add(2);
  t.deepEqual([c.take(), c.take(), c.take()], [true, true, false]);
});

test('SendCredit defaults to STREAM_WINDOW', (t) => {
  t.is(new SendCredit().available, STREAM_WINDOW);
});

test('ReadWindow opens at its chunk limit when it is small, and grants in batches of half a window', (t) => {
  const r = new ReadWindow(8);
  t.is(r.opening, 8);
  t.deepEqual(
    Array.from({ length: 12 }, () => r.taken(10)),
    [0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4],
  );
});

test('ReadWindow of 1 grants every chunk', (t) => {
  const r = new ReadWindow(1);
  t.deepEqual([r.taken(10), r.taken(10)], [1, 1]);
});

test('ReadWindow: small chunks widen the window towards its byte target, within the chunk limit', (t) => {
  const r = new ReadWindow(8192, 4096);
  t.is(r.opening, STREAM_WINDOW);
  t.is(r.taken(4), 1024 - (STREAM_WINDOW - 1)); // 4 bytes a chunk: 1024 chunks make 4096 bytes
  t.is(r.target, 1024);
  const tiny = new ReadWindow(2000, 4096);
  t.is(tiny.taken(1), 2000 - (STREAM_WINDOW - 1)); // 1 byte a chunk: the chunk limit rules
});

test('ReadWindow: large chunks narrow the window, no grant until the reader is within it', (t) => {
  const r = new ReadWindow(8192, 4096);
  const grants = Array.from({ length: STREAM_WINDOW }, () => r.taken(1024)); // target 4 chunks
  // granted 256, taken k: room = 4 - (256 - k) reaches half the target (2) at k = 254
  t.deepEqual(
    grants.slice(0, 253),
    Array.from({ length: 253 }, () => 0),
  );
  t.deepEqual(grants.slice(253), [2, 0, 2]);
  t.is(r.target, 4);
});

test('RelayWindow without CREDIT: the worker runs a window ahead of what the socket accepted', (t) => {
  const w = new RelayWindow(8);
  t.false(w.windowed);
  const grants: number[] = [];
  for (let i = 0; i < 12; i++) {
    w.relay();
    w.accepted(); // the socket took it at once
    grants.push(w.grant());
  }
  // due grows by one per chunk and is granted once it reaches half the window
  t.deepEqual(grants, [0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4]);
  t.false(w.exhausted);
  t.is(w.unread, 0);
});

test('RelayWindow without CREDIT: a congested socket stops the worker after one window', (t) => {
  const w = new RelayWindow(8);
  for (let i = 0; i < 8; i++) {
    w.relay(); // congested: accepted() is not called
    t.is(w.grant(), 0);
  }
  t.true(w.exhausted);
  t.is(w.unread, 8);
  w.accepted(); // the socket drained
  t.is(w.grant(), 8);
  t.false(w.exhausted);
});

test('RelayWindow without CREDIT: an exhausted worker gets even a small grant at once', (t) => {
  const w = new RelayWindow(8);
  for (let i = 0; i < 8; i++) w.relay();
  t.true(w.exhausted);
  t.is(w.grant(), 0);
  w.accepted();
  t.is(w.grant(), 8);
  for (let i = 0; i < 8; i++) w.relay();
  t.true(w.exhausted);
  w.accepted(); // the socket took all 16: the worker may run a window past them
  t.is(w.grant(), 8);
});

test('RelayWindow with CREDIT: the worker follows the client grants, never below the initial window', (t) => {
  const w = new RelayWindow(8);
  w.credit(8);
  t.true(w.windowed);
  t.is(w.grant(), 0); // the worker already has 8
  for (let i = 0; i < 8; i++) w.relay();
  t.true(w.exhausted);
  t.is(w.grant(), 0); // the client has not made room: the stream is stalled
  t.is(w.unread, 0);
  w.credit(4);
  t.is(w.grant(), 4);
  t.false(w.exhausted);
});

test('RelayWindow with CREDIT: a small window client gets the initial window, then its own pace', (t) => {
  const w = new RelayWindow(8);
  w.credit(2);
  for (let i = 0; i < 8; i++) w.relay();
  t.is(w.unread, 6); // relayed beyond what the client granted: at most the initial window
  t.is(w.grant(), 0);
  w.credit(6); // granted 8 in all: nothing new for the worker
  t.is(w.grant(), 0);
  w.credit(1);
  t.is(w.grant(), 1); // the worker is exhausted: even one is sent at once
});

test('RelayWindow with CREDIT: grants are batched while the worker still has credit', (t) => {
  const w = new RelayWindow(8);
  w.credit(8);
  w.relay();
  w.credit(1);
  t.is(w.grant(), 0);
  w.credit(2);
  t.is(w.grant(), 0);
  w.credit(1);
  t.is(w.grant(), 4);
});

test('RelayWindow: a CREDIT that arrives after chunks were relayed still counts from the start', (t) => {
  const w = new RelayWindow(4);
  w.relay();
  w.relay();
  w.credit(4);
  t.is(w.unread, 0);
  w.relay();
  w.relay();
  t.true(w.exhausted);
  t.is(w.grant(), 0);
});

test('RelayWindow: a grant never exceeds what one CREDIT frame carries, however much the client granted', (t) => {
  const w = new RelayWindow(4);
  for (let i = 0; i < 3; i++) w.credit(MAX_GRANT); // a hostile client: three maximal grants before the first chunk
  w.relay();
  // What the client granted reaches the worker in grants of at most MAX_GRANT each.
  t.deepEqual([w.grant(), w.grant(), w.grant(), w.grant()], [MAX_GRANT, MAX_GRANT, MAX_GRANT - 4, 0]);
});
