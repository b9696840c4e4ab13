// Floor relay (the arbiter stand-in): listens on argv[2], keeps one connection to the echo worker
// on argv[3], parses frame boundaries, gives each call a relay id (a Map, like the arbiter's
// request-id rewrite) and forwards header + payload without touching the payload bytes.
import { connect, createServer } from 'node:net';
import { frameReader, header } from './frames.mjs';

const [listenPath, workerPath] = process.argv.slice(2);
const calls = new Map(); // relay id -> { socket, id }
let nextId = 1;

const upstream = connect(workerPath);
upstream.on(
  'data',
  (() => {
    const corked = new Set();
    const push = frameReader((rid, payload) => {
      const call = calls.get(rid);
      if (call === undefined) return;
      calls.delete(rid);
      const s = call.socket;
      if (!corked.has(s)) {
        corked.add(s);
        s.cork();
      }
      s.write(header(call.id, payload.length));
      if (payload.length > 0) s.write(payload);
    });
    return (chunk) => {
      push(chunk);
      for (const s of corked) s.uncork();
      corked.clear();
    };
  })(),
);
upstream.on('error', (err) => {
  console.error(`floor relay: upstream ${err.message}`);
  process.exit(1);
});

const server = createServer((socket) => {
  const push = frameReader((id, payload) => {
    const rid = nextId++;
    if (nextId > 0xfffffff0) nextId = 1;
    calls.set(rid, { socket, id });
    upstream.write(header(rid, payload.length));
    if (payload.length > 0) upstream.write(payload);
  });
  socket.on('data', (chunk) => {
    upstream.cork();
    push(chunk);
    upstream.uncork();
  });
  socket.on('error', () => socket.destroy());
});
upstream.on('connect', () => server.listen(listenPath, () => process.send?.('ready')));
process.on('disconnect', () => process.exit(0));
