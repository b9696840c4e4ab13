// Floor stream relay (the arbiter stand-in for streams): like floor-relay.mjs, it gives each call
// a relay id and forwards the payload untouched, but keeps the call until its empty (end) frame.
// No flow control: the floor shows what relaying the same frames costs at the least. Framing and
// one write per socket per tick: floor-frames.mjs.
import { connect, createServer } from 'node:net';
import { frameReader, TickOut } from './floor-frames.mjs';

const [listenPath, workerPath] = process.argv.slice(2);
const calls = new Map(); // relay id -> { out, id }
let nextId = 1;

const upstream = connect(workerPath);
const up = new TickOut(upstream);
upstream.on(
  'data',
  frameReader((rid, buf, start, end, pieces) => {
    const call = calls.get(rid);
    if (call === undefined) return;
    const len = pieces === null ? end - start : end;
    if (len === 0) calls.delete(rid);
    call.out.frame(call.id, buf, start, end, pieces);
  }),
);
upstream.on('error', (err) => {
  console.error(`floor stream relay: upstream ${err.message}`);
  process.exit(1);
});

const server = createServer((socket) => {
  const out = new TickOut(socket);
  socket.on(
    'data',
    frameReader((id, buf, start, end, pieces) => {
      const rid = nextId++;
      calls.set(rid, { out, id });
      up.frame(rid, buf, start, end, pieces);
    }),
  );
  socket.on('error', () => socket.destroy());
});
upstream.on('connect', () => server.listen(listenPath, () => process.send?.('ready')));
process.on('disconnect', () => process.exit(0));
