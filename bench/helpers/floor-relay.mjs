// Floor relay (the arbiter stand-in): listens on argv[2] and keeps one connection to each echo
// worker on argv[3..]. It parses frame boundaries, gives each call a relay id (like the
// arbiter's request-id rewrite), sends it to the worker with the fewest calls in flight, and
// forwards the payload untouched; every socket gets one write per turn of the event loop, the calls
// in flight are in an IdRing (floor-frames.mjs), as the arbiter does both. An answer that spans reads
// is read straight into one buffer (assemblingReads) and leaves as that one buffer.
// Every reader reads on a socket it connected itself, where net offers `onread` (floor-frames.mjs,
// feeds): each echo process takes the relay's requests on a connection it makes to the relay's feed
// socket (argv[3]), and the relay takes a client's requests on a connection it makes to the client's
// feed socket, so a 1 MiB request, too, is read straight into one buffer on every hop.
import { connect, createServer } from 'node:net';
import { assemblingReads, feedFrom, feedHello, frameReader, helloPath, IdRing, PayloadPool, TickOut } from './floor-frames.mjs';

const [listenPath, feedPath, ...workerPaths] = process.argv.slice(2);
const calls = new IdRing(); // relay id -> { out, id }
const pool = new PayloadPool(); // payloads read straight into a buffer, used again once written on
let nextId = 1;

const workers = workerPaths.map((path) => {
  const onread = assemblingReads((rid, buf, start, end) => {
    const call = calls.take(rid);
    if (call === undefined) return;
    w.inflight--;
    call.out.frame(call.id, buf, start, end, null, pool.doneWith(buf));
  }, pool.take);
  const socket = connect({ path, onread });
  const w = { socket, out: null, inflight: 0 };
  socket.on('error', (err) => {
    console.error(`floor relay: worker ${path}: ${err.message}`);
    process.exit(1);
  });
  return w;
});

function pick() {
  let best = workers[0];
  for (let i = 1; i < workers.length; i++) if (workers[i].inflight < best.inflight) best = workers[i];
  return best;
}

const server = createServer((socket) => {
  const out = new TickOut(socket, true);
  const route = (id, buf, start, end, pieces) => {
    const rid = nextId++;
    if (nextId > 0xfffffff0) nextId = 1;
    const w = pick();
    w.inflight++;
    calls.set(rid, { out, id });
    w.out.frame(rid, buf, start, end, pieces ?? null, pool.doneWith(buf));
  };
  socket.on(
    'data',
    frameReader((id, buf, start, end, pieces) => {
      if (id !== 0) route(id, buf, start, end, pieces);
      else feedFrom(helloPath(buf, start, end, pieces), 0, route, pool.take).on('error', () => socket.destroy());
    }),
  );
  socket.on('error', () => socket.destroy());
});
// The feed connections: each echo says which it is with a header-only frame whose id is its index.
const fed = new Promise((resolve) => {
  let missing = workers.length;
  createServer((socket) => {
    const read = frameReader((index) => {
      socket.off('data', read);
      workers[index].out = new TickOut(socket, true);
      if (--missing === 0) resolve();
    });
    socket.on('data', read);
  }).listen(feedPath, () => {
    for (const w of workers) w.socket.write(feedHello(feedPath));
  });
});
await Promise.all(workers.map((w) => new Promise((resolve) => w.socket.once('connect', resolve))));
await fed;
server.listen(listenPath, () => process.send?.('ready'));
process.on('disconnect', () => process.exit(0));
