// Floor stream relay (the arbiter stand-in for streams): like floor-relay.mjs, it gives each call
// a relay id and forwards header + payload untouched, but keeps the call until its empty (end)
// frame. No flow control: the floor shows what relaying the same frames costs at the least.
import { connect, createServer } from 'node:net';
import { frameReader, header } from './floor-frames.mjs';

const [listenPath, workerPath] = process.argv.slice(2);
const calls = new Map(); // relay id -> { socket, id }
let nextId = 1;

const upstream = connect(workerPath);
upstream.on('data', (() => {
  const corked = new Set();
  const push = frameReader((rid, payload) => {
    const call = calls.get(rid);
    if (call === undefined) return;
    if (payload.length === 0) calls.delete(rid);
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
})());
upstream.on('error', (err) => {
  console.error(`floor stream relay: upstream ${err.message}`);
  process.exit(1);
});

const server = createServer((socket) => {
  const push = frameReader((id, payload) => {
    const rid = nextId++;
    calls.set(rid, { socket, id });
    upstream.write(header(rid, payload.length));
    upstream.write(payload);
  });
  socket.on('data', push);
  socket.on('error', () => socket.destroy());
});
upstream.on('connect', () => server.listen(listenPath, () => process.send?.('ready')));
process.on('disconnect', () => process.exit(0));
